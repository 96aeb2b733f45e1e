import fc from 'fast-check';
import { JSONPath } from 'jsonpath-plus';
import { describe, expect, it } from 'vitest';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { isJsonObject, toJson, type JsonValue } from '../../../core/json.ts';
import type { GuardrailVerdict } from '../../../domain/dispatch/guardrails.ts';
import { RETRYABLE_ERRORS } from '../../../domain/errors.ts';
import { checkGuardrailsTask } from '../../../handlers/check-guardrails.ts';
import {
  controlItem,
  incidentOn,
  NOW,
  NOW_ISO,
  RUNBOOK,
  useDispatchControl,
} from '../../support/dispatch-control.ts';
import { dispatchDefinition, step, THIS_RUN } from '../../support/dispatch-states.ts';

/**
 * The verdict is read by dispatch's state machine, not by code: Choice states compare its fields
 * and conditional writes put them in DynamoDB. Each state that reads it runs here alone, on a real
 * verdict (test/support/dispatch-states.ts), so a field renamed or retyped on either side fails
 * here, and the boundaries the machine enforces (a lease ending exactly now, a counter exactly at
 * its limit) are shown to be those the check applies.
 */
const control = useDispatchControl();

const RESOURCE = 'dynamodb-table/orders';
const ANOTHER_RUN = 'arn:aws:states:us-east-1:000000000000:execution:dispatch:another-run';
const LATER = '2026-01-01T12:30:00.000Z';
const COUNT_RUNBOOK = "Count the action against the runbook's hourly limit";
const COUNT_GLOBAL = 'Count the action against the global hourly limit';
const RATE_LIMITED = 'Release the lock: rate limit reached';
const GIVE_BACK = "Give back the runbook's count";

/** Dispatch's data once the guardrails are checked: the incident, its runbook and the verdict. */
const afterCheck = (verdict: GuardrailVerdict): JsonValue => ({
  incident: toJson(incidentOn()),
  runbook: RUNBOOK,
  guardrails: toJson(verdict),
});
const run = (name: string, input: JsonValue, executionId?: string) =>
  step(name, input, {
    dynamodb: control.dynamodb(),
    tables: control.tables(),
    ...(executionId ? { executionId } : {}),
  });
const stored = async (pk: string) =>
  (
    await control
      .dynamodb()
      .send(new GetItemCommand({ TableName: control.tables().control, Key: { pk: { S: pk } } }))
  ).Item;
const liveVerdict = async (options: { dryRunRequested?: boolean; at?: number } = {}) => {
  await control.runbookSwitch({ live: true });
  return control.check(options);
};

describe('Check the guardrails, then May it run?', () => {
  it('keeps the whole verdict the task returns, and nothing else, for the states after it', async () => {
    const checked = await step(
      'Check the guardrails',
      { incident: toJson(incidentOn()), runbook: RUNBOOK, dryRunRequested: false },
      {
        dynamodb: control.dynamodb(),
        tables: control.tables(),
        invoke: checkGuardrailsTask(() => control.ports()),
      },
    );

    expect(checked.next).toBe('May it run?');
    expect((checked.output as { guardrails: JsonValue }).guardrails).toEqual(toJson(await control.check()));
  });

  it.each([
    ['nothing holds it', async () => undefined, 'Take the resource lock'],
    [
      'the kill switch is on',
      () => control.globalSwitch({ enabled: false }),
      'Record the suppressed incident',
    ],
  ])('%s: goes to %s', async (_, hold, next) => {
    await hold();

    expect((await run('May it run?', afterCheck(await control.check()))).next).toBe(next);
  });

  it('retries exactly the errors selfheal calls retryable (a throttled read of the control table)', () => {
    const state = dispatchDefinition(control.tables()).States['Check the guardrails'];

    expect(state && 'Retry' in state ? state.Retry?.[0]?.ErrorEquals : undefined).toEqual([
      ...RETRYABLE_ERRORS,
    ]);
  });
});

/** Where the machine reads the verdict (`$.guardrails…`), the field reading it and its rule. */
interface Read {
  field: string;
  path: string;
  rule: Record<string, unknown>;
}

function guardrailReads(node: unknown, field = '', rule: Record<string, unknown> = {}): Read[] {
  // ResultPath writes the verdict there; every other `$.guardrails…` reads it.
  if (typeof node === 'string' && field !== 'ResultPath' && node.startsWith('$.guardrails')) {
    return [{ field, path: node, rule }];
  }
  if (Array.isArray(node)) return node.flatMap((child) => guardrailReads(child, field, rule));
  if (!isJsonObject(node)) return [];
  return Object.entries(node).flatMap(([key, child]) => guardrailReads(child, key, node));
}

