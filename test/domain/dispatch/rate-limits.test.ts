import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { controlItem, incidentOn, NOW, useDispatchControl } from '../../support/dispatch-control.ts';

/**
 * The hourly rate limits as the check applies them: a live run proceeds while the runbook's and
 * selfheal's counts for this clock hour (UTC) are under their limits. The counters themselves are
 * counted by the state machine's conditional writes (in-dispatch.test.ts).
 */
const control = useDispatchControl();

const RUNS = { numRuns: 60 };
const HOUR_12 = '2026-01-01T12';
const runbookCounter = (hour = HOUR_12, runbook = 'hot-shard') => `rate#runbook#${runbook}#${hour}`;
const globalCounter = (hour = HOUR_12) => `rate#global#${hour}`;

/** The runbook live at `runbookLimit` an hour, selfheal at `globalLimit`, with these counts. */
async function counted(counts: {
  runbook: number;
  global: number;
  runbookLimit?: number;
  globalLimit?: number;
}) {
  await control.runbookSwitch({ live: true, actionsPerHour: counts.runbookLimit ?? 6 });
  await control.globalSwitch({ actionsPerHour: counts.globalLimit ?? 20 });
  await control.put(controlItem.counter(runbookCounter(), counts.runbook));
  await control.put(controlItem.counter(globalCounter(), counts.global));
}

/** Only one counter near its limit; the other has room to spare. */
const only = (counter: 'runbook' | 'global', count: number, limit: number) =>
  counter === 'runbook'
    ? { runbook: count, global: 0, runbookLimit: limit, globalLimit: 1000 }
    : { runbook: 0, global: count, runbookLimit: 1000, globalLimit: limit };

describe('rate limits: at, under and over the limit', () => {
  it.each([
    { counter: 'runbook', count: 5, limit: 6, verdict: 'proceed' },
    { counter: 'runbook', count: 6, limit: 6, verdict: 'suppressed' },
    { counter: 'runbook', count: 7, limit: 6, verdict: 'suppressed' },
    { counter: 'global', count: 19, limit: 20, verdict: 'proceed' },
    { counter: 'global', count: 20, limit: 20, verdict: 'suppressed' },
    { counter: 'global', count: 21, limit: 20, verdict: 'suppressed' },
    // A limit of 0 allows no live action at all.
    { counter: 'runbook', count: 0, limit: 0, verdict: 'suppressed' },
  ] as const)(
    '$counter: $count of $limit this hour -> $verdict',
    async ({ counter, count, limit, verdict }) => {
      await counted(only(counter, count, limit));

      expect((await control.check()).verdict).toBe(verdict);
    },
  );

  it.each([
    ['runbook', 'its limit of'],
    ['global', 'its global limit of'],
  ] as const)(
    'lets a live run proceed exactly when the %s count is under its limit, for any count and limit',
    async (counter, named) => {
      await fc.assert(
        fc.asyncProperty(fc.nat(30), fc.nat(40), async (limit, count) => {
          await counted(only(counter, count, limit));
          const verdict = await control.check();
          expect(verdict.verdict).toBe(count < limit ? 'proceed' : 'suppressed');
          if (count >= limit) expect(verdict.reason).toContain(`${named} ${limit} actions this hour`);
        }),
        RUNS,
      );
    },
  );

  it('lets a dry run proceed whatever either count: it changes nothing, so nothing counts it', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(10), fc.nat(40), fc.nat(10), fc.nat(40), async (rl, rc, gl, gc) => {
        await counted({ runbook: rc, global: gc, runbookLimit: rl, globalLimit: gl });
        expect((await control.check({ dryRunRequested: true })).verdict).toBe('proceed');
      }),
      { numRuns: 30 },
    );
  });
});

describe('rate limits: which count applies', () => {
  it.each([
    ['2026-01-01T12:00:00.000Z', HOUR_12],
    ['2026-01-01T12:59:59.999Z', HOUR_12],
    ['2026-01-01T13:00:00.000Z', '2026-01-01T13'],
    ['2026-01-01T23:59:59.999Z', '2026-01-01T23'],
    ['2026-01-02T00:00:00.000Z', '2026-01-02T00'],
  ])('at %s it counts in hour %s', async (at, hour) => {
    const { rate } = await control.check({ at: Date.parse(at) });

    expect(rate).toMatchObject({ runbookPk: runbookCounter(hour), globalPk: globalCounter(hour) });
  });

  // Clock hours, not a sliding hour: a burst at 12:59 and another at 13:00 both pass (see the report).
  it('starts each clock hour from zero, however close the last hour’s actions were', async () => {
    await counted({ runbook: 6, global: 20 });

    expect((await control.check({ at: Date.parse('2026-01-01T12:59:59.999Z') })).verdict).toBe('suppressed');
    expect((await control.check({ at: Date.parse('2026-01-01T13:00:00.000Z') })).verdict).toBe('proceed');
  });

  it('counts per runbook: another runbook’s spent limit does not stop this one', async () => {
    await control.runbookSwitch({ live: true });
    await control.put(controlItem.counter(runbookCounter(HOUR_12, 'sqs-backpressure'), 6));

    expect((await control.check()).verdict).toBe('proceed');
  });

  it('counts per runbook, not per resource: its count holds for every table it acts on', async () => {
    await counted({ runbook: 6, global: 0 });

    const carts = await control.check({ incident: incidentOn({ type: 'dynamodb-table', name: 'carts' }) });

    expect(carts).toMatchObject({ verdict: 'suppressed', rate: { runbookPk: runbookCounter() } });
  });

  it('counts every runbook against selfheal’s global limit', async () => {
    await control.runbookSwitch({ live: true }, 'sqs-backpressure');
    await control.put(controlItem.counter(globalCounter(), 20));

    const verdict = await control.check({ runbook: 'sqs-backpressure', at: NOW });

    expect(verdict).toMatchObject({
      verdict: 'suppressed',
      reason: 'selfheal reached its global limit of 20 actions this hour',
    });
  });
});
