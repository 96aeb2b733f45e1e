import { afterEach, describe, expect, it, vi } from 'vitest';
import { UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import { makeHandler } from '../../handlers/apply-capacity-plan.ts';
import { metrics } from '../../handlers/shared/powertools.ts';
import type { CapacityAction } from '../../domain/capacity/apply.ts';
import type { CapacityPlan } from '../../domain/capacity/plan.ts';
import type { CapacityPorts } from '../../domain/capacity/ports.ts';
import { recordingAutoScaling, writeScalableTarget } from '../../world/dynamodb/steady-demand.ts';
import { MISSING_TABLE, NOW, TABLE } from './support.ts';
import { invoke, payloadOf, invocationError } from './support.ts';
import { awsErrors, failing, retriedFailure, unretriedFailure } from './support.ts';
import { capacityPorts, useLocalTables, type LocalTables } from './support.ts';
import { rangeRequest } from '../support/capacity-request.ts';

const STATE = 'Apply the capacity change';
const AT = new Date(NOW).toISOString();

type RaisePlan = Extract<CapacityPlan, { kind: 'raise-capacity' }>;

const raiseWrite = (to: number, tableName = TABLE): RaisePlan => ({
  kind: 'raise-capacity',
  tableName,
  changes: [{ dimension: 'write', from: 100, to, via: 'update-table' }],
  capped: false,
  hourlyCostIncreaseUsd: 0.3575,
  reasons: [`write: 100 -> ${to} units`],
});

/** The same raise on a table whose write capacity auto scaling manages (range 50-400). */
const raiseWriteRange = (to: number): RaisePlan => ({
  ...raiseWrite(to),
  changes: [
    {
      dimension: 'write',
      from: 100,
      to,
      via: 'scalable-target',
      scalableTarget: { fromMin: 50, toMin: to, fromMax: 400, toMax: Math.max(400, to) },
    },
  ],
});

const switchToOnDemand: CapacityPlan = {
  kind: 'switch-to-on-demand',
  tableName: TABLE,
  from: { read: 300, write: 100 },
  reasons: ['the cap is not enough and on-demand is allowed: switch to PAY_PER_REQUEST'],
};

/** The state's input as the runbook has it when the plan calls for a change. */
const planned = (plan: CapacityPlan, actions: CapacityAction[] = []) => ({
  request: { tableName: plan.tableName },
  round: actions.length + 1,
  actions,
  planned: { plan },
});

function apply(
  tables: LocalTables,
  plan: CapacityPlan,
  options: { actions?: CapacityAction[]; ports?: Partial<CapacityPorts> } = {},
) {
  return invoke<CapacityAction[]>(
    makeHandler(capacityPorts(tables, undefined, options.ports)),
    'apply-capacity-plan',
    payloadOf(STATE, planned(plan, options.actions)),
  );
}

describe('the apply-capacity-plan handler', () => {
  const tables = useLocalTables();

  it('raises the provisioned capacity of the table with UpdateTable, and records before and after', async () => {
    await tables.create({ read: 300, write: 100 });

    const actions = await apply(tables, raiseWrite(650));

    expect(await tables.state()).toMatchObject({ billingMode: 'PROVISIONED', read: 300, write: 650 });
    expect(actions).toEqual([
      {
        kind: 'raise-capacity',
        tableName: TABLE,
        at: AT,
        changes: [{ dimension: 'write', via: 'update-table', before: 100, after: 650 }],
      },
    ]);
  });

  it('switches the table to on-demand (PAY_PER_REQUEST)', async () => {
    await tables.create({ read: 300, write: 100 });

    const actions = await apply(tables, switchToOnDemand);

    expect((await tables.state()).billingMode).toBe('PAY_PER_REQUEST');
    expect(actions).toEqual([
      {
        kind: 'switch-to-on-demand',
        tableName: TABLE,
        at: AT,
        changes: [],
        billingMode: { before: 'PROVISIONED', after: 'PAY_PER_REQUEST' },
      },
    ]);
  });

  it('raises a managed table through its auto scaling range, whose new minimum scales the table out, and schedules the old minimum back', async () => {
    await tables.create({ read: 300, write: 100 });
    const autoScaling = recordingAutoScaling(tables.direct, [writeScalableTarget(50, 400)]);

    const actions = await apply(tables, raiseWriteRange(650), { ports: { autoScaling: autoScaling.port } });

    expect(autoScaling.registered).toEqual([rangeRequest(TABLE, 'write', 650, 650)]);
    expect(tables.sent).not.toContain('UpdateTableCommand');
    expect((await tables.state()).write).toBe(650);
    expect(actions[0]?.changes).toEqual([
      {
        dimension: 'write',
        via: 'scalable-target',
        before: 100,
        after: 650,
        restore: {
          scheduledActionName: 'selfheal-restore-write-minimum',
          minCapacity: 50,
          at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        },
      },
    ]);
    const [scheduled] = autoScaling.scheduled;
    expect(scheduled).toMatchObject({
      ScheduledActionName: 'selfheal-restore-write-minimum',
      ScalableTargetAction: { MinCapacity: 50 },
    });
    // An hour (the policy's default) after the action, to the second.
    const at = Date.parse(`${/^at\((.+)\)$/.exec(scheduled?.Schedule ?? '')?.[1]}Z`);
    expect(at - Date.parse(actions[0]?.at ?? '')).toBeGreaterThanOrEqual(3_600_000);
    expect(at - Date.parse(actions[0]?.at ?? '')).toBeLessThan(3_601_000);
  });

  it("returns the earlier rounds' actions with this one last", async () => {
    await tables.create({ read: 300, write: 100 });
    const earlier = await apply(tables, raiseWrite(200));

    const actions = await apply(tables, raiseWrite(650), { actions: earlier });

    expect(actions).toHaveLength(2);
    expect(actions[0]).toEqual(earlier[0]);
    expect(actions[1]?.changes).toEqual([
      { dimension: 'write', via: 'update-table', before: 200, after: 650 },
    ]);
  });

  it('changes nothing when invoked again with the same plan (a retry), and says why', async () => {
    await tables.create({ read: 300, write: 100 });
    await apply(tables, raiseWrite(650));

    const again = await apply(tables, raiseWrite(650));

    expect(tables.sent.filter((c) => c === 'UpdateTableCommand')).toHaveLength(1);
    expect(again[0]?.changes).toEqual([
      {
        dimension: 'write',
        via: 'update-table',
        before: 650,
        after: 650,
        skipped: 'already at or above the planned capacity',
      },
    ]);
  });

  describe('given an input the runbook does not accept', () => {
    const noChange: CapacityPlan = { kind: 'no-change', tableName: TABLE, reasons: [] };
    const hotKey: CapacityPlan = { kind: 'hot-key', tableName: TABLE, hotKeys: [], reasons: [] };

    it.each([
      ['no plan', { actions: [] }],
      ['a no-change plan', { plan: noChange, actions: [] }],
      ['a hot-key plan', { plan: hotKey, actions: [] }],
      ['a raise to 0 units', { plan: raiseWrite(0), actions: [] }],
      ['a raise to a fraction of a unit', { plan: raiseWrite(650.5), actions: [] }],
      ['a raise with no changes', { plan: { ...raiseWrite(650), changes: [] }, actions: [] }],
      ['a malformed earlier action', { plan: raiseWrite(650), actions: [{ kind: 'raise-capacity' }] }],
    ])('fails with InvalidRequestError on %s, and leaves the table as it was', async (_what, event) => {
      await tables.create({ read: 300, write: 100 });

      const error = await invocationError(
        invoke(makeHandler(capacityPorts(tables)), 'apply-capacity-plan', event),
      );

      expect(error).toMatchObject({ name: 'InvalidRequestError', retryable: false });
      expect(error.message).toMatch(/^The apply-capacity-plan input is invalid: /);
      expect(tables.sent).toEqual([]);
      expect(await tables.state()).toMatchObject({ billingMode: 'PROVISIONED', read: 300, write: 100 });
    });
  });

  it('fails with ResourceNotFoundError, which the runbook does not retry, for a table that does not exist', async () => {
    await tables.create({ read: 300, write: 100 });

    const error = await unretriedFailure(
      STATE,
      apply(tables, raiseWrite(650, MISSING_TABLE)),
      'ResourceNotFoundError',
    );

    expect(error.message).toMatch(/^Describing table no-such-table: /);
    expect(tables.sent).toEqual(['DescribeTableCommand']);
  });

  describe('when AWS throttles it or fails transiently', () => {
    it.each([
      ['UpdateTable throttled', 'UpdateTableCommand', awsErrors.dynamoDbThrottling, 'AwsThrottledError'],
      [
        'UpdateTable internal error',
        'UpdateTableCommand',
        awsErrors.dynamoDbInternalError,
        'AwsTransientError',
      ],
      [
        'UpdateTable on a table in use',
        'UpdateTableCommand',
        awsErrors.dynamoDbTableInUse,
        'ResourceBusyError',
      ],
      ['DescribeTable throttled', 'DescribeTableCommand', awsErrors.dynamoDbThrottling, 'AwsThrottledError'],
      [
        'DescribeTable connection reset',
        'DescribeTableCommand',
        awsErrors.connectionReset,
        'AwsTransientError',
      ],
    ])(
      'surfaces %s as %s, which the runbook retries, with the table unchanged',
      async (_what, command, error, name) => {
        await tables.create({ read: 300, write: 100 });
        tables.failNext(command, error());

        await retriedFailure(STATE, apply(tables, raiseWrite(650)), name);

        expect(await tables.state()).toMatchObject({ read: 300, write: 100 });
      },
    );

    it('surfaces a concurrent update of the auto scaling range as AwsThrottledError, which the runbook retries', async () => {
      await tables.create({ read: 300, write: 100 });
      const autoScaling = failing(
        capacityPorts(tables)().autoScaling,
        'registerScalableTarget',
        awsErrors.autoScalingConcurrentUpdate(),
      );

      await retriedFailure(
        STATE,
        apply(tables, raiseWriteRange(650), { ports: { autoScaling } }),
        'AwsThrottledError',
      );
    });
  });

  describe('metrics', () => {
    afterEach(() => {
      vi.restoreAllMocks();
    });

    it('counts one CapacityChangesApplied when it changed the table', async () => {
      await tables.create({ read: 300, write: 100 });
      const addMetric = vi.spyOn(metrics, 'addMetric');

      await apply(tables, raiseWrite(650));

      expect(addMetric).toHaveBeenCalledWith('CapacityChangesApplied', 'Count', 1);
    });

    it('counts no CapacityChangesApplied when it changed nothing', async () => {
      await tables.create({ read: 300, write: 700 });
      const addMetric = vi.spyOn(metrics, 'addMetric');

      await apply(tables, raiseWrite(650)); // the table already has 700 WCU: the raise is skipped

      expect(addMetric).not.toHaveBeenCalledWith('CapacityChangesApplied', 'Count', 1);
    });
  });
});

describe('the apply-capacity-plan handler, on a table still UPDATING from an earlier change', () => {
  const tables = useLocalTables({ updateTableMs: 2000 });

  it('fails with ResourceBusyError, which the runbook retries, and sends no UpdateTable', async () => {
    await tables.create({ read: 300, write: 100 });
    await tables.direct.send(
      new UpdateTableCommand({
        TableName: TABLE,
        ProvisionedThroughput: { ReadCapacityUnits: 300, WriteCapacityUnits: 200 },
      }),
    );

    const error = await retriedFailure(STATE, apply(tables, raiseWrite(650)), 'ResourceBusyError');

    expect(error.message).toBe(`Table ${TABLE} is UPDATING; waiting for ACTIVE before changing it`);
    expect(tables.sent).toEqual(['DescribeTableCommand']);
  });
});
