/**
 * A cell incident's world: the routed fleet (its traffic, X-Ray statistics and ARC routing
 * controls), the runbooks on the local engine over it, and dispatch's tables in dynalite.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { VirtualClock } from '../core/virtual-clock.ts';
import { startRunbookEngine } from '../local/runbooks.ts';
import { createDispatchTables, DEFAULT_DISPATCH_TABLES } from '../domain/dispatch/tables.ts';
import type { CellShiftPorts } from '../domain/cells/shift/ports.ts';
import { createCellFleet } from '../world/cells/cell-fleet.ts';
import { createRoutingControlCluster } from '../world/cells/routing-controls.ts';
import { simulatedXRay } from '../world/cells/xray.ts';
import { SimulatedAutoScaling } from '../world/dynamodb/auto-scaling.ts';
import { MetricStore } from '../world/metric-store.ts';
import { seededRandom } from '../core/random.ts';
import type { CellIncident } from './cell-shift-incident.ts';
import type { Routing } from '../detectors/routing/routes.ts';

export interface CellShiftWorldOptions {
  dynamodb: DynamoDBClient;
  incident: CellIncident;
  seed: number;
  /** Wraps the ports the runbook's tasks get (fault injection in tests). */
  wrap?: (ports: CellShiftPorts) => CellShiftPorts;
  /** Dispatch's routing, for runs that go through dispatch. */
  routing?: Routing;
}

export async function buildCellShiftWorld(options: CellShiftWorldOptions) {
  const { incident, dynamodb } = options;
  await createDispatchTables(dynamodb, DEFAULT_DISPATCH_TABLES);
  const clock = new VirtualClock(incident.startMs);
  const routing = createRoutingControlCluster({ clock, cells: incident.cells.map((c) => c.name) });
  const fleet = createCellFleet({
    clock,
    cells: incident.cells,
    faults: incident.faults,
    random: seededRandom(options.seed),
    routing,
  });
  const metrics = new MetricStore();
  const now = () => clock.now();
  const xray = simulatedXRay(fleet);
  const direct: CellShiftPorts = { xray, routing, now };
  const engine = await startRunbookEngine({
    clock,
    ports: {
      dynamodb,
      cloudwatch: metrics,
      autoScaling: new SimulatedAutoScaling({ dynamodb, cloudwatch: metrics, now }),
      now,
      cells: options.wrap ? options.wrap(direct) : direct,
      ...(options.routing ? { routing: options.routing } : {}),
    },
    dynamodb,
    seed: options.seed,
  });
  return { clock, fleet, routing, xray, engine };
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
    fleet: {
      name: incident.fleetName,
      cells: incident.cells.map((c) => ({
        name: c.name,
        routingControlArn: routing.routingControlArn(c.name),
        capacityRps: c.capacityRps ?? c.requestsPerSecond * 1.5,
      })),
    },
    recovery: { bakeSeconds: incident.bakeSeconds, checkSeconds: 60 },
    ...extra,
  };
}
