/**
 * What the backpressure runbook may conclude from the downstream's health metric, and from the
 * queue's oldest message, when CloudWatch has not (yet) published what it reads.
 *
 * A minute CloudWatch has not published has no datapoint, like a minute nothing happened in. So a
 * missing datapoint is never read as good news: no error rate is not a healthy downstream, and no
 * age of the oldest message is not a young queue. What is known stays known: a published minute
 * with no request made (the request count is there, and 0) failed nothing.
 */
import type { HealthJudgement } from './plan.ts';

/** The latest error rate CloudWatch has, or why there is none. */
export type HealthReading =
  | { kind: 'value'; value: number }
  /** The request count is published, and no request was made: nothing failed. */
  | { kind: 'no-requests' }
  /** Nothing published in the lookback window: health unknown. */
  | { kind: 'unknown' };

/** Healthy only on evidence: a datapoint at most the threshold, or a minute with no request. */
export function judgeReading(reading: HealthReading, thresholdPercent: number): HealthJudgement {
  switch (reading.kind) {
    case 'value':
      return { healthy: reading.value <= thresholdPercent, value: reading.value, thresholdPercent };
    case 'no-requests':
      return { healthy: true, value: null, thresholdPercent };
    case 'unknown':
      return { healthy: false, value: null, thresholdPercent };
  }
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
