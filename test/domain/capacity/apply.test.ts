import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DeleteTableCommand, DescribeTableCommand, UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import type {
  PutScheduledActionRequest,
  RegisterScalableTargetRequest,
  ScalableTarget,
} from '@aws-sdk/client-application-auto-scaling';
import { applyCapacityPlan, type ActionablePlan } from '../../../domain/capacity/apply.ts';
import type { DimensionChange } from '../../../domain/capacity/plan.ts';
import type { AutoScalingPort, CloudWatchPort } from '../../../domain/ports.ts';
import type { CapacityPorts } from '../../../domain/capacity/ports.ts';
import { recordingAutoScaling, writeScalableTarget } from '../../../world/dynamodb/steady-demand.ts';
import {
  createOnDemandTable,
  createProvisionedTable,
  recordCommands,
  waitUntilActive,
  useLocalDynamoDb,
  type SentCommand,
} from '../../support/local-dynamodb.ts';
import { rangeRequest } from '../../support/capacity-request.ts';

const TABLE = 'orders';
const NOW = Date.UTC(2026, 0, 1, 12, 3, 0);

/** Applying reads no metrics: any CloudWatch call is a test failure. */
const noCloudWatch: CloudWatchPort = {
  getMetricData: () => Promise.reject(new Error('apply must not read metrics')),
  describeInsightRules: () => Promise.reject(new Error('apply must not read Contributor Insights')),
  getInsightRuleReport: () => Promise.reject(new Error('apply must not read Contributor Insights')),
};

/**
 * Records RegisterScalableTarget and PutScheduledAction and does nothing else (no scale-out, no
 * action run): what apply itself sends. Scheduled actions are listed back as put, by name.
 */
function registeringOnly() {
  const registered: RegisterScalableTargetRequest[] = [];
  const scheduled: PutScheduledActionRequest[] = [];
  const port: AutoScalingPort = {
    describeScalableTargets: () => Promise.reject(new Error('apply must not describe scalable targets')),
    registerScalableTarget: async (input) => {
      registered.push(input);
      return {};
    },
    describeScheduledActions: async (input) => ({
      ScheduledActions: scheduled
        .filter(
          (a) =>
            a.ResourceId === input.ResourceId &&
            a.ScalableDimension === input.ScalableDimension &&
            (input.ScheduledActionNames ?? []).includes(a.ScheduledActionName ?? ''),
        )
        .map((a) => ({
          ...a,
          Schedule: a.Schedule ?? '',
          ScheduledActionARN: 'arn',
          CreationTime: new Date(0),
        })),
    }),
    putScheduledAction: async (input) => {
      const known = scheduled.findIndex(
        (a) => a.ResourceId === input.ResourceId && a.ScheduledActionName === input.ScheduledActionName,
      );
      if (known >= 0) scheduled.splice(known, 1);
      scheduled.push(input);
      return {};
    },
  };
  return { port, registered, scheduled };
}

const change = (dimension: DimensionChange['dimension'], from: number, to: number): DimensionChange => ({
  dimension,
  from,
  to,
  via: 'update-table',
});

function raise(...changes: DimensionChange[]): Extract<ActionablePlan, { kind: 'raise-capacity' }> {
  return {
    kind: 'raise-capacity',
    tableName: TABLE,
    changes,
    capped: false,
    hourlyCostIncreaseUsd: 0.1,
    reasons: [],
  };
}

const switchToOnDemand: ActionablePlan = {
  kind: 'switch-to-on-demand',
  tableName: TABLE,
  from: { read: 300, write: 100 },
  reasons: [],
};

