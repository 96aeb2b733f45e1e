/**
 * Reading and setting the fleet's routing controls. ARC answers ValidationException when a
 * control-panel safety rule refuses an update (at least N cells On): that is a refusal, not a
 * fault, so it becomes a ChangeRejectedError, which no Retry repeats.
 */
import { ChangeRejectedError, classifyAwsError } from '../../errors.ts';
import type { RoutingControlPort } from '../routing-port.ts';
import type { FleetCell } from './request.ts';
import type { ControlState } from './safety.ts';

export async function readControl(routing: RoutingControlPort, cell: FleetCell): Promise<ControlState> {
  try {
    const answer = await routing.getRoutingControlState({ RoutingControlArn: cell.routingControlArn });
    return answer.RoutingControlState === 'Off' ? 'Off' : 'On';
  } catch (error) {
    throw classifyAwsError(error, `GetRoutingControlState of cell ${cell.name}`);
  }
}

/** Every cell's control, in the fleet's order: what the ledger keeps before and after a change. */
export async function readRouting(
  routing: RoutingControlPort,
  cells: readonly FleetCell[],
): Promise<Record<string, ControlState>> {
  const states: Record<string, ControlState> = {};
  for (const cell of cells) states[cell.name] = await readControl(routing, cell);
  return states;
}

export async function setControl(
  routing: RoutingControlPort,
  cell: FleetCell,
  state: ControlState,
): Promise<void> {
  try {
    await routing.updateRoutingControlStates({
      UpdateRoutingControlStateEntries: [
        { RoutingControlArn: cell.routingControlArn, RoutingControlState: state },
      ],
    });
  } catch (error) {
    const what = `UpdateRoutingControlStates ${cell.name} ${state}`;
    if (error instanceof Error && error.name === 'ValidationException') {
      throw new ChangeRejectedError(
        `${what}: ARC refused it (a control panel safety rule?): ${error.message}`,
        {
          cause: error,
        },
      );
    }
    throw classifyAwsError(error, what);
  }
}
