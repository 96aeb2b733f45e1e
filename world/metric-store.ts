/**
 * The simulated world's CloudWatch: one-minute statistic sets per metric, read back through the
 * same GetMetricData / Contributor Insights calls a handler makes against AWS.
 *
 * Given the world's clock, it serves a minute only once CloudWatch would have published it: at the
 * minute's end plus `publicationDelaySeconds` (default and sources in `cloudwatch-publication.ts`).
 * Until then the minute is missing from every answer, as on AWS, where a minute not yet published
 * and a minute with nothing to report look alike. Without a clock the store cannot tell when it is
 * read: it serves every minute at once (a recording, as tests that fix their data use it).
 *
 * Simplifications: one page per answer (no NextToken, MaxDatapoints not enforced); period buckets
 * start at StartTime rounded down to the minute; only the statistics Sum, Average, Minimum,
 * Maximum and SampleCount (no percentiles); dimensions must match exactly, as in CloudWatch. A
 * longer period still being published reads as the sum of its published minutes. FILL fills only
 * periods CloudWatch has published (AWS does not document how it treats periods still to come; an
 * alarm reading zeros for them would never see a breach arrive). Contributor Insights reports are
 * not delayed.
 */
import type { GetMetricDataInput, GetMetricDataOutput, MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { MetricDataResult, MetricStat } from '@aws-sdk/client-cloudwatch';
import type { DescribeInsightRulesInput, DescribeInsightRulesOutput } from '@aws-sdk/client-cloudwatch';
import type { GetInsightRuleReportInput, GetInsightRuleReportOutput } from '@aws-sdk/client-cloudwatch';
import type { CloudWatchPort } from '../domain/ports.ts';
import { ContributorInsights, type ContributorRule, type ContributorSample } from './contributor-insights.ts';
import { evaluateExpression, type Series } from './metric-math.ts';
import { invalidParameterValue } from './service-error.ts';
import {
  checkPublicationDelay,
  DEFAULT_PUBLICATION_DELAY_SECONDS,
  readableBeforeMs,
} from './cloudwatch-publication.ts';

export interface MetricIdentity {
  namespace: string;
  metricName: string;
  dimensions: Readonly<Record<string, string>>;
}

/** What CloudWatch keeps of a minute's samples (a StatisticSet). */
export interface StatisticSet {
  sum: number;
  sampleCount: number;
  minimum: number;
  maximum: number;
}

export interface StoredDatapoint {
  timestampMs: number;
  statistics: StatisticSet;
}

export type Statistic = 'Sum' | 'Average' | 'Minimum' | 'Maximum' | 'SampleCount';

const MINUTE_MS = 60_000;
const STATISTICS: readonly string[] = ['Sum', 'Average', 'Minimum', 'Maximum', 'SampleCount'];

export interface MetricStoreOptions {
  /** The world's clock: when a reader asks. Without it every minute is served at once. */
  now?: () => number;
  /** Seconds after a minute ends before its datapoint can be read (default 120, an assumption). */
  publicationDelaySeconds?: number;
}

export class MetricStore implements CloudWatchPort {
  readonly publicationDelaySeconds: number;
  readonly #now: (() => number) | undefined;
  #series = new Map<string, Map<number, StatisticSet>>();
  #insights = new ContributorInsights();

  constructor(options: MetricStoreOptions = {}) {
    this.#now = options.now;
    this.publicationDelaySeconds = checkPublicationDelay(
      options.publicationDelaySeconds ?? DEFAULT_PUBLICATION_DELAY_SECONDS,
    );
  }

  /** Minutes starting before this moment can be read now (all of them without a clock). */
  publishedBeforeMs(): number {
    return this.#now ? readableBeforeMs(this.#now(), this.publicationDelaySeconds) : Infinity;
  }

  /** Records one sample in the minute holding `timestampMs`. */
  putValue(metric: MetricIdentity, timestampMs: number, value: number): void {
    this.putStatistics(metric, timestampMs, { sum: value, sampleCount: 1, minimum: value, maximum: value });
  }

  /** Records pre-aggregated samples (as PutMetricData's StatisticValues); same-minute sets merge. */
  putStatistics(metric: MetricIdentity, timestampMs: number, statistics: StatisticSet): void {
    const key = seriesKey(metric.namespace, metric.metricName, metric.dimensions);
    const series = this.#series.get(key) ?? new Map<number, StatisticSet>();
    this.#series.set(key, series);
    const minute = floorMinute(timestampMs);
    const known = series.get(minute);
    series.set(
      minute,
      known
        ? {
            sum: known.sum + statistics.sum,
            sampleCount: known.sampleCount + statistics.sampleCount,
            minimum: Math.min(known.minimum, statistics.minimum),
            maximum: Math.max(known.maximum, statistics.maximum),
          }
        : { ...statistics },
    );
  }

  /** Every minute recorded for a metric, published or not, oldest first (the world's own record). */
  datapoints(metric: MetricIdentity): StoredDatapoint[] {
    const series = this.#series.get(seriesKey(metric.namespace, metric.metricName, metric.dimensions));
    return [...(series ?? [])]
      .sort(([a], [b]) => a - b)
      .map(([timestampMs, statistics]) => ({ timestampMs, statistics: { ...statistics } }));
  }

  registerInsightRule(rule: ContributorRule): void {
    this.#insights.register(rule);
  }

  putContributors(ruleName: string, timestampMs: number, sample: ContributorSample): void {
    this.#insights.put(ruleName, timestampMs, sample);
  }

  async getMetricData(input: GetMetricDataInput): Promise<GetMetricDataOutput> {
    const queries = input.MetricDataQueries ?? [];
    if (queries.length === 0) throw invalidParameterValue('MetricDataQueries must not be empty');
    const startMs = floorMinute(requireTime(input.StartTime, 'StartTime'));
    const endMs = requireTime(input.EndTime, 'EndTime');
    if (endMs <= startMs) throw invalidParameterValue('EndTime must be after StartTime');
    // Read once: every query of the answer sees the same published minutes.
    const readableBefore = this.publishedBeforeMs();
    const byId = new Map<string, MetricDataQuery>();
    for (const query of queries) {
      if (!query.Id || !/^[a-z][a-zA-Z0-9_]*$/.test(query.Id)) {
        throw invalidParameterValue(`Query id "${query.Id}" must start with a lowercase letter`);
      }
      if (byId.has(query.Id)) throw invalidParameterValue(`Duplicate query id ${query.Id}`);
      if (Boolean(query.MetricStat) === Boolean(query.Expression)) {
        throw invalidParameterValue(`Query ${query.Id} needs exactly one of MetricStat and Expression`);
      }
      byId.set(query.Id, query);
    }

    const computed = new Map<string, Series>();
    const inProgress = new Set<string>();
    const seriesOf = (id: string): Series => {
      const done = computed.get(id);
      if (done) return done;
      const query = byId.get(id);
      if (!query) throw invalidParameterValue(`Expression refers to unknown query id ${id}`);
      if (inProgress.has(id)) throw invalidParameterValue(`Query ${id} refers to itself`);
      inProgress.add(id);
      const series = query.MetricStat
        ? this.#statSeries(query.MetricStat, startMs, Math.min(endMs, readableBefore))
        : evaluateExpression(query.Expression ?? '', {
            resolve: seriesOf,
            metrics: () => queries.filter((q) => q.MetricStat).map((q) => seriesOf(q.Id as string)),
            periods: () =>
              periodStarts(startMs, Math.min(endMs, readableBefore), requestPeriodSeconds(queries)),
          });
      inProgress.delete(id);
      computed.set(id, series);
      return series;
    };
    // Every query is evaluated, returned or not, so a bad hidden one fails the call as in CloudWatch.
    for (const id of byId.keys()) seriesOf(id);

    const ascending = input.ScanBy === 'TimestampAscending';
    const results: MetricDataResult[] = queries
      .filter((query) => query.ReturnData !== false)
      .map((query) => {
        const points = [...seriesOf(query.Id as string)].sort(([a], [b]) => (ascending ? a - b : b - a));
        return {
          Id: query.Id,
          Label: query.Label ?? query.MetricStat?.Metric?.MetricName ?? query.Id,
          Timestamps: points.map(([t]) => new Date(t)),
          Values: points.map(([, v]) => v),
          StatusCode: 'Complete',
          Messages: [],
        };
      });
    return { MetricDataResults: results, Messages: [] };
  }

  async describeInsightRules(_input: DescribeInsightRulesInput): Promise<DescribeInsightRulesOutput> {
    return this.#insights.describe();
  }

  async getInsightRuleReport(input: GetInsightRuleReportInput): Promise<GetInsightRuleReportOutput> {
    return this.#insights.report(input);
  }

  /** The stat's series over the minutes in [startMs, endMs): `endMs` is where publication stops. */
  #statSeries(stat: MetricStat, startMs: number, endMs: number): Series {
    const period = stat.Period ?? 0;
    if (!Number.isInteger(period) || period < 60 || period % 60 !== 0) {
      throw invalidParameterValue(`Period must be a multiple of 60 seconds, got ${stat.Period}`);
    }
    const statistic = stat.Stat ?? '';
    if (!STATISTICS.includes(statistic)) {
      throw invalidParameterValue(`Statistic ${statistic} is not supported by the simulated CloudWatch`);
    }
    const metric = stat.Metric;
    if (!metric?.Namespace || !metric.MetricName) {
      throw invalidParameterValue('MetricStat.Metric needs Namespace and MetricName');
    }
    const dimensions: Record<string, string> = {};
    for (const dimension of metric.Dimensions ?? []) {
      if (dimension.Name && dimension.Value !== undefined) dimensions[dimension.Name] = dimension.Value;
    }
    const stored = this.#series.get(seriesKey(metric.Namespace, metric.MetricName, dimensions));

    const periodMs = period * 1000;
    const buckets = new Map<number, StatisticSet>();
    for (const [minute, set] of stored ?? []) {
      if (minute < startMs || minute >= endMs) continue;
      const bucket = startMs + Math.floor((minute - startMs) / periodMs) * periodMs;
      const known = buckets.get(bucket);
      buckets.set(
        bucket,
        known
          ? {
              sum: known.sum + set.sum,
              sampleCount: known.sampleCount + set.sampleCount,
              minimum: Math.min(known.minimum, set.minimum),
              maximum: Math.max(known.maximum, set.maximum),
            }
          : set,
      );
    }
    const series: Series = new Map();
    for (const [bucket, set] of buckets) series.set(bucket, statisticOf(set, statistic as Statistic));
    return series;
  }
}

