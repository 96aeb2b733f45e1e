/**
 * `assessSafety`: may the cell be turned off? Every routing control and every cell's traffic read
 * through the ports, the safety rules applied, and the fleet's lock lease worked out.
 */
import { describe, expect, it } from 'vitest';
import { assessSafety } from '../../../../domain/cells/shift/runbook.ts';
import {
  allOn,
  at,
  CELLS,
  cellFleetPorts,
  GREY,
  parsedRequest,
  RECEIVERS,
  request,
} from '../../../support/cell-fleet-ports.ts';

describe('assessSafety (Check the safety rules)', () => {
  it("finds the shift safe: the grey cell's 101 requests a second spread over four receivers, each at half its capacity", async () => {
    const world = await cellFleetPorts();

    const safety = await assessSafety(world.ports, parsedRequest());

    expect(safety).toEqual({
      safe: true,
      refusals: [],
      reason: '',
      cellsOnAfter: 4,
      shareOffPercentAfter: 20,
      // 100 of its users' and 1 of a canary's each; a quarter of the grey cell's 101 more.
      receivers: RECEIVERS.map((cell) => ({
        cell,
        rpsNow: 101,
        rpsAfter: 126.3,
        capacityRps: 250,
        utilisationPercent: 50.5,
      })),
      routing: allOn(),
      cellRps: 101,
      lock: {
        now: '2026-11-23T09:10:20.000Z',
        leaseExpiresAt: '2026-11-23T11:50:20.000Z',
        expiresAtEpoch: String(Date.UTC(2026, 10, 23, 11, 50, 20) / 1000),
      },
    });
  });

  it('reads every cell’s routing control, in the fleet’s order, then every cell’s traffic over the evidence window', async () => {
    const world = await cellFleetPorts();
    await world.set('checkout-cell-1', 'Off');

    const safety = await assessSafety(world.ports, parsedRequest());

    expect(world.calls).toEqual([
      ...CELLS.map((c) => `GetRoutingControlState ${c}`),
      ...CELLS.map((c) => `GetTimeSeriesServiceStatistics ${c}`),
    ]);
    expect(world.statistics.every((s) => s.StartTime?.getTime() === at(5, 0))).toBe(true);
    expect(safety.routing).toEqual({ ...allOn(), 'checkout-cell-1': 'Off' });
    // A cell already Off receives nothing.
    expect(safety.receivers.map((r) => r.cell)).toEqual([
      'checkout-cell-2',
      'checkout-cell-4',
      'checkout-cell-5',
    ]);
    expect(world.updates).toEqual([]);
  });

  it('gives the lock a lease longer than the run can take (approval, verifications, every recovery check, an hour more), its expiry in whole epoch seconds rounded up, as strings for DynamoDB', async () => {
    const world = await cellFleetPorts();
    await world.goTo(10, 20.25);

    const { lock } = await assessSafety(world.ports, parsedRequest());

    expect(lock).toEqual({
      now: '2026-11-23T09:10:20.250Z',
      // 30 + 10 minutes, 60 checks of a minute, an hour: 2 h 40 min.
      leaseExpiresAt: '2026-11-23T11:50:20.250Z',
      expiresAtEpoch: String(Date.UTC(2026, 10, 23, 11, 50, 21) / 1000),
    });
  });

  it.each<[string, Record<string, unknown>, string[], string]>([
    ['a cell already Off', {}, [GREY], 'checkout-cell-3 is already Off: there is nothing to shift'],
    [
      'more than the allowed share of the fleet Off',
      {},
      ['checkout-cell-1'],
      'turning checkout-cell-3 off would leave 2 of 5 cells off (40 %), more than the 34 % allowed',
    ],
    [
      'fewer cells On than required',
      { safety: { minCellsOn: 4, maxShareOffPercent: 50 } },
      ['checkout-cell-5'],
      'turning checkout-cell-3 off would leave 3 cells on, fewer than the 4 required',
    ],
  ])('refuses %s, saying so', async (_what, extra, off, refusal) => {
    const world = await cellFleetPorts();
    for (const cell of off) await world.set(cell, 'Off');

    const safety = await assessSafety(world.ports, parsedRequest(extra));

    expect(safety).toMatchObject({ safe: false, refusals: [refusal], reason: refusal });
  });

  it('refuses when the receivers lack headroom: with room for 140 they would run at 90.2 %, above the 80 % allowed', async () => {
    const world = await cellFleetPorts();
    const tight = request().fleet.cells.map((c) => ({ ...c, capacityRps: 140 }));

    const safety = await assessSafety(
      world.ports,
      parsedRequest({ fleet: { name: 'checkout', cells: tight } }),
    );

    const refusal = `the receiving cells lack headroom: ${RECEIVERS.map(
      (cell) => `${cell} would run at 90.2 % of its capacity`,
    ).join(', ')}, above the 80 % allowed`;
    expect(safety).toMatchObject({ safe: false, refusals: [refusal], reason: refusal });
    expect(safety.receivers[0]).toEqual({
      cell: 'checkout-cell-1',
      rpsNow: 101,
      rpsAfter: 126.3,
      capacityRps: 140,
      utilisationPercent: 90.2,
    });
  });

  it('lists every refusal, and gives them in one sentence as the reason the runbook fails with', async () => {
    const world = await cellFleetPorts();
    await world.set('checkout-cell-1', 'Off');

    const safety = await assessSafety(world.ports, parsedRequest({ safety: { minCellsOn: 4 } }));

    expect(safety.refusals).toEqual([
      'turning checkout-cell-3 off would leave 2 of 5 cells off (40 %), more than the 34 % allowed',
      'turning checkout-cell-3 off would leave 3 cells on, fewer than the 4 required',
    ]);
    expect(safety.reason).toBe(safety.refusals.join('; '));
  });
});
