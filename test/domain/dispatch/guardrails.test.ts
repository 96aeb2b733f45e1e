import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { checkGuardrails } from '../../../domain/dispatch/guardrails.ts';
import { AwsThrottledError, ResourceNotFoundError } from '../../../domain/errors.ts';
import { recordCommands } from '../../support/local-dynamodb.ts';
import { controlItem, incidentOn, NOW, NOW_ISO, useDispatchControl } from '../../support/dispatch-control.ts';

/**
 * checkGuardrails: whether an incident's runbook may start now. Its decisions one at a time, the
 * order it checks them in, and what it reads. What a verdict carries is in verdict.test.ts, the
 * rate limits' arithmetic in rate-limits.test.ts, how the state machine reads it in in-dispatch.test.ts.
 */
const control = useDispatchControl();

const RESOURCE = 'dynamodb-table/orders';
const LATER = '2026-01-01T12:20:00.000Z';
const RUNBOOK_COUNTER = 'rate#runbook#hot-shard#2026-01-01T12';
const GLOBAL_COUNTER = 'rate#global#2026-01-01T12';
const STARTED = 'hot-shard started for table-capacity on dynamodb-table/orders';

interface Guardrail {
  name: string;
  /** Leaves in the control table what makes the guardrail hold. */
  hold: () => Promise<void>;
  reason: string;
  /**
   * Whether it stops a dry run an operator asked for. A dry run changes nothing: the rate limits,
   * which count actions, do not stop it, nor does a cooldown (the way to preview a plan during one).
   */
  stopsAskedDryRun: boolean;
}

const KILL_SWITCH: Guardrail = {
  name: 'kill switch',
  hold: () => control.globalSwitch({ enabled: false }),
  reason: 'the global kill switch is on: selfheal changes nothing',
  stopsAskedDryRun: true,
};
const RUNBOOK_OFF: Guardrail = {
  name: 'runbook off',
  hold: () => control.runbookSwitch({ enabled: false, live: true }),
  reason: 'runbook hot-shard is switched off',
  stopsAskedDryRun: true,
};
const COOLDOWN: Guardrail = {
  name: 'cooldown',
  hold: () => control.put(controlItem.cooldown(RESOURCE, LATER)),
  reason: `${RESOURCE} is cooling down until ${LATER}`,
  stopsAskedDryRun: false,
};
const RUNBOOK_LIMIT: Guardrail = {
  name: 'runbook limit',
  hold: () => control.put(controlItem.counter(RUNBOOK_COUNTER, 6)),
  reason: 'runbook hot-shard reached its limit of 6 actions this hour',
  stopsAskedDryRun: false,
};
const GLOBAL_LIMIT: Guardrail = {
  name: 'global limit',
  hold: () => control.put(controlItem.counter(GLOBAL_COUNTER, 20)),
  reason: 'selfheal reached its global limit of 20 actions this hour',
  stopsAskedDryRun: false,
};
/** Every guardrail the check applies, in the order it checks them. */
const GUARDRAILS = [KILL_SWITCH, RUNBOOK_OFF, COOLDOWN, RUNBOOK_LIMIT, GLOBAL_LIMIT];

