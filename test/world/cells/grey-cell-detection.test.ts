/**
 * The detector run locally, on the simulated fleet: the same `detectGreyCells` the scheduled
 * Lambda runs, with the world's X-Ray in place of AWS's. First on every request, read at once (the
 * judgement itself), then on what X-Ray has by default: its Default rule's sample, 30 s late.
 */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../core/random.ts';
import { createCellFleet, uniformCells, type FleetFault } from '../../../world/cells/cell-fleet.ts';
import { simulatedXRay, type SimulatedXRayOptions } from '../../../world/cells/xray.ts';
import { TRACE_EVERY_REQUEST } from '../../../world/cells/sampling.ts';
import { detectGreyCells } from '../../../domain/cells/detect.ts';
import { greyCellFleetSchema } from '../../../domain/cells/fleet.ts';
import { incidentSchema } from '../../../domain/incidents/incident.ts';

const START = Date.UTC(2026, 0, 1, 12, 0);
/** 20 req/s a cell: 6,000 requests in the five-minute window, 0.1 % faults, p99 250 ms. */
const cells = uniformCells('checkout', 5, { requestsPerSecond: 20, faultRate: 0.001, p50Ms: 60, p99Ms: 250 });
const fleet = greyCellFleetSchema.parse({ cells: cells.map((c) => c.name) });
const SEEDS = Array.from({ length: 20 }, (_, i) => i + 1);

/** Every request traced, each minute readable as soon as it ends. */
const WHOLE: SimulatedXRayOptions = {
  sampling: TRACE_EVERY_REQUEST,
  statisticsDelaySeconds: 0,
  insightDelaySeconds: 0,
};

/** Runs the detector at `minute` (mid-minute), on a world with these faults. */
async function detectAt(
  minute: number,
  faults: FleetFault[],
  seed = 1,
  xray: SimulatedXRayOptions = WHOLE,
  traffic = cells,
) {
  const clock = { startMs: START, now: () => START + minute * 60_000 + 20_000 };
  const world = createCellFleet({ clock, cells: traffic, faults, random: seededRandom(seed) });
  return detectGreyCells(
    simulatedXRay(world, { random: seededRandom(seed).fork('xray'), ...xray }),
    fleet,
    clock.now(),
  );
}

const flagged = (detection: { incidents: { resource: { name: string } }[] }) =>
  detection.incidents.map((incident) => incident.resource.name);

describe('grey-cell detection on the simulated fleet', () => {
  it('flags the one grey cell among healthy peers, whatever the seed', async () => {
    const grey: FleetFault[] = [
      { kind: 'grey-cell', cell: 'checkout-cell-3', fromMinute: 10, latencyFactor: 3 },
    ];

    for (const seed of SEEDS) {
      const detection = await detectAt(20, grey, seed);

      expect(flagged(detection), `seed ${seed}`).toEqual(['checkout-cell-3']);
      expect(detection.incidents[0]?.evidence.greyBy).toBe('p99-latency');
    }
  });

  it('flags nothing when all cells slow down together, whatever the seed', async () => {
    const slowdown: FleetFault[] = [{ kind: 'fleet-slowdown', fromMinute: 10, latencyFactor: 6 }];

    for (const seed of SEEDS) {
      const detection = await detectAt(20, slowdown, seed);

      expect(detection.verdict, `seed ${seed}`).toBe('no-outliers');
      expect(detection.incidents).toEqual([]);
      // The fleet is six times slower: a fixed 1-second line would have fired on every cell.
      expect(detection.cells.every((c) => (c.p99Ms ?? 0) > 1000)).toBe(true);
    }
  });

  it('flags nothing in a healthy fleet, in any window of any seed', async () => {
    for (const seed of SEEDS) {
      for (const minute of [5, 17, 42]) {
        expect(flagged(await detectAt(minute, [], seed)), `seed ${seed}, minute ${minute}`).toEqual([]);
      }
    }
  });

  it('flags a cell that only faults more, with the insight X-Ray opened on it as evidence', async () => {
    const faulting: FleetFault[] = [
      { kind: 'grey-cell', cell: 'checkout-cell-4', fromMinute: 8, faultRate: 0.06, opensInsight: true },
    ];

    const detection = await detectAt(20, faulting);

    expect(flagged(detection)).toEqual(['checkout-cell-4']);
    const incident = incidentSchema.parse(detection.incidents[0]);
    expect(incident).toMatchObject({
      id: 'cell-grey-failure/checkout-cell-4/2026-01-01T12:20:00.000Z',
      observedAt: '2026-01-01T12:20:00.000Z',
      evidence: {
        greyBy: 'fault-rate',
        activeInsights: 1,
        insightIds: 'insight-checkout-cell-4-m8',
        insightRootCause: true,
      },
    });
    expect(incident.evidence.faultRate).toBeGreaterThan(0.05);
  });

  it('flags two grey cells of five', async () => {
    const twoGrey: FleetFault[] = [
      { kind: 'grey-cell', cell: 'checkout-cell-1', fromMinute: 0, latencyFactor: 2.5 },
      { kind: 'grey-cell', cell: 'checkout-cell-5', fromMinute: 0, faultRate: 0.08 },
    ];

    expect(flagged(await detectAt(10, twoGrey))).toEqual(['checkout-cell-1', 'checkout-cell-5']);
  });

  it('flags nothing before the fault started, and the grey cell once its window holds it', async () => {
    const grey: FleetFault[] = [
      { kind: 'grey-cell', cell: 'checkout-cell-2', fromMinute: 10, latencyFactor: 3 },
    ];

    expect(flagged(await detectAt(10, grey))).toEqual([]);
    // One grey minute of five is 1 in 5 slow requests: enough to carry the window's p99.
    expect(flagged(await detectAt(11, grey))).toEqual(['checkout-cell-2']);
  });
});

