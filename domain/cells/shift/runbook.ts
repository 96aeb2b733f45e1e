/**
 * The steps of the cell-traffic-shift runbook, as plain functions over the ports. The state
 * machine carries the request and what each step found; every step re-reads what it judges
 * (X-Ray statistics, routing controls) rather than trusting an earlier answer.
 */
import { ledgerItem, type LedgerItem } from '../../dispatch/ledger.ts';
import {
  readCellMinutes,
  statisticsWindow,
  summariseMinutes,
  type CellMinute,
  type StatisticsWindow,
} from '../cell-statistics.ts';
import { judgeFleet, type CellJudgement, type FleetVerdict } from '../grey-failure.ts';
import { StatisticsUnavailableError } from './errors.ts';
import {
  countWait,
  MAX_STATISTICS_WAITS,
  minuteEnd,
  STATISTICS_WAIT_SECONDS,
  unjudgedWindow,
  VERIFY_CHECK_SECONDS,
  VERIFY_MAX_CHECKS,
} from './minutes.ts';
import type { CellShiftPorts } from './ports.ts';
import { judgeRecovery, type RecoveryJudgement } from './recovery.ts';
import type { CellShiftRequest, FleetCell } from './request.ts';
import { readRouting, setControl } from './routing.ts';
import { checkSafety, type ControlState, type SafetyVerdict } from './safety.ts';

export const shiftResource = (request: Pick<CellShiftRequest, 'cell'>): string => `cell/${request.cell}`;

function cellOf(request: CellShiftRequest): FleetCell {
  const cell = request.fleet.cells.find((c) => c.name === request.cell);
  // The request schema guarantees it; this keeps the type honest.
  if (!cell) throw new RangeError(`${request.cell} is not a cell of ${request.fleet.name}`);
  return cell;
}

/** Every cell's one-minute buckets over the window, in the fleet's order: only what X-Ray returns. */
async function readFleetMinutes(
  ports: CellShiftPorts,
  request: CellShiftRequest,
  window: StatisticsWindow,
): Promise<{ cell: string; minutes: CellMinute[] }[]> {
  const fleet: { cell: string; minutes: CellMinute[] }[] = [];
  for (const cell of request.fleet.cells)
    fleet.push({ cell: cell.name, minutes: await readCellMinutes(ports.xray, cell.name, window) });
  return fleet;
}

/**
 * The minutes of the window X-Ray has a bucket for, for any of the fleet's cells: the minutes it
 * has made available. (A cell without a bucket in such a minute traced nothing in it.)
 */
function minutesAvailable(fleet: readonly { minutes: readonly CellMinute[] }[]): number {
  return new Set(fleet.flatMap((f) => f.minutes.map((m) => m.startMs))).size;
}

/**
 * Requests a second a cell served, from the requests X-Ray traced over `minutes`: X-Ray counts
 * only sampled requests, so the count is divided by the share the cells' sampling rule traces
 * (`fleet.tracedShare`), which capacities and the drained floor are compared in.
 */
function realRps(request: CellShiftRequest, traced: number, minutes: number): number {
  return minutes > 0 ? traced / request.fleet.tracedShare / (minutes * 60) : 0;
}

export interface Confirmation {
  confirmed: boolean;
  verdict: FleetVerdict;
  reason: string;
  cell: Pick<CellJudgement, 'requests' | 'faultRate' | 'p99Ms' | 'outlierBy'> | null;
}

/** Is the cell still an outlier against its peers, on fresh statistics? */
export async function confirm(ports: CellShiftPorts, request: CellShiftRequest): Promise<Confirmation> {
  const minutes = request.evidence.windowMinutes;
  const fleet = await readFleetMinutes(ports, request, statisticsWindow(ports.now(), minutes));
  const judgement = judgeFleet(
    fleet.map((f) => summariseMinutes(f.cell, f.minutes)),
    request.evidence.policy,
  );
  const cell = judgement.cells.find((c) => c.cell === request.cell);
  const summary = cell
    ? {
        requests: cell.requests,
        faultRate: round(cell.faultRate, 6),
        p99Ms: cell.p99Ms,
        outlierBy: cell.outlierBy,
      }
    : null;
  const confirmed = judgement.verdict === 'grey-cells' && cell?.grey === true;
  const reason = confirmed
    ? `${request.cell} still stands out from its peers (${cell?.outlierBy.join(', ')})`
    : judgement.verdict === 'fleet-wide'
      ? 'the whole fleet is degraded: moving traffic between cells would not help'
      : minutesAvailable(fleet) === 0
        ? `X-Ray shows none of the fleet's last ${minutes} minutes yet: nothing to judge the cell on`
        : judgement.verdict === 'too-few-peers'
          ? 'too few cells with traffic to judge one against its peers'
          : `${request.cell} no longer stands out from its peers`;
  return { confirmed, verdict: judgement.verdict, reason, cell: summary };
}

