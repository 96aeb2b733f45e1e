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
    // The cell's users leave it from the next whole minute; its canary stays.
    expect(world.fleet.minute(GREY, 10).requests).toBe(6060);
    expect(world.fleet.minute(GREY, 11).requests).toBe(60);
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
