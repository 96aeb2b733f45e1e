import { describe, expect, it } from 'vitest';
import { UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import type { GetMetricDataInput, MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { verifyThrottlingStopped } from '../../../domain/capacity/verify.ts';
import type { CloudWatchPort } from '../../../domain/ports.ts';
import { steadyDemandCloudWatch } from '../../../world/dynamodb/steady-demand.ts';
import { useLocalDynamoDb, useProvisionedTable } from '../../support/local-dynamodb.ts';

const TABLE = 'orders';
// 12:03:20.250: the change became active at about 12:00:20, 180 s ago.
const NOW = Date.UTC(2026, 0, 1, 12, 3, 20, 250);

/**
 * CloudWatch with fixed datapoints: `values[metricName]` is the value of every minute of the
 * window, or a function of the minute's start. Missing metrics have no datapoints.
 */
function fixedMetrics(values: Record<string, number | ((minute: Date) => number)>) {
  const calls: GetMetricDataInput[] = [];
  const port: CloudWatchPort = {
    async getMetricData(input) {
      calls.push(input);
      const minutes: Date[] = [];
      for (let t = (input.StartTime as Date).getTime(); t < (input.EndTime as Date).getTime(); t += 60_000) {
        minutes.push(new Date(t));
      }
      const results: MetricDataResult[] = (input.MetricDataQueries ?? []).map((q) => {
        const value = values[q.MetricStat?.Metric?.MetricName ?? ''];
        return {
          Id: q.Id,
          StatusCode: 'Complete',
          Timestamps: value === undefined ? [] : minutes,
          Values:
            value === undefined ? [] : minutes.map((m) => (typeof value === 'number' ? value : value(m))),
        };
      });
      return { MetricDataResults: results };
    },
    describeInsightRules: () => Promise.reject(new Error('verification reads no Contributor Insights')),
    getInsightRuleReport: () => Promise.reject(new Error('verification reads no Contributor Insights')),
  };
  return { port, calls };
}

const QUIET = {
  ConsumedWriteCapacityUnits: 30_000,
  ConsumedReadCapacityUnits: 6000,
  WriteThrottleEvents: 0,
  ReadThrottleEvents: 0,
  WriteKeyRangeThroughputThrottleEvents: 0,
  WriteProvisionedThroughputThrottleEvents: 0,
};

describe('verifyThrottlingStopped', () => {
  describe('the window it reads', () => {
    it('reads the whole minutes of the verification window, minus the first', async () => {
      const cloudwatch = fixedMetrics(QUIET);
      const verification = await verifyThrottlingStopped(cloudwatch.port, TABLE, NOW, 180);

      expect(cloudwatch.calls).toHaveLength(1);
      expect(cloudwatch.calls[0]).toMatchObject({
        StartTime: new Date('2026-01-01T12:01:00.000Z'),
        EndTime: new Date('2026-01-01T12:03:00.000Z'),
      });
      expect(verification).toMatchObject({
        checkedFrom: '2026-01-01T12:01:00.000Z',
        checkedTo: '2026-01-01T12:03:00.000Z',
      });
    });

    it('queries the throttle metrics of this table, one period a minute', async () => {
      const cloudwatch = fixedMetrics(QUIET);
      await verifyThrottlingStopped(cloudwatch.port, TABLE, NOW, 180);

      const queries = cloudwatch.calls[0]?.MetricDataQueries ?? [];
      expect(queries.map((q) => q.MetricStat?.Metric?.MetricName)).toEqual(
        expect.arrayContaining([
          'ReadThrottleEvents',
          'WriteThrottleEvents',
          'WriteKeyRangeThroughputThrottleEvents',
        ]),
      );
      for (const q of queries) {
        expect(q.MetricStat).toMatchObject({
          Period: 60,
          Metric: { Namespace: 'AWS/DynamoDB', Dimensions: [{ Name: 'TableName', Value: TABLE }] },
        });
      }
    });

    it.each([
      [60, '12:02'],
      [119, '12:02'],
      [150, '12:02'],
      [240, '12:00'],
      [600, '11:54'],
    ])('for a %i s window reads from %s to 12:03', async (windowSeconds, from) => {
      const verification = await verifyThrottlingStopped(fixedMetrics(QUIET).port, TABLE, NOW, windowSeconds);

      expect(verification.checkedFrom).toBe(`2026-01-01T${from}:00.000Z`);
      expect(verification.checkedTo).toBe('2026-01-01T12:03:00.000Z');
    });
  });

  describe('the verdict', () => {
    it('is healed when no minute of the window has a throttle event', async () => {
      const verification = await verifyThrottlingStopped(fixedMetrics(QUIET).port, TABLE, NOW, 180);

      expect(verification).toEqual({
        healed: true,
        checkedFrom: '2026-01-01T12:01:00.000Z',
        checkedTo: '2026-01-01T12:03:00.000Z',
        throttleEvents: { read: 0, write: 0 },
      });
    });

    it('is not healed by a single throttle event in one minute', async () => {
      const lastMinute = Date.parse('2026-01-01T12:02:00.000Z');
      const cloudwatch = fixedMetrics({
        ...QUIET,
        WriteThrottleEvents: (m) => (m.getTime() === lastMinute ? 1 : 0),
        WriteProvisionedThroughputThrottleEvents: (m) => (m.getTime() === lastMinute ? 1 : 0),
      });
      const verification = await verifyThrottlingStopped(cloudwatch.port, TABLE, NOW, 180);

      expect(verification).toMatchObject({ healed: false, throttleEvents: { read: 0, write: 1 } });
    });

    it('counts key-range throttling even when the older ThrottleEvents metric shows none', async () => {
      const cloudwatch = fixedMetrics({
        ...QUIET,
        WriteThrottleEvents: 0,
        WriteKeyRangeThroughputThrottleEvents: 7,
      });
      const verification = await verifyThrottlingStopped(cloudwatch.port, TABLE, NOW, 180);

      expect(verification).toMatchObject({ healed: false, throttleEvents: { read: 0, write: 14 } });
    });

    it('sums throttle events per dimension over the minutes it reads', async () => {
      const cloudwatch = fixedMetrics({ ...QUIET, ReadThrottleEvents: 5, WriteThrottleEvents: 3 });
      const verification = await verifyThrottlingStopped(cloudwatch.port, TABLE, NOW, 240);

      // 240 s: three minutes read
      expect(verification).toMatchObject({ healed: false, throttleEvents: { read: 15, write: 9 } });
    });

    it('ignores throttling in the minute before the window (the change was still settling)', async () => {
      const settling = Date.parse('2026-01-01T12:00:00.000Z');
      const cloudwatch = fixedMetrics({
        ...QUIET,
        WriteThrottleEvents: (m) => (m.getTime() === settling ? 900 : 0),
      });

      expect((await verifyThrottlingStopped(cloudwatch.port, TABLE, NOW, 180)).healed).toBe(true);
    });

    it('fails with a retryable AwsThrottledError when CloudWatch throttles the read', async () => {
      const port: CloudWatchPort = {
        ...fixedMetrics(QUIET).port,
        getMetricData: () =>
          Promise.reject(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' })),
      };

      await expect(verifyThrottlingStopped(port, TABLE, NOW, 180)).rejects.toMatchObject({
        name: 'AwsThrottledError',
        retryable: true,
      });
    });
  });

  describe('against a table in dynalite under a steady demand', () => {
    const dynamodb = useLocalDynamoDb();
    useProvisionedTable(dynamodb, TABLE);

    it('is not healed while the capacity is below the demand', async () => {
      const cloudwatch = steadyDemandCloudWatch(dynamodb(), TABLE, { read: 100, write: 500 });
      const verification = await verifyThrottlingStopped(cloudwatch.port, TABLE, NOW, 180);

      // 400/s throttled over two minutes
      expect(verification).toMatchObject({ healed: false, throttleEvents: { read: 0, write: 48_000 } });
    });

    it('is healed once the capacity covers the demand', async () => {
      await dynamodb().send(
        new UpdateTableCommand({
          TableName: TABLE,
          ProvisionedThroughput: { ReadCapacityUnits: 300, WriteCapacityUnits: 650 },
        }),
      );
      const cloudwatch = steadyDemandCloudWatch(dynamodb(), TABLE, { read: 100, write: 500 });

      expect(await verifyThrottlingStopped(cloudwatch.port, TABLE, NOW, 180)).toMatchObject({
        healed: true,
        throttleEvents: { read: 0, write: 0 },
      });
    });
  });
});
