/**
 * CloudWatchPort over the SDK v3 client. Each method returns one complete answer: pages are
 * followed here, so callers never see NextToken, and `$metadata` stays behind with the transport.
 */
import {
  DescribeInsightRulesCommand,
  GetInsightRuleReportCommand,
  GetMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import type {
  CloudWatchClient,
  GetMetricDataInput,
  GetMetricDataOutput,
  InsightRule,
  MessageData,
  MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import type { CloudWatchPort } from '../domain/ports.ts';

export function cloudWatchAdapter(client: CloudWatchClient): CloudWatchPort {
  return {
    getMetricData: (input) => getAllMetricData(client, input),

    async describeInsightRules(input) {
      const insightRules: InsightRule[] = [];
      let nextToken = input.NextToken;
      do {
        const page = await client.send(new DescribeInsightRulesCommand(withToken(input, nextToken)));
        insightRules.push(...(page.InsightRules ?? []));
        nextToken = page.NextToken;
      } while (nextToken);
      return { InsightRules: insightRules };
    },

    async getInsightRuleReport(input) {
      const { $metadata: _metadata, ...report } = await client.send(new GetInsightRuleReportCommand(input));
      return report;
    },
  };
}

/**
 * GetMetricData pages split a query's datapoints, so results are merged by query Id: datapoints
 * concatenated in page order, the first Label kept and the last StatusCode winning (PartialData
 * on every page but the last).
 */
async function getAllMetricData(
  client: CloudWatchClient,
  input: GetMetricDataInput,
): Promise<GetMetricDataOutput> {
  const results = new Map<string, MetricDataResult>();
  const messages: MessageData[] = [];
  let nextToken = input.NextToken;
  do {
    const page = await client.send(new GetMetricDataCommand(withToken(input, nextToken)));
    for (const result of page.MetricDataResults ?? []) {
      const id = result.Id ?? '';
      const merged = results.get(id);
      results.set(id, merged ? mergeResults(merged, result) : result);
    }
    messages.push(...(page.Messages ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  return { MetricDataResults: [...results.values()], Messages: messages };
}

function mergeResults(merged: MetricDataResult, page: MetricDataResult): MetricDataResult {
  return {
    ...merged,
    Label: merged.Label ?? page.Label,
    Timestamps: [...(merged.Timestamps ?? []), ...(page.Timestamps ?? [])],
    Values: [...(merged.Values ?? []), ...(page.Values ?? [])],
    StatusCode: page.StatusCode ?? merged.StatusCode,
    ...(merged.Messages || page.Messages
      ? { Messages: [...(merged.Messages ?? []), ...(page.Messages ?? [])] }
      : {}),
  };
}

/** The first request goes out exactly as given; later ones add the page token. */
function withToken<T extends { NextToken?: string | undefined }>(input: T, nextToken: string | undefined): T {
  return nextToken === undefined || nextToken === input.NextToken
    ? input
    : { ...input, NextToken: nextToken };
}
