/**
 * What the backpressure runbook may conclude from the downstream's health metric, and from the
 * queue's oldest message, when CloudWatch has not (yet) published what it reads.
 *
 * A minute CloudWatch has not published has no datapoint, like a minute nothing happened in. So a
 * missing datapoint is never read as good news: no error rate is not a healthy downstream, and no
 * age of the oldest message is not a young queue. Nor is it read as bad news: with no datapoint
 * the downstream's health is not yet known, and the runbook changes nothing on it (plan.ts).
 * What is known stays known: a published minute with no request made (the request count is there,
 * and 0) failed nothing.
 *
 * After a change to the mapping, only minutes that ran wholly after the change took effect show
 * what it did: CloudWatch publishes a minute some time after it ends (2 minutes in the simulated
 * world, `world/cloudwatch-publication.ts`, an assumption), so a probe soon after a change would
 * otherwise judge the new limit on minutes from before it.
 */
import type { HealthJudgement } from './plan.ts';

const MINUTE_MS = 60_000;

/** The latest error rate CloudWatch has, or why there is none. */
export type HealthReading =
  /** `minuteMs`: the start of the minute the value is of. */
  | { kind: 'value'; value: number; minuteMs?: number }
  /** The request count is published, and no request was made: nothing failed. */
  | { kind: 'no-requests'; minuteMs?: number }
  /** Nothing published in the window read: health not yet known. */
  | { kind: 'unknown' };

/**
 * Healthy only on evidence: a datapoint at most the threshold, or a minute with no request.
 * Unhealthy only on evidence: a datapoint above it. Nothing published: not yet known.
 */
export function judgeReading(reading: HealthReading, thresholdPercent: number): HealthJudgement {
  const minute = (minuteMs: number | undefined) =>
    minuteMs === undefined ? null : new Date(minuteMs).toISOString();
  switch (reading.kind) {
    case 'value':
      return {
        verdict: reading.value <= thresholdPercent ? 'healthy' : 'unhealthy',
        value: reading.value,
        thresholdPercent,
        minute: minute(reading.minuteMs),
      };
    case 'no-requests':
      return { verdict: 'healthy', value: null, thresholdPercent, minute: minute(reading.minuteMs) };
    case 'unknown':
      return { verdict: 'not-yet-known', value: null, thresholdPercent, minute: null };
  }
}

/**
 * The first whole minute that shows only a change that took effect at `tookEffectMs`: the minute
 * after the one holding that moment (that one ran partly at the old limit, as hot-shard's
 * verification window skips it: `domain/capacity/verify.ts`).
 */
export function firstMinuteAfter(tookEffectMs: number): number {
  return Math.floor(tookEffectMs / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
}

/**
 * The whole minutes a probe may judge at `nowMs`, as a GetMetricData window: the last
 * `lookbackSeconds` of whole minutes (a minute still going on reads low: a partial count), and
 * none before the first minute after the last change took effect. Null when no such minute has
 * ended yet: nothing to ask CloudWatch, the health is not yet known.
 */
export function judgedWindow(
  nowMs: number,
  lookbackSeconds: number,
  tookEffectMs?: number,
): { startMs: number; endMs: number } | null {
  const endMs = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS;
  const lookbackStart = endMs - lookbackSeconds * 1000;
  const startMs =
    tookEffectMs === undefined ? lookbackStart : Math.max(lookbackStart, firstMinuteAfter(tookEffectMs));
  return startMs < endMs ? { startMs, endMs } : null;
}

/**
 * The age of the oldest message to judge the retention guard by, in seconds: the newest datapoint
 * CloudWatch has (its minute's Maximum). None, and no message visible in the queue
 * (GetQueueAttributes, which is not delayed): 0, nothing can expire. None while messages wait: not
 * known, so the worst case, the retention period, and the guard calls it urgent rather than
 * throttle further on a guess.
 */
export function oldestAgeToJudge(
  latest: number | null,
  queue: { visibleMessages: number; retentionSeconds: number },
): number {
  if (latest !== null) return latest;
  return queue.visibleMessages > 0 ? queue.retentionSeconds : 0;
}
