import { describe, expect, it } from 'vitest';
import { MetricStore } from '../../world/metric-store.ts';

const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);
const minute = (n: number) => T0 + n * 60_000;
const RULE = 'DynamoDBContributorInsights-PKC-orders-1767225600000';
const keyName = (i: number) => `key#${String(i).padStart(3, '0')}`;

function store(): MetricStore {
  const metrics = new MetricStore();
  metrics.registerInsightRule({
    name: RULE,
    definition: { AggregateOn: 'Count', Contribution: { Keys: ['$.pk'] } },
    keyLabels: ['pk'],
    aggregationStatistic: 'Count',
    managed: true,
  });
  for (let n = 0; n < 4; n++) {
    metrics.putContributors(RULE, minute(n), {
      keys: new Map([
        ['tenant#hot', 6000],
        ['tenant#warm', 100 * (n + 1)],
      ]),
      population: { keyCount: 1000, total: 2000, keyName },
    });
  }
  return metrics;
}

const report = (
  metrics: MetricStore,
  extra: { MaxContributorCount?: number; OrderBy?: string; from?: number; to?: number } = {},
) =>
  metrics.getInsightRuleReport({
    RuleName: RULE,
    StartTime: new Date(minute(extra.from ?? 0)),
    EndTime: new Date(minute(extra.to ?? 4)),
    Period: 60,
    ...(extra.MaxContributorCount ? { MaxContributorCount: extra.MaxContributorCount } : {}),
    ...(extra.OrderBy ? { OrderBy: extra.OrderBy } : {}),
  });

describe('Contributor Insights', () => {
  it('lists registered rules as enabled managed rules', async () => {
    const { InsightRules = [] } = await store().describeInsightRules({});
    expect(InsightRules).toEqual([
      expect.objectContaining({
        Name: RULE,
        State: 'ENABLED',
        ManagedRule: true,
        Schema: 'CloudWatchLogRule/1',
      }),
    ]);
    expect(JSON.parse(InsightRules[0]?.Definition ?? '{}')).toMatchObject({ AggregateOn: 'Count' });
  });

  it('ranks partition keys by their total over the window, biggest first', async () => {
    const result = await report(store(), { MaxContributorCount: 3 });
    expect(result.Contributors?.map((c) => c.Keys)).toEqual([['tenant#hot'], ['tenant#warm'], ['key#000']]);
    expect(result.Contributors?.map((c) => c.ApproximateAggregateValue)).toEqual([24_000, 1000, 8]);
  });

  it('gives each contributor one datapoint per period in the window', async () => {
    const result = await report(store(), { from: 1, to: 3 });
    const warm = result.Contributors?.find((c) => c.Keys?.[0] === 'tenant#warm');
    expect(warm?.Datapoints?.map((d) => [d.Timestamp?.getTime(), d.ApproximateValue])).toEqual([
      [minute(1), 200],
      [minute(2), 300],
    ]);
  });

  it('respects MaxContributorCount, defaulting to 10', async () => {
    expect((await report(store(), { MaxContributorCount: 1 })).Contributors).toHaveLength(1);
    expect((await report(store())).Contributors).toHaveLength(10);
  });

  it('reports key labels, the aggregation, the aggregate value and the unique count', async () => {
    const result = await report(store());
    expect(result.KeyLabels).toEqual(['pk']);
    expect(result.AggregationStatistic).toBe('Count');
    expect(result.AggregateValue).toBe(24_000 + 1000 + 8000);
    expect(result.ApproximateUniqueCount).toBe(1002);
  });

  it('can rank by the largest single datapoint instead of the sum', async () => {
    const metrics = store();
    metrics.putContributors(RULE, minute(4), { keys: new Map([['tenant#spike', 20_000]]) });
    const bySum = await report(metrics, { to: 5, MaxContributorCount: 1 });
    const byMax = await report(metrics, { to: 5, MaxContributorCount: 1, OrderBy: 'Maximum' });
    expect(bySum.Contributors?.[0]?.Keys).toEqual(['tenant#hot']);
    expect(byMax.Contributors?.[0]?.Keys).toEqual(['tenant#spike']);
  });

  it('rejects unknown rules like CloudWatch', async () => {
    await expect(
      store().getInsightRuleReport({
        RuleName: 'nope',
        StartTime: new Date(T0),
        EndTime: new Date(minute(1)),
        Period: 60,
      }),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});
