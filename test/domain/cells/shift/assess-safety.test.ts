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
      // 10:40: X-Ray shows the minute that has just ended, so the whole window.
      minutesRead: 5,
      lock: {
        now: '2026-11-23T09:10:40.000Z',
        leaseExpiresAt: '2026-11-23T17:40:40.000Z',
        expiresAtEpoch: String(Date.UTC(2026, 10, 23, 17, 40, 40) / 1000),
      },
    });
  });

  it('divides the traffic by the minutes X-Ray shows, not the window: at 20 s past the minute the last one is not there yet', async () => {
    const world = await cellFleetPorts();
    // 11:20: minute 10 has ended, but X-Ray shows it only from 11:30; minutes 6 to 9 are there.
    await world.goTo(11, 20);

    const safety = await assessSafety(world.ports, parsedRequest());

    expect(safety).toMatchObject({ safe: true, minutesRead: 4, cellRps: 101 });
    expect(safety.receivers.map((r) => r.rpsNow)).toEqual([101, 101, 101, 101]);
    expect(world.statistics.every((s) => s.StartTime?.getTime() === at(6, 0))).toBe(true);
  });

  it('refuses when X-Ray shows none of the window yet: the receivers’ headroom cannot be judged on traffic nobody has seen', async () => {
    const world = await cellFleetPorts();
    world.ports.xray.getTimeSeriesServiceStatistics = async () => ({ TimeSeriesServiceStatistics: [] });

    const safety = await assessSafety(world.ports, parsedRequest());

    const refusal =
      "X-Ray shows none of the fleet's last 5 minutes yet: the receivers' headroom cannot be judged";
    expect(safety).toMatchObject({ safe: false, minutesRead: 0, refusals: [refusal], reason: refusal });
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

  it('gives the lock a lease longer than the run can take (approval, verifications, every recovery check, each after the waits for X-Ray allowed, an hour more), its expiry in whole epoch seconds rounded up, as strings for DynamoDB', async () => {
    const world = await cellFleetPorts();
    await world.goTo(10, 40.25);

    const { lock } = await assessSafety(world.ports, parsedRequest());

    expect(lock).toEqual({
      now: '2026-11-23T09:10:40.250Z',
      // The approval's 30 minutes; two verifications of 5 checks, each a minute after the last and
      // after up to 5 one-minute waits for X-Ray (60 minutes); 60 recovery checks of a minute, each
      // after up to 5 such waits (6 hours); an hour: 8 h 30 min. (2 h 40 min while the runbook did
      // not wait for X-Ray, and counted a minute X-Ray did not show yet as a failed check.)
      leaseExpiresAt: '2026-11-23T17:40:40.250Z',
      expiresAtEpoch: String(Date.UTC(2026, 10, 23, 17, 40, 41) / 1000),
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
