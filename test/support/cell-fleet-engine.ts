/**
 * The cell incident's world for the runbook tests: the five `checkout` cells of the simulation,
 * the fault each test asks for, six minutes of traffic before the runbook starts.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { CellShiftPorts } from '../../domain/cells/shift/ports.ts';
import type { FleetFault } from '../../world/cells/cell-fleet.ts';
import type { Routing } from '../../detectors/routing/routes.ts';
import { GREY_CELL_INCIDENT } from '../../simulations/cell-shift-incident.ts';
import { buildCellShiftWorld, cellShiftRequest } from '../../simulations/cell-shift-world.ts';

export const GREY_CELL = 'checkout-cell-3';

export interface CellFleetEngineOptions {
  dynamodb: DynamoDBClient;
  faults: readonly FleetFault[];
  seed?: number;
  wrap?: (ports: CellShiftPorts) => CellShiftPorts;
  routing?: Routing;
}

const INCIDENT = { ...GREY_CELL_INCIDENT, startMs: Date.UTC(2026, 0, 1, 12, 0, 0) };

export function cellFleetEngine(options: CellFleetEngineOptions) {
  return buildCellShiftWorld({
    dynamodb: options.dynamodb,
    incident: { ...INCIDENT, faults: [...options.faults] },
    seed: options.seed ?? 1,
    ...(options.wrap ? { wrap: options.wrap } : {}),
    ...(options.routing ? { routing: options.routing } : {}),
  });
}

/** The runbook's request for the grey cell, with the test's own bake (5 minutes). */
export function shiftRequest(
  routing: { routingControlArn(cell: string): string },
  extra: Record<string, unknown> = {},
) {
  return cellShiftRequest(INCIDENT, routing, GREY_CELL, { incidentId: 'incident-1', ...extra });
}
