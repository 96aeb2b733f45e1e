import { describe, expect, it } from 'vitest';
import { alarmDefinitionSchema, runbookOf } from '../../contracts/alarm-definition.ts';
import { dynamoDbThrottlingAlarms } from '../../detectors/alarms/dynamodb-throttling.ts';

const tableMetric = (id: string, metricName: string) => ({
  Id: id,
  MetricStat: {
    Metric: {
      Namespace: 'AWS/DynamoDB',
      MetricName: metricName,
      Dimensions: [{ Name: 'TableName', Value: 'orders' }],
    },
    Period: 60,
    Stat: 'Sum',
  },
  ReturnData: false,
});

describe('dynamoDbThrottlingAlarms', () => {
  const [capacity, keyRange] = dynamoDbThrottlingAlarms({ tableName: 'orders' });

  it('defines one alarm per throttling cause, named <prefix>-<table>-<cause>-throttling', () => {
    expect(dynamoDbThrottlingAlarms({ tableName: 'orders' }).map((a) => a.AlarmName)).toEqual([
      'selfheal-orders-capacity-throttling',
      'selfheal-orders-key-range-throttling',
    ]);
    expect(dynamoDbThrottlingAlarms({ tableName: 'orders', prefix: 'prod' }).map((a) => a.AlarmName)).toEqual(
      ['prod-orders-capacity-throttling', 'prod-orders-key-range-throttling'],
    );
  });

  it('watches the table running out of provisioned capacity through the provisioned-throughput pair', () => {
    expect(capacity?.Metrics).toEqual([
      {
        Id: 'e1',
        Expression: 'FILL(m1, 0) + FILL(m2, 0)',
        Label: 'Provisioned throughput throttle events',
        ReturnData: true,
      },
      tableMetric('m1', 'ReadProvisionedThroughputThrottleEvents'),
      tableMetric('m2', 'WriteProvisionedThroughputThrottleEvents'),
    ]);
  });

  it('watches a hot partition or key through the key-range pair', () => {
    expect(keyRange?.Metrics).toEqual([
      {
        Id: 'e1',
        Expression: 'FILL(m1, 0) + FILL(m2, 0)',
        Label: 'Key range throughput throttle events',
        ReturnData: true,
      },
      tableMetric('m1', 'ReadKeyRangeThroughputThrottleEvents'),
      tableMetric('m2', 'WriteKeyRangeThroughputThrottleEvents'),
    ]);
  });

  it('alarms when 2 of the last 3 minutes have at least 10 throttle events, gaps counting as fine', () => {
    for (const alarm of [capacity, keyRange]) {
      expect(alarm).toMatchObject({
        EvaluationPeriods: 3,
        DatapointsToAlarm: 2,
        Threshold: 10,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
    }
  });

  it('takes each threshold from the options', () => {
    const alarms = dynamoDbThrottlingAlarms({
      tableName: 'orders',
      thresholds: { capacity: 50, keyRange: 5 },
    });
    expect(alarms.map((a) => a.Threshold)).toEqual([50, 5]);
    expect(
      dynamoDbThrottlingAlarms({ tableName: 'orders', thresholds: { keyRange: 5 } }).map((a) => a.Threshold),
    ).toEqual([10, 5]);
  });

  it('starts the hot-shard runbook from either alarm', () => {
    expect([capacity, keyRange].map((alarm) => alarm && runbookOf(alarm))).toEqual([
      'hot-shard',
      'hot-shard',
    ]);
  });

  it('produces valid PutMetricAlarm definitions', () => {
    for (const alarm of dynamoDbThrottlingAlarms({ tableName: 'orders' })) {
      expect(alarmDefinitionSchema.safeParse(alarm).success).toBe(true);
    }
  });
});
