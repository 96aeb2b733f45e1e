/**
 * The cell incidents: five `checkout` cells behind Route 53 ARC routing controls, each serving 100
 * requests a second with room for 250 (so four cells can take a fifth's traffic), and either one
 * cell failing grey for half an hour (a fifth of its requests fail, three times slower) or the
 * whole fleet slowing down together (a shared dependency: nothing a shift can fix); and, for the
 * runbook's own rehearsals, the grey cell's fault cut short.
 */
import type { CellSpec, FleetFault, GreyCellFault } from '../../world/cells/cell-fleet.ts';
import { uniformCells } from '../../world/cells/cell-fleet.ts';

export interface CellIncident {
  name: string;
  startMs: number;
  simulatedSeconds: number;
  fleetName: string;
  cells: CellSpec[];
  faults: FleetFault[];
  /** When the fault ends, in minutes since the start (what "during the incident" means). */
  faultEndMinute: number;
  /** The runbook's bake: how long the cell must look healthy before its traffic returns. */
  bakeSeconds: number;
}

/** The cell that fails grey. */
export const GREY_CELL = 'checkout-cell-3';

/** How the grey cell fails: a fifth of its requests fault, and it answers three times slower. */
const GREY: Omit<GreyCellFault, 'fromMinute' | 'untilMinute'> = {
  kind: 'grey-cell',
  cell: GREY_CELL,
  faultRate: 0.2,
  latencyFactor: 3,
};

const CELLS = uniformCells('checkout', 5, {
  requestsPerSecond: 100,
  faultRate: 0.001,
  p50Ms: 50,
  p99Ms: 200,
  capacityRps: 250,
});

export const GREY_CELL_INCIDENT: CellIncident = {
  name: 'cell-shift',
  startMs: Date.UTC(2026, 10, 23, 9, 0, 0),
  simulatedSeconds: 60 * 60,
  fleetName: 'checkout',
  cells: CELLS,
  faults: [{ ...GREY, fromMinute: 5, untilMinute: 35 }],
  faultEndMinute: 35,
  bakeSeconds: 300,
};

export const FLEET_SLOWDOWN_INCIDENT: CellIncident = {
  ...GREY_CELL_INCIDENT,
  name: 'cell-shift-fleet-slowdown',
  faults: [{ kind: 'fleet-slowdown', fromMinute: 5, untilMinute: 35, latencyFactor: 3, faultRate: 0.05 }],
};

/**
 * The runbook rehearsed on its own, as its tests and the bench's recording run it: the grey cell
 * fails from minute 1 to minute 15, so a run started at minute 6 has five minutes of evidence to
 * re-read, and the fault ends early enough for the cell to bake and come back within the run.
 */
export const RUNBOOK_GREY_CELL_INCIDENT: CellIncident = {
  ...GREY_CELL_INCIDENT,
  name: 'cell-traffic-shift',
  startMs: Date.UTC(2026, 0, 1, 12, 0, 0),
  faults: [{ ...GREY, fromMinute: 1, untilMinute: 15 }],
  faultEndMinute: 15,
};
