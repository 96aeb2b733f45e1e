/**
 * The cell incidents, simulated end to end: the routed fleet, the grey-failure detector running
 * every minute on its X-Ray statistics, and the cell-traffic-shift runbook on the local engine,
 * turning the grey cell's routing control off and back on. The same incident runs with selfheal
 * and with no remediation, on the same seed. An operator approves the shift: at once (`auto`) or
 * five minutes after being asked (`manual`, an on-call engineer paged).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { withLocalDynamoDb } from '../engine/local-dynamodb-client.ts';
import type { ExecutionHandle, ExecutionRecord } from '../engine/local-engine.ts';
import { billedStateTransitions } from '../engine/history.ts';
import { detectGreyCells } from '../domain/cells/detect.ts';
import { greyCellFleetSchema } from '../domain/cells/fleet.ts';
import type { RoutingControlChange } from '../world/cells/routing-controls.ts';
import { buildCellShiftWorld, cellShiftRequest } from './cell-shift-world.ts';
import { GREY_CELL_INCIDENT, type CellIncident } from './cell-shift-incident.ts';
import type { RunSummary, ScenarioAction } from './outcome.ts';
import { summariseRun } from './incident-driver.ts';

export type CellVariant = 'selfheal' | 'none';
export const CELL_VARIANTS: readonly CellVariant[] = ['selfheal', 'none'];
export type Approval = 'auto' | 'manual';
/** How long the paged on-call engineer takes to answer, with `manual` approval. */
export const MANUAL_APPROVAL_SECONDS = 5 * 60;

export interface CellShiftOptions {
  seed: number;
  variant: CellVariant;
  incident?: CellIncident;
  approve?: Approval;
}

export interface CellMinuteRow {
  minute: number;
  failedRequests: number;
  cells: { cell: string; state: 'On' | 'Off'; sharePercent: number; requests: number; faults: number }[];
}

export interface CellFigures {
  /** Grey cell: shifted, and every cell back on at the end. Fleet-wide slowdown: nothing changed. */
  healed: boolean;
  detectedAtSeconds: number | null;
  /** When the cell's routing control went Off; null: never. */
  shiftedAtSeconds: number | null;
  /** From detection to the shift (the approval wait included). */
  timeToShiftSeconds: number | null;
  /** When the control went back On. */
  shiftedBackAtSeconds: number | null;
  /** Every control On and every cell at its healthy share, at the end. */
  trafficBack: boolean;
  /** Users' requests that failed while the fault lasted (canaries not counted). */
  failedRequests: number;
  actions: ScenarioAction[];
  stateTransitions: number;
}

export interface CellVariantResult extends CellFigures {
  scenario: string;
  variant: CellVariant;
  seed: number;
  approve: Approval;
  runs: RunSummary[];
  timeline: CellMinuteRow[];
}

export function runCellShift(options: CellShiftOptions): Promise<CellVariantResult> {
  return withLocalDynamoDb((dynamodb) => simulate(dynamodb, options.incident ?? GREY_CELL_INCIDENT, options));
}

async function simulate(
  dynamodb: DynamoDBClient,
  incident: CellIncident,
  options: CellShiftOptions,
): Promise<CellVariantResult> {
  const approve = options.approve ?? 'auto';
  const { clock, fleet, routing, xray, engine } = await buildCellShiftWorld({
    dynamodb,
    incident,
    seed: options.seed,
  });
  const seconds = (ms: number) => Math.round((ms - clock.startMs) / 1000);
  operatorApproves(engine, clock, approve === 'manual' ? MANUAL_APPROVAL_SECONDS : 0);

  const detector = greyCellFleetSchema.parse({ cells: incident.cells.map((c) => c.name), windowMinutes: 5 });
  const runs: ExecutionRecord[] = [];
  let detectedAtSeconds: number | null = null;
  let running: ExecutionHandle | undefined;
  while (clock.elapsedSeconds() < incident.simulatedSeconds || running) {
    if (running) {
      runs.push(await running.done);
      running = undefined;
      continue;
    }
    await clock.advance(60);
    // The detector's schedule: every minute, on the last five whole minutes.
    const detection = await detectGreyCells(xray, detector, clock.now());
    const [found] = detection.incidents;
    if (!found) continue;
    detectedAtSeconds ??= seconds(clock.now());
    if (options.variant === 'selfheal' && runs.length === 0) {
      running = engine.start(
        'cell-traffic-shift',
        cellShiftRequest(incident, routing, found.resource.name, { incidentId: found.id }),
      );
    }
  }

  const changes = routing.changes;
  const off = changes.find((c) => c.to === 'Off');
  const on = changes.find((c) => c.to === 'On' && off && c.atMs >= off.atMs);
  const last = fleet.trafficMinute(Math.floor(incident.simulatedSeconds / 60) - 1);
  const healthyShare = 1 / incident.cells.length;
  const trafficBack =
    incident.cells.every((c) => routing.stateOf(c.name) === 'On') &&
    last.cells.every((c) => Math.abs(c.share - healthyShare) < 1e-9);
  const timeline = Array.from({ length: Math.floor(incident.simulatedSeconds / 60) }, (_, minute) => {
    const traffic = fleet.trafficMinute(minute);
    return {
      minute,
      failedRequests: traffic.failedRequests,
      cells: traffic.cells.map((c) => ({
        cell: c.cell,
        state: c.state,
        sharePercent: Math.round(c.share * 1000) / 10,
        requests: c.requests,
        faults: c.faults,
      })),
    };
  });
  const greyFault = incident.faults.some((f) => f.kind === 'grey-cell');
  return {
    scenario: incident.name,
    variant: options.variant,
    seed: options.seed,
    approve,
    healed: greyFault ? off !== undefined && trafficBack : changes.length === 0,
    detectedAtSeconds,
    shiftedAtSeconds: off ? seconds(off.atMs) : null,
    timeToShiftSeconds: off && detectedAtSeconds !== null ? seconds(off.atMs) - detectedAtSeconds : null,
    shiftedBackAtSeconds: on ? seconds(on.atMs) : null,
    trafficBack,
    failedRequests: timeline
      .filter((m) => m.minute < incident.faultEndMinute)
      .reduce((sum, m) => sum + m.failedRequests, 0),
    actions: changes.map((c) => describeChange(c, seconds)),
    stateTransitions: engine.executions().reduce((sum, run) => sum + billedStateTransitions(run.history), 0),
    runs: runs.map((run) => summariseRun(run, seconds)),
    timeline,
  };
}

/** The on-call engineer: approves every shift `delaySeconds` after being asked. */
function operatorApproves(
  engine: Awaited<ReturnType<typeof buildCellShiftWorld>>['engine'],
  clock: Awaited<ReturnType<typeof buildCellShiftWorld>>['clock'],
  delaySeconds: number,
): void {
  const waiting: { token: string; dueMs: number }[] = [];
  const answer = (token: string) => engine.tokens.succeed(token, { approved: true, by: 'on-call' });
  engine.onTaskToken(({ token }) => {
    if (delaySeconds === 0) answer(token);
    else waiting.push({ token, dueMs: clock.now() + delaySeconds * 1000 });
  });
  clock.onAdvance((_from, to) => {
    for (const entry of waiting.filter((w) => w.dueMs <= to)) {
      waiting.splice(waiting.indexOf(entry), 1);
      answer(entry.token);
    }
  });
}

function describeChange(change: RoutingControlChange, seconds: (ms: number) => number): ScenarioAction {
  return {
    atSeconds: seconds(change.atMs),
    by: 'selfheal',
    what: `routing control of ${change.cell} ${change.from} -> ${change.to}`,
  };
}
