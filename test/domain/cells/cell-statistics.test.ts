import { describe, expect, it } from 'vitest';
import { InvalidRequestException, ThrottledException } from '@aws-sdk/client-xray';
import type {
  GetTimeSeriesServiceStatisticsRequest,
  TimeSeriesServiceStatistics,
} from '@aws-sdk/client-xray';
import {
  cellStatisticsRequest,
  p99LowerQuantile,
  readCellStatistics,
  statisticsWindow,
} from '../../../domain/cells/cell-statistics.ts';
import { SAMPLE_CONFIDENCE_Z } from '../../../domain/cells/grey-failure.ts';
import type { XRayPort } from '../../../domain/cells/ports.ts';

const at = (minute: number, second = 0) => Date.UTC(2026, 0, 1, 12, minute, second);

function portAnswering(
  statistics: TimeSeriesServiceStatistics[],
  sent: GetTimeSeriesServiceStatisticsRequest[] = [],
): XRayPort {
  return {
    getTimeSeriesServiceStatistics: async (input) => {
      sent.push(input);
      return { TimeSeriesServiceStatistics: statistics };
    },
    getInsightSummaries: () => Promise.reject(new Error('not expected')),
  };
}

const failingWith = (error: Error): XRayPort => ({
  getTimeSeriesServiceStatistics: () => Promise.reject(error),
  getInsightSummaries: () => Promise.reject(error),
});

describe('statisticsWindow', () => {
  it('ends at the last whole minute and spans the given minutes before it', () => {
    expect(statisticsWindow(at(5, 20.25), 5)).toEqual({ start: new Date(at(0)), end: new Date(at(5)) });
  });
});

describe('cellStatisticsRequest', () => {
  it('selects the cell’s service node, one-minute buckets, and no forecast', () => {
    expect(cellStatisticsRequest('checkout-cell-2', statisticsWindow(at(5), 5))).toStrictEqual({
      StartTime: new Date(at(0)),
      EndTime: new Date(at(5)),
      EntitySelectorExpression: 'service("checkout-cell-2")',
      Period: 60,
      ForecastStatistics: false,
    });
  });
});

describe('readCellStatistics', () => {
  const window = statisticsWindow(at(3), 3);

  it('adds up the minutes and takes the p99 of all their requests together', async () => {
    const sent: GetTimeSeriesServiceStatisticsRequest[] = [];
    const xray = portAnswering(
      [
        {
          Timestamp: new Date(at(0)),
          ServiceSummaryStatistics: {
            OkCount: 97,
            ErrorStatistics: { ThrottleCount: 1, OtherCount: 0, TotalCount: 1 },
            FaultStatistics: { OtherCount: 2, TotalCount: 2 },
            TotalCount: 100,
            TotalResponseTime: 12,
          },
          ResponseTimeHistogram: [{ Value: 0.1, Count: 100 }],
        },
        {
          Timestamp: new Date(at(1)),
          ServiceSummaryStatistics: {
            OkCount: 99,
            FaultStatistics: { TotalCount: 1 },
            TotalCount: 100,
            TotalResponseTime: 28,
          },
          // The slow requests are 2 % of this minute but 1 % of the window: the p99 is the
          // window's, not the worst minute's.
          ResponseTimeHistogram: [
            { Value: 0.1, Count: 98 },
            { Value: 3, Count: 2 },
          ],
        },
        // A minute with no service statistics adds nothing (a bucket of edge statistics only).
        { Timestamp: new Date(at(2)), EdgeSummaryStatistics: { TotalCount: 500 } },
      ],
      sent,
    );

    const reading = await readCellStatistics(xray, 'checkout-cell-1', window);

    expect(sent).toStrictEqual([cellStatisticsRequest('checkout-cell-1', window)]);
    expect(reading).toEqual({
      cell: 'checkout-cell-1',
      requests: 200,
      faults: 3,
      errors: 1,
      p99Ms: 100,
      p99LowerMs: 100,
      meanMs: 200,
    });
  });

  it('reads the lowest p99 the sample allows beside its p99: 10 slow traces of 600 could be chance', async () => {
    const xray = portAnswering([
      {
        Timestamp: new Date(at(0)),
        ServiceSummaryStatistics: { OkCount: 600, FaultStatistics: { TotalCount: 0 }, TotalCount: 600 },
        ResponseTimeHistogram: [
          { Value: 0.1, Count: 590 },
          { Value: 1, Count: 10 },
        ],
      },
    ]);

    const reading = await readCellStatistics(xray, 'checkout-cell-1', window);

    // The 594th of 600 is slow; three standard errors down (the 587th) it is not.
    expect(p99LowerQuantile(600)).toBeCloseTo(0.99 - 3 * Math.sqrt(0.0099 / 600), 12);
    expect(reading).toMatchObject({ p99Ms: 1000, p99LowerMs: 100 });
  });

  it('takes the lowest p99 closer to the p99 the more traces there are', () => {
    expect(SAMPLE_CONFIDENCE_Z).toBe(3);
    const quantiles = [100, 600, 6_000, 60_000, 600_000].map((n) => p99LowerQuantile(n));
    expect(quantiles).toEqual([...quantiles].sort((a, b) => a - b));
    expect(quantiles[0]).toBeGreaterThan(0.5);
    expect(0.99 - (quantiles[4] ?? 0)).toBeLessThan(0.0004);
    expect(p99LowerQuantile(0)).toBe(0.99);
  });

  it('reads a cell without traffic as no requests and no latency', async () => {
    const reading = await readCellStatistics(portAnswering([]), 'checkout-cell-1', window);

    expect(reading).toEqual({
      cell: 'checkout-cell-1',
      requests: 0,
      faults: 0,
      errors: 0,
      p99Ms: null,
      p99LowerMs: null,
      meanMs: null,
    });
  });

  it('surfaces X-Ray throttling (ThrottledException) as AwsThrottledError, which is retried', async () => {
    const throttled = new ThrottledException({ message: 'Rate exceeded', $metadata: {} });

    const error = await readCellStatistics(failingWith(throttled), 'checkout-cell-1', window).catch((e) => e);

    expect(error).toMatchObject({
      name: 'AwsThrottledError',
      retryable: true,
      message: 'Reading X-Ray statistics for cell checkout-cell-1: Rate exceeded',
    });
  });

  it('surfaces a request X-Ray refuses as a named error that is not retried', async () => {
    const invalid = new InvalidRequestException({ message: 'Invalid selector', $metadata: {} });

    const error = await readCellStatistics(failingWith(invalid), 'checkout-cell-1', window).catch((e) => e);

    expect(error).toMatchObject({ name: 'UnexpectedAwsError', retryable: false });
    expect(error.message).toMatch(/Invalid selector \(InvalidRequestException\)$/);
  });
});
