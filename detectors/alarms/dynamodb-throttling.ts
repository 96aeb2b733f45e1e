/**
 * The throttling alarms selfheal puts on one DynamoDB table.
 *
 * DynamoDB tells throttling causes apart (CloudWatch "throttling metrics"): a table out of
 * provisioned capacity and a hot partition or key need different remedies (more capacity helps the
 * first, barely the second, since a partition never serves more than 3,000 RCU / 1,000 WCU). The
 * older `ReadThrottleEvents` / `WriteThrottleEvents` / `ThrottledRequests` lump both together, so
 * each alarm watches one cause's pair of metrics and the runbook starts knowing which one fired.
 *
 * The metrics are summed through metric math with `FILL(…, 0)`: throttle metrics only have
 * datapoints while something is throttled, and CloudWatch always *ignores* missing data for
 * `AWS/DynamoDB` metrics whatever TreatMissingData says (PutMetricAlarm reference), so an alarm on
 * the raw metric would stay in ALARM after throttling stops. The filled expression reports zeros
 * instead and lets the alarm return to OK. `notBreaching` states the intent for any gap left.
 */
import { RUNBOOK_TAG } from '../../contracts/alarm-definition.ts';
import type { MetricMathAlarmDefinition } from '../../contracts/alarm-definition.ts';

export const DEFAULT_ALARM_PREFIX = 'selfheal';
export const DEFAULT_THROTTLE_EVENTS_THRESHOLD = 10;
export const HOT_SHARD_RUNBOOK = 'hot-shard';

export interface DynamoDbThrottlingAlarmOptions {
  tableName: string;
  /** Throttle events per minute (reads + writes) at or above which a minute breaches. */
  thresholds?: { capacity?: number; keyRange?: number };
  /** Alarm names are `<prefix>-<table>-…`. */
  prefix?: string;
}

/** Both throttling alarms of one table: out of capacity, then hot key range. */
export function dynamoDbThrottlingAlarms(
  options: DynamoDbThrottlingAlarmOptions,
): MetricMathAlarmDefinition[] {
  const prefix = options.prefix ?? DEFAULT_ALARM_PREFIX;
  return [
    throttlingAlarm({
      alarmName: `${prefix}-${options.tableName}-capacity-throttling`,
      description:
        `Table ${options.tableName} is throttled for lack of provisioned capacity ` +
        '(Read/WriteProvisionedThroughputThrottleEvents).',
      label: 'Provisioned throughput throttle events',
      metricNames: ['ReadProvisionedThroughputThrottleEvents', 'WriteProvisionedThroughputThrottleEvents'],
      tableName: options.tableName,
      threshold: options.thresholds?.capacity ?? DEFAULT_THROTTLE_EVENTS_THRESHOLD,
    }),
    throttlingAlarm({
      alarmName: `${prefix}-${options.tableName}-key-range-throttling`,
      description:
        `Table ${options.tableName} has a hot partition or key ` +
        '(Read/WriteKeyRangeThroughputThrottleEvents).',
      label: 'Key range throughput throttle events',
      metricNames: ['ReadKeyRangeThroughputThrottleEvents', 'WriteKeyRangeThroughputThrottleEvents'],
      tableName: options.tableName,
      threshold: options.thresholds?.keyRange ?? DEFAULT_THROTTLE_EVENTS_THRESHOLD,
    }),
  ];
}

interface ThrottlingAlarmSpec {
  alarmName: string;
  description: string;
  label: string;
  metricNames: [read: string, write: string];
  tableName: string;
  threshold: number;
}

function throttlingAlarm(spec: ThrottlingAlarmSpec): MetricMathAlarmDefinition {
  const [read, write] = spec.metricNames;
  return {
    AlarmName: spec.alarmName,
    AlarmDescription: spec.description,
    Metrics: [
      { Id: 'e1', Expression: 'FILL(m1, 0) + FILL(m2, 0)', Label: spec.label, ReturnData: true },
      tableMetric('m1', read, spec.tableName),
      tableMetric('m2', write, spec.tableName),
    ],
    // Two breaching minutes out of three: one noisy minute does not start a remediation.
    EvaluationPeriods: 3,
    DatapointsToAlarm: 2,
    Threshold: spec.threshold,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    TreatMissingData: 'notBreaching',
    Tags: [{ Key: RUNBOOK_TAG, Value: HOT_SHARD_RUNBOOK }],
  };
}

function tableMetric(
  id: string,
  metricName: string,
  tableName: string,
): MetricMathAlarmDefinition['Metrics'][number] {
  return {
    Id: id,
    MetricStat: {
      Metric: {
        Namespace: 'AWS/DynamoDB',
        MetricName: metricName,
        Dimensions: [{ Name: 'TableName', Value: tableName }],
      },
      Period: 60,
      Stat: 'Sum',
    },
    ReturnData: false,
  };
}
