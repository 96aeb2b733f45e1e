/**
 * XRayPort over the SDK v3 client. Each method returns one complete answer: pages are followed
 * here, so callers never see NextToken, and `$metadata` stays behind with the transport.
 */
import { GetInsightSummariesCommand, GetTimeSeriesServiceStatisticsCommand } from '@aws-sdk/client-xray';
import type {
  GetTimeSeriesServiceStatisticsResult,
  InsightSummary,
  TimeSeriesServiceStatistics,
  XRayClient,
} from '@aws-sdk/client-xray';
import type { XRayPort } from '../domain/cells/ports.ts';

export function xrayAdapter(client: XRayClient): XRayPort {
  return {
    async getTimeSeriesServiceStatistics(input) {
      const statistics: TimeSeriesServiceStatistics[] = [];
      let containsOldGroupVersions: boolean | undefined;
      let nextToken = input.NextToken;
      do {
        const page = await client.send(
          new GetTimeSeriesServiceStatisticsCommand(withToken(input, nextToken)),
        );
        statistics.push(...(page.TimeSeriesServiceStatistics ?? []));
        // Any page built from an older group filter makes the whole answer suspect.
        if (page.ContainsOldGroupVersions !== undefined) {
          containsOldGroupVersions = (containsOldGroupVersions ?? false) || page.ContainsOldGroupVersions;
        }
        nextToken = page.NextToken;
      } while (nextToken);
      const result: GetTimeSeriesServiceStatisticsResult = { TimeSeriesServiceStatistics: statistics };
      if (containsOldGroupVersions !== undefined) result.ContainsOldGroupVersions = containsOldGroupVersions;
      return result;
    },

    async getInsightSummaries(input) {
      const summaries: InsightSummary[] = [];
      let nextToken = input.NextToken;
      do {
        const page = await client.send(new GetInsightSummariesCommand(withToken(input, nextToken)));
        summaries.push(...(page.InsightSummaries ?? []));
        nextToken = page.NextToken;
      } while (nextToken);
      return { InsightSummaries: summaries };
    },
  };
}

/** The first request goes out exactly as given; later ones add the page token. */
function withToken<T extends { NextToken?: string | undefined }>(input: T, nextToken: string | undefined): T {
  return nextToken === undefined || nextToken === input.NextToken
    ? input
    : { ...input, NextToken: nextToken };
}
