/** `setCellRouting`: turning the cell's routing control Off, back On, or putting it back On. */
import { describe, expect, it } from 'vitest';
import { setCellRouting } from '../../../../domain/cells/shift/runbook.ts';
import {
  arnOf,
  at,
  cellFleetPorts,
  GREY,
  greyCellDrained,
  iso,
  parsedRequest,
} from '../../../support/cell-fleet-ports.ts';

describe('setCellRouting (Turn the cell’s routing control off; back on; Put it back on)', () => {
  it("turns the cell's control Off with one UpdateRoutingControlStates of exactly its entry, and says when", async () => {
    const world = await cellFleetPorts();

    const change = await setCellRouting(world.ports, parsedRequest(), 'Off');

    expect(world.updates).toEqual([
      { UpdateRoutingControlStateEntries: [{ RoutingControlArn: arnOf(GREY), RoutingControlState: 'Off' }] },
    ]);
    expect(world.updates[0]).not.toHaveProperty('SafetyRulesToOverride');
    expect(change).toEqual({ cell: GREY, state: 'Off', at: iso(at(10)) });
    expect(world.controls.changes).toEqual([
      { atMs: at(10), cell: GREY, routingControlArn: arnOf(GREY), from: 'On', to: 'Off' },
    ]);
    // The cell's users leave it as their cached DNS answers expire, evenly over the 60 s TTL from
    // the change (10:40 to 11:40); its canary stays. (All of them left at the next whole minute while
    // the world had no TTL.) Minute 10: 40 s of all 6,000, then 20 s with 1 to 2/3 of them left.
    expect(world.fleet.minute(GREY, 10).requests).toBe(60 + Math.round((6000 * (40 + 20 - 400 / 120)) / 60));
    // Minute 11: 40 s with 2/3 to none of them left.
    expect(world.fleet.minute(GREY, 11).requests).toBe(60 + Math.round((6000 * (40 - 3200 / 120)) / 60));
    expect(world.fleet.minute(GREY, 12).requests).toBe(60);
  });

  it('turns it back On after the bake, the same way', async () => {
    const { world, request } = await greyCellDrained();
    await world.goTo(45);

    const change = await setCellRouting(world.ports, request, 'On');

    expect(world.updates).toEqual([
      { UpdateRoutingControlStateEntries: [{ RoutingControlArn: arnOf(GREY), RoutingControlState: 'On' }] },
    ]);
    expect(change).toEqual({ cell: GREY, state: 'On', at: iso(at(45)) });
    expect(world.controls.stateOf(GREY)).toBe('On');
  });

  it('puts the control back On after a failure without reading it first, and is idempotent: a control already On stays so', async () => {
    const world = await cellFleetPorts();

    await setCellRouting(world.ports, parsedRequest(), 'On');

    expect(world.updates).toEqual([
      { UpdateRoutingControlStateEntries: [{ RoutingControlArn: arnOf(GREY), RoutingControlState: 'On' }] },
    ]);
    expect(world.calls).toEqual(['UpdateRoutingControlStates']);
    expect(world.controls.changes).toEqual([]);
    expect(world.controls.stateOf(GREY)).toBe('On');
  });
});