describe('checkGuardrails: one guardrail at a time, for a live runbook', () => {
  it('lets an incident nothing stands in the way of run, as a dry run until its runbook is live', async () => {
    expect(await control.check()).toMatchObject({
      verdict: 'proceed',
      dryRun: true,
      reason: 'dry run of hot-shard (the runbook is not live)',
    });
  });

  // What an operator or an earlier run left in the control table, and what a live run gets then.
  it.each<[string, () => Promise<void>, string | undefined]>([
    ['the global kill switch is on', KILL_SWITCH.hold, KILL_SWITCH.reason],
    ['the runbook is switched off', RUNBOOK_OFF.hold, RUNBOOK_OFF.reason],
    [
      'another runbook is switched off',
      () => control.runbookSwitch({ enabled: false }, 'sqs-backpressure'),
      undefined,
    ],
    ['the resource cools down until 12:20', COOLDOWN.hold, COOLDOWN.reason],
    [
      'its cooldown ends a millisecond from now',
      () => control.put(controlItem.cooldown(RESOURCE, '2026-01-01T12:05:00.001Z')),
      `${RESOURCE} is cooling down until 2026-01-01T12:05:00.001Z`,
    ],
    // A cooldown lasts until its end, not through it: the state machine compares the same way.
    ['its cooldown ends exactly now', () => control.put(controlItem.cooldown(RESOURCE, NOW_ISO)), undefined],
    [
      'another resource cools down',
      () => control.put(controlItem.cooldown('dynamodb-table/carts', LATER)),
      undefined,
    ],
    ['the runbook has used its 6 actions this hour', RUNBOOK_LIMIT.hold, RUNBOOK_LIMIT.reason],
    ['selfheal has used its 20 actions this hour', GLOBAL_LIMIT.hold, GLOBAL_LIMIT.reason],
  ])('%s', async (_, hold, suppressedBecause) => {
    await control.runbookSwitch({ live: true });
    await hold();

    expect(await control.check()).toMatchObject(
      suppressedBecause
        ? { verdict: 'suppressed', reason: suppressedBecause, dryRun: false }
        : { verdict: 'proceed', reason: STARTED, dryRun: false },
    );
  });

  it('does not look at the lock: a held lock is for the state machine’s conditional write to refuse', async () => {
    await control.runbookSwitch({ live: true });
    await control.put(controlItem.lock(RESOURCE, 'arn:other-run', LATER));

    expect(await control.check()).toMatchObject({ verdict: 'proceed', reason: STARTED });
  });

  it('reads the switches, the cooldown and both counters in one consistent read, never the lock', async () => {
    const sent = recordCommands(control.dynamodb());

    await control.check();

    expect(sent).toEqual([
      {
        command: 'BatchGetItemCommand',
        input: {
          RequestItems: {
            [control.tables().control]: {
              ConsistentRead: true,
              Keys: [
                'switch#global',
                'switch#runbook#hot-shard',
                `cooldown#${RESOURCE}`,
                RUNBOOK_COUNTER,
                GLOBAL_COUNTER,
              ].map((pk) => ({ pk: { S: pk } })),
            },
          },
        },
      },
    ]);
  });
});

describe('checkGuardrails: one decision per incident, however often its event is delivered', () => {
  const FIRST = 'arn:aws:states:us-east-1:123456789012:execution:dispatch:first';
  const SECOND = 'arn:aws:states:us-east-1:123456789012:execution:dispatch:second';

  it('lets the first execution decide and finds the incident already decided by a second', async () => {
    expect(await control.check({ executionId: FIRST })).toMatchObject({ verdict: 'proceed' });
    const again = await control.check({ executionId: SECOND });

    expect(again.verdict).toBe('duplicate');
    expect(again.reason).toMatch(
      /^incident \S+ was already decided by another dispatch: a redelivered event$/,
    );
  });

  it('lets the same execution check again (a retried task finds its own claim)', async () => {
    await control.check({ executionId: FIRST });

    expect(await control.check({ executionId: FIRST })).toMatchObject({ verdict: 'proceed' });
  });

  it('claims each incident for a day (EventBridge redelivers for up to 24 hours), in the control table', async () => {
    await control.check({ executionId: FIRST });
    const { Items = [] } = await control
      .dynamodb()
      .send(new ScanCommand({ TableName: control.tables().control }));
    const claims = Items.filter((i) => i.pk?.S?.startsWith('incident#'));

    expect(claims).toEqual([
      expect.objectContaining({
        execution: { S: FIRST },
        expiresAtEpoch: { N: String(Math.floor(NOW / 1000) + 24 * 3600) },
      }),
    ]);
  });
});

describe('checkGuardrails: dry run or live', () => {
  it.each([
    { live: false, asked: false, dryRun: true, reason: 'dry run of hot-shard (the runbook is not live)' },
    // A request can make a live runbook's run a dry run, never a dry-run runbook's run live.
    { live: false, asked: true, dryRun: true, reason: 'dry run of hot-shard (the runbook is not live)' },
    { live: true, asked: true, dryRun: true, reason: 'dry run of hot-shard (the request asked for one)' },
    { live: true, asked: false, dryRun: false, reason: STARTED },
  ])(
    'runbook live: $live, dry run asked: $asked -> dryRun $dryRun',
    async ({ live, asked, dryRun, reason }) => {
      await control.runbookSwitch({ live });

      const verdict = await control.check({ dryRunRequested: asked });

      expect(verdict).toMatchObject({ verdict: 'proceed', dryRun, reason });
      expect(verdict.ledger.proceeding.decision).toEqual({ S: dryRun ? 'dry-run' : 'started' });
    },
  );
});

