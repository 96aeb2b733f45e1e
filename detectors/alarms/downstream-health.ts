/**
 * The alarms selfheal puts on the downstream a queue's consumer calls: its error rate, and
 * optionally its p99 latency. Either going to ALARM starts the SQS-backpressure runbook for the
 * consumer's event-source mapping (dispatch routes them by name, `queue-backpressure`).
 *
 * The error rate is computed from counts with metric math, `100 * FILL(errors, 0) / requests`,
 * rather than alarmed on a published rate: the counts are what applications publish (or what a
 * load balancer or API gateway gives), and a minute with no requests at all (a consumer throttled
 * to nothing, a quiet night) has no rate, which reads as missing, not as 0 % or 100 %.
 * `notBreaching` then keeps a throttled consumer's quiet minutes from holding the alarm.
 */
import { RUNBOOK_TAG } from '../../contracts/alarm-definition.ts';
import type {
  MetricMathAlarmDefinition,
  SingleMetricAlarmDefinition,
} from '../../contracts/alarm-definition.ts';
import { DEFAULT_ALARM_PREFIX } from './dynamodb-throttling.ts';

export const SQS_BACKPRESSURE_RUNBOOK = 'sqs-backpressure';
export const DEFAULT_ERROR_RATE_THRESHOLD_PERCENT = 5;

export interface DownstreamHealthAlarmOptions {
  /** The downstream's name, its metrics' dimension value. */
  service: string;
  /** Default `Downstream`. */
  namespace?: string;
  /** Default `Service`. */
  dimension?: string;
  /** Metric names of the counts; default `Requests` and `Errors`. */
  metrics?: { requests?: string; errors?: string; latencyP99?: string };
  /** Failed share of requests, percent, above which a minute breaches; default 5. */
  errorRateThresholdPercent?: number;
  /** p99 latency in ms above which a minute breaches; no latency alarm when absent. */
  latencyP99ThresholdMs?: number;
  /** Alarm names are `<prefix>-<service>-…`. */
  prefix?: string;
}

export function downstreamHealthAlarms(
  options: DownstreamHealthAlarmOptions,
): (MetricMathAlarmDefinition | SingleMetricAlarmDefinition)[] {
  const prefix = options.prefix ?? DEFAULT_ALARM_PREFIX;
  const namespace = options.namespace ?? 'Downstream';
  const dimensions = [{ Name: options.dimension ?? 'Service', Value: options.service }];
  const names = { requests: 'Requests', errors: 'Errors', latencyP99: 'LatencyP99', ...options.metrics };
  const count = (id: string, metricName: string) => ({
    Id: id,
    MetricStat: {
      Metric: { Namespace: namespace, MetricName: metricName, Dimensions: dimensions },
      Period: 60,
      Stat: 'Sum' as const,
    },
    ReturnData: false,
  });
  const threshold = options.errorRateThresholdPercent ?? DEFAULT_ERROR_RATE_THRESHOLD_PERCENT;
  // Two breaching minutes in a row: one bad minute is noise, and each minute waited lets more
  // messages fail their way toward the dead-letter queue.
  const evaluation = {
    EvaluationPeriods: 2,
    DatapointsToAlarm: 2,
    ComparisonOperator: 'GreaterThanThreshold' as const,
    TreatMissingData: 'notBreaching' as const,
    Tags: [{ Key: RUNBOOK_TAG, Value: SQS_BACKPRESSURE_RUNBOOK }],
  };
  const errorRate: MetricMathAlarmDefinition = {
    AlarmName: `${prefix}-${options.service}-error-rate`,
    AlarmDescription: `Downstream ${options.service} fails more than ${threshold} % of the requests its consumers send.`,
    Metrics: [
      { Id: 'e1', Expression: '100 * FILL(m1, 0) / m2', Label: 'Error rate (%)', ReturnData: true },
      count('m1', names.errors),
      count('m2', names.requests),
    ],
    Threshold: threshold,
    ...evaluation,
  };
  if (options.latencyP99ThresholdMs === undefined) return [errorRate];
  const latency: SingleMetricAlarmDefinition = {
    AlarmName: `${prefix}-${options.service}-latency-p99`,
    AlarmDescription: `Downstream ${options.service} answers slower than ${options.latencyP99ThresholdMs} ms at p99.`,
    Namespace: namespace,
    MetricName: names.latencyP99,
    Dimensions: dimensions,
    Statistic: 'Maximum',
    Period: 60,
    Threshold: options.latencyP99ThresholdMs,
    ...evaluation,
  };
  return [errorRate, latency];
}
