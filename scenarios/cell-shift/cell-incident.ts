/** What a cell incident is, as the simulation runs it: the shape `incident-file.ts` reads files into. */
import type { CellSpec, FleetFault } from '../../world/cells/cell-fleet.ts';
import type { CellWorldParameters } from '../../world/cells/world-parameters.ts';

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
  /** Relative noise of each minute's traffic; the fleet's default (0.03) unless set. */
  noise?: number;
  /** Canary requests a second to each cell; the fleet's default (1) unless set. */
  canaryRequestsPerSecond?: number;
  /** The DNS and X-Ray parameters the incident sets; the rest are the world's defaults. */
  world?: CellWorldParameters;
}
