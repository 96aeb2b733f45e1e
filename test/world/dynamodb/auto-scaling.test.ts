import { describe, expect, it } from 'vitest';
import { DescribeTableCommand, UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import { SimulatedAutoScaling } from '../../../world/dynamodb/auto-scaling.ts';
import { waitUntilActive } from '../../support/local-dynamodb.ts';
import {
  simulatedTable,
  steadyWrites,
  useHarness,
  withAutoScaling,
  writeTarget,
  WRITE_CAPACITY as WRITE,
} from './harness.ts';

const harness = useHarness();

const READ = 'dynamodb:table:ReadCapacityUnits' as const;

/**
 * The table's write capacity once the last UpdateTable has taken effect (ACTIVE again).
 */
async function writeCapacity(tableName: string): Promise<number | undefined> {
  await waitUntilActive(harness().dynamodb, tableName);
  const { Table } = await harness().dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
  return Table?.ProvisionedThroughput?.WriteCapacityUnits;
}

describe('simulated auto scaling', () => {
  it('describes registered targets with their bounds, role and creation time', async () => {
    const table = await simulatedTable(harness(), { rcu: 100, wcu: 100, workload: steadyWrites(10) });
    await table.clock.advance(120);
    const autoScaling = await withAutoScaling(harness(), table, { min: 50, max: 500 });
    const { ScalableTargets = [] } = await autoScaling.describeScalableTargets({
      ServiceNamespace: 'dynamodb',
      ResourceIds: [`table/${table.tableName}`],
    });
    expect(ScalableTargets).toEqual([
      expect.objectContaining({
        ServiceNamespace: 'dynamodb',
        ResourceId: `table/${table.tableName}`,
        ScalableDimension: WRITE,
        MinCapacity: 50,
        MaxCapacity: 500,
        RoleARN: expect.stringContaining('AWSServiceRoleForApplicationAutoScaling_DynamoDBTable'),
        CreationTime: new Date(table.clock.now()),
      }),
    ]);
    const reads = await autoScaling.describeScalableTargets({
      ServiceNamespace: 'dynamodb',
      ScalableDimension: READ,
    });
    expect(reads.ScalableTargets).toEqual([]);
  });

  it('rejects bad input with ValidationException', async () => {
    const table = await simulatedTable(harness(), { rcu: 100, wcu: 100, workload: steadyWrites(10) });
    const autoScaling = new SimulatedAutoScaling({
      dynamodb: harness().dynamodb,
      cloudwatch: table.metrics,
      now: () => 0,
    });
    const base = writeTarget(table);
    const attempts = [
      { ...base, MinCapacity: 10 },
      { ...base, MinCapacity: 100, MaxCapacity: 10 },
      { ...base, ResourceId: table.tableName, MinCapacity: 1, MaxCapacity: 10 },
      {
        ...base,
        ScalableDimension: 'dynamodb:index:WriteCapacityUnits' as const,
        MinCapacity: 1,
        MaxCapacity: 10,
      },
      { ...base, ResourceId: 'table/missing-table', MinCapacity: 1, MaxCapacity: 10 },
      { ...base, ServiceNamespace: 'ecs' as const, MinCapacity: 1, MaxCapacity: 10 },
    ];
    for (const attempt of attempts) {
      await expect(autoScaling.registerScalableTarget(attempt)).rejects.toMatchObject({
        name: 'ValidationException',
      });
    }
  });

  it('scales the table up to a raised MinCapacity right away', async () => {
    const table = await simulatedTable(harness(), { rcu: 100, wcu: 100, workload: steadyWrites(10) });
    const autoScaling = await withAutoScaling(harness(), table, { min: 50, max: 5000 });
    await autoScaling.registerScalableTarget({ ...writeTarget(table), MinCapacity: 2000 });
    expect(await writeCapacity(table.tableName)).toBe(2000);
    expect(autoScaling.activities).toEqual([
      expect.objectContaining({ from: 100, to: 2000, dimension: WRITE, status: 'Successful' }),
    ]);
    await table.clock.advance(120);
    expect(table.world.timeline.at(-1)?.provisionedWcu).toBe(2000);
  });

  it('scales down to a lowered MaxCapacity and undoes an UpdateTable outside the bounds', async () => {
    const table = await simulatedTable(harness(), { rcu: 100, wcu: 800, workload: steadyWrites(10) });
    const autoScaling = await withAutoScaling(harness(), table, { min: 50, max: 1000 });
    await autoScaling.registerScalableTarget({ ...writeTarget(table), MaxCapacity: 400 });
    expect(await writeCapacity(table.tableName)).toBe(400);

    await harness().dynamodb.send(
      new UpdateTableCommand({
        TableName: table.tableName,
        ProvisionedThroughput: { ReadCapacityUnits: 100, WriteCapacityUnits: 3000 },
      }),
    );
    // Applied (ACTIVE at 3000) before auto scaling looks, as in AWS once the update completes.
    await waitUntilActive(harness().dynamodb, table.tableName);
    await table.clock.advance(60);
    expect(await writeCapacity(table.tableName)).toBe(400);
    expect(autoScaling.activities.at(-1)).toMatchObject({
      from: 3000,
      to: 400,
      cause: 'above MaxCapacity 400',
    });
  });

  it('grows a throttled table by about 43 % per step at a 70 % target', async () => {
    const table = await simulatedTable(harness(), {
      rcu: 100,
      wcu: 500,
      sizeGb: 100,
      workload: steadyWrites(3000),
    });
    const autoScaling = await withAutoScaling(harness(), table, { min: 100, max: 40_000, target: 70 });
    await table.clock.advance(12 * 60);
    const steps = autoScaling.activities.filter((a) => a.cause.startsWith('utilisation'));
    expect(steps.length).toBeGreaterThanOrEqual(3);
    expect(steps[0]).toMatchObject({ from: 500, to: Math.ceil(500 / 0.7) });
    for (const step of steps.slice(0, 3)) expect(step.to / step.from).toBeCloseTo(1 / 0.7, 1);
    // Each step waits for the new capacity to serve (and throttle) two more minutes.
    const minutes = steps.map((s) => (s.timeMs - table.clock.startMs) / 60_000);
    expect(minutes[1]! - minutes[0]!).toBeGreaterThanOrEqual(2);
  });

  it('acts on the minutes CloudWatch has published: two minutes later under a 120 s publication delay', async () => {
    const firstStepMinute = async (publicationDelaySeconds?: number) => {
      const table = await simulatedTable(harness(), {
        rcu: 100,
        wcu: 500,
        sizeGb: 100,
        workload: steadyWrites(3000),
        ...(publicationDelaySeconds === undefined ? {} : { publicationDelaySeconds }),
      });
      const autoScaling = await withAutoScaling(harness(), table, { min: 100, max: 40_000, target: 70 });
      await table.clock.advance(8 * 60);
      const first = autoScaling.activities.find((a) => a.cause.startsWith('utilisation'));
      expect(first).toMatchObject({ from: 500, to: Math.ceil(500 / 0.7) });
      return ((first?.timeMs ?? NaN) - table.clock.startMs) / 60_000;
    };
    const atOnce = await firstStepMinute();
    expect(await firstStepMinute(120)).toBe(atOnce + 2);
  });

  it('scales in after 15 quiet published minutes, two minutes later under a 120 s delay', async () => {
    const table = await simulatedTable(harness(), {
      rcu: 100,
      wcu: 2000,
      workload: steadyWrites(100),
      publicationDelaySeconds: 120,
    });
    const autoScaling = await withAutoScaling(harness(), table, { min: 100, max: 40_000, target: 70 });
    await table.clock.advance(16 * 60);
    expect(autoScaling.activities).toEqual([]);
    await table.clock.advance(60);
    expect(autoScaling.activities).toEqual([
      expect.objectContaining({ from: 2000, to: 143, cause: expect.stringContaining('15 minutes') }),
    ]);
  });

  it('scales in only after 15 quiet minutes', async () => {
    const table = await simulatedTable(harness(), { rcu: 100, wcu: 2000, workload: steadyWrites(100) });
    const autoScaling = await withAutoScaling(harness(), table, { min: 100, max: 40_000, target: 70 });
    await table.clock.advance(14 * 60);
    expect(autoScaling.activities).toEqual([]);
    await table.clock.advance(60);
    expect(autoScaling.activities).toEqual([
      expect.objectContaining({ from: 2000, to: 143, cause: expect.stringContaining('15 minutes') }),
    ]);
    await table.clock.advance(2 * 60);
    expect(table.world.timeline.at(-1)?.provisionedWcu).toBe(143);
    expect(autoScaling.activities).toHaveLength(1);
  });
});
