/**
 * Whether turning one cell Off is safe, as plain arithmetic over what was read: the routing
 * controls' states and each cell's recent traffic. Each rule that refuses says why in a sentence
 * an operator can act on; the shift goes ahead only when none does.
 *
 * Traffic moves as DNS moves it: the drained cell's requests spread over the cells still On in
 * proportion to what they serve now (weighted and failover records behave so).
 */
import type { CellShiftRequest } from './request.ts';

export type ControlState = 'On' | 'Off';

export interface CellLoad {
  cell: string;
  state: ControlState;
  /** Requests a second over the evidence window. */
  rps: number;
  capacityRps: number;
}

export interface ReceiverProjection {
  cell: string;
  rpsNow: number;
  rpsAfter: number;
  capacityRps: number;
  /** rpsAfter / capacityRps, percent. */
  utilisationPercent: number;
}

export interface SafetyVerdict {
  safe: boolean;
  refusals: string[];
  cellsOnAfter: number;
  shareOffPercentAfter: number;
  receivers: ReceiverProjection[];
}

export function checkSafety(
  request: Pick<CellShiftRequest, 'cell' | 'safety'>,
  loads: readonly CellLoad[],
): SafetyVerdict {
  const { cell, safety } = request;
  const target = loads.find((l) => l.cell === cell);
  const refusals: string[] = [];
  if (!target) refusals.push(`${cell} is not one of the fleet's cells`);
  else if (target.state === 'Off') refusals.push(`${cell} is already Off: there is nothing to shift`);

  const receiving = loads.filter((l) => l.cell !== cell && l.state === 'On');
  const cellsOnAfter = receiving.length;
  const offAfter = loads.length - cellsOnAfter;
  const shareOffPercentAfter = round((100 * offAfter) / Math.max(1, loads.length));
  if (shareOffPercentAfter > safety.maxShareOffPercent) {
    refusals.push(
      `turning ${cell} off would leave ${offAfter} of ${loads.length} cells off (${shareOffPercentAfter} %), more than the ${safety.maxShareOffPercent} % allowed`,
    );
  }
  if (cellsOnAfter < safety.minCellsOn) {
    refusals.push(
      `turning ${cell} off would leave ${cellsOnAfter} cells on, fewer than the ${safety.minCellsOn} required`,
    );
  }

  const moved = target && target.state === 'On' ? target.rps : 0;
  const receivingRps = receiving.reduce((sum, l) => sum + l.rps, 0);
  const receivers = receiving.map((l) => {
    // Proportional to what each serves now; evenly if nothing is served (no basis for weights).
    const share = receivingRps > 0 ? l.rps / receivingRps : 1 / receiving.length;
    const rpsAfter = l.rps + moved * share;
    return {
      cell: l.cell,
      rpsNow: round(l.rps),
      rpsAfter: round(rpsAfter),
      capacityRps: l.capacityRps,
      utilisationPercent: round((100 * rpsAfter) / l.capacityRps),
    };
  });
  const ceiling = 100 - safety.headroomPercent;
  const overloaded = receivers.filter((r) => r.utilisationPercent > ceiling);
  if (overloaded.length > 0) {
    refusals.push(
      `the receiving cells lack headroom: ${overloaded
        .map((r) => `${r.cell} would run at ${r.utilisationPercent} % of its capacity`)
        .join(', ')}, above the ${ceiling} % allowed`,
    );
  }
  return { safe: refusals.length === 0, refusals, cellsOnAfter, shareOffPercentAfter, receivers };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
