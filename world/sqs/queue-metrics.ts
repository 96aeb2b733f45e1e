/**
 * What SQS, Lambda and the downstream publish to CloudWatch for one minute of the queue world.
 *
 * - AWS/SQS (dimension QueueName), for the queue: NumberOfMessagesSent / Received / Deleted (the
 *   minute's counts; Received counts every receive, retries and throttled ones included), and the
 *   gauges ApproximateNumberOfMessagesVisible / NotVisible and ApproximateAgeOfOldestMessage
 *   (seconds; 0 when empty). For the dead-letter queue the gauges only, its age counted from when
 *   a message was moved there; messages moved by the redrive policy are not NumberOfMessagesSent,
 *   as in SQS.
 * - AWS/Lambda (dimension FunctionName): Invocations, Errors, Throttles (counts), Duration (ms,
 *   one sample per invocation) and ConcurrentExecutions (one sample per second, so Maximum and
 *   Average both mean what they do in CloudWatch).
 * - Downstream (dimension Service): Requests, Errors, ErrorRate (percent of the minute's requests)
 *   and LatencyP99 (ms, the worst second's p99) — a custom namespace, as an application would
 *   publish with PutMetricData.
 *
 * Simplification: each SQS gauge is one sample a minute, taken at the minute's end (SQS samples
 * them more often), so every statistic of a minute gives that one value. Minutes without
 * invocations or requests publish no Duration, ErrorRate or LatencyP99 (missing data, not 0).
 */
import type { MetricIdentity, MetricStore, StatisticSet } from '../metric-store.ts';

export const SQS_NAMESPACE = 'AWS/SQS';
export const LAMBDA_NAMESPACE = 'AWS/Lambda';
export const DOWNSTREAM_NAMESPACE = 'Downstream';

/** What a minute counts that the world's timeline shows as counted (`QueueMinute`). */
export interface MinuteCounts {
  /** Every receive, retries and throttled ones included. */
  received: number;
  /** Returned by failed invocations. */
  returned: number;
  /** Received by pollers beyond the reserved concurrency, whose invocation was throttled. */
  throttledMessages: number;
  movedToDeadLetter: number;
  expired: number;
  invocations: number;
  errors: number;
  throttles: number;
  downstreamRequests: number;
  downstreamErrors: number;
  /** Of the errors, requests a circuit breaker in front of the downstream answered 429 at once. */
  shedRequests: number;
}

/** A minute of seconds, added up. */
export interface MinuteTally extends MinuteCounts {
  seconds: number;
  sent: number;
  deleted: number;
  deadLetterExpired: number;
  /** Lowest downstream capacity of the minute. */
  downstreamCapacity: number;
  /** Worst p99 of the seconds with requests, ms; 0 if none. */
  latencyP99Ms: number;
  concurrency: StatisticSet;
  durationMs: StatisticSet;
}

export function emptyTally(): MinuteTally {
  return {
    seconds: 0,
    sent: 0,
    received: 0,
    deleted: 0,
    returned: 0,
    throttledMessages: 0,
    movedToDeadLetter: 0,
    expired: 0,
    deadLetterExpired: 0,
    invocations: 0,
    errors: 0,
    throttles: 0,
    downstreamRequests: 0,
    downstreamErrors: 0,
    shedRequests: 0,
    downstreamCapacity: Infinity,
    latencyP99Ms: 0,
    concurrency: { sum: 0, sampleCount: 0, minimum: Infinity, maximum: -Infinity },
    durationMs: { sum: 0, sampleCount: 0, minimum: Infinity, maximum: -Infinity },
  };
}

/** Adds `count` samples of `value` to a statistic set. */
export function addSamples(set: StatisticSet, value: number, count = 1): void {
  if (count <= 0) return;
  set.sum += value * count;
  set.sampleCount += count;
  set.minimum = Math.min(set.minimum, value);
  set.maximum = Math.max(set.maximum, value);
}

export interface QueueGauges {
  visible: number;
  notVisible: number;
  oldestAgeSeconds: number;
  deadLetterVisible: number;
  deadLetterOldestAgeSeconds: number;
}

export interface MetricNames {
  queueName: string;
  deadLetterQueueName: string;
  functionName: string;
  downstreamName: string;
}

export function publishMinute(
  metrics: MetricStore,
  names: MetricNames,
  minuteStartMs: number,
  tally: MinuteTally,
  gauges: QueueGauges,
): void {
  const sqs = (queueName: string, metricName: string): MetricIdentity => ({
    namespace: SQS_NAMESPACE,
    metricName,
    dimensions: { QueueName: queueName },
  });
  const lambda = (metricName: string): MetricIdentity => ({
    namespace: LAMBDA_NAMESPACE,
    metricName,
    dimensions: { FunctionName: names.functionName },
  });
  const downstream = (metricName: string): MetricIdentity => ({
    namespace: DOWNSTREAM_NAMESPACE,
    metricName,
    dimensions: { Service: names.downstreamName },
  });
  const put = (metric: MetricIdentity, value: number) => metrics.putValue(metric, minuteStartMs, value);

  put(sqs(names.queueName, 'NumberOfMessagesSent'), tally.sent);
  put(sqs(names.queueName, 'NumberOfMessagesReceived'), tally.received);
  put(sqs(names.queueName, 'NumberOfMessagesDeleted'), tally.deleted);
  put(sqs(names.queueName, 'ApproximateNumberOfMessagesVisible'), gauges.visible);
  put(sqs(names.queueName, 'ApproximateNumberOfMessagesNotVisible'), gauges.notVisible);
  put(sqs(names.queueName, 'ApproximateAgeOfOldestMessage'), gauges.oldestAgeSeconds);
  put(sqs(names.deadLetterQueueName, 'ApproximateNumberOfMessagesVisible'), gauges.deadLetterVisible);
  put(sqs(names.deadLetterQueueName, 'ApproximateNumberOfMessagesNotVisible'), 0);
  put(sqs(names.deadLetterQueueName, 'ApproximateAgeOfOldestMessage'), gauges.deadLetterOldestAgeSeconds);

  put(lambda('Invocations'), tally.invocations);
  put(lambda('Errors'), tally.errors);
  put(lambda('Throttles'), tally.throttles);
  if (tally.concurrency.sampleCount > 0) {
    metrics.putStatistics(lambda('ConcurrentExecutions'), minuteStartMs, tally.concurrency);
  }
  if (tally.durationMs.sampleCount > 0) {
    metrics.putStatistics(lambda('Duration'), minuteStartMs, tally.durationMs);
  }

  put(downstream('Requests'), tally.downstreamRequests);
  put(downstream('Errors'), tally.downstreamErrors);
  if (tally.downstreamRequests > 0) {
    put(downstream('ErrorRate'), (100 * tally.downstreamErrors) / tally.downstreamRequests);
    put(downstream('LatencyP99'), tally.latencyP99Ms);
  }
}
