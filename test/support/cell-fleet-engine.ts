/**
 * A routed fleet of five `checkout` cells (100 requests a second each, capacity 250), one of them
 * failing grey for a while, its Route 53 ARC routing controls simulated, and the runbooks on the
 * local engine over them, with dispatch's tables in dynalite: what the cell-traffic-shift runbook
 * tests and the cell-shift simulation run on.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { VirtualClock } from '../../engine/virtual-clock.ts';
import { startRunbookEngine } from '../../engine/runbooks.ts';
import { createDispatchTables, DEFAULT_DISPATCH_TABLES } from '../../domain/dispatch/tables.ts';
import type { CellShiftPorts } from '../../domain/cells/shift/ports.ts';
import { createCellFleet, uniformCells, type FleetFault } from '../../world/cells/cell-fleet.ts';
import { createRoutingControlCluster } from '../../world/cells/routing-controls.ts';
import { simulatedXRay } from '../../world/cells/xray.ts';
import { SimulatedAutoScaling } from '../../world/dynamodb/auto-scaling.ts';
import { MetricStore } from '../../world/metric-store.ts';
import { seededRandom } from '../../world/random.ts';

export const CELLS = uniformCells('checkout', 5, {
  requestsPerSecond: 100,
  faultRate: 0.001,
  p50Ms: 50,
  p99Ms: 200,
  capacityRps: 250,
});
export const GREY_CELL = 'checkout-cell-3';

export interface CellFleetEngineOptions {
  dynamodb: DynamoDBClient;
  faults: readonly FleetFault[];
  seed?: number;
  wrap?: (ports: CellShiftPorts) => CellShiftPorts;
}

export async function cellFleetEngine(options: CellFleetEngineOptions) {
  await createDispatchTables(options.dynamodb, DEFAULT_DISPATCH_TABLES);
  const clock = new VirtualClock(Date.UTC(2026, 0, 1, 12, 0, 0));
  const routing = createRoutingControlCluster({ clock, cells: CELLS.map((c) => c.name) });
  const fleet = createCellFleet({
    clock,
    cells: CELLS,
    faults: options.faults,
    random: seededRandom(options.seed ?? 1),
    routing,
  });
  const metrics = new MetricStore();
  const now = () => clock.now();
  const direct: CellShiftPorts = { xray: simulatedXRay(fleet), routing, now };
  const cells = options.wrap ? options.wrap(direct) : direct;
  const engine = await startRunbookEngine({
    clock,
    ports: {
      dynamodb: options.dynamodb,
      cloudwatch: metrics,
      autoScaling: new SimulatedAutoScaling({ dynamodb: options.dynamodb, cloudwatch: metrics, now }),
      now,
      cells,
    },
    dynamodb: options.dynamodb,
    seed: options.seed ?? 1,
  });
  return { clock, fleet, routing, engine };
}

/** The runbook's request for the grey cell, the fleet's controls and capacities as configured. */
export function shiftRequest(
  routing: { routingControlArn(cell: string): string },
  extra: Record<string, unknown> = {},
) {
  return {
    cell: GREY_CELL,
    incidentId: 'incident-1',
    fleet: {
      name: 'checkout',
      cells: CELLS.map((c) => ({
        name: c.name,
        routingControlArn: routing.routingControlArn(c.name),
        capacityRps: 250,
      })),
    },
    recovery: { bakeSeconds: 300, checkSeconds: 60 },
    ...extra,
  };
}
