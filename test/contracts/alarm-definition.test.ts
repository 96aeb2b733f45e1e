import { describe, expect, it } from 'vitest';
import type { PutMetricAlarmInput } from '@aws-sdk/client-cloudwatch';
import {
  alarmDefinitionSchema,
  alarmPeriodSeconds,
  isMetricMathAlarm,
  runbookOf,
} from '../../contracts/alarm-definition.ts';
import type {
  AlarmDefinition,
  MetricMathAlarmDefinition,
  SingleMetricAlarmDefinition,
} from '../../contracts/alarm-definition.ts';

const singleMetric: SingleMetricAlarmDefinition = {
  AlarmName: 'orders-write-throttle-events',
  AlarmDescription: 'Writes to orders are throttled',
  Namespace: 'AWS/DynamoDB',
  MetricName: 'WriteThrottleEvents',
  Dimensions: [{ Name: 'TableName', Value: 'orders' }],
  Statistic: 'Sum',
  Period: 60,
  EvaluationPeriods: 3,
  DatapointsToAlarm: 2,
  Threshold: 10,
  ComparisonOperator: 'GreaterThanOrEqualToThreshold',
  TreatMissingData: 'notBreaching',
  Tags: [{ Key: 'selfheal:runbook', Value: 'hot-shard' }],
};

const metricMath: MetricMathAlarmDefinition = {
  AlarmName: 'orders-throttle-events',
  Metrics: [
    { Id: 'e1', Expression: 'm1 + m2', Label: 'Throttle events', ReturnData: true },
    {
      Id: 'm1',
      MetricStat: {
        Metric: { Namespace: 'AWS/DynamoDB', MetricName: 'ReadThrottleEvents' },
        Period: 60,
        Stat: 'Sum',
      },
      ReturnData: false,
    },
    {
      Id: 'm2',
      MetricStat: {
        Metric: { Namespace: 'AWS/DynamoDB', MetricName: 'WriteThrottleEvents' },
        Period: 60,
        Stat: 'Sum',
      },
      ReturnData: false,
    },
  ],
  EvaluationPeriods: 1,
  Threshold: 1,
  ComparisonOperator: 'GreaterThanThreshold',
};

describe('alarm definitions', () => {
  it('are PutMetricAlarm input: a definition can be sent to CloudWatch as it is', () => {
    const asSent: PutMetricAlarmInput[] = [singleMetric, metricMath];
    expect(asSent.map((input) => input.AlarmName)).toEqual([
      'orders-write-throttle-events',
      'orders-throttle-events',
    ]);
  });

  it('accept a single-metric alarm and a metric-math alarm', () => {
    expect(alarmDefinitionSchema.parse(singleMetric)).toEqual(singleMetric);
    expect(alarmDefinitionSchema.parse(metricMath)).toEqual(metricMath);
    expect(isMetricMathAlarm(singleMetric)).toBe(false);
    expect(isMetricMathAlarm(metricMath)).toBe(true);
  });

  it('take the period of the metric, or of the metrics under a math expression', () => {
    expect(alarmPeriodSeconds(singleMetric)).toBe(60);
    expect(alarmPeriodSeconds({ ...singleMetric, Period: 300 })).toBe(300);
    expect(alarmPeriodSeconds(metricMath)).toBe(60);
  });

  it('name the runbook they start through the selfheal:runbook tag', () => {
    expect(runbookOf(singleMetric)).toBe('hot-shard');
    expect(runbookOf(metricMath)).toBeUndefined();
  });

  const [expression, readMetric] = metricMath.Metrics;
  it.each<[string, unknown, string]>([
    ['a metric and a Metrics list at once', { ...singleMetric, Metrics: metricMath.Metrics }, 'Metrics'],
    [
      'more datapoints to alarm than evaluation periods',
      { ...singleMetric, DatapointsToAlarm: 4 },
      'cannot exceed',
    ],
    [
      'an evaluation interval over one day',
      { ...singleMetric, Period: 3600, EvaluationPeriods: 25 },
      'one day',
    ],
    ['a period that is not 10, 30 or a multiple of 60', { ...singleMetric, Period: 45 }, 'multiple of 60'],
    [
      'an anomaly-detection operator',
      { ...singleMetric, ComparisonOperator: 'LessThanLowerThreshold' },
      'Greater',
    ],
    ['an unknown missing-data treatment', { ...singleMetric, TreatMissingData: 'zero' }, 'notBreaching'],
    [
      'no query returning data',
      { ...metricMath, Metrics: metricMath.Metrics.map((q) => ({ ...q, ReturnData: false })) },
      'exactly one query',
    ],
    [
      'a returned metric instead of an expression',
      { ...metricMath, Metrics: metricMath.Metrics.map((q) => ({ ...q, ReturnData: q.Id === 'm1' })) },
      'exactly one query',
    ],
    [
      'a query with both a metric and an expression',
      { ...metricMath, Metrics: [expression, { ...readMetric, Expression: 'm2' }] },
      'either MetricStat or Expression',
    ],
    [
      'a query id starting with a capital',
      { ...metricMath, Metrics: [{ ...expression, Id: 'E1' }] },
      'lower-case',
    ],
    [
      'metrics with different periods',
      {
        ...metricMath,
        Metrics: metricMath.Metrics.map((q, i) =>
          q.MetricStat ? { ...q, MetricStat: { ...q.MetricStat, Period: 60 * i } } : q,
        ),
      },
      'same period',
    ],
  ])('reject %s', (_case, candidate, reason) => {
    const result = alarmDefinitionSchema.safeParse(candidate);
    expect(result.success).toBe(false);
    // Union failures nest the reason under each alternative's issues.
    expect(JSON.stringify(result.error?.issues)).toContain(reason);
  });

  it('leave DatapointsToAlarm optional: CloudWatch then alarms on N out of N', () => {
    const { DatapointsToAlarm: _m, ...withoutM }: AlarmDefinition = singleMetric;
    expect(alarmDefinitionSchema.safeParse(withoutM).success).toBe(true);
  });
});
