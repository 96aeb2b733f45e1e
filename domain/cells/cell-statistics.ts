/**
 * Reads one cell's traffic over a window from X-Ray's GetTimeSeriesServiceStatistics: the cell's
 * service node (see `fleet.ts` for the mapping), one-minute buckets, summed over the window.
 *
 * Why the time series rather than GetServiceGraph: a `service("<cell>")` selector asks for exactly
 * one cell, whatever else the account traces, and returns the service's own statistics (its
 * server side) with a response-time histogram per bucket, which is what a p99 needs.
 */
import type { GetTimeSeriesServiceStatisticsRequest, HistogramEntry } from '@aws-sdk/client-xray';
import { classifyAwsError } from '../errors.ts';
import type { XRayPort } from './ports.ts';
import { SAMPLE_CONFIDENCE_Z, type CellStatistics } from './grey-failure.ts';
import { histogramPercentile, mergeHistograms } from './histogram.ts';

/** A window of whole minutes, [start, end). */
export interface StatisticsWindow {
  start: Date;
  end: Date;
}

/** One-minute buckets: the finest X-Ray aggregates to, so a window of N minutes is N buckets. */
export const STATISTICS_PERIOD_SECONDS = 60;

/** What the detector knows of a cell beyond the judged figures, for the incident's evidence. */
export interface CellReading extends CellStatistics {
  /** 4xx responses (throttles included): the callers' errors, reported but not judged. */
  errors: number;
  /** Mean response time in milliseconds (X-Ray's TotalResponseTime / TotalCount). */
  meanMs: number | null;
}

/**
 * The quantile whose value is the lowest p99 a sample of `n` response times allows: 0.99 less
 * SAMPLE_CONFIDENCE_Z standard errors of the share of a sample at or below the true p99 (binomial:
 * √(0.99 × 0.01 / n)). On few traces it reads well down the tail; on many, next to the p99.
 */
export function p99LowerQuantile(n: number, z = SAMPLE_CONFIDENCE_Z): number {
  if (!(n > 0)) return 0.99;
  return Math.min(0.99, Math.max(0.5, 0.99 - z * Math.sqrt((0.99 * 0.01) / n)));
}

/** The whole minutes in [end − minutes, end), end rounded down to its minute. */
export function statisticsWindow(atMs: number, minutes: number): StatisticsWindow {
  const end = Math.floor(atMs / 60_000) * 60_000;
  return { start: new Date(end - minutes * 60_000), end: new Date(end) };
}

/** `service("checkout-cell-1")`: cell names are restricted so that they need no escaping. */
export function serviceSelector(cell: string): string {
  return `service("${cell}")`;
}

export function cellStatisticsRequest(
  cell: string,
  window: StatisticsWindow,
): GetTimeSeriesServiceStatisticsRequest {
  return {
    StartTime: window.start,
    EndTime: window.end,
    EntitySelectorExpression: serviceSelector(cell),
    Period: STATISTICS_PERIOD_SECONDS,
    // X-Ray's own forecast judges a service against its past; the detector judges it against its
    // peers, so the forecast is not asked for.
    ForecastStatistics: false,
  };
}

/**
 * One minute of one cell as X-Ray returns it: a bucket of GetTimeSeriesServiceStatistics. X-Ray
 * has no bucket for a minute in which it traced nothing of the cell, nor for one it has not
 * aggregated yet, and the two cannot be told apart from the answer: a minute without a bucket is
 * not known, never "no traffic".
 */
export interface CellMinute {
  /** The minute's start, epoch milliseconds. */
  startMs: number;
  requests: number;
  faults: number;
  errors: number;
  /** Sum of the traced requests' response times, seconds. */
  responseTimeSeconds: number;
  histogram: HistogramEntry[];
}

/** The cell's one-minute buckets over the window, oldest first: only the minutes X-Ray returns. */
export async function readCellMinutes(
  xray: XRayPort,
  cell: string,
  window: StatisticsWindow,
): Promise<CellMinute[]> {
  const output = await xray
    .getTimeSeriesServiceStatistics(cellStatisticsRequest(cell, window))
    .catch((error: unknown) => {
      throw classifyAwsError(error, `Reading X-Ray statistics for cell ${cell}`);
    });
  // The buckets are taken as X-Ray returns them for the window asked for, not re-filtered.
  return (output.TimeSeriesServiceStatistics ?? [])
    .map((bucket) => {
      // With a service() selector X-Ray reports the service's own side in ServiceSummaryStatistics;
      // EdgeSummaryStatistics (the callers' view) is for edge selectors and is not mixed in.
      const stats = bucket.ServiceSummaryStatistics;
      return {
        startMs: bucket.Timestamp?.getTime() ?? window.start.getTime(),
        requests: stats?.TotalCount ?? 0,
        faults: stats?.FaultStatistics?.TotalCount ?? 0,
        errors: stats?.ErrorStatistics?.TotalCount ?? 0,
        responseTimeSeconds: stats?.TotalResponseTime ?? 0,
        histogram: bucket.ResponseTimeHistogram ?? [],
      };
    })
    .sort((a, b) => a.startMs - b.startMs);
}

/** The cell's figures over the given minutes, summed: what the judgements read. */
export function summariseMinutes(cell: string, minutes: readonly CellMinute[]): CellReading {
  const requests = minutes.reduce((sum, m) => sum + m.requests, 0);
  const faults = minutes.reduce((sum, m) => sum + m.faults, 0);
  const errors = minutes.reduce((sum, m) => sum + m.errors, 0);
  const responseTimeSeconds = minutes.reduce((sum, m) => sum + m.responseTimeSeconds, 0);
  // X-Ray's counts and histograms hold only the traced requests: the p99 is a sample's, and the
  // judgement checks its floors on the lowest p99 that sample allows.
  const merged = mergeHistograms(minutes.map((m) => m.histogram));
  const traced = merged.reduce((sum, entry) => sum + (entry.Count ?? 0), 0);
  const p99Seconds = histogramPercentile(merged, 0.99);
  const p99LowerSeconds = traced > 0 ? histogramPercentile(merged, p99LowerQuantile(traced)) : null;
  return {
    cell,
    requests,
    faults,
    errors,
    p99Ms: p99Seconds === null ? null : toMs(p99Seconds),
    p99LowerMs: p99LowerSeconds === null ? null : toMs(p99LowerSeconds),
    meanMs: requests > 0 ? toMs(responseTimeSeconds / requests) : null,
  };
}

/** The cell's figures summed over every bucket X-Ray returns for the window. */
export async function readCellStatistics(
  xray: XRayPort,
  cell: string,
  window: StatisticsWindow,
): Promise<CellReading> {
  return summariseMinutes(cell, await readCellMinutes(xray, cell, window));
}

/** X-Ray times are seconds; evidence reads better in milliseconds (to a tenth). */
function toMs(seconds: number): number {
  return Math.round(seconds * 10_000) / 10;
}