export function statisticOf(set: StatisticSet, statistic: Statistic): number {
  switch (statistic) {
    case 'Sum':
      return set.sum;
    case 'SampleCount':
      return set.sampleCount;
    case 'Minimum':
      return set.minimum;
    case 'Maximum':
      return set.maximum;
    case 'Average':
      return set.sampleCount > 0 ? set.sum / set.sampleCount : 0;
  }
}

function seriesKey(
  namespace: string,
  metricName: string,
  dimensions: Readonly<Record<string, string>>,
): string {
  const dims = Object.keys(dimensions)
    .sort()
    .map((name) => `${name}=${dimensions[name]}`)
    .join(',');
  return `${namespace}\u0000${metricName}\u0000${dims}`;
}

function floorMinute(ms: number): number {
  return Math.floor(ms / MINUTE_MS) * MINUTE_MS;
}

function requireTime(value: Date | undefined, name: string): number {
  const ms = value?.getTime();
  if (ms === undefined || Number.isNaN(ms)) throw invalidParameterValue(`${name} is required`);
  return ms;
}

/** Expressions take the period of the request's metrics (the smallest, as they should agree). */
function requestPeriodSeconds(queries: readonly MetricDataQuery[]): number {
  const periods = queries.flatMap((q) => (q.MetricStat?.Period ? [q.MetricStat.Period] : []));
  return periods.length > 0 ? Math.min(...periods) : 60;
}

function periodStarts(startMs: number, endMs: number, periodSeconds: number): number[] {
  const starts: number[] = [];
  for (let t = startMs; t < endMs; t += periodSeconds * 1000) starts.push(t);
  return starts;
}