const isText = (value: unknown) => typeof value === 'string' && value !== '';
const isNumberText = (value: unknown) => typeof value === 'string' && /^\d+$/.test(value);
const isBoolean = (value: unknown) => typeof value === 'boolean';
/** A ledger item, ready for putItem: every attribute a string. */
const isItem = (value: unknown) =>
  isJsonObject(value) &&
  Object.values(value).every((attribute) => isJsonObject(attribute) && typeof attribute.S === 'string');

/** What type a field of the machine needs from the verdict. */
function typeNeeded(read: Read): ((value: unknown) => boolean) | undefined {
  if (read.field === 'N.$') return isNumberText;
  if (['S.$', 'reason.$', 'StringGreaterThanPath'].includes(read.field)) return isText;
  if (read.field === 'Item.$') return isItem;
  if (read.field === 'dryRun.$') return isBoolean;
  if (read.field === 'Variable' && 'BooleanEquals' in read.rule) return isBoolean;
  if (read.field === 'Variable' && 'StringEquals' in read.rule) return isText;
  return undefined;
}

describe('every field of the verdict the machine reads', () => {
  it.each([
    ['a live run that proceeds', async () => liveVerdict()],
    ['a suppressed one', async () => (await control.globalSwitch({ enabled: false }), control.check())],
  ])('is there in %s, with the type the machine needs', async (_, verdictOf) => {
    const data = afterCheck(await verdictOf());
    const reads = guardrailReads(dispatchDefinition(control.tables()));

    const wrong = reads.filter((read) => {
      const value: unknown = JSONPath({ path: read.path, json: data as object, wrap: false });
      return !typeNeeded(read)?.(value);
    });

    expect(reads.length).toBeGreaterThan(20);
    expect(wrong.map((read) => `${read.field} ${read.path}`)).toEqual([]);
  });

  it('is what "Check the guardrails" selects from the task’s payload, no more, no less', async () => {
    const state = dispatchDefinition(control.tables()).States['Check the guardrails'];
    const selected = Object.keys((state as { ResultSelector: object }).ResultSelector).map((key) =>
      key.replace(/\.\$$/, ''),
    );

    expect(selected.sort()).toEqual(Object.keys(await control.check()).sort());
  });

  it.each([
    ['Is it a dry run?', true, 'Record the start'],
    ['Is it a dry run?', false, COUNT_RUNBOOK],
    ['Did it change anything?', true, 'Summarise the outcome'],
    ['Did it change anything?', false, 'Start the cooldown'],
  ])('%s with dryRun %s: goes to %s', async (state, dryRun, next) => {
    const verdict = await liveVerdict({ dryRunRequested: dryRun });

    expect((await run(state, afterCheck(verdict))).next).toBe(next);
  });
});

describe('the resource lock, taken with the verdict’s lease', () => {
  it.each([
    { situation: 'no run holds it', next: 'Read the cooldown under the lock' },
    {
      situation: 'another run holds it until 12:30',
      holder: ANOTHER_RUN,
      lease: LATER,
      next: 'Record: already remediating',
    },
    // The lease holds through its last instant (`leaseExpiresAt < now` frees it), as a cooldown does not.
    {
      situation: 'another run’s lease ends exactly now',
      holder: ANOTHER_RUN,
      lease: NOW_ISO,
      next: 'Record: already remediating',
    },
    {
      situation: 'another run’s lease ended a millisecond ago (it crashed)',
      holder: ANOTHER_RUN,
      lease: '2026-01-01T12:04:59.999Z',
      next: 'Read the cooldown under the lock',
    },
    {
      situation: 'this run holds it (its write is retried)',
      holder: THIS_RUN,
      lease: LATER,
      next: 'Read the cooldown under the lock',
    },
  ])('$situation: goes to $next', async ({ holder, lease, next }) => {
    if (holder && lease) await control.put(controlItem.lock(RESOURCE, holder, lease));

    expect((await run('Take the resource lock', afterCheck(await control.check()))).next).toBe(next);
  });

  it('holds the lock in this run’s name until the verdict’s lease ends', async () => {
    const verdict = await control.check();

    await run('Take the resource lock', afterCheck(verdict));

    expect(await stored(verdict.lock.pk)).toEqual({
      pk: { S: 'lock#dynamodb-table/orders' },
      executionArn: { S: THIS_RUN },
      incidentId: { S: 'cloudwatch-alarm-0001' },
      runbook: { S: 'hot-shard' },
      leaseExpiresAt: { S: verdict.lock.leaseExpiresAt },
      expiresAtEpoch: { N: verdict.lock.expiresAtEpoch },
    });
  });

  it.each([
    ['its own', THIS_RUN, 'Tell the operators', undefined],
    [
      'one another run took after its lease ran out',
      ANOTHER_RUN,
      'Record: the lock was taken over',
      ANOTHER_RUN,
    ],
  ])('releases %s lock: goes to %s, leaving it held by %s', async (_, holder, next, left) => {
    const verdict = await control.check();
    await control.put(controlItem.lock(RESOURCE, holder, LATER));

    expect((await run('Release the resource lock', afterCheck(verdict))).next).toBe(next);
    expect((await stored(verdict.lock.pk))?.executionArn?.S).toBe(left);
  });
});