export interface SafetyAssessment extends SafetyVerdict {
  /** The refusals in one sentence (empty when safe), for the run's failure cause. */
  reason: string;
  /** Every cell's routing control before any change. */
  routing: Record<string, ControlState>;
  /** The cell's requests a second before the shift: what verification compares with. */
  cellRps: number;
  /**
   * The minutes of the evidence window the traffic was read over: those X-Ray has made available
   * (the newest may not be yet), which the requests are divided by.
   */
  minutesRead: number;
  /** The fleet's shift lock: taken only if free, or if its lease ran out (a crashed run). */
  lock: { now: string; leaseExpiresAt: string; expiresAtEpoch: string };
}

/**
 * Longer than this run can take: the approval's 30 minutes; two verifications, each of up to
 * VERIFY_MAX_CHECKS checks a minute apart, every check after as many waits for X-Ray as a run
 * allows in a row (MAX_STATISTICS_WAITS); every recovery check the request allows, each after
 * as many waits; and an hour to spare.
 */
export function lockLeaseSeconds(request: Pick<CellShiftRequest, 'recovery'>): number {
  const waits = MAX_STATISTICS_WAITS * STATISTICS_WAIT_SECONDS;
  const verification = VERIFY_MAX_CHECKS * (VERIFY_CHECK_SECONDS + waits);
  const recovery = request.recovery.maxChecks * (request.recovery.checkSeconds + waits);
  return 1800 + 2 * verification + recovery + 3600;
}

/**
 * May the cell be turned off? Every control, and every cell's traffic over the evidence window's
 * minutes that X-Ray has made available; none available is a refusal (the receivers' headroom
 * cannot be judged on traffic nobody has seen).
 */
export async function assessSafety(
  ports: CellShiftPorts,
  request: CellShiftRequest,
): Promise<SafetyAssessment> {
  const routing = await readRouting(ports.routing, request.fleet.cells);
  const window = statisticsWindow(ports.now(), request.evidence.windowMinutes);
  const fleet = await readFleetMinutes(ports, request, window);
  const minutesRead = minutesAvailable(fleet);
  const loads = request.fleet.cells.map((cell, i) => ({
    cell: cell.name,
    state: routing[cell.name] ?? 'On',
    rps: realRps(
      request,
      (fleet[i]?.minutes ?? []).reduce((sum, m) => sum + m.requests, 0),
      minutesRead,
    ),
    capacityRps: cell.capacityRps,
  }));
  const checked = checkSafety(request, loads);
  const verdict =
    minutesRead > 0
      ? checked
      : {
          ...checked,
          safe: false,
          refusals: [
            ...checked.refusals,
            `X-Ray shows none of the fleet's last ${request.evidence.windowMinutes} minutes yet: the receivers' headroom cannot be judged`,
          ],
        };
  const cellRps = loads.find((l) => l.cell === request.cell)?.rps ?? 0;
  const nowMs = ports.now();
  const leaseEndMs = nowMs + lockLeaseSeconds(request) * 1000;
  return {
    ...verdict,
    reason: verdict.refusals.join('; '),
    routing,
    cellRps: round(cellRps, 1),
    minutesRead,
    lock: {
      now: new Date(nowMs).toISOString(),
      leaseExpiresAt: new Date(leaseEndMs).toISOString(),
      expiresAtEpoch: String(Math.ceil(leaseEndMs / 1000)),
    },
  };
}

export interface RoutingChange {
  cell: string;
  state: ControlState;
  at: string;
}

export async function setCellRouting(
  ports: CellShiftPorts,
  request: CellShiftRequest,
  state: ControlState,
): Promise<RoutingChange> {
  await setControl(ports.routing, cellOf(request), state);
  return { cell: request.cell, state, at: new Date(ports.now()).toISOString() };
}

export type BakeVerdict = 'healthy' | 'unhealthy' | 'not-yet-known';