describe('applyCapacityPlan', () => {
  const dynamodb = useLocalDynamoDb();
  let sent: SentCommand[];
  let autoScaling: ReturnType<typeof registeringOnly>;

  const ports = (overrides: Partial<CapacityPorts> = {}): CapacityPorts => ({
    dynamodb: dynamodb(),
    cloudwatch: noCloudWatch,
    autoScaling: autoScaling.port,
    now: () => NOW,
    ...overrides,
  });
  const updates = () => sent.filter((c) => c.command === 'UpdateTableCommand').map((c) => c.input);
  const table = async () => (await dynamodb().send(new DescribeTableCommand({ TableName: TABLE }))).Table;

  beforeAll(() => {
    sent = recordCommands(dynamodb());
  });

  /** Creates the table (300 RCU and 100 WCU unless on-demand), then forgets what that sent. */
  async function createTable(billing: 'PROVISIONED' | 'PAY_PER_REQUEST' = 'PROVISIONED') {
    if (billing === 'PAY_PER_REQUEST') await createOnDemandTable(dynamodb(), TABLE);
    else await createProvisionedTable(dynamodb(), TABLE);
    sent.length = 0;
  }

  beforeEach(() => {
    autoScaling = registeringOnly();
  });

  afterEach(async () => {
    await dynamodb().send(new DeleteTableCommand({ TableName: TABLE }));
  });

  describe('raising provisioned capacity', () => {
    beforeEach(async () => {
      await createTable();
    });

    it('sends one UpdateTable with both dimensions, keeping the unchanged one at its value', async () => {
      const action = await applyCapacityPlan(ports(), raise(change('write', 100, 650)));

      expect(updates()).toEqual([
        { TableName: TABLE, ProvisionedThroughput: { ReadCapacityUnits: 300, WriteCapacityUnits: 650 } },
      ]);
      expect(action).toEqual({
        kind: 'raise-capacity',
        tableName: TABLE,
        at: '2026-01-01T12:03:00.000Z',
        changes: [{ dimension: 'write', via: 'update-table', before: 100, after: 650 }],
      });
      expect((await table())?.ProvisionedThroughput).toMatchObject({
        ReadCapacityUnits: 300,
        WriteCapacityUnits: 650,
      });
    });

    it('raises both dimensions in the same single UpdateTable', async () => {
      const action = await applyCapacityPlan(
        ports(),
        raise(change('read', 300, 1300), change('write', 100, 650)),
      );

      expect(updates()).toEqual([
        { TableName: TABLE, ProvisionedThroughput: { ReadCapacityUnits: 1300, WriteCapacityUnits: 650 } },
      ]);
      expect(action.changes).toEqual([
        { dimension: 'read', via: 'update-table', before: 300, after: 1300 },
        { dimension: 'write', via: 'update-table', before: 100, after: 650 },
      ]);
    });

    it('reads the table first, and sends only DescribeTable and UpdateTable', async () => {
      await applyCapacityPlan(ports(), raise(change('write', 100, 650)));

      expect(sent.map((c) => c.command)).toEqual(['DescribeTableCommand', 'UpdateTableCommand']);
    });

    it('skips a change whose target someone already met, and sends nothing', async () => {
      await dynamodb().send(
        new UpdateTableCommand({
          TableName: TABLE,
          ProvisionedThroughput: { ReadCapacityUnits: 300, WriteCapacityUnits: 700 },
        }),
      );
      // Someone else's raise has finished (dynalite applies it on a timer): the table is ACTIVE.
      await waitUntilActive(dynamodb(), TABLE);
      sent.length = 0;

      const action = await applyCapacityPlan(ports(), raise(change('write', 100, 650)));

      expect(updates()).toEqual([]);
      expect(action.changes).toEqual([
        {
          dimension: 'write',
          via: 'update-table',
          before: 700,
          after: 700,
          skipped: 'already at or above the planned capacity',
        },
      ]);
      expect((await table())?.ProvisionedThroughput?.WriteCapacityUnits).toBe(700);
    });

    it('skips a change whose target is exactly the current capacity (a same-value UpdateTable is an error)', async () => {
      const action = await applyCapacityPlan(ports(), raise(change('read', 200, 300)));

      expect(updates()).toEqual([]);
      expect(action.changes[0]).toMatchObject({ before: 300, after: 300, skipped: expect.any(String) });
    });

    it('applies the change still needed and skips the one already met', async () => {
      const action = await applyCapacityPlan(
        ports(),
        raise(change('read', 200, 250), change('write', 100, 650)),
      );

      expect(updates()).toEqual([
        { TableName: TABLE, ProvisionedThroughput: { ReadCapacityUnits: 300, WriteCapacityUnits: 650 } },
      ]);
      expect(action.changes.map((c) => c.skipped !== undefined)).toEqual([true, false]);
    });

    it('fails with ResourceNotFoundError for a table that was deleted, changing nothing', async () => {
      const plan = { ...raise(change('write', 100, 650)), tableName: 'no-such-table' };

      await expect(applyCapacityPlan(ports(), plan)).rejects.toMatchObject({
        name: 'ResourceNotFoundError',
        message: expect.stringMatching(/^Describing table no-such-table: /),
      });
      expect(updates()).toEqual([]);
    });
  });

  describe('on a table auto scaling manages', () => {
    const scalable = (from: number, to: number, range: [number, number]): DimensionChange => ({
      dimension: 'write',
      from,
      to,
      via: 'scalable-target',
      scalableTarget: {
        fromMin: range[0],
        toMin: Math.max(range[0], to),
        fromMax: range[1],
        toMax: Math.max(range[1], to),
      },
    });

    beforeEach(async () => {
      await createTable();
    });

    it('registers the new range with the exact request, and does not call UpdateTable itself', async () => {
      const action = await applyCapacityPlan(ports(), raise(scalable(100, 650, [50, 400])));

      expect(autoScaling.registered).toEqual([rangeRequest(TABLE, 'write', 650, 650)]);
      expect(updates()).toEqual([]);
      expect(action.changes).toEqual([
        {
          dimension: 'write',
          via: 'scalable-target',
          before: 100,
          after: 650,
          restore: {
            scheduledActionName: 'selfheal-restore-write-minimum',
            minCapacity: 50,
            at: '2026-01-01T13:03:00Z',
          },
        },
      ]);
    });

    it("schedules the old minimum back, the plan's minutes after the raise, with the exact request", async () => {
      await applyCapacityPlan(ports(), {
        ...raise(scalable(100, 650, [50, 400])),
        restoreMinimumAfterMinutes: 90,
      });

      expect(autoScaling.scheduled).toEqual([
        {
          ServiceNamespace: 'dynamodb',
          ResourceId: `table/${TABLE}`,
          ScalableDimension: 'dynamodb:table:WriteCapacityUnits',
          ScheduledActionName: 'selfheal-restore-write-minimum',
          Schedule: 'at(2026-01-01T13:33:00)',
          ScalableTargetAction: { MinCapacity: 50 },
        },
      ]);
    });

    it('keeps the minimum from before any raise when a restore is still pending, and moves it later', async () => {
      let now = NOW;
      const later = ports({ now: () => now });
      await applyCapacityPlan(later, raise(scalable(100, 650, [50, 400])));
      now = NOW + 10 * 60_000;
      // The second round sees the first raise's minimum (650) as the range's minimum.
      const action = await applyCapacityPlan(later, raise(scalable(650, 900, [650, 650])));

      expect(autoScaling.scheduled).toEqual([
        expect.objectContaining({
          Schedule: 'at(2026-01-01T13:13:00)',
          ScalableTargetAction: { MinCapacity: 50 },
        }),
      ]);
      expect(action.changes[0]?.restore).toEqual({
        scheduledActionName: 'selfheal-restore-write-minimum',
        minCapacity: 50,
        at: '2026-01-01T13:13:00Z',
      });
    });

    it('classifies a refused scheduled action, naming the table and dimension', async () => {
      const refusing: AutoScalingPort = {
        ...autoScaling.port,
        putScheduledAction: () =>
          Promise.reject(Object.assign(new Error('Rate exceeded'), { name: 'ConcurrentUpdateException' })),
      };

      await expect(
        applyCapacityPlan(ports({ autoScaling: refusing }), raise(scalable(100, 650, [50, 400]))),
      ).rejects.toMatchObject({
        message: `Scheduling the return of table ${TABLE}'s write minimum: Rate exceeded`,
      });
    });

    it('schedules nothing for a table without auto scaling (UpdateTable)', async () => {
      const action = await applyCapacityPlan(ports(), raise(change('write', 100, 650)));

      expect(autoScaling.scheduled).toEqual([]);
      expect(action.changes[0]?.restore).toBeUndefined();
    });

    it('registers the read dimension as dynamodb:table:ReadCapacityUnits', async () => {
      await applyCapacityPlan(ports(), raise({ ...scalable(300, 1300, [100, 5000]), dimension: 'read' }));

      expect(autoScaling.registered).toEqual([rangeRequest(TABLE, 'read', 1300, 5000)]);
    });

    it('classifies a refused range change, naming the dimension', async () => {
      const refusing: AutoScalingPort = {
        ...autoScaling.port,
        registerScalableTarget: () =>
          Promise.reject(
            Object.assign(new Error('Too many scalable targets'), { name: 'LimitExceededException' }),
          ),
      };

      await expect(
        applyCapacityPlan(ports({ autoScaling: refusing }), raise(scalable(100, 650, [50, 400]))),
      ).rejects.toMatchObject({
        name: 'ChangeRejectedError',
        message: `Raising the auto scaling range of table ${TABLE} (write): Too many scalable targets`,
      });
      expect(updates()).toEqual([]);
    });

    it('does not undo the scale-out of a managed dimension when it also updates the other one', async () => {
      const targets: ScalableTarget[] = [writeScalableTarget(50, 400, TABLE)];
      const scalingOut = recordingAutoScaling(dynamodb(), targets);

      await applyCapacityPlan(
        ports({ autoScaling: scalingOut.port }),
        raise(change('read', 300, 1300), scalable(100, 650, [50, 400])),
      );
      await waitUntilActive(dynamodb(), TABLE);

      expect((await table())?.ProvisionedThroughput).toMatchObject({
        ReadCapacityUnits: 1300,
        WriteCapacityUnits: 650,
      });
    });
  });

  describe('switching to on-demand', () => {
    it('sets the billing mode to PAY_PER_REQUEST', async () => {
      await createTable();

      const action = await applyCapacityPlan(ports(), switchToOnDemand);

      expect(updates()).toEqual([{ TableName: TABLE, BillingMode: 'PAY_PER_REQUEST' }]);
      expect(action).toEqual({
        kind: 'switch-to-on-demand',
        tableName: TABLE,
        at: '2026-01-01T12:03:00.000Z',
        changes: [],
        billingMode: { before: 'PROVISIONED', after: 'PAY_PER_REQUEST' },
      });
      expect((await table())?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    });

    it('sends nothing when the table is already on-demand', async () => {
      await createTable('PAY_PER_REQUEST');

      const action = await applyCapacityPlan(ports(), switchToOnDemand);

      expect(updates()).toEqual([]);
      expect(action.billingMode).toEqual({ before: 'PAY_PER_REQUEST', after: 'PAY_PER_REQUEST' });
    });
  });
});

describe('applyCapacityPlan on a table that is still UPDATING', () => {
  const client = useLocalDynamoDb({ updateTableMs: 2000 });
  let sent: SentCommand[];

  beforeAll(async () => {
    sent = recordCommands(client());
    await createProvisionedTable(client(), TABLE);
  });

  it('throws a retryable ResourceBusyError and sends no UpdateTable', async () => {
    await client().send(
      new UpdateTableCommand({
        TableName: TABLE,
        ProvisionedThroughput: { ReadCapacityUnits: 300, WriteCapacityUnits: 200 },
      }),
    );
    sent.length = 0;
    const { port } = registeringOnly();

    const applying = applyCapacityPlan(
      { dynamodb: client(), cloudwatch: noCloudWatch, autoScaling: port, now: () => NOW },
      raise(change('write', 100, 650)),
    );

    await expect(applying).rejects.toMatchObject({
      name: 'ResourceBusyError',
      retryable: true,
      message: `Table ${TABLE} is UPDATING; waiting for ACTIVE before changing it`,
    });
    expect(sent.map((c) => c.command)).toEqual(['DescribeTableCommand']);
  });
});
