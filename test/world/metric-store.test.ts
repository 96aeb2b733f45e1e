import { describe, expect, it } from 'vitest';
import type { MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { MetricStore, type MetricIdentity } from '../../world/metric-store.ts';
import { metricStatQuery } from '../../domain/metric-stat.ts';
import { DEFAULT_PUBLICATION_DELAY_SECONDS, publishedAtMs } from '../../world/cloudwatch-publication.ts';

const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);
const minute = (n: number) => T0 + n * 60_000;
const consumed: MetricIdentity = {
  namespace: 'AWS/DynamoDB',
  metricName: 'ConsumedWriteCapacityUnits',
  dimensions: { TableName: 'orders' },
};
const throttles: MetricIdentity = { ...consumed, metricName: 'WriteThrottleEvents' };

/** `statistic` of `metric` per `period` seconds, as the tasks query it, with `extra` fields. */
const stat = (
  id: string,
  metric: MetricIdentity,
  period: number,
  statistic: string,
  extra: Partial<MetricDataQuery> = {},
): MetricDataQuery => ({ ...metricStatQuery(id, metric, statistic, { periodSeconds: period }), ...extra });

/** Minutes 0..9 with sums 10, 20, ... 100, each from (minute + 1) samples. */
function store(): MetricStore {
  const metrics = new MetricStore();
  for (let n = 0; n < 10; n++) {
    const sum = (n + 1) * 10;
    metrics.putStatistics(consumed, minute(n) + 5_000, {
      sum,
      sampleCount: n + 1,
      minimum: 1,
      maximum: n + 1,
    });
  }
  return metrics;
}

async function values(
  metrics: MetricStore,
  query: MetricDataQuery,
  from = 0,
  to = 10,
  scanBy?: 'TimestampAscending',
) {
  const { MetricDataResults } = await metrics.getMetricData({
    MetricDataQueries: [query],
    StartTime: new Date(minute(from)),
    EndTime: new Date(minute(to)),
    ...(scanBy ? { ScanBy: scanBy } : {}),
  });
  const [result] = MetricDataResults ?? [];
  return {
    timestamps: (result?.Timestamps ?? []).map((t) => (t.getTime() - T0) / 60_000),
    values: result?.Values ?? [],
    status: result?.StatusCode,
  };
}

