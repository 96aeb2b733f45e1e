import { describe, expect, it } from 'vitest';
import { DescribeTableCommand, UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import { VirtualClock } from '../../../core/virtual-clock.ts';
import type { MetricStore } from '../../../world/metric-store.ts';
import type { WorkloadSpec } from '../../../world/dynamodb/workload.ts';
import type { TimelineEntry } from '../../../world/dynamodb/table-world.ts';
import { simulatedTable, startHarness, steadyWrites, useHarness } from './harness.ts';
import { metricStatQuery } from '../../../domain/metric-stat.ts';

const harness = useHarness();

const hotShard: WorkloadSpec = {
  phases: [
    { name: 'baseline', durationSeconds: 300, readsPerSecond: 2000, writesPerSecond: 400 },
    { name: 'ramp', durationSeconds: 300, readsPerSecond: [2000, 6000], writesPerSecond: [400, 2400] },
    { name: 'surge', durationSeconds: 1200, readsPerSecond: 6000, writesPerSecond: 2400 },
    { name: 'recovery', durationSeconds: 300, readsPerSecond: [6000, 2000], writesPerSecond: [2400, 400] },
  ],
  itemSizeKb: 1,
  readConsistency: 'eventual',
  hotKeys: [{ key: 'tenant#0042', readShare: 0.3, writeShare: 0.5 }],
  uniformKeyCount: 50_000,
  noise: 0.03,
};

async function sumOf(
  metrics: MetricStore,
  tableName: string,
  metricName: string,
  fromMs: number,
  toMs: number,
) {
  const { MetricDataResults = [] } = await metrics.getMetricData({
    StartTime: new Date(fromMs),
    EndTime: new Date(toMs),
    MetricDataQueries: [
      metricStatQuery(
        'm',
        { namespace: 'AWS/DynamoDB', metricName, dimensions: { TableName: tableName } },
        'Sum',
      ),
    ],
  });
  return (MetricDataResults[0]?.Values ?? []).reduce((a, b) => a + b, 0);
}

/** A 50 GB table of 1000 WCU asked for 3000 writes a second. */
const tableShortOfWrites = () =>
  simulatedTable(harness(), { rcu: 100, wcu: 1000, sizeGb: 50, workload: steadyWrites(3000) });

/** An hour of the hot-shard workload on a 40,000 RCU / 10,000 WCU table, and the wall-clock time it took. */
async function simulateAnHour(
  options: Pick<Parameters<typeof simulatedTable>[1], 'clientRetries' | 'updateTableSeconds'> = {},
) {
  const clock = new VirtualClock();
  const { world } = await simulatedTable(harness(), {
    rcu: 40_000,
    wcu: 10_000,
    workload: hotShard,
    clock,
    ...options,
  });
  const started = performance.now();
  await clock.advance(60 * 60);
  return { world, elapsedMs: performance.now() - started };
}

describe('TableWorld', () => {
  it('ends provisioned throttling once an UpdateTable raising capacity is ACTIVE', async () => {
    const { clock, world, metrics, tableName } = await tableShortOfWrites();
    await clock.advance(10 * 60);
    const before = world.timeline.at(-1) as TimelineEntry;
    expect(before.throttledRequests.provisioned).toBeGreaterThan(100_000);
    expect(before.throttledRequests.keyRange).toBe(0);
    expect(before.consumedWcuPerSecond).toBeCloseTo(1000, 0);

    await harness().dynamodb.send(
      new UpdateTableCommand({
        TableName: tableName,
        ProvisionedThroughput: { ReadCapacityUnits: 100, WriteCapacityUnits: 4000 },
      }),
    );
    const updatedAt = clock.now();
    await clock.advance(5 * 60);

    const after = world.timeline.slice(-3);
    expect(after.every((e) => e.throttledRequests.total === 0 && e.provisionedWcu === 4000)).toBe(true);
    expect(after.every((e) => e.tableStatus === 'ACTIVE')).toBe(true);
    const lastMinutes = [clock.now() - 3 * 60_000, clock.now()] as const;
    expect(await sumOf(metrics, tableName, 'WriteThrottleEvents', ...lastMinutes)).toBe(0);
    expect(
      await sumOf(metrics, tableName, 'WriteProvisionedThroughputThrottleEvents', clock.startMs, updatedAt),
    ).toBeGreaterThan(0);
    expect(await sumOf(metrics, tableName, 'ConsumedWriteCapacityUnits', ...lastMinutes)).toBe(3 * 60 * 3000);
  });

  it('switches to on-demand: up to double the previous peak is served and provisioned metrics stop', async () => {
    const { clock, world, metrics, tableName } = await tableShortOfWrites();
    await clock.advance(3 * 60);
    await harness().dynamodb.send(
      new UpdateTableCommand({ TableName: tableName, BillingMode: 'PAY_PER_REQUEST' }),
    );
    const switchedAt = clock.now();
    await clock.advance(3 * 60);
    const after = world.timeline.slice(-2);
    expect(after.map((e) => e.billingMode)).toEqual(['PAY_PER_REQUEST', 'PAY_PER_REQUEST']);
    expect(after.map((e) => e.throttledRequests.total)).toEqual([0, 0]);
    expect(after.map((e) => e.consumedWcuPerSecond)).toEqual([3000, 3000]);
    expect(
      await sumOf(metrics, tableName, 'ProvisionedWriteCapacityUnits', switchedAt + 60_000, clock.now()),
    ).toBe(0);
  });

  it('throttles a hot key by key range and names it in Contributor Insights', async () => {
    const { clock, world, metrics, tableName } = await simulatedTable(harness(), {
      rcu: 40_000,
      wcu: 10_000,
      workload: hotShard,
    });
    await clock.advance(20 * 60);
    const surge = world.timeline.filter((e) => e.phase === 'surge');
    expect(surge.length).toBeGreaterThan(5);
    for (const entry of surge) {
      expect(entry.throttledRequests.keyRange).toBeGreaterThan(0);
      expect(entry.throttledRequests.provisioned).toBe(0);
      expect(entry.topKey?.key).toBe('tenant#0042');
    }
    expect(
      await sumOf(metrics, tableName, 'WriteKeyRangeThroughputThrottleEvents', clock.startMs, clock.now()),
    ).toBeGreaterThan(0);
    expect(
      await sumOf(metrics, tableName, 'WriteProvisionedThroughputThrottleEvents', clock.startMs, clock.now()),
    ).toBe(0);

    const { InsightRules = [] } = await metrics.describeInsightRules({});
    const throttledRule = InsightRules.find((r) =>
      r.Name?.startsWith(`DynamoDBContributorInsights-PKT-${tableName}-`),
    );
    expect(throttledRule?.Name).toBe(world.contributorRules.throttled);
    const report = await metrics.getInsightRuleReport({
      RuleName: world.contributorRules.throttled,
      StartTime: new Date(clock.now() - 10 * 60_000),
      EndTime: new Date(clock.now()),
      Period: 60,
      MaxContributorCount: 5,
    });
    expect(report.Contributors?.[0]?.Keys).toEqual(['tenant#0042']);
    expect(report.KeyLabels).toEqual(['pk']);
  });

  it('publishes the provisioned level and consumption each minute', async () => {
    const { clock, metrics, tableName } = await simulatedTable(harness(), {
      rcu: 500,
      wcu: 800,
      workload: steadyWrites(200, 300),
    });
    await clock.advance(5 * 60);
    const { MetricDataResults = [] } = await metrics.getMetricData({
      StartTime: new Date(clock.startMs),
      EndTime: new Date(clock.now()),
      MetricDataQueries: ['ProvisionedWriteCapacityUnits', 'ConsumedReadCapacityUnits'].map((name, i) => ({
        Id: `m${i}`,
        MetricStat: {
          Metric: {
            Namespace: 'AWS/DynamoDB',
            MetricName: name,
            Dimensions: [{ Name: 'TableName', Value: tableName }],
          },
          Period: 300,
          Stat: i === 0 ? 'Maximum' : 'Sum',
        },
      })),
    });
    expect(MetricDataResults[0]?.Values).toEqual([800]);
    // 300 eventually consistent 1 KB reads per second: 150 RCU/s for 300 s.
    expect(MetricDataResults[1]?.Values).toEqual([45_000]);
    expect(await sumOf(metrics, tableName, 'ThrottledRequests', clock.startMs, clock.now())).toBe(0);
  });

  it('runs minute hooks after each minute, with the minute’s timeline entry', async () => {
    const { clock, world } = await simulatedTable(harness(), { rcu: 10, wcu: 10, workload: steadyWrites(5) });
    const seen: { minute: number; nowMs: number; clockMs: number }[] = [];
    world.onMinute(({ entry, nowMs }) => {
      seen.push({ minute: entry.minute, nowMs, clockMs: clock.now() });
    });
    await clock.advance(90);
    await clock.advance(150);
    // The clock reads the boundary too, so a run an alarm starts there is stamped with it.
    expect(seen).toEqual(
      [0, 1, 2, 3].map((minute) => {
        const boundary = clock.startMs + (minute + 1) * 60_000;
        return { minute, nowMs: boundary, clockMs: boundary };
      }),
    );
  });

  it('applies a hook’s UpdateTable from the minute after the table is ACTIVE again', async () => {
    const { clock, world, tableName } = await simulatedTable(harness(), {
      rcu: 10,
      wcu: 100,
      workload: steadyWrites(50),
    });
    world.onMinute(async ({ entry }) => {
      if (entry.minute === 1) {
        await harness().dynamodb.send(
          new UpdateTableCommand({
            TableName: tableName,
            ProvisionedThroughput: { ReadCapacityUnits: 10, WriteCapacityUnits: 200 },
          }),
        );
      }
    });
    await clock.advance(5 * 60);
    expect(world.timeline.map((e) => e.provisionedWcu)).toEqual([100, 100, 100, 200, 200]);
    const { Table } = await harness().dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
    expect(Table?.TableStatus).toBe('ACTIVE');
  });

  it('is deterministic: the same seed gives the same timeline, another seed another one', async () => {
    // The table name seeds the workload's stream too, so each run gets its own dynalite.
    const run = async (seed: number) => {
      const own = await startHarness();
      try {
        const { clock, world } = await simulatedTable(own, {
          rcu: 40_000,
          wcu: 10_000,
          workload: hotShard,
          seed,
          tableName: 'orders',
        });
        await clock.advance(30 * 60);
        return world.timeline;
      } finally {
        await own.close();
      }
    };
    const first = await run(7);
    expect(first).toHaveLength(30);
    expect(await run(7)).toEqual(first);
    expect(await run(8)).not.toEqual(first);
  });

  it('sends the SDK’s retries to the table: more throttle events than failed requests, more asked than demanded', async () => {
    const { clock, world, metrics, tableName } = await simulatedTable(harness(), {
      rcu: 100,
      wcu: 1000,
      sizeGb: 50,
      workload: steadyWrites(1500),
      clientRetries: {},
    });
    await clock.advance(10 * 60);
    const last = world.timeline.slice(-5);
    for (const minute of last) {
      // What the application asks stays its own; the table is asked that plus the retries.
      expect(minute.demandWcuPerSecond).toBe(1500);
      expect(minute.offeredWcuPerSecond).toBeGreaterThan(1500);
      expect(minute.offeredWcuPerSecond).toBeCloseTo(1500 + minute.retriedRequests / 60, 6);
      expect(minute.consumedWcuPerSecond).toBeCloseTo(1000, 0);
      // Every retry throttled again is another throttle event; a request fails once.
      expect(minute.throttledRequests.total).toBeGreaterThan(minute.failedRequests);
      expect(minute.retriedRequests).toBeGreaterThan(0);
      // What fails is what the table cannot serve of the application's own requests.
      expect(minute.failedRequests).toBeCloseTo(500 * 60, -3);
    }
    // CloudWatch counts every throttled attempt, a retry's too.
    const throttleEvents = world.timeline.reduce((sum, m) => sum + m.throttledRequests.total, 0);
    expect(await sumOf(metrics, tableName, 'WriteThrottleEvents', clock.startMs, clock.now())).toBe(
      throttleEvents,
    );
    expect(throttleEvents).toBeGreaterThan(world.timeline.reduce((sum, m) => sum + m.failedRequests, 0));
  });

  it('without SDK retries, fails every throttled request: failed requests are the throttle events', async () => {
    const { clock, world } = await tableShortOfWrites();
    await clock.advance(5 * 60);
    expect(world.parameters).toEqual({ clientRetries: null, updateTableSeconds: 0 });
    for (const minute of world.timeline) {
      expect(minute.failedRequests).toBe(minute.throttledRequests.total);
      expect(minute.retriedRequests).toBe(0);
      expect(minute.offeredWcuPerSecond).toBe(minute.demandWcuPerSecond);
    }
  });

  it('simulates an hour of a table with retries and UPDATING delays in about a second', async () => {
    const { world, elapsedMs } = await simulateAnHour({ clientRetries: {}, updateTableSeconds: 60 });
    expect(world.timeline).toHaveLength(60);
    expect(world.timeline.some((m) => m.retriedRequests > 0)).toBe(true);
    // Generous bound for slow CI machines.
    expect(elapsedMs).toBeLessThan(4000);
    world.detach();
  });

  it('simulates an hour of a table in well under a second', async () => {
    const { world, elapsedMs } = await simulateAnHour();
    expect(world.timeline).toHaveLength(60);
    // Generous bound for slow CI machines; locally this takes a few hundred milliseconds at most.
    expect(elapsedMs).toBeLessThan(2000);
  });
});
