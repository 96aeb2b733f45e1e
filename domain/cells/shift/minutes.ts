/**
 * Which minutes of X-Ray's statistics the runbook may judge, and how long it waits for them.
 *
 * X-Ray aggregates a minute some time after it ends (how long is not documented), and until then
 * GetTimeSeriesServiceStatistics has no bucket for it, just as it has none for a minute in which it
 * traced nothing. The runbook never guesses that delay: after a change it judges only minutes that
 * began at or after the change (a minute holding the change is partly before it) and have ended,
 * and of those only the ones X-Ray returns a bucket for. When none is there yet the answer is "not
 * yet known": neither a failed check nor a healthy one, but a reason to wait and read again, a
 * bounded number of times in a row.
 */
import type { StatisticsWindow } from '../cell-statistics.ts';

const MINUTE_MS = 60_000;

/** Checks of "traffic has left" (and "has returned") before the shift is put back: the ASL's `maxChecks`. */
export const VERIFY_MAX_CHECKS = 5;

/** The ASL's Wait before each of those checks ("Wait for traffic to leave the cell", "… to return"). */
export const VERIFY_CHECK_SECONDS = 60;

/**
 * Reads in a row that find no new minute before the run stops waiting for X-Ray: the ASL's
 * `maxWaits`, one wait of STATISTICS_WAIT_SECONDS each; five minutes, as the hot-shard runbook
 * waits for CloudWatch.
 */
export const MAX_STATISTICS_WAITS = 5;

/** The ASL's Wait before reading again when X-Ray shows no new minute: a minute, its period. */
export const STATISTICS_WAIT_SECONDS = 60;

/**
 * The whole minutes a check may judge: from the first minute that starts at or after `judgeFrom`
 * (the change, or the end of the last minute judged) to the start of the minute `nowMs` is in.
 * Null when no such minute has ended yet: there is nothing to ask X-Ray for.
 */
export function unjudgedWindow(judgeFrom: string, nowMs: number): StatisticsWindow | null {
  const start = Math.ceil(Date.parse(judgeFrom) / MINUTE_MS) * MINUTE_MS;
  const end = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS;
  return end > start ? { start: new Date(start), end: new Date(end) } : null;
}

/** The end of the minute that starts at `startMs`: where the next check's minutes begin. */
export function minuteEnd(startMs: number): string {
  return new Date(startMs + MINUTE_MS).toISOString();
}

/**
 * One more read that found nothing new: the count of such reads in a row, or, past `maxWaits`,
 * the error that ends the waiting.
 */
export function countWait(waits: number, maxWaits: number, unavailable: (reads: number) => Error): number {
  const next = waits + 1;
  if (next > maxWaits) throw unavailable(next);
  return next;
}
