/**
 * X-Ray's read API over a simulated cell fleet, as GetTimeSeriesServiceStatistics and
 * GetInsightSummaries would answer it: the local equivalent of `adapters/xray.ts`.
 *
 * What X-Ray counts is what the cells' sampling rule traced (`sampling.ts`; by default X-Ray's own
 * Default rule, a reservoir of 1 request a second then 5 %), not every request the cells served;
 * and a minute's statistics can be read only some time after the minute ends, an insight only
 * some time after its fault starts (see world-parameters.ts for each default and its source).
 *
 * Simplifications, each an X-Ray feature the detector does not use:
 *  - only `service("<name>")` entity selectors (no `id(...)`, `edge(...)`, or none at all, which
 *    in X-Ray returns edge statistics); no forecast statistics; one group, no group filters;
 *  - Period is any whole number of minutes (X-Ray's own limits on Period are not modelled);
 *  - one page per answer (no NextToken);
 *  - a minute's statistics appear whole, all at once, `statisticsDelaySeconds` after it ends (in
 *    X-Ray they fill in as the traces arrive);
 *  - an insight is listed once `insightDelaySeconds` have passed since its fault started, with the
 *    fault's start as its StartTime, and is closed `insightDelaySeconds` after the fault ends; it is
 *    listed when it started within [StartTime, EndTime).
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
import { seededRandom, type Random } from '../../core/random.ts';
import { SimulatedServiceError } from '../service-error.ts';
import type { CellFleet, GreyCellFault } from './cell-fleet.ts';
import { sampleMinute, validateRule, type SamplingRule, type TracedMinute } from './sampling.ts';
import {
  DEFAULT_XRAY_INSIGHT_DELAY_SECONDS,
  DEFAULT_XRAY_STATISTICS_DELAY_SECONDS,
  XRAY_DEFAULT_SAMPLING_RULE,
} from './world-parameters.ts';

const MINUTE_MS = 60_000;
const SERVICE_SELECTOR = /^\s*service\(\s*"([^"\\]+)"\s*\)\s*$/;

export interface SimulatedXRayOptions {
  /** The one group the account has; default `Default`, as every account does. */
  groupName?: string;
  /** The X-Ray service type of every cell's node (e.g. an ECS task's). */
  serviceType?: string;
  /** The rule the cells are traced by; default X-Ray's Default rule (1 a second, then 5 %). */
  sampling?: SamplingRule;
  /** Seconds after a minute ends before its statistics can be read; default 30 (an assumption). */
  statisticsDelaySeconds?: number;
  /** Seconds from a fault's start (end) to its insight opening (closing); default 300 (an assumption). */
  insightDelaySeconds?: number;
  /** Which requests the rule traces; default a stream of its own, the same every run. */
  random?: Random;
}

/** How the simulated X-Ray sees the fleet: its traced minutes, once they can be read. */
interface XRayView {
  fleet: CellFleet;
  groupName: string;
  serviceType: string;
  insightDelayMs: number;
  /** Minutes whose statistics can be read by now (from minute 0). */
  readableMinutes(): number;
  traced(cell: string, minute: number): TracedMinute;
}

export function simulatedXRay(fleet: CellFleet, options: SimulatedXRayOptions = {}): XRayPort {
  const sampling = options.sampling ?? XRAY_DEFAULT_SAMPLING_RULE;
  validateRule(sampling);
  const statisticsDelayMs = (options.statisticsDelaySeconds ?? DEFAULT_XRAY_STATISTICS_DELAY_SECONDS) * 1000;
  const insightDelayMs = (options.insightDelaySeconds ?? DEFAULT_XRAY_INSIGHT_DELAY_SECONDS) * 1000;
  if (!(statisticsDelayMs >= 0 && insightDelayMs >= 0))
    throw new RangeError('X-Ray delays cannot be negative');
  const random = options.random ?? seededRandom(1).fork('xray-sampling');
  // The cells share the rule's reservoir evenly (sampling.ts).
  const reservoirShare = sampling.reservoirPerSecond / Math.max(1, fleet.cells.length);
  // A minute is sampled once, when first read: it has ended by then, so it no longer changes.
  const sampled = new Map<string, TracedMinute>();
  const view: XRayView = {
    fleet,
    groupName: options.groupName ?? 'Default',
    serviceType: options.serviceType ?? 'AWS::ECS::Container',
    insightDelayMs,
    readableMinutes: () =>
      Math.max(0, Math.floor((fleet.clock.now() - fleet.clock.startMs - statisticsDelayMs) / MINUTE_MS)),
    traced(cell, minute) {
      const key = `${cell}:${minute}`;
      let minuteSeen = sampled.get(key);
      if (!minuteSeen) {
        minuteSeen = sampleMinute(fleet.minute(cell, minute), sampling, reservoirShare, random.fork(key));
        sampled.set(key, minuteSeen);
      }
      return minuteSeen;
    },
  };

  return {
    async getTimeSeriesServiceStatistics(input) {
      return timeSeries(view, input);
    },

    async getInsightSummaries(input) {
      return insightSummaries(view, input);
    },
  };
}