describe('grey-cell detection on what X-Ray samples by default (1 a second, then 5 %; 30 s late)', () => {
  /** X-Ray's defaults: nothing set. */
  const DEFAULTS: SimulatedXRayOptions = {};
  const at = (rps: number) =>
    uniformCells('checkout', 5, { requestsPerSecond: rps, faultRate: 0.001, p50Ms: 60, p99Ms: 250 });
  const grey: FleetFault[] = [
    { kind: 'grey-cell', cell: 'checkout-cell-3', fromMinute: 10, latencyFactor: 3, faultRate: 0.2 },
  ];

  it('judges no cell on too small a sample: 20 requests a second a cell leave under 500 traced in the window', async () => {
    for (const seed of SEEDS) {
      const detection = await detectAt(20, grey, seed, DEFAULTS, at(20));

      // About 70 traced a minute a cell, and only four of the window's five minutes readable yet.
      expect(detection.verdict, `seed ${seed}`).toBe('too-few-peers');
      expect(detection.incidents).toEqual([]);
      expect(detection.cells.every((c) => c.requests < 500 && !c.judged)).toBe(true);
    }
  });

  it('flags nothing in a healthy fleet sampled just above the request floor, in any window of any seed', async () => {
    for (const seed of SEEDS) {
      for (const minute of [6, 17, 42]) {
        const detection = await detectAt(minute, [], seed, DEFAULTS, at(45));
        // Four readable minutes of about 145 traced requests: just over the floor of 500.
        expect(
          detection.cells.every((c) => c.judged),
          `seed ${seed}, minute ${minute}`,
        ).toBe(true);
        expect(flagged(detection), `seed ${seed}, minute ${minute}`).toEqual([]);
      }
    }
  });

  it('flags nothing when the sampled fleet slows down together, whatever the seed', async () => {
    const slowdown: FleetFault[] = [
      { kind: 'fleet-slowdown', fromMinute: 10, latencyFactor: 3, faultRate: 0.05 },
    ];

    for (const seed of SEEDS) {
      expect(flagged(await detectAt(20, slowdown, seed, DEFAULTS, at(100))), `seed ${seed}`).toEqual([]);
    }
  });

  it('still flags the grey cell on its sample, whatever the seed, once a whole minute of it is readable', async () => {
    for (const seed of SEEDS) {
      // The fault starts at 12:10; at 12:11:20 its first minute is not readable yet (30 s delay)...
      expect(flagged(await detectAt(11, grey, seed, DEFAULTS, at(100))), `seed ${seed}`).toEqual([]);
      // ...at 12:12:20 it is.
      const detection = await detectAt(12, grey, seed, DEFAULTS, at(100));
      expect(flagged(detection), `seed ${seed}`).toEqual(['checkout-cell-3']);
      // What it judged is X-Ray's sample, not every request: about 6 % of the cell's 24,000.
      expect(detection.cells[2]?.requests).toBeLessThan(2500);
    }
  });
});
