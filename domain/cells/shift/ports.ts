/** Everything the cell-traffic-shift runbook's tasks touch. */
import type { XRayPort } from '../ports.ts';
import type { RoutingControlPort } from '../routing-port.ts';

export interface CellShiftPorts {
  xray: XRayPort;
  routing: RoutingControlPort;
  /** Epoch milliseconds: wall time in Lambda, virtual time in the local engine. */
  now: () => number;
}
