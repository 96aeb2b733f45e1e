/**
 * The grey-failure detector: reads every cell's statistics for the last whole minutes, judges each
 * cell against its peers (`grey-failure.ts`), and turns each grey cell into a `cell-grey-failure`
 * incident, with the X-Ray insights open on it as extra evidence.
 *
 * The same function runs in the scheduled Lambda (X-Ray through the SDK) and locally against the
 * simulated fleet (`world/cells/`), which implements the same port.
 */
import type { Incident } from '../incidents/incident.ts';
import { classifyAwsError, type SelfHealError } from '../errors.ts';
import type { XRayPort } from './ports.ts';
import type { GreyCellFleet } from './fleet.ts';
import { judgeFleet, type CellJudgement, type FleetVerdict, type GreyReason } from './grey-failure.ts';
import { readCellStatistics, statisticsWindow, type CellReading } from './cell-statistics.ts';
import { insightsOf, readCellInsights, type CellInsight } from './insights.ts';

/** What one run found: JSON-safe, for the handler's result and its log. */
export interface GreyCellDetection {
  windowStart: string;
  windowEnd: string;
  verdict: FleetVerdict;
  /** Cells with enough traffic to be judged. */
  peers: number;
  cells: {
    cell: string;
    requests: number;
    faultRate: number;
    p99Ms: number | null;
    judged: boolean;
    outlierBy: GreyReason[];
    grey: boolean;
  }[];
  incidents: Incident[];
}

/** Runs the detector for the window of `fleet.windowMinutes` whole minutes before `atMs`. */
export async function detectGreyCells(
  xray: XRayPort,
  fleet: GreyCellFleet,
  atMs: number,
): Promise<GreyCellDetection> {
  const window = statisticsWindow(atMs, fleet.windowMinutes);
  const readings: CellReading[] = [];
  // One cell at a time: a run is a handful of calls a minute, and X-Ray's read APIs are rate
  // limited per account, so there is nothing to gain from a burst.
  for (const cell of fleet.cells) readings.push(await readCellStatistics(xray, cell, window));

  const judgement = judgeFleet(readings, fleet.policy);
  const greyCells = judgement.cells.filter((cell) => cell.grey);
  const insights: InsightEvidence =
    greyCells.length > 0
      ? await readInsights(xray, fleet, window.end.getTime())
      : { insights: [], error: null };

  const byCell = new Map(readings.map((reading) => [reading.cell, reading]));
  const judgedCells = judgement.cells.filter((cell) => cell.judged).map((cell) => cell.cell);
  return {
    windowStart: window.start.toISOString(),
    windowEnd: window.end.toISOString(),
    verdict: judgement.verdict,
    peers: judgement.peers,
    cells: judgement.cells.map(({ cell, requests, faultRate, p99Ms, judged, outlierBy, grey }) => ({
      cell,
      requests,
      faultRate: round(faultRate, 6),
      p99Ms,
      judged,
      outlierBy,
      grey,
    })),
    incidents: greyCells.map((cell) =>
      greyCellIncident(cell, byCell.get(cell.cell), {
        windowStart: window.start.toISOString(),
        windowEnd: window.end.toISOString(),
        judgedCells,
        insights,
      }),
    ),
  };
}

/** Stable for one cell and window: a rerun or a redelivered schedule event gives the same id. */
export function greyCellIncidentId(cell: string, windowEnd: string): string {
  return `cell-grey-failure/${cell}/${windowEnd}`;
}

interface InsightEvidence {
  insights: CellInsight[];
  /** Why insights could not be read: the verdict stands without them. */
  error: SelfHealError | null;
}

/** Insights are evidence, not the verdict: failing to read them must not lose a grey cell. */
async function readInsights(xray: XRayPort, fleet: GreyCellFleet, endMs: number): Promise<InsightEvidence> {
  try {
    return { insights: await readCellInsights(xray, fleet.groupName, fleet.cells, endMs), error: null };
  } catch (error) {
    return {
      insights: [],
      error: classifyAwsError(error, `Reading X-Ray insights of group ${fleet.groupName}`),
    };
  }
}

function greyCellIncident(
  judgement: CellJudgement,
  reading: CellReading | undefined,
  context: { windowStart: string; windowEnd: string; judgedCells: string[]; insights: InsightEvidence },
): Incident {
  const fault = judgement.faultRateComparison;
  const p99 = judgement.p99Comparison;
  const open = insightsOf(judgement.cell, context.insights.insights);
  const first = open[0];
  return {
    id: greyCellIncidentId(judgement.cell, context.windowEnd),
    kind: 'cell-grey-failure',
    resource: { type: 'cell', name: judgement.cell },
    source: 'xray-grey-failure-detector',
    observedAt: context.windowEnd,
    evidence: {
      windowStart: context.windowStart,
      windowEnd: context.windowEnd,
      greyBy: judgement.outlierBy.join(','),
      // The cells it was compared with (itself included: the median is taken over all of them).
      judgedCells: context.judgedCells.join(','),
      requests: judgement.requests,
      faults: reading?.faults ?? null,
      errors: reading?.errors ?? null,
      faultRate: round(judgement.faultRate, 6),
      peerMedianFaultRate: fault ? round(fault.peerMedian, 6) : null,
      faultRateScore: fault ? score(fault.score) : null,
      p99LatencyMs: judgement.p99Ms,
      peerMedianP99LatencyMs: p99 ? round(p99.peerMedian, 1) : null,
      p99LatencyScore: p99 ? score(p99.score) : null,
      meanLatencyMs: reading?.meanMs ?? null,
      // null, not 0, when insights could not be read: "none open" would be a claim.
      activeInsights: context.insights.error ? null : open.length,
      insightIds: open.length > 0 ? open.map((insight) => insight.insightId).join(',') : null,
      insightSummary: first?.summary ?? null,
      insightRootCause: first ? first.rootCauseCells.includes(judgement.cell) : null,
      insightsError: context.insights.error
        ? `${context.insights.error.name}: ${context.insights.error.message}`
        : null,
    },
  };
}

/** A modified z-score for the evidence: null when the peers agreed exactly (score ∞). */
function score(value: number): number | null {
  return Number.isFinite(value) ? round(value, 2) : null;
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
