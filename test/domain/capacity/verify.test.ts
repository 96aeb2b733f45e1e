import { describe, expect, it } from 'vitest';
import { UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import type { GetMetricDataInput, MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { verifyThrottlingStopped, type VerificationOptions } from '../../../domain/capacity/verify.ts';
import type { CloudWatchPort } from '../../../domain/ports.ts';
import { steadyDemandCloudWatch } from '../../../world/dynamodb/steady-demand.ts';
import { MetricStore } from '../../../world/metric-store.ts';
import { useLocalDynamoDb, useProvisionedTable, waitUntilActive } from '../../support/local-dynamodb.ts';
import { checkedWindow, defaultWindowVerification, minuteAt } from '../../support/verification.ts';

const TABLE = 'orders';
// 12:03:20.250: the change became active at about 12:00:20, 180 s ago.
const NOW = Date.UTC(2026, 0, 1, 12, 3, 20, 250);

/**
 * CloudWatch with fixed datapoints: `values[metricName]` is the value of every minute of the
 * window, or a function of the minute's start (`undefined`: no datapoint that minute). Missing
 * metrics have no datapoints.
 */
function fixedMetrics(values: Record<string, number | ((minute: Date) => number | undefined)>) {
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
        const points = minutes.flatMap((m) => {
          const v = value === undefined ? undefined : typeof value === 'number' ? value : value(m);
          return v === undefined ? [] : [{ m, v }];
        });
        return {
          Id: q.Id,
          StatusCode: 'Complete',
          Timestamps: points.map((p) => p.m),
          Values: points.map((p) => p.v),
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

/** The verification, at NOW, of a window in which every minute is published and quiet. */
const quietVerification = (windowSeconds: number, options?: VerificationOptions) =>
  verifyThrottlingStopped(fixedMetrics(QUIET).port, TABLE, NOW, windowSeconds, options);

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
      expect(verification).toMatchObject(checkedWindow('12:01', '12:03'));
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
      [119, '12:02'],
      [150, '12:01'],
      [240, '12:00'],
      [600, '11:54'],
    ])(
      'for a %i s window reads the whole minutes after the change, from %s to 12:03',
      async (windowSeconds, from) => {
        const verification = await quietVerification(windowSeconds);

        expect(verification.checkedFrom).toBe(minuteAt(from));
        expect(verification.checkedTo).toBe(minuteAt('12:03'));
      },
    );

    it('cannot judge a 60 s window yet: its one whole minute after the change is not over', async () => {
      expect(await quietVerification(60)).toMatchObject({
        healed: false,
        verdict: 'not-yet-known',
        ...checkedWindow('12:03', '12:04'),
        unpublishedMinutes: [minuteAt('12:03')],
      });
    });

    it('reads the minutes after the moment the change became active when it is given, not before now', async () => {
      const cloudwatch = fixedMetrics(QUIET);
      const later = NOW + 5 * 60_000;

      const verification = await verifyThrottlingStopped(cloudwatch.port, TABLE, later, 180, {
        sinceMs: NOW - 180_000,
      });

      expect(verification).toMatchObject({ healed: true, ...checkedWindow('12:01', '12:03') });
    });
  });

  describe('the verdict', () => {
    it('is healed when no minute of the window has a throttle event', async () => {
      expect(await quietVerification(180)).toEqual(
        defaultWindowVerification('healed', { read: 0, write: 0 }),
      );
    });

    it('is not healed by a single throttle event in one minute', async () => {
      const lastMinute = Date.parse('2026-01-01T12:02:00.000Z');
      const cloudwatch = fixedMetrics({
        ...QUIET,
        WriteThrottleEvents: (m) => (m.getTime() === lastMinute ? 1 : 0),
        WriteProvisionedThroughputThrottleEvents: (m) => (m.getTime() === lastMinute ? 1 : 0),
      });
      const verification = await verifyThrottlingStopped(cloudwatch.port, TABLE, NOW, 180);

      expect(verification).toMatchObject({
        healed: false,
        verdict: 'throttling',
        throttleEvents: { read: 0, write: 1 },
      });
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

  describe('minutes CloudWatch has not published yet', () => {
    const lastMinute = Date.parse('2026-01-01T12:02:00.000Z');
    /** Every series of `values`, with no datapoint in the window's last minute. */
    const withoutLastMinute = (values: Record<string, number>) =>
      Object.fromEntries(
        Object.entries(values).map(([name, value]) => [
          name,
          (m: Date) => (m.getTime() === lastMinute ? undefined : value),
        ]),
      );

    it('does not report healed when no minute of the window is published, though no throttle event is seen', async () => {
      const verification = await verifyThrottlingStopped(fixedMetrics({}).port, TABLE, NOW, 180);

      expect(verification).toEqual(
        defaultWindowVerification('not-yet-known', { read: 0, write: 0 }, ['12:01', '12:02']),
      );
    });

    it('does not report healed while the newest minute is missing, however quiet the published one', async () => {
      const cloudwatch = fixedMetrics(withoutLastMinute(QUIET));

      expect(await verifyThrottlingStopped(cloudwatch.port, TABLE, NOW, 180)).toMatchObject({
        healed: false,
        verdict: 'not-yet-known',
        unpublishedMinutes: ['2026-01-01T12:02:00.000Z'],
      });
    });

    it('knows of throttling in a published minute at once, whatever the unpublished one holds', async () => {
      const cloudwatch = fixedMetrics(withoutLastMinute({ ...QUIET, WriteThrottleEvents: 5 }));

      expect(await verifyThrottlingStopped(cloudwatch.port, TABLE, NOW, 180)).toMatchObject({
        healed: false,
        verdict: 'throttling',
        throttleEvents: { read: 0, write: 5 },
        unpublishedMinutes: ['2026-01-01T12:02:00.000Z'],
      });
    });

    it('takes a minute without consumed capacity for unpublished, even with throttle metrics at 0', async () => {
      const { ConsumedWriteCapacityUnits: _w, ConsumedReadCapacityUnits: _r, ...throttlesOnly } = QUIET;

      expect(await verifyThrottlingStopped(fixedMetrics(throttlesOnly).port, TABLE, NOW, 180)).toMatchObject({
        healed: false,
        verdict: 'not-yet-known',
      });
    });

    it('counts a throttle datapoint even in a minute whose consumed capacity has not arrived', async () => {
      const cloudwatch = fixedMetrics({
        ...withoutLastMinute(QUIET),
        WriteProvisionedThroughputThrottleEvents: (m) => (m.getTime() === lastMinute ? 3 : undefined),
      });

      expect(await verifyThrottlingStopped(cloudwatch.port, TABLE, NOW, 180)).toMatchObject({
        healed: false,
        verdict: 'throttling',
        throttleEvents: { read: 0, write: 3 },
      });
    });

    it('judges no minute that is not over, whatever CloudWatch answers for it', async () => {
      expect(await quietVerification(180, { sinceMs: NOW - 60_000 })).toMatchObject({
        healed: false,
        verdict: 'not-yet-known',
        ...checkedWindow('12:03', '12:05'),
        unpublishedMinutes: [minuteAt('12:03'), minuteAt('12:04')],
      });
    });

    describe("against the world's CloudWatch, which publishes a minute 2 minutes after it ends", () => {
      /** The table served quietly from 12:00 to 12:03; the store reads at `clock.now`. */
      function quietTable() {
        const clock = { now: NOW };
        const metrics = new MetricStore({ now: () => clock.now });
        for (const minute of [0, 1, 2]) {
          const at = Date.parse('2026-01-01T12:00:00.000Z') + minute * 60_000;
          for (const metricName of ['ConsumedReadCapacityUnits', 'ConsumedWriteCapacityUnits']) {
            metrics.putValue(
              { namespace: 'AWS/DynamoDB', metricName, dimensions: { TableName: TABLE } },
              at,
              600,
            );
          }
        }
        return { clock, metrics };
      }

      it('is not yet known when the runbook asks, 180 s after the change', async () => {
        const { metrics } = quietTable();

        expect(await verifyThrottlingStopped(metrics, TABLE, NOW, 180)).toMatchObject({
          healed: false,
          verdict: 'not-yet-known',
          unpublishedMinutes: ['2026-01-01T12:01:00.000Z', '2026-01-01T12:02:00.000Z'],
        });
      });

      it('is healed once both minutes are published (12:05), asked about the same change', async () => {
        const { clock, metrics } = quietTable();
        const since = { sinceMs: NOW - 180_000 };

        clock.now = Date.parse('2026-01-01T12:04:59.999Z');
        expect((await verifyThrottlingStopped(metrics, TABLE, clock.now, 180, since)).verdict).toBe(
          'not-yet-known',
        );
        clock.now = Date.parse('2026-01-01T12:05:00.000Z');
        expect(await verifyThrottlingStopped(metrics, TABLE, clock.now, 180, since)).toMatchObject({
          healed: true,
          verdict: 'healed',
          ...checkedWindow('12:01', '12:03'),
        });
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
      // dynalite applies the new capacity on a timer: the metrics follow it once the table is ACTIVE.
      await waitUntilActive(dynamodb(), TABLE);
      const cloudwatch = steadyDemandCloudWatch(dynamodb(), TABLE, { read: 100, write: 500 });

      expect(await verifyThrottlingStopped(cloudwatch.port, TABLE, NOW, 180)).toMatchObject({
        healed: true,
        throttleEvents: { read: 0, write: 0 },
      });
    });
  });
});