describe('the hourly counters, counted with the verdict’s keys and limits', () => {
  it.each([
    { state: COUNT_RUNBOOK, key: 'runbookPk', count: undefined, next: COUNT_GLOBAL, after: '1' },
    { state: COUNT_RUNBOOK, key: 'runbookPk', count: 5, next: COUNT_GLOBAL, after: '6' },
    { state: COUNT_RUNBOOK, key: 'runbookPk', count: 6, next: RATE_LIMITED, after: '6' },
    { state: COUNT_GLOBAL, key: 'globalPk', count: 19, next: 'Record the start', after: '20' },
    { state: COUNT_GLOBAL, key: 'globalPk', count: 20, next: GIVE_BACK, after: '20' },
  ] as const)(
    '$key at $count: goes to $next, the count at $after',
    async ({ state, key, count, next, after }) => {
      const verdict = await liveVerdict();
      const pk = verdict.rate[key];
      if (count !== undefined) await control.put(controlItem.counter(pk, count));

      expect((await run(state, afterCheck(verdict))).next).toBe(next);
      expect(await stored(pk)).toEqual({
        pk: { S: pk },
        actions: { N: after },
        ...(next === RATE_LIMITED || next === GIVE_BACK
          ? {}
          : { expiresAtEpoch: { N: verdict.rate.expiresAtEpoch } }),
      });
    },
  );

  it('refuses exactly the runs the check refuses, for any count and limit', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(12), fc.nat(15), async (limit, count) => {
        await control.runbookSwitch({ live: true, actionsPerHour: limit });
        await control.put(controlItem.counter('rate#runbook#hot-shard#2026-01-01T12', count));
        const verdict = await control.check();

        const counted = await run(COUNT_RUNBOOK, afterCheck(verdict));

        expect(counted.next === RATE_LIMITED).toBe(verdict.verdict === 'suppressed');
      }),
      { numRuns: 40 },
    );
  });

  // The runbook's counter counts first; when the global counter then refuses the run, the count is
  // given back, so a refused run uses up none of its runbook's actions.
  it('does not count a run the global limit refuses against its runbook’s limit', async () => {
    const verdict = await liveVerdict();
    await control.put(controlItem.counter(verdict.rate.runbookPk, 2));
    await control.put(controlItem.counter(verdict.rate.globalPk, 20));

    const runbookCounted = await run(COUNT_RUNBOOK, afterCheck(verdict));
    expect((await stored(verdict.rate.runbookPk))?.actions).toEqual({ N: '3' });
    const globalCounted = await run(COUNT_GLOBAL, runbookCounted.output);
    expect(globalCounted.next).toBe(GIVE_BACK);
    const givenBack = await run(GIVE_BACK, globalCounted.output);

    expect(givenBack.next).toBe(RATE_LIMITED);
    expect((await stored(verdict.rate.runbookPk))?.actions).toEqual({ N: '2' });
  });
});

describe('the cooldown, started and read with the verdict’s times', () => {
  it('suppresses the next check of the resource until the cooldown ends, and not a millisecond longer', async () => {
    const verdict = await liveVerdict();

    expect((await run('Start the cooldown', afterCheck(verdict))).next).toBe('Summarise the outcome');

    const until = Date.parse(verdict.cooldown.until);
    expect(await control.check({ at: until - 1 })).toMatchObject({
      verdict: 'suppressed',
      reason: `${RESOURCE} is cooling down until 2026-01-01T12:20:00.000Z`,
    });
    expect((await control.check({ at: until })).verdict).toBe('proceed');
    expect(await stored(verdict.cooldown.pk)).toMatchObject({
      expiresAtEpoch: { N: verdict.cooldown.expiresAtEpoch },
    });
  });

  // A run that ended while this one waited for the lock may have started a cooldown.
  it.each([
    { situation: 'no cooldown', until: undefined, next: 'Is it a dry run?' },
    { situation: 'a cooldown until 12:30', until: LATER, next: 'Release the lock: cooling down' },
    { situation: 'a cooldown ending exactly now', until: NOW_ISO, next: 'Is it a dry run?' },
  ])('under the lock, $situation: goes to $next', async ({ until, next }) => {
    const verdict = await control.check({ at: NOW });
    if (until) await control.put(controlItem.cooldown(RESOURCE, until));

    const read = await run('Read the cooldown under the lock', afterCheck(verdict));

    expect(read.next).toBe('Is it still cooling down?');
    expect((await run('Is it still cooling down?', read.output)).next).toBe(next);
  });
});