/** Every non-empty set of guardrails, for a live run and for a dry run. */
const COMBINATIONS = Array.from({ length: 2 ** GUARDRAILS.length - 1 }, (_, i) =>
  GUARDRAILS.filter((_, bit) => ((i + 1) >> bit) & 1),
).flatMap((held) => [false, true].map((dryRun) => ({ held, dryRun })));

describe('checkGuardrails: a preview during a cooldown', () => {
  it('lets a dry run an operator asked for preview the plan, recorded as a dry run, the cooldown not applying', async () => {
    await control.runbookSwitch({ live: true });
    await COOLDOWN.hold();

    const asked = await control.check({ dryRunRequested: true });
    expect(asked).toMatchObject({ verdict: 'proceed', dryRun: true, cooldownApplies: false });
    expect(asked.ledger.proceeding.decision).toEqual({ S: 'dry-run' });
    expect(asked.reason).toBe(
      `dry run of hot-shard (the request asked for one), a preview during the cooldown until ${LATER}`,
    );
    // An alarm's run of the same runbook is held back as before.
    expect(await control.check()).toMatchObject({ verdict: 'suppressed', cooldownApplies: true });
  });
});

describe('checkGuardrails: when several guardrails hold, the first in its order gives the reason', () => {
  it.each(
    COMBINATIONS.map(({ held, dryRun }) => {
      const first = held.find((g) => !dryRun || g.stopsAskedDryRun);
      const preview = held.includes(COOLDOWN) ? `, a preview during the cooldown until ${LATER}` : '';
      return {
        situation: `${held.map((g) => g.name).join(' + ')}, ${dryRun ? 'dry run' : 'live run'}`,
        held,
        dryRun,
        expected: first ? `suppressed by ${first.name}` : 'proceeds',
        verdict: first
          ? { verdict: 'suppressed', reason: first.reason }
          : { verdict: 'proceed', reason: `dry run of hot-shard (the request asked for one)${preview}` },
      };
    }),
  )('$situation: $expected', async ({ held, dryRun, verdict }) => {
    await control.runbookSwitch({ live: true });
    for (const guardrail of held) await guardrail.hold();

    const checked = await control.check({ dryRunRequested: dryRun });

    expect(checked).toMatchObject({ ...verdict, dryRun });
    expect(checked.ledger.suppressed.reason).toEqual({
      S: verdict.verdict === 'suppressed' ? verdict.reason : '',
    });
  });
});

describe('checkGuardrails: when the control table cannot be read', () => {
  const failing = (send: () => Promise<unknown>) => ({ send }) as unknown as DynamoDBClient;
  const checkWith = (dynamodb: DynamoDBClient) =>
    checkGuardrails({ dynamodb, now: () => NOW, tables: control.tables() }, incidentOn(), 'hot-shard');

  it('fails with AwsThrottledError, which the state machine retries, when DynamoDB throttles the read', async () => {
    const throttled = Object.assign(new Error('Rate of requests exceeds the allowed throughput'), {
      name: 'ProvisionedThroughputExceededException',
    });

    await expect(checkWith(failing(() => Promise.reject(throttled)))).rejects.toThrow(AwsThrottledError);
  });

  it('fails with AwsThrottledError when DynamoDB leaves keys unprocessed: it never decides on half its items', async () => {
    const partial = failing(() =>
      Promise.resolve({
        Responses: { [control.tables().control]: [] },
        UnprocessedKeys: { [control.tables().control]: { Keys: [{ pk: { S: 'switch#global' } }] } },
      }),
    );

    await expect(checkWith(partial)).rejects.toThrow(AwsThrottledError);
    await expect(checkWith(partial)).rejects.toThrow(/left keys unprocessed/);
  });

  it('fails with ResourceNotFoundError naming the table when there is no control table', async () => {
    const check = checkGuardrails(
      { dynamodb: control.dynamodb(), now: () => NOW, tables: { control: 'no-such-control', ledger: 'x' } },
      incidentOn(),
      'hot-shard',
    );

    await expect(check).rejects.toThrow(ResourceNotFoundError);
    await expect(check).rejects.toThrow(/Reading switches, cooldowns and rate counters in no-such-control/);
  });
});