describe('metric store GetMetricData', () => {
  it('returns one datapoint per minute, newest first by default, with status Complete', async () => {
    const result = await values(store(), stat('m1', consumed, 60, 'Sum'), 0, 3);
    expect(result).toEqual({ timestamps: [2, 1, 0], values: [30, 20, 10], status: 'Complete' });
  });

  it('orders oldest first when ScanBy is TimestampAscending', async () => {
    const result = await values(store(), stat('m1', consumed, 60, 'Sum'), 0, 3, 'TimestampAscending');
    expect(result.timestamps).toEqual([0, 1, 2]);
  });

  it('aggregates minutes into longer periods aligned to StartTime', async () => {
    const sum = await values(store(), stat('m1', consumed, 300, 'Sum'), 0, 10, 'TimestampAscending');
    expect(sum).toMatchObject({ timestamps: [0, 5], values: [150, 400] });
  });

  it('computes Average, Minimum, Maximum and SampleCount from the samples, not the minutes', async () => {
    const metrics = store();
    const query = (s: string) => stat('m1', consumed, 300, s);
    expect((await values(metrics, query('SampleCount'), 0, 5)).values).toEqual([15]);
    expect((await values(metrics, query('Average'), 0, 5)).values).toEqual([10]);
    expect((await values(metrics, query('Maximum'), 0, 5)).values).toEqual([5]);
    expect((await values(metrics, query('Minimum'), 0, 5)).values).toEqual([1]);
  });

  it('includes StartTime and excludes EndTime', async () => {
    const result = await values(store(), stat('m1', consumed, 60, 'Sum'), 3, 5, 'TimestampAscending');
    expect(result.timestamps).toEqual([3, 4]);
  });

  it('omits minutes without data instead of reporting zeros', async () => {
    const metrics = new MetricStore();
    metrics.putValue(throttles, minute(1), 4);
    metrics.putValue(throttles, minute(4), 6);
    const result = await values(metrics, stat('t', throttles, 60, 'Sum'), 0, 6, 'TimestampAscending');
    expect(result).toMatchObject({ timestamps: [1, 4], values: [4, 6] });
  });

  it('merges samples recorded in the same minute', async () => {
    const metrics = new MetricStore();
    metrics.putValue(throttles, minute(0) + 1_000, 4);
    metrics.putValue(throttles, minute(0) + 59_000, 6);
    expect((await values(metrics, stat('t', throttles, 60, 'Sum'), 0, 1)).values).toEqual([10]);
    expect((await values(metrics, stat('t', throttles, 60, 'SampleCount'), 0, 1)).values).toEqual([2]);
  });

  it('matches dimensions exactly', async () => {
    const other = { ...consumed, dimensions: { TableName: 'orders', Operation: 'PutItem' } };
    expect((await values(store(), stat('m1', other, 60, 'Sum'))).values).toEqual([]);
  });

  it('evaluates simple metric math and hides queries with ReturnData false', async () => {
    const metrics = store();
    metrics.putValue(throttles, minute(1), 5);
    metrics.putValue(throttles, minute(2), 7);
    const { MetricDataResults = [] } = await metrics.getMetricData({
      StartTime: new Date(minute(0)),
      EndTime: new Date(minute(3)),
      ScanBy: 'TimestampAscending',
      MetricDataQueries: [
        stat('c', consumed, 60, 'Sum', { ReturnData: false }),
        stat('t', throttles, 60, 'Sum', { ReturnData: false }),
        { Id: 'both', Expression: 'c + t', Label: 'demand' },
        { Id: 'total', Expression: 'SUM(METRICS())' },
        { Id: 'rate', Expression: '(c + t) / 60' },
      ],
    });
    expect(MetricDataResults.map((r) => r.Id)).toEqual(['both', 'total', 'rate']);
    const [both, total, rate] = MetricDataResults;
    // Arithmetic keeps timestamps both series have; SUM adds whatever is present.
    expect(both?.Values).toEqual([25, 37]);
    expect(both?.Label).toBe('demand');
    expect(total?.Values).toEqual([10, 25, 37]);
    expect(rate?.Values?.map((v) => Math.round(v * 100) / 100)).toEqual([0.42, 0.62]);
  });

  it('FILL gives every period of the window a value, so quiet minutes count as zero', async () => {
    const metrics = new MetricStore();
    metrics.putValue(throttles, minute(1), 5);
    const { MetricDataResults = [] } = await metrics.getMetricData({
      StartTime: new Date(minute(0)),
      EndTime: new Date(minute(4)),
      ScanBy: 'TimestampAscending',
      MetricDataQueries: [
        stat('t', throttles, 60, 'Sum', { ReturnData: false }),
        stat('k', consumed, 60, 'Sum', { ReturnData: false }),
        { Id: 'filled', Expression: 'FILL(t, 0) + FILL(k, 0)' },
      ],
    });
    expect(MetricDataResults[0]?.Values).toEqual([0, 5, 0, 0]);
    expect(MetricDataResults[0]?.Timestamps?.map((t) => t.getTime())).toEqual([0, 1, 2, 3].map(minute));
  });

  it('FILL supports a constant only', async () => {
    const request = store().getMetricData({
      StartTime: new Date(minute(0)),
      EndTime: new Date(minute(2)),
      MetricDataQueries: [stat('m1', consumed, 60, 'Sum'), { Id: 'e1', Expression: 'FILL(m1, REPEAT)' }],
    });
    await expect(request).rejects.toThrow(/Unsupported metric math/);
  });

  it('rejects periods that are not a multiple of 60 seconds and unknown statistics', async () => {
    await expect(values(store(), stat('m1', consumed, 90, 'Sum'))).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
    });
    await expect(values(store(), stat('m1', consumed, 60, 'p99'))).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
    });
  });

  it('rejects expressions that refer to unknown ids or unsupported functions', async () => {
    const request = (expression: string) =>
      store().getMetricData({
        StartTime: new Date(minute(0)),
        EndTime: new Date(minute(3)),
        MetricDataQueries: [stat('m1', consumed, 60, 'Sum'), { Id: 'e1', Expression: expression }],
      });
    await expect(request('m1 + m9')).rejects.toThrow(/unknown query id m9/);
    await expect(request('ANOMALY_DETECTION_BAND(m1)')).rejects.toThrow(/Unsupported metric math/);
  });
});

