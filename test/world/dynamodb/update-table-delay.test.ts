import { describe, expect, it } from 'vitest';
import { DescribeTableCommand, UpdateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { VirtualClock } from '../../../core/virtual-clock.ts';
import { createTable } from '../../../world/dynamodb/create-table.ts';
import {
  DEFAULT_UPDATE_TABLE_SECONDS,
  VirtualTableUpdates,
} from '../../../world/dynamodb/update-table-delay.ts';
import { simulatedTable, steadyWrites, useHarness, withAutoScaling } from './harness.ts';
import { runHotShard } from '../../../scenarios/hot-shard/run.ts';

const harness = useHarness();

let tables = 0;
async function provisionedTable(wcu = 100): Promise<string> {
  const tableName = `updating-${++tables}`;
  await createTable(harness().dynamodb, { tableName, readCapacityUnits: 10, writeCapacityUnits: wcu });
  return tableName;
}

const describeTable = async (dynamodb: DynamoDBClient, tableName: string) =>
  (await dynamodb.send(new DescribeTableCommand({ TableName: tableName }))).Table;

const raiseWrites = (tableName: string, to: number) =>
  harness().dynamodb.send(
    new UpdateTableCommand({
      TableName: tableName,
      ProvisionedThroughput: { ReadCapacityUnits: 10, WriteCapacityUnits: to },
    }),
  );

describe('an UpdateTable in virtual time', () => {
  it('keeps the table UPDATING, with its old throughput, for the delay, then ACTIVE with the new', async () => {
    const tableName = await provisionedTable();
    const clock = new VirtualClock();
    const updates = new VirtualTableUpdates({ tableName, seconds: 60, now: () => clock.now() });
    const detach = updates.attach(harness().dynamodb);
    try {
      expect((await raiseWrites(tableName, 300)).TableDescription?.TableStatus).toBe('UPDATING');
      const seen = async () => {
        const table = await describeTable(harness().dynamodb, tableName);
        return [table?.TableStatus, table?.ProvisionedThroughput?.WriteCapacityUnits];
      };
      expect(await seen()).toEqual(['UPDATING', 100]);
      await clock.advance(59);
      expect(await seen()).toEqual(['UPDATING', 100]);
      await clock.advance(1);
      expect(await seen()).toEqual(['ACTIVE', 300]);
      expect(updates.completesAtMs).toBe(clock.startMs + 60_000);
    } finally {
      detach();
    }
  });

  it('refuses another UpdateTable while UPDATING, as DynamoDB does, and takes one once ACTIVE', async () => {
    const tableName = await provisionedTable();
    const clock = new VirtualClock();
    const detach = new VirtualTableUpdates({ tableName, seconds: 60, now: () => clock.now() }).attach(
      harness().dynamodb,
    );
    try {
      await raiseWrites(tableName, 200);
      await clock.advance(30);
      await expect(raiseWrites(tableName, 400)).rejects.toMatchObject({
        name: 'ResourceInUseException',
        message: expect.stringMatching(/being updated/),
      });
      await clock.advance(30);
      await raiseWrites(tableName, 400);
      await clock.advance(60);
      expect(
        (await describeTable(harness().dynamodb, tableName))?.ProvisionedThroughput?.WriteCapacityUnits,
      ).toBe(400);
    } finally {
      detach();
    }
  });

  it('holds only its own table, and nothing once taken off the client', async () => {
    const held = await provisionedTable();
    const other = await provisionedTable();
    const clock = new VirtualClock();
    const detach = new VirtualTableUpdates({ tableName: held, seconds: 60, now: () => clock.now() }).attach(
      harness().dynamodb,
    );
    await raiseWrites(other, 200);
    await waitForDynalite(other);
    expect((await describeTable(harness().dynamodb, other))?.TableStatus).toBe('ACTIVE');
    await raiseWrites(held, 200);
    expect((await describeTable(harness().dynamodb, held))?.TableStatus).toBe('UPDATING');
    detach();
    await waitForDynalite(held);
    expect((await describeTable(harness().dynamodb, held))?.ProvisionedThroughput?.WriteCapacityUnits).toBe(
      200,
    );
  });

  it('defaults to a minute (an assumption: AWS documents no duration)', () => {
    expect(DEFAULT_UPDATE_TABLE_SECONDS).toBe(60);
    expect(() => new VirtualTableUpdates({ tableName: 't', seconds: 0, now: () => 0 })).toThrow(RangeError);
  });
});

describe('a simulated table while UPDATING', () => {
  it('serves at the old capacity until the update completes, and at the new one from that second', async () => {
    const table = await simulatedTable(harness(), {
      rcu: 10,
      wcu: 100,
      workload: steadyWrites(300),
      updateTableSeconds: 90,
    });
    const { clock, world, tableName } = table;
    await clock.advance(5 * 60);
    expect(world.timeline.at(-1)?.consumedWcuPerSecond).toBeCloseTo(100, 0);
    await clock.advance(30);
    await raiseWrites(tableName, 1000);
    // UPDATING from 5:30 to 7:00: minutes 5 and 6 are served at 100 WCU, minute 7 at 1,000.
    await clock.advance(150);
    const [m5, m6, m7] = world.timeline.slice(5);
    expect(m6?.tableStatus).toBe('UPDATING');
    expect([m5?.provisionedWcu, m6?.provisionedWcu, m7?.provisionedWcu]).toEqual([100, 100, 1000]);
    expect(m6?.consumedWcuPerSecond).toBeCloseTo(100, 0);
    expect(m6?.throttledRequests.provisioned).toBeGreaterThan(0);
    expect(m7?.throttledRequests.total).toBe(0);
    expect(m7?.consumedWcuPerSecond).toBeCloseTo(300, 0);
    world.detach();
  });

  it('applies the new capacity at the second the update completes, mid-minute', async () => {
    const { clock, world, tableName } = await simulatedTable(harness(), {
      rcu: 10,
      wcu: 100,
      workload: steadyWrites(300),
      updateTableSeconds: 30,
    });
    await clock.advance(5 * 60);
    await raiseWrites(tableName, 1000);
    // ACTIVE again at 5:30: half of minute 5 at 100 WCU (plus what burst is left), half at 1,000.
    await clock.advance(60);
    const m5 = world.timeline.at(-1);
    expect(m5?.minute).toBe(5);
    expect(m5?.consumedWcuPerSecond).toBeCloseTo(200, 0);
    world.detach();
  });

  it('keeps auto scaling waiting while the table is UPDATING: it acts again only once ACTIVE', async () => {
    const table = await simulatedTable(harness(), {
      rcu: 10,
      wcu: 100,
      workload: steadyWrites(400),
      updateTableSeconds: 150,
    });
    const autoScaling = await withAutoScaling(harness(), table, { min: 100, max: 10_000, target: 70 });
    await table.clock.advance(20 * 60);
    const times = autoScaling.activities.map((a) => (a.timeMs - table.clock.startMs) / 1000);
    expect(times.length).toBeGreaterThan(1);
    expect(autoScaling.activities.every((a) => a.status === 'Successful')).toBe(true);
    // Each UpdateTable keeps the table UPDATING 150 s: the next comes at the first minute after.
    for (let i = 1; i < times.length; i++) {
      expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(180);
    }
    table.world.detach();
  });
});

describe('the hot-shard runbook against a table that takes a minute to update', () => {
  it('polls until the table is ACTIVE again and verifies only from then on', async () => {
    const result = await runHotShard({ seed: 1, variant: 'selfheal' });
    expect(result.healed).toBe(true);
    const runbook = result.runs.find((run) =>
      run.states.some((s) => s.name === 'Check whether the table is active'),
    );
    const states = runbook?.states ?? [];
    const checks = states.filter((s) => s.name === 'Check whether the table is active');
    const applied = states.find((s) => s.name === 'Apply the capacity change')?.atSeconds ?? Number.NaN;
    const tookEffect = states.find((s) => s.name === 'Note when the change took effect')?.atSeconds;
    // Checked every 20 s: UPDATING at 20 and 40 s, ACTIVE at 60 s.
    expect(checks.length).toBeGreaterThanOrEqual(3);
    expect(tookEffect).toBeGreaterThanOrEqual(applied + DEFAULT_UPDATE_TABLE_SECONDS);
    const verified = states.find((s) => s.name === 'Verify throttling has stopped')?.atSeconds;
    expect(verified).toBeGreaterThan(tookEffect ?? Infinity);
  }, 120_000);
});

/** Until the table is ACTIVE (dynalite's own UPDATING is over by the time UpdateTable returns). */
async function waitForDynalite(tableName: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await describeTable(harness().dynamodb, tableName))?.TableStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
