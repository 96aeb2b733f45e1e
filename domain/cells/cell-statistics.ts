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
import type { CellStatistics } from './grey-failure.ts';
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

export async function readCellStatistics(
  xray: XRayPort,
  cell: string,
  window: StatisticsWindow,
): Promise<CellReading> {
  const output = await xray
    .getTimeSeriesServiceStatistics(cellStatisticsRequest(cell, window))
    .catch((error: unknown) => {
      throw classifyAwsError(error, `Reading X-Ray statistics for cell ${cell}`);
    });

  let requests = 0;
  let faults = 0;
  let errors = 0;
  let responseTimeSeconds = 0;
  const histograms: HistogramEntry[][] = [];
  // The buckets are taken as X-Ray returns them for the window asked for: summed, not re-filtered.
  for (const bucket of output.TimeSeriesServiceStatistics ?? []) {
    // With a service() selector X-Ray reports the service's own side in ServiceSummaryStatistics;
    // EdgeSummaryStatistics (the callers' view) is for edge selectors and is not mixed in.
    const stats = bucket.ServiceSummaryStatistics;
    requests += stats?.TotalCount ?? 0;
    faults += stats?.FaultStatistics?.TotalCount ?? 0;
    errors += stats?.ErrorStatistics?.TotalCount ?? 0;
    responseTimeSeconds += stats?.TotalResponseTime ?? 0;
    histograms.push(bucket.ResponseTimeHistogram ?? []);
  }
  const p99Seconds = histogramPercentile(mergeHistograms(histograms), 0.99);
  return {
    cell,
    requests,
    faults,
    errors,
    p99Ms: p99Seconds === null ? null : toMs(p99Seconds),
    meanMs: requests > 0 ? toMs(responseTimeSeconds / requests) : null,
  };
}

/** X-Ray times are seconds; evidence reads better in milliseconds (to a tenth). */
function toMs(seconds: number): number {
  return Math.round(seconds * 10_000) / 10;
}
