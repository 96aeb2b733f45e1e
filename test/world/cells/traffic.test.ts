import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../core/random.ts';
import {
  createCellFleet,
  uniformCells,
  type CellFleetOptions,
  type CellSpec,
  type FleetFault,
} from '../../../world/cells/cell-fleet.ts';
import { createRoutingControlCluster } from '../../../world/cells/routing-controls.ts';
import { routeTraffic, underLoad } from '../../../world/cells/traffic.ts';
import { simulatedXRay } from '../../../world/cells/xray.ts';
import { TRACE_EVERY_REQUEST } from '../../../world/cells/sampling.ts';
import { DEFAULT_DNS_RECORD_TTL_SECONDS } from '../../../world/cells/world-parameters.ts';

const START = Date.UTC(2026, 0, 1, 12, 0);
/** Five cells of 20 req/s each: 100 req/s in all, 1,200 requests a cell a minute. */
const CELLS = uniformCells('checkout', 5, { requestsPerSecond: 20, faultRate: 0.001, p50Ms: 60, p99Ms: 250 });
const GREY: FleetFault = { kind: 'grey-cell', cell: 'checkout-cell-3', fromMinute: 5, faultRate: 0.05 };

/** A routed fleet on a clock the test moves, with the ARC cluster its cells' controls live in. */
function routedFleet(
  cells: readonly CellSpec[] = CELLS,
  overrides: Partial<CellFleetOptions> = {},
  seed = 1,
) {
  let now = START;
  const clock = { startMs: START, now: () => now };
  const controls = createRoutingControlCluster({ clock, cells: cells.map((c) => c.name) });
  const fleet = createCellFleet({
    clock,
    cells,
    random: seededRandom(seed),
    routing: controls,
    ...overrides,
  });
  const setAt = async (minute: number, cell: string, state: 'On' | 'Off') => {
    now = START + minute * 60_000;
    await controls.updateRoutingControlStates({
      UpdateRoutingControlStateEntries: [
        { RoutingControlArn: controls.routingControlArn(cell), RoutingControlState: state },
      ],
    });
  };
  return { fleet, controls, clock, setAt, goTo: (minute: number) => (now = START + minute * 60_000) };
}

const shares = (fleet: ReturnType<typeof routedFleet>['fleet'], minute: number) =>
  Object.fromEntries(fleet.routingAt(minute).map((r) => [r.cell, r.share]));
const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);

describe('routing the fleet’s traffic', () => {
  it('gives each cell its healthy share, the On cells’ shares adding up to 1', () => {
    const routed = routeTraffic(
      [
        { name: 'a', requestsPerSecond: 10 },
        { name: 'b', requestsPerSecond: 30 },
        { name: 'c', requestsPerSecond: 60 },
      ],
      () => true,
    );

    expect(routed.map((r) => r.share)).toEqual([0.1, 0.3, 0.6]);
    expect(routed.map((r) => r.requestsPerSecond)).toEqual([10, 30, 60]);
  });

  it('moves an Off cell’s share to the cells still On, in proportion to their shares', () => {
    const routed = routeTraffic(
      [
        { name: 'a', requestsPerSecond: 10 },
        { name: 'b', requestsPerSecond: 30 },
        { name: 'c', requestsPerSecond: 60 },
      ],
      (cell) => cell !== 'c',
    );

    expect(routed.map((r) => r.state)).toEqual(['On', 'On', 'Off']);
    expect(routed.map((r) => r.share)).toEqual([0.25, 0.75, 0]);
    // The fleet's 100 req/s all still arrive, now at a and b only.
    expect(routed.map((r) => r.requestsPerSecond)).toEqual([25, 75, 0]);
  });

  it('fails open, as Route 53 does, when every control is Off', () => {
    const routed = routeTraffic(
      [
        { name: 'a', requestsPerSecond: 10 },
        { name: 'b', requestsPerSecond: 30 },
      ],
      () => false,
    );

    expect(routed.map((r) => [r.state, r.requestsPerSecond])).toEqual([
      ['Off', 10],
      ['Off', 30],
    ]);
  });
});

