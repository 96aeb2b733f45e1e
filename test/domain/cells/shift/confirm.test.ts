/**
 * The runbook's first step, `confirm`: is the cell still grey, judged against its peers on fresh
 * X-Ray statistics? On the simulated fleet, through the ports the task is given.
 */
import { describe, expect, it } from 'vitest';
import { confirm } from '../../../../domain/cells/shift/runbook.ts';
import { FLEET_SLOWDOWN_INCIDENT } from '../../../../scenarios/cell-shift/incident.ts';
import { at, CELLS, cellFleetPorts, GREY, parsedRequest, served } from '../../../support/cell-fleet-ports.ts';

describe('confirm (Confirm the cell is still grey)', () => {
  it('confirms the grey cell on the last five whole minutes of every cell, by its fault rate and its p99', async () => {
    const world = await cellFleetPorts();

    const confirmation = await confirm(world.ports, parsedRequest());

    const truth = served(world, GREY, 5, 10);
    expect(truth.requests).toBe(5 * 6060);
    expect(confirmation).toEqual({
      confirmed: true,
      verdict: 'grey-cells',
      reason: 'checkout-cell-3 still stands out from its peers (fault-rate, p99-latency)',
      cell: {
        requests: 30_300,
        faultRate: Math.round((truth.faults / truth.requests) * 1e6) / 1e6,
        p99Ms: expect.closeTo(600, -2),
        outlierBy: ['fault-rate', 'p99-latency'],
      },
    });
    expect(confirmation.cell?.faultRate).toBeGreaterThan(0.15);
    // Every cell, 09:05 to 09:10 in one-minute buckets; no routing control is read.
    expect(world.calls).toEqual(CELLS.map((c) => `GetTimeSeriesServiceStatistics ${c}`));
    expect(world.statistics[0]).toMatchObject({
      StartTime: new Date(at(5, 0)),
      EndTime: new Date(at(10, 0)),
      EntitySelectorExpression: 'service("checkout-cell-1")',
      Period: 60,
    });
  });

  it.each([
    ['a healthy fleet', { faults: [] }, 10],
    ['the grey cell after its fault ended (minute 35)', {}, 41],
  ])(
    'does not confirm %s: the cell no longer stands out, and the runbook reports that no shift is needed',
    async (_what, setup, minute) => {
      const world = await cellFleetPorts(setup);
      await world.goTo(minute);

      const confirmation = await confirm(world.ports, parsedRequest());

      expect(confirmation).toMatchObject({
        confirmed: false,
        verdict: 'no-outliers',
        reason: 'checkout-cell-3 no longer stands out from its peers',
        cell: { requests: 30_300, outlierBy: [] },
      });
      expect(confirmation.cell?.faultRate).toBeLessThan(0.01);
    },
  );

  it('does not confirm a cell in a fleet that slows down together: nothing stands out from its peers', async () => {
    const world = await cellFleetPorts({ faults: FLEET_SLOWDOWN_INCIDENT.faults });

    const confirmation = await confirm(world.ports, parsedRequest());

    expect(confirmation).toMatchObject({
      confirmed: false,
      verdict: 'no-outliers',
      reason: 'checkout-cell-3 no longer stands out from its peers',
      cell: { p99Ms: expect.closeTo(600, -2), outlierBy: [] },
    });
  });

  it('judges a fleet where most cells stand out fleet-wide, and confirms none: moving traffic would not help', async () => {
    // Two cells faulting, a third slow: three of five stand out, more than a minority.
    const world = await cellFleetPorts({
      faults: [
        { kind: 'grey-cell', cell: 'checkout-cell-1', fromMinute: 5, faultRate: 0.2 },
        { kind: 'grey-cell', cell: 'checkout-cell-2', fromMinute: 5, faultRate: 0.2 },
        { kind: 'grey-cell', cell: GREY, fromMinute: 5, latencyFactor: 3 },
      ],
    });

    const confirmation = await confirm(world.ports, parsedRequest());

    expect(confirmation).toMatchObject({
      confirmed: false,
      verdict: 'fleet-wide',
      reason: 'the whole fleet is degraded: moving traffic between cells would not help',
      cell: { outlierBy: ['p99-latency'] },
    });
  });

  it('does not confirm when too few cells served enough requests to judge one against its peers', async () => {
    const world = await cellFleetPorts();

    const confirmation = await confirm(
      world.ports,
      parsedRequest({ evidence: { policy: { minRequests: 40_000 } } }),
    );

    expect(confirmation).toMatchObject({
      confirmed: false,
      verdict: 'too-few-peers',
      reason: 'too few cells with traffic to judge one against its peers',
    });
  });

  it('does not confirm when X-Ray shows none of the window yet, and says that rather than blaming the traffic', async () => {
    const world = await cellFleetPorts();
    world.ports.xray.getTimeSeriesServiceStatistics = async () => ({ TimeSeriesServiceStatistics: [] });

    const confirmation = await confirm(world.ports, parsedRequest());

    expect(confirmation).toMatchObject({
      confirmed: false,
      verdict: 'too-few-peers',
      reason: "X-Ray shows none of the fleet's last 5 minutes yet: nothing to judge the cell on",
    });
  });

  it('reads the window the request asks for', async () => {
    const world = await cellFleetPorts();

    await confirm(world.ports, parsedRequest({ evidence: { windowMinutes: 3 } }));

    expect(world.statistics.map((s) => [s.StartTime, s.EndTime])).toEqual(
      CELLS.map(() => [new Date(at(7, 0)), new Date(at(10, 0))]),
    );
  });
});
