/**
 * The cell incidents (`incident.json` and `fleet-slowdown.json` beside this file, files like any
 * user's `--incident FILE`): five `checkout` cells behind Route 53 ARC routing controls, each
 * serving 100 requests a second with room for 250 (so four cells can take a fifth's traffic), and
 * either one cell failing grey for half an hour (a fifth of its requests fail, three times slower)
 * or the whole fleet slowing down together (a shared dependency: nothing a shift can fix); and, for
 * the runbook's own rehearsals, the grey cell's fault cut short.
 */
import { fileURLToPath } from 'node:url';
import type { CellIncident } from './cell-incident.ts';
import { readCellShiftIncident } from './incident-file.ts';

export { readCellShiftIncident } from './incident-file.ts';

export type { CellIncident } from './cell-incident.ts';

/** The built-in incidents, files like any user's (`simulate cell-shift --incident FILE`). */
export const GREY_CELL_INCIDENT_FILE = fileURLToPath(new URL('incident.json', import.meta.url));
export const FLEET_SLOWDOWN_INCIDENT_FILE = fileURLToPath(new URL('fleet-slowdown.json', import.meta.url));

/** The cell that fails grey. */
export const GREY_CELL = 'checkout-cell-3';

export const GREY_CELL_INCIDENT: CellIncident = readCellShiftIncident(GREY_CELL_INCIDENT_FILE);

export const FLEET_SLOWDOWN_INCIDENT: CellIncident = readCellShiftIncident(FLEET_SLOWDOWN_INCIDENT_FILE);

/** How the grey cell fails in the built-in incident (its fault, without its span). */
const GREY = GREY_CELL_INCIDENT.faults.find((f) => f.kind === 'grey-cell' && f.cell === GREY_CELL);
if (!GREY) throw new RangeError(`${GREY_CELL_INCIDENT_FILE}: no grey-cell fault on ${GREY_CELL}`);

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
