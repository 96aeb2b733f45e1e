/**
 * A cell incident's world: the routed fleet (its traffic, X-Ray statistics and ARC routing
 * controls), the runbooks on the local engine over it, and dispatch's tables in dynalite. The one
 * place the fleet is put together: the simulation, the runbook and task tests and the bench's
 * recording all build it here, differing only in the options.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { VirtualClock } from '../../core/virtual-clock.ts';
import { seededRandom } from '../../core/random.ts';
import type { LocalEngine } from '../../engine/local-engine.ts';
import { startRunbookEngine } from '../../local/runbooks.ts';
import type { LocalPorts } from '../../local/task-ports.ts';
import { createDispatchTables, DEFAULT_DISPATCH_TABLES } from '../../domain/dispatch/tables.ts';
import type { CellShiftPorts } from '../../domain/cells/shift/ports.ts';
import type { Routing } from '../../detectors/routing/routes.ts';
import { createCellFleet } from '../../world/cells/cell-fleet.ts';
import { createRoutingControlCluster, type AtLeastOnRule } from '../../world/cells/routing-controls.ts';
import { DEFAULT_CAPACITY_FACTOR } from '../../world/cells/traffic.ts';
import { simulatedXRay } from '../../world/cells/xray.ts';
import { resolveCellWorld } from '../../world/cells/world-parameters.ts';
import type { CellIncident } from './incident.ts';

export interface CellFleetOptions {
  incident: CellIncident;
  seed: number;
  /**
   * Relative noise of each minute's traffic; the incident's (or the fleet's default) unless told.
   * The tasks' tests ask for none, so every cell serves an exact count and the safety arithmetic
   * can be checked to the unit.
   */
  noise?: number;
  /** The control panel's ATLEAST safety rules, which ARC judges on every update. */
  safetyRules?: readonly AtLeastOnRule[];
}

/**
 * The routed fleet alone, on a clock of its own: what the runbook's tasks read and change. DNS and
 * X-Ray behave as the incident's `world` says, AWS's defaults for what it leaves out
 * (world/cells/world-parameters.ts).
 */
export function buildCellFleet(options: CellFleetOptions) {
  const { incident } = options;
  const world = resolveCellWorld(incident.world);
  const noise = options.noise ?? incident.noise;
  const clock = new VirtualClock(incident.startMs);
  const routing = createRoutingControlCluster({
    clock,
    cells: incident.cells.map((c) => c.name),
    ...(options.safetyRules ? { safetyRules: options.safetyRules } : {}),
  });
  const fleet = createCellFleet({
    clock,
    cells: incident.cells,
    faults: incident.faults,
    random: seededRandom(options.seed),
    routing,
    dns: world.dns,
    ...(noise === undefined ? {} : { noise }),
    ...(incident.canaryRequestsPerSecond === undefined
      ? {}
      : { canaryRequestsPerSecond: incident.canaryRequestsPerSecond }),
  });
  const xray = simulatedXRay(fleet, {
    sampling: world.xraySampling,
    statisticsDelaySeconds: world.xrayStatisticsDelaySeconds,
    insightDelaySeconds: world.xrayInsightDelaySeconds,
    random: seededRandom(options.seed).fork('xray-sampling'),
  });
  const ports: CellShiftPorts = { xray, routing, now: () => clock.now() };
  return { clock, fleet, routing, xray, ports };
}

export interface CellShiftWorldOptions extends CellFleetOptions {
  dynamodb: DynamoDBClient;
  /** Wraps the ports the runbook's tasks get (fault injection in tests). */
  wrap?: (ports: CellShiftPorts) => CellShiftPorts;
  /** Dispatch's routing, for runs that go through dispatch. */
  routing?: Routing;
  /**
   * Starts the engine the runbooks run on, over the world's ports: by default the local
   * deployment on the world's seed; the bench starts one that records every answer its tasks get.
   */
  startEngine?: (clock: VirtualClock, ports: LocalPorts) => Promise<LocalEngine>;
}

/**
 * The fleet and the runbooks bound to it. The tasks are given only what the cell runbook and
 * dispatch read (dynalite, the fleet's X-Ray and routing controls, the clock): no CloudWatch, no
 * auto scaling, which no cell task touches.
 */
export async function buildCellShiftWorld(options: CellShiftWorldOptions) {
  const { dynamodb } = options;
  await createDispatchTables(dynamodb, DEFAULT_DISPATCH_TABLES);
  const world = buildCellFleet(options);
  const ports: LocalPorts = {
    dynamodb,
    now: world.ports.now,
    cells: options.wrap ? options.wrap(world.ports) : world.ports,
    ...(options.routing ? { routing: options.routing } : {}),
  };
  const startEngine =
    options.startEngine ??
    ((clock: VirtualClock, bound: LocalPorts) =>
      startRunbookEngine({ clock, ports: bound, dynamodb, seed: options.seed }));
  return { ...world, engine: await startEngine(world.clock, ports) };
}

/** The fleet's cells as routing configures them: each one's routing control and capacity. */
export function fleetCells(incident: CellIncident, routing: { routingControlArn(cell: string): string }) {
  return incident.cells.map((c) => ({
    name: c.name,
    routingControlArn: routing.routingControlArn(c.name),
    capacityRps: c.capacityRps ?? c.requestsPerSecond * DEFAULT_CAPACITY_FACTOR,
  }));
}

/** The runbook's request for a cell: the fleet's controls and capacities, as routing configures them. */
export function cellShiftRequest(
  incident: CellIncident,
  routing: { routingControlArn(cell: string): string },
  cell: string,
  extra: Record<string, unknown> = {},
) {
  return {
    cell,
    fleet: { name: incident.fleetName, cells: fleetCells(incident, routing) },
    recovery: { bakeSeconds: incident.bakeSeconds, checkSeconds: 60 },
    ...extra,
  };
}
