/**
 * The cell scenarios' on-call baseline: no selfheal, an engineer paged by the same signal (the
 * grey-failure detector's incident, which in this variant goes to the pager instead of to dispatch)
 * who flips the grey cell's Route 53 ARC routing control Off by hand, and back On later, through
 * the same cluster (`UpdateRoutingControlStates`, which judges the control panel's safety rules as
 * for any caller: a refused change is recorded, never overridden).
 *
 * Assumptions, none of them an AWS figure:
 * - the delay from the page to the change (default ON_CALL_DELAY_SECONDS, 15 minutes, the table
 *   scenarios' on-call delay: acknowledging the page, reading the dashboards, deciding, flipping
 *   the control) is a parameter of the scenario;
 * - the engineer answers the first page for a cell and ignores the pages that follow for it (the
 *   detector publishes an incident each minute while the cell stays grey);
 * - the engineer learns the cell is healthy again when its fault ends (the owning team's fix, or
 *   its health checks: the world's fault end, which selfheal's runbook has to find out on canary
 *   traffic) and turns the control back On the same delay later, never before having turned it Off;
 * - a change due after the simulated incident's end is not made within it.
 */
import type { ControlState } from '../../world/cells/traffic.ts';
import type { SimulatedRoutingControls } from '../../world/cells/routing-controls.ts';
import { PagedEngineer, type OnCallTiming } from '../table/on-call.ts';

export { ON_CALL_DELAY_SECONDS } from '../table/on-call.ts';

export interface CellOnCallOptions extends OnCallTiming {
  /** The cluster the engineer flips controls in: the fleet's own. */
  routing: Pick<SimulatedRoutingControls, 'routingControlArn' | 'updateRoutingControlStates'>;
  /** When a cell's fault ends, in seconds since the start (undefined: it never ends). */
  faultEndSeconds: (cell: string) => number | undefined;
}

export class CellOnCallEngineer extends PagedEngineer<CellOnCallOptions> {
  /** When each cell was first paged for, in seconds since the start. */
  readonly pages = new Map<string, number>();

  /** The page for a grey cell at `atSeconds`: the control goes Off `delaySeconds` later. */
  page(cell: string, atSeconds: number): void {
    if (this.pages.has(cell)) return;
    this.pages.set(cell, atSeconds);
    const { delaySeconds, faultEndSeconds } = this.options;
    const offAt = atSeconds + delaySeconds;
    this.#at(offAt, async () => {
      if (!(await this.#set(cell, 'Off', offAt))) return;
      const healthyAt = faultEndSeconds(cell);
      if (healthyAt !== undefined)
        this.#at(Math.max(offAt, healthyAt) + delaySeconds, (at) => this.#set(cell, 'On', at));
    });
  }

  /** Runs `act` when virtual time reaches `atSeconds`, unless that is after the simulation's end. */
  #at(atSeconds: number, act: (atSeconds: number) => Promise<unknown>): void {
    const { clock, endSeconds } = this.options;
    if (atSeconds > endSeconds) return;
    clock.at(clock.startMs + atSeconds * 1000, () => void act(atSeconds));
  }

  /** Flips the cell's control by hand; false if the cluster refused (a safety rule). */
  async #set(cell: string, to: ControlState, atSeconds: number): Promise<boolean> {
    const { routing } = this.options;
    try {
      await routing.updateRoutingControlStates({
        UpdateRoutingControlStateEntries: [
          { RoutingControlArn: routing.routingControlArn(cell), RoutingControlState: to },
        ],
      });
      return true;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.actions.push({
        atSeconds,
        by: 'operator',
        what: `routing control of ${cell} not set ${to} by hand, refused: ${reason}`,
      });
      return false;
    }
  }
}
