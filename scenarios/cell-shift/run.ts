/**
 * The cell incidents, simulated end to end: the routed fleet, the grey-failure detector running
 * on its schedule over its X-Ray statistics (as the deployment configures it) and publishing its
 * incidents to EventBridge, and selfheal as deployed on the local engine: the detector's rule
 * starts dispatch, which hands the cell-traffic-shift runbook the fleet from the config; the
 * runbook turns the grey cell's routing control off and back on. The same incident runs three ways
 * on the same seed: with selfheal, whose shift an operator approves at once (`auto`) or five minutes
 * after being asked (`manual`, an on-call engineer paged); with an on-call engineer paged by the
 * detector's incident who flips the routing control by hand after a delay (`on-call.ts`: 15 minutes
 * by default, back On the same delay after the fault ends; assumptions); and with no remediation.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { withLocalDynamoDb } from '../../local/dynamodb-client.ts';
import type { ExecutionRecord } from '../../engine/local-engine.ts';
import { billedStateTransitions } from '../../engine/history.ts';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../../engine/arns.ts';
import { detectGreyCells } from '../../domain/cells/detect.ts';
import { greyCellFleetSchema } from '../../domain/cells/fleet.ts';
import { publishIncidents } from '../../domain/cells/publish.ts';
import type { LedgerRecord } from '../../domain/dispatch/ledger.ts';
import type { FleetConfig } from '../../infra/config/schema.ts';
import { simulatedEventBus } from '../../world/cells/events.ts';
import type { RoutingControlChange } from '../../world/cells/routing-controls.ts';
import { buildCellShiftWorld, fleetCells } from './world.ts';
import { GREY_CELL_INCIDENT, type CellIncident } from './incident.ts';
import type { IncidentSubject, Outcome, RunSummary, ScenarioAction } from '../../simulations/outcome.ts';
import { summariseRun, trailOf } from '../../simulations/incident-driver.ts';
import {
  exampleDeployment,
  expectSame,
  protectedFleet,
  type Deployment,
} from '../../simulations/deployment.ts';
import { startGameDay, type SignalRecord } from '../../simulations/game-day.ts';
import { CellOnCallEngineer, ON_CALL_DELAY_SECONDS } from './on-call.ts';
import type { DayCost } from '../../simulations/cost.ts';
import { cellCostOf } from '../../simulations/cost-cells.ts';

export type CellVariant = 'selfheal' | 'on-call' | 'none';
export const CELL_VARIANTS: readonly CellVariant[] = ['selfheal', 'on-call', 'none'];
export type Approval = 'auto' | 'manual';
/** How long the paged on-call engineer takes to answer, with `manual` approval. */
export const MANUAL_APPROVAL_SECONDS = 5 * 60;

export interface CellShiftOptions {
  seed: number;
  variant: CellVariant;
  incident?: CellIncident;
  approve?: Approval;
  /** The deployment rehearsed (default: the repository's `selfheal.config.json`). */
  deployment?: Deployment;
  /** The `on-call` variant's delay from the page to each change by hand (default 15 minutes, an assumption). */
  onCallDelaySeconds?: number;
}

export interface CellMinuteRow {
  minute: number;
  failedRequests: number;
  cells: { cell: string; state: 'On' | 'Off'; sharePercent: number; requests: number; faults: number }[];
}

export interface CellFigures {
  /**
   * Grey cell: shifted off, kept off until its fault ended (a shift undone while the cell is still
   * grey is no remedy), and every cell back on at the end.
   */
  healed: boolean;
  /**
   * `healed`, `not-healed`, or `left-alone`: a fleet-wide slowdown, which no shift can cure, and
   * nothing shifted (its failed requests still count).
   */
  outcome: Outcome;
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
  /** USD over the 24 hours from the incident's start (simulations/cost-cells.ts). */
  cost: DayCost;
}

export interface CellVariantResult extends CellFigures, IncidentSubject {
  scenario: string;
  variant: CellVariant;
  seed: number;
  approve: Approval;
  runs: RunSummary[];
  signals: SignalRecord[];
  ledger: LedgerRecord[];
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
  const deployment = options.deployment ?? exampleDeployment();
  const fleetConfig = protectedFleet(deployment.config, incident.fleetName);
  const { clock, fleet, routing, xray, engine } = await buildCellShiftWorld({
    dynamodb,
    incident,
    seed: options.seed,
    routing: deployment.routing,
  });
  expectSameFleet(fleetConfig, incident, routing);
  const seconds = (ms: number) => Math.round((ms - clock.startMs) / 1000);
  operatorApproves(engine, clock, approve === 'manual' ? MANUAL_APPROVAL_SECONDS : 0);
  const gameDay =
    options.variant === 'selfheal'
      ? await startGameDay({ deployment, engine, dynamodb, kind: 'cell-grey-failure', clock })
      : undefined;