function timeSeries(
  view: XRayView,
  input: GetTimeSeriesServiceStatisticsRequest,
): GetTimeSeriesServiceStatisticsResult {
  const { fleet, groupName } = view;
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
  const buckets = new Map<number, TracedMinute[]>();
  for (const minute of readableMinutes(view, first, endMs)) {
    const minuteStart = fleet.clock.startMs + minute * MINUTE_MS;
    const bucket = first + Math.floor((minuteStart - first) / periodMs) * periodMs;
    buckets.set(bucket, [...(buckets.get(bucket) ?? []), view.traced(cell, minute)]);
  }
  const statistics: TimeSeriesServiceStatistics[] = [...buckets]
    .sort(([a], [b]) => a - b)
    .flatMap(([bucket, minutes]) => {
      const requests = sum(minutes.map((m) => m.requests));
      // X-Ray has no bucket for a period in which it traced nothing of the service.
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

function insightSummaries(view: XRayView, input: GetInsightSummariesRequest): GetInsightSummariesResult {
  const { fleet, groupName, serviceType, insightDelayMs } = view;
  const { startMs, endMs } = timeRange(input);
  if (input.GroupName === undefined && input.GroupARN === undefined) {
    throw invalidRequest('GroupName or GroupARN is required');
  }
  checkGroup(input.GroupName, groupName);
  const now = fleet.clock.now();
  const summaries: InsightSummary[] = fleet.faults
    .filter((fault): fault is GreyCellFault => fault.kind === 'grey-cell' && fault.opensInsight === true)
    .flatMap((fault) => {
      // The anomaly's start is the insight's StartTime; X-Ray lists it only once it has noticed.
      const openedMs = fleet.clock.startMs + fault.fromMinute * MINUTE_MS;
      if (openedMs + insightDelayMs > now || openedMs < startMs || openedMs >= endMs) return [];
      const closedMs =
        fault.untilMinute === undefined ? undefined : fleet.clock.startMs + fault.untilMinute * MINUTE_MS;
      const closed = closedMs !== undefined && closedMs + insightDelayMs <= now;
      const state = closed ? 'CLOSED' : 'ACTIVE';
      if (input.States && input.States.length > 0 && !input.States.includes(state)) return [];
      const service = { Name: fault.cell, Names: [fault.cell], Type: serviceType };
      const impact = impactOf(view, fault.cell, openedMs, closed ? (closedMs as number) : now);
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
          LastUpdateTime: new Date(closed ? (closedMs as number) + insightDelayMs : now),
        },
      ];
    });
  return { InsightSummaries: summaries };
}

/** The minutes (indices from the clock's start) that lie in [fromMs, toMs) and can be read by now. */
function readableMinutes(view: XRayView, fromMs: number, toMs: number): number[] {
  const { startMs } = view.fleet.clock;
  const first = Math.max(0, Math.ceil((fromMs - startMs) / MINUTE_MS));
  const last = Math.min(view.readableMinutes(), Math.floor((toMs - startMs) / MINUTE_MS));
  return Array.from({ length: Math.max(0, last - first) }, (_, i) => first + i);
}

/** The insight's impact, from the traces X-Ray has: the cell's traced requests and faults. */
function impactOf(view: XRayView, cell: string, fromMs: number, toMs: number) {
  const minutes = readableMinutes(view, fromMs, toMs).map((minute) => view.traced(cell, minute));
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