describe('metric store publication delay', () => {
  /** Minutes 0..9 of `store()`'s data, in a store read at `clock.now`. */
  function clocked(options: { publicationDelaySeconds?: number } = {}) {
    const clock = { now: minute(0) };
    const metrics = new MetricStore({ now: () => clock.now, ...options });
    for (let n = 0; n < 10; n++) metrics.putValue(consumed, minute(n), (n + 1) * 10);
    return { clock, metrics };
  }
  const sums = (metrics: MetricStore, from = 0, to = 10) =>
    values(metrics, stat('m1', consumed, 60, 'Sum'), from, to, 'TimestampAscending');

  it('defaults to 120 s, the documented "up to 2 minutes" (an assumption for AWS service metrics)', () => {
    expect(DEFAULT_PUBLICATION_DELAY_SECONDS).toBe(120);
    expect(new MetricStore().publicationDelaySeconds).toBe(120);
  });

  it('hides a minute until its end plus the delay, and serves it from that moment on', async () => {
    const { clock, metrics } = clocked();
    // Minute 0 ends at minute 1 and is published 2 minutes later.
    expect(publishedAtMs(minute(0), 120)).toBe(minute(3));

    clock.now = minute(3) - 1;
    expect((await sums(metrics, 0, 1)).timestamps).toEqual([]);
    clock.now = minute(3);
    expect(await sums(metrics, 0, 1)).toMatchObject({ timestamps: [0], values: [10] });
  });

  it('leaves the newest minutes out of a range and serves the published ones, as on AWS', async () => {
    const { clock, metrics } = clocked();
    clock.now = minute(6) + 30_000;

    // Minutes 0..3 are published (minute 3 at 6:00); 4 (at 7:00) and 5 are not.
    expect(await sums(metrics, 0, 6)).toMatchObject({ timestamps: [0, 1, 2, 3], values: [10, 20, 30, 40] });
  });

  it('reads a longer period still being published as the sum of its published minutes', async () => {
    const { clock, metrics } = clocked();
    clock.now = minute(6);

    const result = await values(metrics, stat('m1', consumed, 300, 'Sum'), 0, 10, 'TimestampAscending');
    expect(result).toMatchObject({ timestamps: [0], values: [10 + 20 + 30 + 40] });
  });

  it('FILL fills only published periods: a minute still to come is not a zero', async () => {
    const { clock, metrics } = clocked();
    metrics.putValue(throttles, minute(2), 5);
    clock.now = minute(6);
    const { MetricDataResults = [] } = await metrics.getMetricData({
      StartTime: new Date(minute(0)),
      EndTime: new Date(minute(6)),
      ScanBy: 'TimestampAscending',
      MetricDataQueries: [
        stat('t', throttles, 60, 'Sum', { ReturnData: false }),
        { Id: 'filled', Expression: 'FILL(t, 0)' },
      ],
    });

    expect(MetricDataResults[0]?.Timestamps?.map((t) => t.getTime())).toEqual([0, 1, 2, 3].map(minute));
    expect(MetricDataResults[0]?.Values).toEqual([0, 0, 5, 0]);
  });

  it('takes another delay, down to none: a minute is then served as soon as it ends', async () => {
    const { clock, metrics } = clocked({ publicationDelaySeconds: 0 });
    clock.now = minute(1);

    expect((await sums(metrics, 0, 2)).timestamps).toEqual([0]);
  });

  it('serves every minute at once without a clock: it cannot tell when it is read', async () => {
    expect((await sums(store())).timestamps).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('refuses a negative or endless delay', () => {
    expect(() => new MetricStore({ publicationDelaySeconds: -1 })).toThrow(RangeError);
    expect(() => new MetricStore({ publicationDelaySeconds: Infinity })).toThrow(RangeError);
  });

  it("keeps the world's record whole: datapoints() lists unpublished minutes too", () => {
    const { metrics } = clocked();

    expect(metrics.datapoints(consumed)).toHaveLength(10);
  });
});
