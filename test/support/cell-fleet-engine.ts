/**
 * The cell incident's world for the runbook tests: the runbook's rehearsal (the five `checkout`
 * cells, checkout-cell-3 grey from minute 1 to minute 15) or the fault a test asks for instead,
 * on the local engine.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { CellShiftPorts } from '../../domain/cells/shift/ports.ts';
import type { FleetFault } from '../../world/cells/cell-fleet.ts';
import type { Routing } from '../../detectors/routing/routes.ts';
import { GREY_CELL, RUNBOOK_GREY_CELL_INCIDENT } from '../../scenarios/cell-shift/incident.ts';
import { buildCellShiftWorld, cellShiftRequest } from '../../scenarios/cell-shift/world.ts';

export { GREY_CELL };

export interface CellFleetEngineOptions {
  dynamodb: DynamoDBClient;
  /** The rehearsal's grey cell unless told. */
  faults?: readonly FleetFault[];
  seed?: number;
  wrap?: (ports: CellShiftPorts) => CellShiftPorts;
  routing?: Routing;
}

const INCIDENT = RUNBOOK_GREY_CELL_INCIDENT;

export function cellFleetEngine(options: CellFleetEngineOptions) {
  const { faults, seed, ...world } = options;
  return buildCellShiftWorld({
    ...world,
    incident: faults ? { ...INCIDENT, faults: [...faults] } : INCIDENT,
    seed: seed ?? 1,
  });
}

/** The fleet six minutes in: five minutes of the fault for the runbook to re-read. */
export async function cellFleetSixMinutesIn(options: CellFleetEngineOptions) {
  const world = await cellFleetEngine(options);
  await world.clock.advance(6 * 60);
  return world;
}

/** The runbook's request for the grey cell, with the rehearsal's own bake (5 minutes). */
export function shiftRequest(
  routing: { routingControlArn(cell: string): string },
  extra: Record<string, unknown> = {},
) {
  return cellShiftRequest(INCIDENT, routing, GREY_CELL, { incidentId: 'incident-1', ...extra });
}
