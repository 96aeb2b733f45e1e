import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CloudWatchClient,
  DescribeInsightRulesCommand,
  GetInsightRuleReportCommand,
  GetMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import type { GetMetricDataInput } from '@aws-sdk/client-cloudwatch';
import { cloudWatchAdapter } from '../../adapters/cloudwatch.ts';

const cloudwatch = mockClient(CloudWatchClient);
const adapter = cloudWatchAdapter(new CloudWatchClient({ region: 'us-east-1' }));
const metadata = { httpStatusCode: 200, requestId: 'req-1' };
const minute = (m: number) => new Date(Date.UTC(2026, 0, 1, 0, m));
/** Query `Id`'s datapoints: `values` at the given minutes. */
const datapoints = (Id: string, minutes: number[], values: number[]) => ({
  Id,
  Timestamps: minutes.map(minute),
  Values: values,
});

beforeEach(() => {
  cloudwatch.reset();
});

describe('cloudWatchAdapter.getMetricData', () => {
  const request: GetMetricDataInput = {
    MetricDataQueries: [
      {
        Id: 'writes',
        MetricStat: {
          Metric: {
            Namespace: 'AWS/DynamoDB',
            MetricName: 'ConsumedWriteCapacityUnits',
            Dimensions: [{ Name: 'TableName', Value: 'orders' }],
          },
          Period: 60,
          Stat: 'Sum',
        },
      },
      { Id: 'rate', Expression: 'writes / 60' },
    ],
    StartTime: minute(0),
    EndTime: minute(4),
    ScanBy: 'TimestampAscending',
  };

  it('follows NextToken and merges each query’s datapoints across pages, in page order', async () => {
    cloudwatch.on(GetMetricDataCommand, request).resolves({
      $metadata: metadata,
      MetricDataResults: [
        {
          ...datapoints('writes', [0, 1], [600, 660]),
          Label: 'ConsumedWriteCapacityUnits',
          StatusCode: 'PartialData',
        },
        { ...datapoints('rate', [0, 1], [10, 11]), Label: 'rate', StatusCode: 'PartialData' },
      ],
      Messages: [{ Code: 'MaxDatapointsExceeded', Value: 'first page' }],
      NextToken: 'page-2',
    });
    cloudwatch.on(GetMetricDataCommand, { ...request, NextToken: 'page-2' }).resolves({
      $metadata: metadata,
      MetricDataResults: [
        {
          ...datapoints('writes', [2, 3], [720, 780]),
          StatusCode: 'Complete',
          Messages: [{ Code: 'Note', Value: 'second page' }],
        },
        { ...datapoints('rate', [2, 3], [12, 13]), StatusCode: 'Complete' },
      ],
    });

    const result = await adapter.getMetricData(request);

    const calls = cloudwatch.commandCalls(GetMetricDataCommand);
    expect(calls).toHaveLength(2);
    expect(calls[0]?.args[0].input).toStrictEqual(request);
    expect(calls[1]?.args[0].input).toStrictEqual({ ...request, NextToken: 'page-2' });
    expect(result).toStrictEqual({
      MetricDataResults: [
        {
          ...datapoints('writes', [0, 1, 2, 3], [600, 660, 720, 780]),
          Label: 'ConsumedWriteCapacityUnits',
          StatusCode: 'Complete',
          Messages: [{ Code: 'Note', Value: 'second page' }],
        },
        { ...datapoints('rate', [0, 1, 2, 3], [10, 11, 12, 13]), Label: 'rate', StatusCode: 'Complete' },
      ],
      Messages: [{ Code: 'MaxDatapointsExceeded', Value: 'first page' }],
    });
  });

  it('sends a single request when the first page is the last, and returns no $metadata', async () => {
    cloudwatch.on(GetMetricDataCommand).resolves({
      $metadata: metadata,
      MetricDataResults: [{ Id: 'writes', Timestamps: [], Values: [], StatusCode: 'Complete' }],
      Messages: [],
    });

    const result = await adapter.getMetricData(request);

    expect(cloudwatch.commandCalls(GetMetricDataCommand)).toHaveLength(1);
    expect(result).toStrictEqual({
      MetricDataResults: [{ Id: 'writes', Timestamps: [], Values: [], StatusCode: 'Complete' }],
      Messages: [],
    });
  });
});

describe('cloudWatchAdapter.describeInsightRules', () => {
  const rule = (name: string) => ({
    Name: name,
    State: 'ENABLED',
    Schema: '{"Name":"CloudWatchLogRule","Version":1}',
    Definition: '{}',
    ManagedRule: true,
  });

  it('follows NextToken and concatenates the rules of every page', async () => {
    cloudwatch.on(DescribeInsightRulesCommand, { MaxResults: 2 }).resolves({
      $metadata: metadata,
      InsightRules: [
        rule('DynamoDBContributorInsights-PKC-orders'),
        rule('DynamoDBContributorInsights-PKT-orders'),
      ],
      NextToken: 'rules-2',
    });
    cloudwatch.on(DescribeInsightRulesCommand, { MaxResults: 2, NextToken: 'rules-2' }).resolves({
      $metadata: metadata,
      InsightRules: [rule('DynamoDBContributorInsights-SKC-orders')],
    });

    const result = await adapter.describeInsightRules({ MaxResults: 2 });

    const calls = cloudwatch.commandCalls(DescribeInsightRulesCommand);
    expect(calls.map((call) => call.args[0].input)).toStrictEqual([
      { MaxResults: 2 },
      { MaxResults: 2, NextToken: 'rules-2' },
    ]);
    expect(result).toStrictEqual({
      InsightRules: [
        rule('DynamoDBContributorInsights-PKC-orders'),
        rule('DynamoDBContributorInsights-PKT-orders'),
        rule('DynamoDBContributorInsights-SKC-orders'),
      ],
    });
  });
});

describe('cloudWatchAdapter.getInsightRuleReport', () => {
  it('passes the request through and returns the report without $metadata', async () => {
    const input = {
      RuleName: 'DynamoDBContributorInsights-PKT-orders',
      StartTime: minute(0),
      EndTime: minute(5),
      Period: 60,
      MaxContributorCount: 10,
      OrderBy: 'Sum',
    };
    const report = {
      KeyLabels: ['PartitionKey'],
      AggregationStatistic: 'Sum',
      AggregateValue: 1200,
      ApproximateUniqueCount: 3,
      Contributors: [
        { Keys: ['customer#42'], ApproximateAggregateValue: 1100, Datapoints: [] },
        { Keys: ['customer#7'], ApproximateAggregateValue: 100, Datapoints: [] },
      ],
    };
    cloudwatch.on(GetInsightRuleReportCommand, input).resolves({ $metadata: metadata, ...report });

    const result = await adapter.getInsightRuleReport(input);

    expect(cloudwatch.commandCalls(GetInsightRuleReportCommand).map((c) => c.args[0].input)).toStrictEqual([
      input,
    ]);
    expect(result).toStrictEqual(report);
  });
});