describe('a cell beyond its capacity', () => {
  const healthy = { faultRate: 0.001, p50Ms: 60, p99Ms: 250 };

  it('is unchanged within its capacity', () => {
    expect(underLoad(healthy, 30, 30, 1)).toEqual(healthy);
  });

  it('fails the requests beyond its capacity and slows in proportion to the overload', () => {
    const overloaded = underLoad(healthy, 40, 30, 1);

    // A quarter of the load is beyond capacity; the rest fails at the healthy rate.
    expect(overloaded.faultRate).toBeCloseTo(1 - 0.999 * 0.75, 10);
    expect(overloaded.p99Ms).toBeCloseTo(250 * (1 + 1 / 3), 10);
  });
});

describe('a routed cell fleet', () => {
  it('serves every cell its own load while all are On, canaries aside', () => {
    const { fleet } = routedFleet();

    expect(Object.values(shares(fleet, 3))).toEqual([0.2, 0.2, 0.2, 0.2, 0.2]);
    expect(fleet.conditionsAt('checkout-cell-1', 3)).toEqual({
      requestsPerSecond: 20,
      faultRate: 0.001,
      p50Ms: 60,
      p99Ms: 250,
    });
    const minute = fleet.minute('checkout-cell-1', 3);
    expect(minute.canaryRequests).toBe(60);
    expect(minute.requests - minute.canaryRequests).toBeGreaterThan(1200 * 0.85);
    expect(fleet.capacityOf('checkout-cell-1')).toBe(30);
  });

  it('moves an Off cell’s share to the others as the clients’ cached answers expire, over the TTL', async () => {
    const { fleet, setAt } = routedFleet();
    await setAt(10.5, 'checkout-cell-3', 'Off');

    expect(DEFAULT_DNS_RECORD_TTL_SECONDS).toBe(60);
    // Changed at 10:30, with a 60 s TTL: a client in eight has its new answer by the minute's end
    // on average over the minute (the share leaving grows linearly from 10:30 to 11:30)...
    expect(shares(fleet, 9)['checkout-cell-3']).toBe(0.2);
    expect(shares(fleet, 10)['checkout-cell-3']).toBeCloseTo(0.2 * (1 - 0.125), 12);
    // ...seven in eight over minute 11, and every one from 11:30.
    expect(shares(fleet, 11)['checkout-cell-3']).toBeCloseTo(0.2 * 0.125, 12);
    expect(shares(fleet, 12)).toEqual({
      'checkout-cell-1': 0.25,
      'checkout-cell-2': 0.25,
      'checkout-cell-3': 0,
      'checkout-cell-4': 0.25,
      'checkout-cell-5': 0.25,
    });
    for (const minute of [10, 11, 12]) expect(sum(Object.values(shares(fleet, minute)))).toBeCloseTo(1, 12);
    // The control is Off from the minute it changed in; its users' requests stop once no client
    // has the old answer.
    expect(fleet.routingAt(10).find((r) => r.cell === 'checkout-cell-3')?.state).toBe('On');
    expect(fleet.routingAt(11).find((r) => r.cell === 'checkout-cell-3')?.state).toBe('Off');
    const drained = fleet.trafficMinute(12).cells.find((c) => c.cell === 'checkout-cell-3');
    expect(drained).toMatchObject({ state: 'Off', requests: 0, faults: 0, canaryRequests: 60 });
    expect(fleet.minute('checkout-cell-3', 12).requests).toBe(60);
    expect(fleet.minute('checkout-cell-3', 11).requests).toBeGreaterThan(60);
    expect(fleet.conditionsAt('checkout-cell-1', 12).requestsPerSecond).toBe(25);
    // The fleet's users still send as many requests: the receivers take them.
    const [before, during, after] = [9, 10, 12].map((m) => fleet.trafficMinute(m));
    expect((during?.requests ?? 0) / (before?.requests ?? 1)).toBeCloseTo(1, 1);
    expect((after?.requests ?? 0) / (before?.requests ?? 1)).toBeCloseTo(1, 1);
  });

  it('spreads a change made on a minute’s first millisecond over that minute', async () => {
    const { fleet, setAt } = routedFleet();
    await setAt(10, 'checkout-cell-3', 'Off');

    expect(shares(fleet, 9)['checkout-cell-3']).toBe(0.2);
    // Half the clients, on average over the minute, still have the old answer.
    expect(shares(fleet, 10)['checkout-cell-3']).toBeCloseTo(0.1, 12);
    expect(shares(fleet, 11)['checkout-cell-3']).toBe(0);
  });

  it('moves at once with a TTL of 0, and waits for the health check when it lags', async () => {
    const instant = routedFleet(CELLS, { dns: { recordTtlSeconds: 0 } });
    await instant.setAt(10.5, 'checkout-cell-3', 'Off');
    // Half of minute 10 before the change, none after.
    expect(shares(instant.fleet, 10)['checkout-cell-3']).toBeCloseTo(0.1, 12);
    expect(shares(instant.fleet, 11)['checkout-cell-3']).toBe(0);

    const lagging = routedFleet(CELLS, { dns: { recordTtlSeconds: 0, healthCheckDelaySeconds: 90 } });
    await lagging.setAt(10, 'checkout-cell-3', 'Off');
    // Route 53 answers by the change from 11:30.
    expect(shares(lagging.fleet, 10)['checkout-cell-3']).toBe(0.2);
    expect(shares(lagging.fleet, 11)['checkout-cell-3']).toBeCloseTo(0.1, 12);
    expect(shares(lagging.fleet, 12)['checkout-cell-3']).toBe(0);
  });

  it('gives the cell its share back over the TTL once its control is On again', async () => {
    const { fleet, setAt } = routedFleet();
    await setAt(10, 'checkout-cell-3', 'Off');
    await setAt(20, 'checkout-cell-3', 'On');

    expect(shares(fleet, 19)['checkout-cell-3']).toBe(0);
    expect(shares(fleet, 20)['checkout-cell-3']).toBeCloseTo(0.1, 12);
    expect(Object.values(shares(fleet, 21))).toEqual([0.2, 0.2, 0.2, 0.2, 0.2]);
    expect(fleet.trafficMinute(21).cells[2]?.requests).toBeGreaterThan(1200 * 0.85);
  });

  it('follows the answers of every change a client may still have cached: Off and back On within the TTL', async () => {
    const { fleet, setAt } = routedFleet(CELLS, { dns: { recordTtlSeconds: 120 } });
    await setAt(10, 'checkout-cell-3', 'Off');
    await setAt(11, 'checkout-cell-3', 'On');

    // Over minute 10 the new answer reaches a quarter of the clients on average; from 11:00 the
    // answers are On again, so the Off answer, given for one minute, never reaches more than half.
    expect(shares(fleet, 10)['checkout-cell-3']).toBeCloseTo(0.2 * (1 - 0.25), 12);
    expect(shares(fleet, 11)['checkout-cell-3']).toBeCloseTo(0.2 * (1 - 0.5), 12);
    expect(shares(fleet, 12)['checkout-cell-3']).toBeCloseTo(0.2 * (1 - 0.25), 12);
    expect(shares(fleet, 13)['checkout-cell-3']).toBeCloseTo(0.2, 12);
  });

  it('cuts the grey cell’s failed requests once its traffic is shifted away', async () => {
    const { fleet, setAt } = routedFleet(CELLS, { faults: [GREY] });
    await setAt(10, 'checkout-cell-3', 'Off');

    const failed = (from: number, to: number) =>
      sum(Array.from({ length: to - from }, (_, i) => fleet.trafficMinute(from + i).failedRequests));
    // Before: about 5 % of the grey cell's 1,200 a minute. After: the fleet's 0.1 % only.
    expect(failed(5, 10)).toBeGreaterThan(5 * 45);
    expect(failed(10, 15)).toBeLessThan(5 * 6 * 2);
    // Its canaries still see the fault: the cell has not recovered, it is only drained.
    const canaryFaults = sum(
      [10, 11, 12, 13, 14].map((m) => fleet.minute('checkout-cell-3', m).canaryFaults),
    );
    expect(canaryFaults).toBeGreaterThan(5);
  });

  it('overloads receivers without headroom: the shift then fails requests across the fleet', async () => {
    const tight = CELLS.map((cell) => ({ ...cell, capacityRps: 22 }));
    const roomy = routedFleet(CELLS, { faults: [GREY] });
    const cramped = routedFleet(tight, { faults: [GREY] });
    await roomy.setAt(10, 'checkout-cell-3', 'Off');
    await cramped.setAt(10, 'checkout-cell-3', 'Off');

    const receiver = (f: typeof roomy) => f.fleet.trafficMinute(12).cells[0];
    // 25 req/s of users plus 1 of canaries on each receiver.
    expect(receiver(roomy)).toMatchObject({ capacityRps: 30, utilisation: 26 / 30 });
    expect(receiver(cramped)).toMatchObject({ capacityRps: 22, utilisation: 26 / 22 });
    expect(receiver(roomy)?.faults).toBeLessThan(10);
    // About 1 − 22/26 of its requests fail, and its p99 grows with the overload.
    expect(receiver(cramped)?.faults).toBeGreaterThan(1500 * 0.12);
    expect(receiver(cramped)?.p99Ms).toBeGreaterThan((receiver(roomy)?.p99Ms ?? 0) * 1.1);
    expect(cramped.fleet.trafficMinute(12).failedRequests).toBeGreaterThan(
      roomy.fleet.trafficMinute(12).failedRequests * 10,
    );
  });

  it('shows X-Ray the shift: the drained cell serves only its canaries once the TTL has run out', async () => {
    const { fleet, setAt, goTo } = routedFleet();
    await setAt(10, 'checkout-cell-3', 'Off');
    goTo(13);

    // Every request traced, and readable at once: what the cells served.
    const xray = simulatedXRay(fleet, { sampling: TRACE_EVERY_REQUEST, statisticsDelaySeconds: 0 });
    const answer = await xray.getTimeSeriesServiceStatistics({
      StartTime: new Date(START + 8 * 60_000),
      EndTime: new Date(START + 13 * 60_000),
      EntitySelectorExpression: 'service("checkout-cell-3")',
      Period: 60,
    });

    const counts = answer.TimeSeriesServiceStatistics?.map((s) => s.ServiceSummaryStatistics?.TotalCount);
    expect(counts).toEqual([expect.any(Number), expect.any(Number), expect.any(Number), 60, 60]);
    // Minute 10, the TTL running out: about half its users' requests still came.
    expect(counts?.[2]).toBeGreaterThan(60 + 1200 * 0.4);
    expect(counts?.[2]).toBeLessThan(60 + 1200 * 0.6);
  });

  it('gives the same minutes for the same seed and the same routing changes', async () => {
    const runs = await Promise.all(
      [1, 1, 2].map(async (seed) => {
        const { fleet, setAt } = routedFleet(CELLS, { faults: [GREY] }, seed);
        await setAt(10, 'checkout-cell-3', 'Off');
        await setAt(20, 'checkout-cell-3', 'On');
        return [9, 10, 15, 20].map((minute) => fleet.trafficMinute(minute));
      }),
    );

    expect(runs[0]).toEqual(runs[1]);
    expect(runs[0]).not.toEqual(runs[2]);
  });

  it('refuses a fleet whose cells have no routing control, or a negative capacity', () => {
    const clock = { startMs: START, now: () => START };
    const controls = createRoutingControlCluster({ clock, cells: ['checkout-cell-1'] });

    expect(() =>
      createCellFleet({
        clock,
        cells: [{ ...(CELLS[0] as CellSpec), capacityRps: -1 }, CELLS[1] as CellSpec],
        random: seededRandom(1),
        routing: controls,
      }),
    ).toThrow('Invalid cell fleet: checkout-cell-1: negative capacity; checkout-cell-2: no routing control');
  });
});