export interface Bake {
  verdict: BakeVerdict;
  /** Checks that judged the cell. */
  checks: number;
  /** Reads in a row that found no new minute of the cell (0 after a check). */
  waits: number;
  /** How long the cell has looked healthy without a break: the minutes judged healthy. */
  healthySeconds: number;
  baked: boolean;
  /** Out of checks while still unhealthy: the run stops, the cell stays Off. */
  exhausted: boolean;
  /** This check's judgement; null when there was nothing new to judge. */
  latest: RecoveryJudgement | null;
  /** The minutes this check judged, [from, to); null: none. */
  judged: { from: string; to: string } | null;
  /** Where the next check's minutes begin: the end of the minutes judged, or as given. */
  judgeFrom: string;
}

export type BakeSoFar = Pick<Bake, 'checks' | 'healthySeconds' | 'waits' | 'judgeFrom'>;

/**
 * One health check of the drained cell, its canary traffic against its peers', on the minutes
 * X-Ray has made available since the last check (`judgeFrom`) up to the newest one the cell has a
 * bucket for: each minute judged healthy adds a minute to the bake, an unhealthy judgement starts
 * it again. No such minute yet is not a check: not yet known, the run waits and reads again
 * (StatisticsUnavailableError after `maxWaits` such reads in a row).
 */
export async function checkRecovery(
  ports: CellShiftPorts,
  request: CellShiftRequest,
  previous: BakeSoFar,
  maxWaits = MAX_STATISTICS_WAITS,
): Promise<Bake> {
  const { recovery } = request;
  const window = unjudgedWindow(previous.judgeFrom, ports.now());
  const fleet = window ? await readFleetMinutes(ports, request, window) : [];
  const own = fleet.find((f) => f.cell === request.cell)?.minutes ?? [];
  const newest = own.at(-1);
  if (!window || newest === undefined) {
    const waits = countWait(
      previous.waits,
      maxWaits,
      (reads) =>
        new StatisticsUnavailableError(
          `${request.cell}: X-Ray has shown no minute of the drained cell's traffic since ${previous.judgeFrom} in ${reads} reads in a row`,
        ),
    );
    return {
      verdict: 'not-yet-known',
      checks: previous.checks,
      waits,
      healthySeconds: previous.healthySeconds,
      baked: false,
      exhausted: false,
      latest: null,
      judged: null,
      judgeFrom: previous.judgeFrom,
    };
  }

  // Every cell over the same minutes: from the window's start to the cell's newest.
  const through = (minutes: readonly CellMinute[]) => minutes.filter((m) => m.startMs <= newest.startMs);
  const peers = fleet
    .filter((f) => f.cell !== request.cell)
    .map((f) => summariseMinutes(f.cell, through(f.minutes)));
  const latest = judgeRecovery(
    summariseMinutes(request.cell, own),
    peers,
    request.evidence.policy,
    recovery.minRequests,
  );
  const judgedTo = minuteEnd(newest.startMs);
  const judgedSeconds = (Date.parse(judgedTo) - window.start.getTime()) / 1000;
  const healthySeconds = latest.recovered ? previous.healthySeconds + judgedSeconds : 0;
  const checks = previous.checks + 1;
  const baked = healthySeconds >= recovery.bakeSeconds;
  return {
    verdict: latest.recovered ? 'healthy' : 'unhealthy',
    checks,
    waits: 0,
    healthySeconds,
    baked,
    exhausted: !baked && checks >= recovery.maxChecks,
    latest,
    judged: { from: window.start.toISOString(), to: judgedTo },
    judgeFrom: judgedTo,
  };
}

/** Every control now, for the record of a run that failed part way: the routing is known. */
export async function routingNow(
  ports: CellShiftPorts,
  request: CellShiftRequest,
): Promise<{ routing: Record<string, ControlState>; at: string }> {
  return {
    routing: await readRouting(ports.routing, request.fleet.cells),
    at: new Date(ports.now()).toISOString(),
  };
}

export function routingLedgerItem(
  request: CellShiftRequest,
  record: { decision: 'recorded' | 'failed'; routing: Record<string, ControlState>; reason: string },
  at: Date,
  executionName: string,
): LedgerItem {
  const states = Object.entries(record.routing)
    .map(([cell, state]) => `${cell} ${state}`)
    .join(', ');
  return ledgerItem({
    resource: shiftResource(request),
    at: at.toISOString(),
    incidentId: request.incidentId ?? executionName,
    decision: record.decision,
    reason: `${record.reason}; routing: ${states}`,
    kind: 'cell-traffic-shift',
    runbook: 'cell-traffic-shift',
    actions: JSON.stringify({ routing: record.routing }),
  });
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
