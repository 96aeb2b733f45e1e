import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  GetInsightSummariesCommand,
  GetTimeSeriesServiceStatisticsCommand,
  ThrottledException,
  XRayClient,
} from '@aws-sdk/client-xray';
import type {
  GetInsightSummariesRequest,
  GetTimeSeriesServiceStatisticsRequest,
  InsightSummary,
  TimeSeriesServiceStatistics,
} from '@aws-sdk/client-xray';
import { xrayAdapter } from '../../adapters/xray.ts';

const xray = mockClient(XRayClient);
const adapter = xrayAdapter(new XRayClient({ region: 'us-east-1' }));
const metadata = { httpStatusCode: 200, requestId: 'req-1' };
const minute = (m: number) => new Date(Date.UTC(2026, 0, 1, 12, m));

beforeEach(() => {
  xray.reset();
});

const bucket = (m: number, total: number): TimeSeriesServiceStatistics => ({
  Timestamp: minute(m),
  ServiceSummaryStatistics: {
    OkCount: total - 1,
    ErrorStatistics: { ThrottleCount: 0, OtherCount: 0, TotalCount: 0 },
    FaultStatistics: { OtherCount: 1, TotalCount: 1 },
    TotalCount: total,
    TotalResponseTime: total * 0.05,
  },
  ResponseTimeHistogram: [
    { Value: 0.04, Count: total - 2 },
    { Value: 0.3, Count: 2 },
  ],
});

describe('xrayAdapter.getTimeSeriesServiceStatistics', () => {
  const request: GetTimeSeriesServiceStatisticsRequest = {
    StartTime: minute(0),
    EndTime: minute(5),
    EntitySelectorExpression: 'service("checkout-cell-1")',
    Period: 60,
    ForecastStatistics: false,
  };

  it('sends the request as given, follows NextToken, and concatenates the buckets in page order', async () => {
    xray.on(GetTimeSeriesServiceStatisticsCommand, request).resolves({
      $metadata: metadata,
      TimeSeriesServiceStatistics: [bucket(0, 1200), bucket(1, 1180)],
      ContainsOldGroupVersions: false,
      NextToken: 'page-2',
    });
    xray.on(GetTimeSeriesServiceStatisticsCommand, { ...request, NextToken: 'page-2' }).resolves({
      $metadata: metadata,
      TimeSeriesServiceStatistics: [bucket(2, 1210)],
      ContainsOldGroupVersions: false,
    });

    const result = await adapter.getTimeSeriesServiceStatistics(request);

    const calls = xray.commandCalls(GetTimeSeriesServiceStatisticsCommand);
    expect(calls.map((call) => call.args[0].input)).toStrictEqual([
      request,
      { ...request, NextToken: 'page-2' },
    ]);
    expect(result).toStrictEqual({
      TimeSeriesServiceStatistics: [bucket(0, 1200), bucket(1, 1180), bucket(2, 1210)],
      ContainsOldGroupVersions: false,
    });
  });

  it('says the answer contains old group versions if any page did', async () => {
    xray.on(GetTimeSeriesServiceStatisticsCommand, request).resolves({
      $metadata: metadata,
      TimeSeriesServiceStatistics: [],
      ContainsOldGroupVersions: true,
      NextToken: 'page-2',
    });
    xray.on(GetTimeSeriesServiceStatisticsCommand, { ...request, NextToken: 'page-2' }).resolves({
      $metadata: metadata,
      TimeSeriesServiceStatistics: [],
      ContainsOldGroupVersions: false,
    });

    const result = await adapter.getTimeSeriesServiceStatistics(request);

    expect(result.ContainsOldGroupVersions).toBe(true);
  });

  it('sends a single request when the first page is the last, and returns no $metadata', async () => {
    xray.on(GetTimeSeriesServiceStatisticsCommand).resolves({
      $metadata: metadata,
      TimeSeriesServiceStatistics: [bucket(0, 10)],
    });

    const result = await adapter.getTimeSeriesServiceStatistics(request);

    expect(xray.commandCalls(GetTimeSeriesServiceStatisticsCommand)).toHaveLength(1);
    expect(result).toStrictEqual({ TimeSeriesServiceStatistics: [bucket(0, 10)] });
  });

  it('lets X-Ray’s own errors through unchanged, for the domain to classify', async () => {
    const throttled = new ThrottledException({ message: 'Rate exceeded', $metadata: {} });
    xray.on(GetTimeSeriesServiceStatisticsCommand).rejects(throttled);

    await expect(adapter.getTimeSeriesServiceStatistics(request)).rejects.toBe(throttled);
  });
});

describe('xrayAdapter.getInsightSummaries', () => {
  const request: GetInsightSummariesRequest = {
    States: ['ACTIVE'],
    GroupName: 'Default',
    StartTime: new Date(Date.UTC(2025, 11, 31, 12, 5)),
    EndTime: minute(5),
  };
  const summary = (id: string): InsightSummary => ({
    InsightId: id,
    GroupName: 'Default',
    RootCauseServiceId: { Name: 'checkout-cell-3', Names: ['checkout-cell-3'], Type: 'AWS::ECS::Container' },
    Categories: ['FAULT'],
    State: 'ACTIVE',
    StartTime: minute(2),
    Summary: 'Fault rate of checkout-cell-3 is above its expected range',
    ClientRequestImpactStatistics: { FaultCount: 40, OkCount: 960, TotalCount: 1000 },
    TopAnomalousServices: [{ ServiceId: { Name: 'checkout-cell-3' } }],
  });

  it('follows NextToken and concatenates the summaries of every page', async () => {
    xray.on(GetInsightSummariesCommand, request).resolves({
      $metadata: metadata,
      InsightSummaries: [summary('insight-1'), summary('insight-2')],
      NextToken: 'insights-2',
    });
    xray.on(GetInsightSummariesCommand, { ...request, NextToken: 'insights-2' }).resolves({
      $metadata: metadata,
      InsightSummaries: [summary('insight-3')],
    });

    const result = await adapter.getInsightSummaries(request);

    const calls = xray.commandCalls(GetInsightSummariesCommand);
    expect(calls.map((call) => call.args[0].input)).toStrictEqual([
      request,
      { ...request, NextToken: 'insights-2' },
    ]);
    expect(result).toStrictEqual({
      InsightSummaries: [summary('insight-1'), summary('insight-2'), summary('insight-3')],
    });
  });

  it('returns an empty list when the group has no insights', async () => {
    xray.on(GetInsightSummariesCommand).resolves({ $metadata: metadata });

    expect(await adapter.getInsightSummaries(request)).toStrictEqual({ InsightSummaries: [] });
    expect(xray.commandCalls(GetInsightSummariesCommand)).toHaveLength(1);
  });
});
