/**
 * Reads a table's load from CloudWatch: consumed and provisioned capacity, and throttle events by
 * cause (key range, provisioned, on-demand maximum), one datapoint a minute. The cause-specific
 * metrics come first because they tell a hot key from a full table (aws-facts: "Diagnosing
 * throttling").
 *
 * A minute CloudWatch has not published yet and a minute with nothing to report look the same: no
 * datapoint. DynamoDB publishes throttle metrics only for minutes that throttled, so a missing
 * throttle datapoint means "none" only in a minute known to be published. What tells a published
 * minute is its consumed-capacity datapoint, one a minute ("DynamoDB Metrics and dimensions"), on
 * the assumption that a minute's metrics are published together. A minute without one (an idle
 * table's too) is not known, never quiet.
 */
import type { MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { CloudWatchPort } from '../ports.ts';
import { classifyAwsError } from '../errors.ts';

export type Dimension = 'read' | 'write';

const SERIES = {
  consumed: { read: 'ConsumedReadCapacityUnits', write: 'ConsumedWriteCapacityUnits', stat: 'Sum' },
  provisioned: {
    read: 'ProvisionedReadCapacityUnits',
    write: 'ProvisionedWriteCapacityUnits',
    stat: 'Average',
  },
  throttleEvents: { read: 'ReadThrottleEvents', write: 'WriteThrottleEvents', stat: 'Sum' },
  keyRange: {
    read: 'ReadKeyRangeThroughputThrottleEvents',
    write: 'WriteKeyRangeThroughputThrottleEvents',
    stat: 'Sum',
  },
  provisionedLimit: {
    read: 'ReadProvisionedThroughputThrottleEvents',
    write: 'WriteProvisionedThroughputThrottleEvents',
    stat: 'Sum',
  },
  onDemandLimit: {
    read: 'ReadMaxOnDemandThroughputThrottleEvents',
    write: 'WriteMaxOnDemandThroughputThrottleEvents',
    stat: 'Sum',
  },
} as const;

export type SeriesName = keyof typeof SERIES;

/**
 * One minute of one dimension: sums over the minute, except `provisioned` (the level). `published`:
 * its consumed-capacity datapoint is there; without it the zeros stand for "not known".
 */
export type MinuteLoad = Record<SeriesName, number> & { timestamp: number; published: boolean };

export type TableLoad = Record<Dimension, MinuteLoad[]>;

const PERIOD_SECONDS = 60;

const queryId = (series: SeriesName, dimension: Dimension): string => `${dimension}_${series}`;

export function tableMetricQueries(tableName: string): MetricDataQuery[] {
  const queries: MetricDataQuery[] = [];
  for (const dimension of ['read', 'write'] as const) {
    for (const [series, spec] of Object.entries(SERIES) as [SeriesName, (typeof SERIES)[SeriesName]][]) {
      queries.push({
        Id: queryId(series, dimension),
        MetricStat: {
          Metric: {
            Namespace: 'AWS/DynamoDB',
            MetricName: spec[dimension],
            Dimensions: [{ Name: 'TableName', Value: tableName }],
          },
          Period: PERIOD_SECONDS,
          Stat: spec.stat,
        },
        ReturnData: true,
      });
    }
  }
  return queries;
}

/** The whole minutes in [end - minutes, end), aligned as CloudWatch aligns one-minute periods. */
export function metricWindow(endMs: number, minutes: number): { start: Date; end: Date } {
  const end = Math.floor(endMs / 60_000) * 60_000;
  return { start: new Date(end - minutes * 60_000), end: new Date(end) };
}

export async function readTableLoad(
  cloudwatch: CloudWatchPort,
  tableName: string,
  window: { start: Date; end: Date },
): Promise<TableLoad> {
  const output = await cloudwatch
    .getMetricData({
      MetricDataQueries: tableMetricQueries(tableName),
      StartTime: window.start,
      EndTime: window.end,
      ScanBy: 'TimestampAscending',
    })
    .catch((error: unknown) => {
      throw classifyAwsError(error, `Reading CloudWatch metrics for table ${tableName}`);
    });

  // A series with no datapoint in a minute reads 0 here; `published` says whether that 0 is known.
  const minutes = new Map<string, MinuteLoad>();
  const minuteFor = (dimension: Dimension, timestamp: number): MinuteLoad => {
    const key = `${dimension}:${timestamp}`;
    let minute = minutes.get(key);
    if (!minute) {
      minute = {
        timestamp,
        consumed: 0,
        provisioned: 0,
        throttleEvents: 0,
        keyRange: 0,
        provisionedLimit: 0,
        onDemandLimit: 0,
        published: false,
      };
      minutes.set(key, minute);
    }
    return minute;
  };
  for (const result of output.MetricDataResults ?? []) {
    const [dimension, series] = (result.Id ?? '').split('_') as [Dimension, SeriesName];
    (result.Timestamps ?? []).forEach((timestamp, i) => {
      const minute = minuteFor(dimension, new Date(timestamp).getTime());
      minute[series] = result.Values?.[i] ?? 0;
      if (series === 'consumed') minute.published = true;
    });
  }
  const series = (dimension: Dimension): MinuteLoad[] =>
    [...minutes.entries()]
      .filter(([key]) => key.startsWith(`${dimension}:`))
      .map(([, minute]) => minute)
      .sort((a, b) => a.timestamp - b.timestamp);
  return { read: series('read'), write: series('write') };
}

export const perSecond = (sumOverMinute: number): number => sumOverMinute / PERIOD_SECONDS;

/**
 * The starts of the minutes CloudWatch has published for the table: those with a consumed-capacity
 * datapoint in either dimension (DynamoDB publishes a minute's metrics together).
 */
export function publishedMinutes(load: TableLoad): Set<number> {
  return new Set([...load.read, ...load.write].filter((m) => m.published).map((m) => m.timestamp));
}
