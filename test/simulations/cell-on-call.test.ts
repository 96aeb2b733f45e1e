import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../core/virtual-clock.ts';
import { createRoutingControlCluster } from '../../world/cells/routing-controls.ts';
import { CellOnCallEngineer } from '../../scenarios/cell-shift/on-call.ts';

const CELLS = ['cell-1', 'cell-2', 'cell-3'];

function engineer(options: { safetyRules?: { name: string; atLeast: number }[]; faultEnd?: number } = {}) {
  const clock = new VirtualClock();
  const routing = createRoutingControlCluster({
    clock,
    cells: CELLS,
    ...(options.safetyRules ? { safetyRules: options.safetyRules } : {}),
  });
  const onCall = new CellOnCallEngineer({
    clock,
    routing,
    delaySeconds: 600,
    faultEndSeconds: () => options.faultEnd,
    endSeconds: 3600,
  });
  return { clock, routing, onCall };
}

describe('the cell on-call engineer', () => {
  it('flips the paged cell Off exactly the delay after the page, not a second before, and back On the delay after its fault ends', async () => {
    const { clock, routing, onCall } = engineer({ faultEnd: 1500 });
    await clock.advance(60);
    onCall.page('cell-2', 60);
    await clock.advance(599);
    expect(routing.stateOf('cell-2')).toBe('On');
    await clock.advance(1);
    expect(routing.stateOf('cell-2')).toBe('Off');
    expect(routing.changes.map((c) => [c.cell, c.to, (c.atMs - clock.startMs) / 1000])).toEqual([
      ['cell-2', 'Off', 660],
    ]);
    await clock.advance(2100 - 660 - 1);
    expect(routing.stateOf('cell-2')).toBe('Off');
    await clock.advance(1);
    expect(routing.stateOf('cell-2')).toBe('On');
    expect(routing.changes.at(-1)).toMatchObject({
      cell: 'cell-2',
      to: 'On',
      atMs: clock.startMs + 2_100_000,
    });
  });

  it('answers the first page for a cell only, and leaves it Off when its fault never ends', async () => {
    const { clock, routing, onCall } = engineer();
    onCall.page('cell-1', 0);
    await clock.advance(60);
    onCall.page('cell-1', 60);
    await clock.advance(3540);
    expect(routing.changes.map((c) => [c.cell, c.to, (c.atMs - clock.startMs) / 1000])).toEqual([
      ['cell-1', 'Off', 600],
    ]);
  });

  it('records a change a safety rule refuses and does not override it', async () => {
    const { clock, routing, onCall } = engineer({
      safetyRules: [{ name: 'all-on', atLeast: 3 }],
      faultEnd: 900,
    });
    onCall.page('cell-3', 0);
    await clock.advance(3600);
    expect(routing.changes).toEqual([]);
    expect(onCall.actions).toEqual([
      {
        atSeconds: 600,
        by: 'operator',
        what: expect.stringMatching(
          /^routing control of cell-3 not set Off by hand, refused: Safety rule .*all-on/,
        ),
      },
    ]);
  });

  it('makes no change due after the simulation ends, and refuses a negative delay', async () => {
    const { clock, routing, onCall } = engineer({ faultEnd: 3500 });
    onCall.page('cell-1', 3300);
    await clock.advance(3600);
    expect(routing.changes).toEqual([]);
    expect(
      () =>
        new CellOnCallEngineer({
          clock,
          routing,
          delaySeconds: -1,
          faultEndSeconds: () => undefined,
          endSeconds: 1,
        }),
    ).toThrow(/0 seconds or more/);
  });
});
