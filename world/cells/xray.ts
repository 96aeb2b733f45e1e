/**
 * X-Ray's read API over a simulated cell fleet, as GetTimeSeriesServiceStatistics and
 * GetInsightSummaries would answer it: the local equivalent of `adapters/xray.ts`.
 *
 * Simplifications, each an X-Ray feature the detector does not use:
 *  - only `service("<name>")` entity selectors (no `id(...)`, `edge(...)`, or none at all, which
 *    in X-Ray returns edge statistics); no forecast statistics; one group, no group filters;
 *  - Period is any whole number of minutes (X-Ray's own limits on Period are not modelled);
 *  - one page per answer (no NextToken);
 *  - insights open when a fault that opens one starts, and close when it ends (X-Ray takes a few
 *    minutes to notice), and are listed when they started within [StartTime, EndTime).
 */
import type {
  GetInsightSummariesRequest,
  GetInsightSummariesResult,
  GetTimeSeriesServiceStatisticsRequest,
  GetTimeSeriesServiceStatisticsResult,
  HistogramEntry,
  InsightSummary,
  TimeSeriesServiceStatistics,
} from '@aws-sdk/client-xray';
import type { XRayPort } from '../../domain/cells/ports.ts';
import { SimulatedServiceError } from '../service-error.ts';
import type { CellFleet, CellMinute, GreyCellFault } from './cell-fleet.ts';

const MINUTE_MS = 60_000;
const SERVICE_SELECTOR = /^\s*service\(\s*"([^"\\]+)"\s*\)\s*$/;

export interface SimulatedXRayOptions {
  /** The one group the account has; default `Default`, as every account does. */
  groupName?: string;
  /** The X-Ray service type of every cell's node (e.g. an ECS task's). */
  serviceType?: string;
}

export function simulatedXRay(fleet: CellFleet, options: SimulatedXRayOptions = {}): XRayPort {
  const groupName = options.groupName ?? 'Default';
  const serviceType = options.serviceType ?? 'AWS::ECS::Container';

  return {
    async getTimeSeriesServiceStatistics(input) {
      return timeSeries(fleet, groupName, input);
    },

    async getInsightSummaries(input) {
      return insightSummaries(fleet, groupName, serviceType, input);
    },
  };
}

function timeSeries(
  fleet: CellFleet,
  groupName: string,
  input: GetTimeSeriesServiceStatisticsRequest,
): GetTimeSeriesServiceStatisticsResult {
  const { startMs, endMs } = timeRange(input);
  checkGroup(input.GroupName, groupName);
  const selected = SERVICE_SELECTOR.exec(input.EntitySelectorExpression ?? '');
  if (!selected) {
    throw invalidRequest(
      `EntitySelectorExpression ${JSON.stringify(input.EntitySelectorExpression)}: only service("<name>") is simulated`,
    );
  }
  const period = input.Period ?? 60;
  if (!Number.isInteger(period) || period < 60 || period % 60 !== 0) {
    throw invalidRequest(`Period must be a whole number of minutes, got ${input.Period}`);
  }
  const cell = selected[1] as string;
  // A service X-Ray never saw has no statistics: an empty answer, not an error.
  if (!fleet.has(cell)) return { TimeSeriesServiceStatistics: [] };

  const periodMs = period * 1000;
  const first = Math.floor(startMs / MINUTE_MS) * MINUTE_MS;
  const buckets = new Map<number, CellMinute[]>();
  for (const minute of tracedMinutes(fleet, first, endMs)) {
    const minuteStart = fleet.clock.startMs + minute * MINUTE_MS;
    const bucket = first + Math.floor((minuteStart - first) / periodMs) * periodMs;
    buckets.set(bucket, [...(buckets.get(bucket) ?? []), fleet.minute(cell, minute)]);
  }
  const statistics: TimeSeriesServiceStatistics[] = [...buckets]
    .sort(([a], [b]) => a - b)
    .flatMap(([bucket, minutes]) => {
      const requests = sum(minutes.map((m) => m.requests));
      // X-Ray has no bucket for a period in which the service served nothing.
      if (requests === 0) return [];
      const faults = sum(minutes.map((m) => m.faults));
      return [
        {
          Timestamp: new Date(bucket),
          ServiceSummaryStatistics: {
            OkCount: requests - faults,
            ErrorStatistics: { ThrottleCount: 0, OtherCount: 0, TotalCount: 0 },
            FaultStatistics: { OtherCount: faults, TotalCount: faults },
            TotalCount: requests,
            TotalResponseTime: sum(minutes.map((m) => m.totalResponseTimeSeconds)),
          },
          ResponseTimeHistogram: addHistograms(minutes.map((m) => m.histogram)),
        },
      ];
    });
  return { TimeSeriesServiceStatistics: statistics };
}