  // The fleet's detector as the app deploys it: the config's cells, window, policy and schedule,
  // publishing each incident to EventBridge.
  const { detector: settings } = fleetConfig;
  const detector = greyCellFleetSchema.parse({
    cells: fleetConfig.cells.map((c) => c.name),
    groupName: settings.xrayGroup,
    windowMinutes: settings.windowMinutes,
    policy: settings.policy,
  });
  const bus = simulatedEventBus({
    now: () => clock.now(),
    account: deployment.config.environment.account ?? LOCAL_ACCOUNT,
    region: deployment.config.environment.region ?? LOCAL_REGION,
  });
  const onCall =
    options.variant === 'on-call'
      ? new CellOnCallEngineer({
          clock,
          routing,
          delaySeconds: options.onCallDelaySeconds ?? ON_CALL_DELAY_SECONDS,
          faultEndSeconds: (cell) => faultEndSeconds(incident, cell),
          endSeconds: incident.simulatedSeconds,
        })
      : undefined;
  const runs: ExecutionRecord[] = [];
  let detectedAtSeconds: number | null = null;
  let running: Promise<ExecutionRecord[]> | undefined;
  // As for the alarms (incident-driver.ts): the detector does not run while selfheal's runs do.
  while (clock.elapsedSeconds() < incident.simulatedSeconds || running) {
    if (running) {
      runs.push(...(await running));
      running = undefined;
      continue;
    }
    await clock.advance(settings.everyMinutes * 60);
    // The detector's schedule: on the last whole minutes of its window.
    const detection = await detectGreyCells(xray, detector, clock.now());
    if (detection.incidents.length === 0) continue;
    detectedAtSeconds ??= seconds(clock.now());
    // The on-call variant: the detector's incidents page the engineer instead of starting dispatch.
    if (onCall)
      for (const found of detection.incidents) onCall.page(found.resource.name, seconds(clock.now()));
    if (!gameDay) continue;
    // The detector's function publishes; EventBridge hands each event to the deployment's rules.
    const first = bus.delivered.length;
    await publishIncidents(bus, 'default', detection.incidents);
    const settling = bus.delivered
      .slice(first)
      .flatMap(({ event }) => gameDay.deliver(event, seconds(clock.now())) ?? []);
    if (settling.length > 0) running = Promise.all(settling).then((families) => families.flat());
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
  const greyCells = incident.faults.flatMap((f) => (f.kind === 'grey-cell' ? [f.cell] : []));
  const greyFault = greyCells.length > 0;
  // A grey cell turned back On before its fault ended: the shift did not hold.
  const undoneEarly = changes.some(
    (c) =>
      c.to === 'On' &&
      greyCells.includes(c.cell) &&
      off !== undefined &&
      c.atMs >= off.atMs &&
      seconds(c.atMs) < (faultEndSeconds(incident, c.cell) ?? Infinity),
  );
  const healed = greyFault && off !== undefined && !undoneEarly && trafficBack;
  return {
    scenario: incident.name,
    variant: options.variant,
    seed: options.seed,
    approve,
    healed,
    outcome: healed ? 'healed' : !greyFault && changes.length === 0 ? 'left-alone' : 'not-healed',
    // The grey cell; a fleet-wide slowdown is about the whole fleet.
    resource: greyFault ? `cell/${greyCells.join(',')}` : `fleet/${incident.fleetName}`,
    detectedBy: detectedAtSeconds === null ? null : 'the grey-cell detector',
    detectedAtSeconds,
    shiftedAtSeconds: off ? seconds(off.atMs) : null,
    timeToShiftSeconds: off && detectedAtSeconds !== null ? seconds(off.atMs) - detectedAtSeconds : null,
    shiftedBackAtSeconds: on ? seconds(on.atMs) : null,
    trafficBack,
    failedRequests: timeline
      .filter((m) => m.minute < incident.faultEndMinute)
      .reduce((sum, m) => sum + m.failedRequests, 0),
    actions: [
      ...changes.map((c) => describeChange(c, seconds, onCall ? 'operator' : 'selfheal')),
      ...(onCall?.actions ?? []),
    ].sort((a, b) => a.atSeconds - b.atSeconds),
    stateTransitions: engine.executions().reduce((sum, run) => sum + billedStateTransitions(run.history), 0),
    cost: cellCostOf({
      timeline,
      cells: incident.cells,
      // The detector runs for selfheal, and pages the on-call engineer: only `none` goes without.
      detector:
        options.variant === 'none'
          ? null
          : { tracedShare: fleetConfig.tracedShare, everyMinutes: settings.everyMinutes },
      executions: engine.executions(),
    }),
    runs: runs.map((run) => summariseRun(run, seconds)),
    ...(await trailOf(gameDay)),
    timeline,
  };
}

/** The config must describe the world's fleet: its cells, their routing controls and capacities. */
function expectSameFleet(
  fleet: FleetConfig,
  incident: CellIncident,
  routing: { routingControlArn(cell: string): string },
): void {
  expectSame(`fleet ${incident.fleetName}: cells`, fleet.cells, fleetCells(incident, routing));
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

function describeChange(
  change: RoutingControlChange,
  seconds: (ms: number) => number,
  by: ScenarioAction['by'],
): ScenarioAction {
  return {
    atSeconds: seconds(change.atMs),
    by,
    what: `routing control of ${change.cell} ${change.from} -> ${change.to}${by === 'operator' ? ' (by hand)' : ''}`,
  };
}

/** When the grey fault on `cell` ends, in seconds since the start (undefined: it never ends). */
function faultEndSeconds(incident: CellIncident, cell: string): number | undefined {
  const fault = incident.faults.find((f) => f.kind === 'grey-cell' && f.cell === cell);
  const until = fault ? fault.untilMinute : incident.faultEndMinute;
  return until === undefined ? undefined : until * 60;
}
