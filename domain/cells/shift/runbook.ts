/**
 * The steps of the cell-traffic-shift runbook, as plain functions over the ports. The state
 * machine carries the request and what each step found; every step re-reads what it judges
 * (X-Ray statistics, routing controls) rather than trusting an earlier answer.
 */
import { ledgerItem, type LedgerItem } from '../../dispatch/ledger.ts';
import { readCellStatistics, statisticsWindow, type CellReading } from '../cell-statistics.ts';
import { judgeFleet, type CellJudgement, type FleetVerdict } from '../grey-failure.ts';
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

async function readFleet(
  ports: CellShiftPorts,
  request: CellShiftRequest,
  minutes: number,
): Promise<CellReading[]> {
  const window = statisticsWindow(ports.now(), minutes);
  const readings: CellReading[] = [];
  for (const cell of request.fleet.cells)
    readings.push(await readCellStatistics(ports.xray, cell.name, window));
  return readings;
}

/**
 * Requests a second a cell served, from the requests X-Ray traced over `minutes`: X-Ray counts
 * only sampled requests, so the count is divided by the share the cells' sampling rule traces
 * (`fleet.tracedShare`), which capacities and the drained floor are compared in.
 */
function realRps(request: CellShiftRequest, traced: number, minutes: number): number {
  return traced / request.fleet.tracedShare / (minutes * 60);
}

export interface Confirmation {
  confirmed: boolean;
  verdict: FleetVerdict;
  reason: string;
  cell: Pick<CellJudgement, 'requests' | 'faultRate' | 'p99Ms' | 'outlierBy'> | null;
}

/** Is the cell still an outlier against its peers, on fresh statistics? */
export async function confirm(ports: CellShiftPorts, request: CellShiftRequest): Promise<Confirmation> {
  const readings = await readFleet(ports, request, request.evidence.windowMinutes);
  const judgement = judgeFleet(readings, request.evidence.policy);
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
  /** The fleet's shift lock: taken only if free, or if its lease ran out (a crashed run). */
  lock: { now: string; leaseExpiresAt: string; expiresAtEpoch: string };
}

/**
 * Longer than this run can take: the approval's 30 minutes, two verifications of five minutes,
 * every recovery check the request allows, and an hour to spare.
 */
export function lockLeaseSeconds(request: Pick<CellShiftRequest, 'recovery'>): number {
  return 1800 + 2 * 5 * 60 + request.recovery.maxChecks * request.recovery.checkSeconds + 3600;
}

export async function assessSafety(
  ports: CellShiftPorts,
  request: CellShiftRequest,
): Promise<SafetyAssessment> {
  const routing = await readRouting(ports.routing, request.fleet.cells);
  const minutes = request.evidence.windowMinutes;
  const readings = await readFleet(ports, request, minutes);
  const loads = request.fleet.cells.map((cell, i) => ({
    cell: cell.name,
    state: routing[cell.name] ?? 'On',
    rps: realRps(request, readings[i]?.requests ?? 0, minutes),
    capacityRps: cell.capacityRps,
  }));
  const verdict = checkSafety(request, loads);
  const cellRps = loads.find((l) => l.cell === request.cell)?.rps ?? 0;
  const nowMs = ports.now();
  const leaseEndMs = nowMs + lockLeaseSeconds(request) * 1000;
  return {
    ...verdict,
    reason: verdict.refusals.join('; '),
    routing,
    cellRps: round(cellRps, 1),
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

export interface Bake {
  checks: number;
  /** How long the cell has looked healthy without a break. */
  healthySeconds: number;
  baked: boolean;
  /** Out of checks while still unhealthy: the run stops, the cell stays Off. */
  exhausted: boolean;
  latest: RecoveryJudgement;
}

/** One health check of the drained cell, its canary traffic against its peers. */
export async function checkRecovery(
  ports: CellShiftPorts,
  request: CellShiftRequest,
  previous: Pick<Bake, 'checks' | 'healthySeconds'>,
): Promise<Bake> {
  const { recovery } = request;
  const readings = await readFleet(ports, request, Math.max(1, Math.ceil(recovery.checkSeconds / 60)));
  const cell = readings.find((r) => r.cell === request.cell);
  const peers = readings.filter((r) => r.cell !== request.cell);
  const latest = cell
    ? judgeRecovery(cell, peers, request.evidence.policy, recovery.minRequests)
    : judgeRecovery(
        { cell: request.cell, requests: 0, faults: 0, p99Ms: null },
        peers,
        request.evidence.policy,
        recovery.minRequests,
      );
  const healthySeconds = latest.recovered ? previous.healthySeconds + recovery.checkSeconds : 0;
  const checks = previous.checks + 1;
  const baked = healthySeconds >= recovery.bakeSeconds;
  return { checks, healthySeconds, baked, exhausted: !baked && checks >= recovery.maxChecks, latest };
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