function insightSummaries(
  fleet: CellFleet,
  groupName: string,
  serviceType: string,
  input: GetInsightSummariesRequest,
): GetInsightSummariesResult {
  const { startMs, endMs } = timeRange(input);
  if (input.GroupName === undefined && input.GroupARN === undefined) {
    throw invalidRequest('GroupName or GroupARN is required');
  }
  checkGroup(input.GroupName, groupName);
  const now = fleet.clock.now();
  const summaries: InsightSummary[] = fleet.faults
    .filter((fault): fault is GreyCellFault => fault.kind === 'grey-cell' && fault.opensInsight === true)
    .flatMap((fault) => {
      const openedMs = fleet.clock.startMs + fault.fromMinute * MINUTE_MS;
      if (openedMs > now || openedMs < startMs || openedMs >= endMs) return [];
      const closedMs =
        fault.untilMinute === undefined ? undefined : fleet.clock.startMs + fault.untilMinute * MINUTE_MS;
      const closed = closedMs !== undefined && closedMs <= now;
      const state = closed ? 'CLOSED' : 'ACTIVE';
      if (input.States && input.States.length > 0 && !input.States.includes(state)) return [];
      const service = { Name: fault.cell, Names: [fault.cell], Type: serviceType };
      const impact = impactOf(fleet, fault.cell, openedMs, closed ? (closedMs as number) : now);
      return [
        {
          InsightId: `insight-${fault.cell}-m${fault.fromMinute}`,
          GroupName: groupName,
          RootCauseServiceId: service,
          Categories: ['FAULT'],
          State: state,
          StartTime: new Date(openedMs),
          ...(closed ? { EndTime: new Date(closedMs as number) } : {}),
          Summary: `Fault rate of ${fault.cell} is above its expected range`,
          RootCauseServiceRequestImpactStatistics: impact,
          ClientRequestImpactStatistics: impact,
          TopAnomalousServices: [{ ServiceId: service }],
          LastUpdateTime: new Date(closed ? (closedMs as number) : now),
        },
      ];
    });
  return { InsightSummaries: summaries };
}

/** The minutes (indices from the clock's start) that lie in [fromMs, toMs) and have ended. */
function tracedMinutes(fleet: CellFleet, fromMs: number, toMs: number): number[] {
  const first = Math.max(0, Math.ceil((fromMs - fleet.clock.startMs) / MINUTE_MS));
  const last = Math.min(fleet.completedMinutes(), Math.floor((toMs - fleet.clock.startMs) / MINUTE_MS));
  return Array.from({ length: Math.max(0, last - first) }, (_, i) => first + i);
}

function impactOf(fleet: CellFleet, cell: string, fromMs: number, toMs: number) {
  const minutes = tracedMinutes(fleet, fromMs, toMs).map((minute) => fleet.minute(cell, minute));
  const total = sum(minutes.map((m) => m.requests));
  const faults = sum(minutes.map((m) => m.faults));
  return { FaultCount: faults, OkCount: total - faults, TotalCount: total };
}

function timeRange(input: { StartTime: Date | undefined; EndTime: Date | undefined }) {
  const startMs = input.StartTime?.getTime();
  const endMs = input.EndTime?.getTime();
  if (startMs === undefined || Number.isNaN(startMs)) throw invalidRequest('StartTime is required');
  if (endMs === undefined || Number.isNaN(endMs)) throw invalidRequest('EndTime is required');
  if (!(endMs > startMs)) throw invalidRequest('EndTime must be after StartTime');
  return { startMs, endMs };
}

function checkGroup(asked: string | undefined, groupName: string): void {
  if (asked !== undefined && asked !== groupName) throw invalidRequest(`Group ${asked} not found`);
}

function addHistograms(histograms: readonly HistogramEntry[][]): HistogramEntry[] {
  const counts = new Map<number, number>();
  for (const entry of histograms.flat()) {
    counts.set(entry.Value ?? 0, (counts.get(entry.Value ?? 0) ?? 0) + (entry.Count ?? 0));
  }
  return [...counts].sort(([a], [b]) => a - b).map(([Value, Count]) => ({ Value, Count }));
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

/** X-Ray's own name for a bad request. */
function invalidRequest(message: string): SimulatedServiceError {
  return new SimulatedServiceError('InvalidRequestException', message);
}
