/**
 * X-Ray Insights that are open on the fleet's cells: evidence for a grey cell, never the verdict.
 * An insight judges a service against its own forecast, not its peers, so it would fire in a
 * fleet-wide slowdown too; the detector only attaches it to a cell it flagged on its own.
 */
import type { GetInsightSummariesRequest, ServiceId } from '@aws-sdk/client-xray';
import type { XRayPort } from './ports.ts';
import { classifyAwsError } from '../errors.ts';

/**
 * How far back an insight may have started and still be listed: GetInsightSummaries filters on
 * the insight's start, so an insight open for hours needs a long lookback (X-Ray allows 30 days).
 */
export const INSIGHT_LOOKBACK_MS = 24 * 60 * 60 * 1000;

export interface CellInsight {
  insightId: string;
  /** The cells the insight names as root cause or among its top anomalous services. */
  cells: string[];
  /** Those of them the insight names as its root cause. */
  rootCauseCells: string[];
  summary: string | null;
  startTime: string | null;
}

export function activeInsightsRequest(groupName: string, endMs: number): GetInsightSummariesRequest {
  return {
    States: ['ACTIVE'],
    GroupName: groupName,
    StartTime: new Date(endMs - INSIGHT_LOOKBACK_MS),
    EndTime: new Date(endMs),
  };
}

/** The ACTIVE insights of the group that name one of `cells`. */
export async function readCellInsights(
  xray: XRayPort,
  groupName: string,
  cells: readonly string[],
  endMs: number,
): Promise<CellInsight[]> {
  const output = await xray
    .getInsightSummaries(activeInsightsRequest(groupName, endMs))
    .catch((error: unknown) => {
      throw classifyAwsError(error, `Reading X-Ray insights of group ${groupName}`);
    });
  const fleet = new Set(cells);
  return (output.InsightSummaries ?? []).flatMap((insight) => {
    const rootCause = namesOf(insight.RootCauseServiceId).filter((name) => fleet.has(name));
    // Insights name services by their X-Ray name, which is the cell's name (see fleet.ts).
    const anomalous = (insight.TopAnomalousServices ?? []).flatMap((service) =>
      namesOf(service.ServiceId).filter((name) => fleet.has(name)),
    );
    const named = [...new Set([...rootCause, ...anomalous])];
    // The request asks for ACTIVE insights only; the check keeps a closed one out whatever a port returns.
    if (named.length === 0 || insight.InsightId === undefined || insight.State !== 'ACTIVE') return [];
    return [
      {
        insightId: insight.InsightId,
        cells: named,
        rootCauseCells: rootCause,
        summary: insight.Summary ?? null,
        startTime: insight.StartTime?.toISOString() ?? null,
      },
    ];
  });
}

/** The insights that name `cell`, root-cause ones first. */
export function insightsOf(cell: string, insights: readonly CellInsight[]): CellInsight[] {
  return insights
    .filter((insight) => insight.cells.includes(cell))
    .sort(
      (a, b) =>
        Number(b.rootCauseCells.includes(cell)) - Number(a.rootCauseCells.includes(cell)) ||
        a.insightId.localeCompare(b.insightId),
    );
}

/** A service's canonical name and its aliases. */
function namesOf(service: ServiceId | undefined): string[] {
  return [...new Set([service?.Name, ...(service?.Names ?? [])].filter((n): n is string => !!n))];
}
