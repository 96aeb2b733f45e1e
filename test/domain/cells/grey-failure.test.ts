import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  faultRateLowerBound,
  judgeFleet,
  maxMinority,
  SAMPLE_CONFIDENCE_Z,
  median,
  medianAbsoluteDeviation,
  type CellStatistics,
  type FleetJudgement,
} from '../../../domain/cells/grey-failure.ts';
import { outlierPolicySchema } from '../../../domain/cells/fleet.ts';

const policy = outlierPolicySchema.parse({});

/** Five minutes of a busy, healthy cell: 6,000 requests, 0.1 % faults, p99 250 ms. */
function cell(name: string, overrides: Partial<Omit<CellStatistics, 'cell'>> = {}): CellStatistics {
  return { cell: name, requests: 6000, faults: 6, p99Ms: 250, ...overrides };
}

/** Five healthy cells with the small differences real peers have. */
const healthyFleet = (): CellStatistics[] => [
  cell('checkout-cell-1', { faults: 5, p99Ms: 240 }),
  cell('checkout-cell-2', { faults: 6, p99Ms: 250 }),
  cell('checkout-cell-3', { faults: 7, p99Ms: 262 }),
  cell('checkout-cell-4', { faults: 6, p99Ms: 255 }),
  cell('checkout-cell-5', { faults: 4, p99Ms: 246 }),
];

function replace(fleet: CellStatistics[], name: string, overrides: Partial<CellStatistics>) {
  return fleet.map((stats) => (stats.cell === name ? { ...stats, ...overrides } : stats));
}

const greyCells = (judgement: FleetJudgement) => judgement.cells.filter((c) => c.grey).map((c) => c.cell);
const verdictOf = (cells: CellStatistics[]) => judgeFleet(cells, policy).verdict;

describe('judgeFleet: a cell is judged against its peers', () => {
  it('flags the one grey cell among healthy peers, and only that cell', () => {
    const fleet = replace(healthyFleet(), 'checkout-cell-3', { p99Ms: 1200 });

    const judgement = judgeFleet(fleet, policy);

    expect(judgement.verdict).toBe('grey-cells');
    expect(greyCells(judgement)).toEqual(['checkout-cell-3']);
    const grey = judgement.cells.find((c) => c.cell === 'checkout-cell-3');
    expect(grey).toMatchObject({ outlierBy: ['p99-latency'], judged: true });
    expect(grey?.p99Comparison).toMatchObject({ value: 1200, peerMedian: 250, outlier: true });
    expect(grey?.p99Comparison?.score).toBeGreaterThan(policy.outlierScore);
  });

  it('flags nothing when all cells slow down together: the median moves with the fleet', () => {
    const slowFleet = healthyFleet().map((stats) => ({ ...stats, p99Ms: (stats.p99Ms ?? 0) * 8 }));

    const judgement = judgeFleet(slowFleet, policy);

    expect(judgement.verdict).toBe('no-outliers');
    expect(greyCells(judgement)).toEqual([]);
    // Every cell is far above any fixed line a threshold alarm would use, yet none stands out.
    expect(judgement.cells.every((c) => (c.p99Ms ?? 0) > 1900)).toBe(true);
  });

  it('flags nothing when all cells fault together, and flags a cell faulting alone', () => {
    const allFaulting = healthyFleet().map((stats, i) => ({ ...stats, faults: 600 + i * 10 }));
    expect(verdictOf(allFaulting)).toBe('no-outliers');

    const oneFaulting = replace(healthyFleet(), 'checkout-cell-2', { faults: 600 });
    const judgement = judgeFleet(oneFaulting, policy);
    expect(greyCells(judgement)).toEqual(['checkout-cell-2']);
    expect(judgement.cells.find((c) => c.cell === 'checkout-cell-2')).toMatchObject({
      faultRate: 0.1,
      outlierBy: ['fault-rate'],
    });
  });

  it('names both reasons when a cell is slower and faults more', () => {
    const fleet = replace(healthyFleet(), 'checkout-cell-4', { p99Ms: 900, faults: 420 });

    const grey = judgeFleet(fleet, policy).cells.find((c) => c.grey);

    expect(grey).toMatchObject({ cell: 'checkout-cell-4', outlierBy: ['fault-rate', 'p99-latency'] });
  });

  it('flags two grey cells of five: two are still a minority, and cannot move the median', () => {
    let fleet = replace(healthyFleet(), 'checkout-cell-1', { p99Ms: 1100 });
    fleet = replace(fleet, 'checkout-cell-5', { faults: 500 });

    const judgement = judgeFleet(fleet, policy);

    expect(judgement.verdict).toBe('grey-cells');
    expect(greyCells(judgement)).toEqual(['checkout-cell-1', 'checkout-cell-5']);
  });

  it('flags nothing when three of five are slow: then the slow ones are the fleet', () => {
    let fleet = healthyFleet();
    for (const name of ['checkout-cell-1', 'checkout-cell-2', 'checkout-cell-3']) {
      fleet = replace(fleet, name, { p99Ms: 1500 });
    }

    expect(greyCells(judgeFleet(fleet, policy))).toEqual([]);
  });

  it('flags nothing when outliers by different measures add up to more than a minority', () => {
    // Three cells: one faults, another is slow. Each alone would be grey; together they are two
    // of three, and shifting traffic onto the one left would overload it.
    const fleet = [cell('a', { faults: 600 }), cell('b', { p99Ms: 1500 }), cell('c')];

    const judgement = judgeFleet(fleet, policy);

    expect(judgement.verdict).toBe('fleet-wide');
    expect(greyCells(judgement)).toEqual([]);
    expect(judgement.cells.map((c) => c.outlierBy)).toEqual([['fault-rate'], ['p99-latency'], []]);
  });

  it('does not flag a cell for being better than its peers', () => {
    const fleet = replace(healthyFleet(), 'checkout-cell-2', { p99Ms: 40, faults: 0 });

    expect(verdictOf(fleet)).toBe('no-outliers');
  });
});

describe('judgeFleet: floors keep noise from flagging', () => {
  it('does not flag a small latency difference in a tight fleet, however many MADs it is', () => {
    // The peers agree to within a few ms, so 60 ms is a huge score, but it is not a failure.
    const fleet = replace(healthyFleet(), 'checkout-cell-3', { p99Ms: 310 });

    const judgement = judgeFleet(fleet, policy);

    expect(judgement.cells.find((c) => c.cell === 'checkout-cell-3')?.p99Comparison?.score).toBeGreaterThan(
      policy.outlierScore,
    );
    expect(judgement.verdict).toBe('no-outliers');
  });

  it('does not flag a slow cell of a slow fleet unless it is also proportionally slower', () => {
    // 150 ms over a 2 s median clears the absolute floor but is 7.5 %, under the 1.5× ratio.
    const fleet = healthyFleet().map((stats, i) => ({ ...stats, p99Ms: 2000 + i }));
    const judgement = judgeFleet(replace(fleet, 'checkout-cell-5', { p99Ms: 2150 }), policy);

    expect(judgement.verdict).toBe('no-outliers');
  });

  it('does not flag a fault-rate difference under the absolute floor', () => {
    // 0.5 % against 0.1 %: many MADs in a fleet that agrees, but under 2 percentage points.
    expect(verdictOf(replace(healthyFleet(), 'checkout-cell-1', { faults: 30 }))).toBe('no-outliers');
  });

  it('does not flag the slowest of a widely spread fleet: the spread is what normal looks like', () => {
    const spread = [200, 400, 600, 800, 1000].map((p99Ms, i) => cell(`cell-${i + 1}`, { p99Ms }));

    const judgement = judgeFleet(spread, policy);

    const slowest = judgement.cells.find((c) => c.cell === 'cell-5');
    expect(slowest?.p99Comparison).toMatchObject({ peerMedian: 600, peerMad: 200 });
    expect(slowest?.p99Comparison?.score).toBeCloseTo(1.35, 2);
    expect(judgement.verdict).toBe('no-outliers');
  });

  it('neither judges nor counts as a peer a cell under the request floor, whatever its rates', () => {
    const fleet = [...healthyFleet(), cell('checkout-cell-6', { requests: 40, faults: 40, p99Ms: 9000 })];

    const judgement = judgeFleet(fleet, policy);

    expect(judgement.verdict).toBe('no-outliers');
    expect(judgement.peers).toBe(5);
    expect(judgement.cells.find((c) => c.cell === 'checkout-cell-6')).toMatchObject({
      judged: false,
      grey: false,
      faultRateComparison: null,
      p99Comparison: null,
    });
  });
});

describe('judgeFleet: a sample (X-Ray traces a share) must clear the floors at its worst', () => {
  it('does not flag a sampled cell whose p99 clears the floors only on its figure, not at its sample’s lowest', () => {
    // 600 traces: the p99 rests on the 6 slowest; three standard errors down the histogram the
    // cell is as fast as its peers (cell-statistics.ts reads that bound from the histogram).
    const sampled = healthyFleet().map((stats) => ({ ...stats, requests: 600, faults: 1 }));
    const chance = replace(sampled, 'checkout-cell-3', { p99Ms: 380, p99LowerMs: 255 });
    const real = replace(sampled, 'checkout-cell-3', { p99Ms: 760, p99LowerMs: 610 });

    expect(verdictOf(chance)).toBe('no-outliers');
    expect(greyCells(judgeFleet(real, policy))).toEqual(['checkout-cell-3']);
    // Without a bound (a port that gives none), the figure itself is checked, as before.
    expect(greyCells(judgeFleet(replace(sampled, 'checkout-cell-3', { p99Ms: 380 }), policy))).toEqual([
      'checkout-cell-3',
    ]);
  });

  it('does not flag a fault rate over the floor on a handful of traces, and flags it on enough', () => {
    expect(SAMPLE_CONFIDENCE_Z).toBe(3);
    // A fleet that judges cells of 60 traced requests, to see the bound at work on so few.
    const lenient = outlierPolicySchema.parse({ minRequests: 50 });
    const fleetOf = (requests: number, greyFaults: number) =>
      replace(
        healthyFleet().map((stats) => ({ ...stats, requests, faults: 0 })),
        'checkout-cell-2',
        { faults: greyFaults },
      );
    // 4 of 60 (6.7 %): over the 2-point floor on its figure, but its Wilson bound is 0.
    expect(faultRateLowerBound(4, 60)).toBeLessThan(0.02);
    expect(judgeFleet(fleetOf(60, 4), lenient).verdict).toBe('no-outliers');
    // 40 of 600 (6.7 % again): now the bound is 4.2 %, and the cell is grey.
    expect(faultRateLowerBound(40, 600)).toBeCloseTo(0.042, 3);
    expect(greyCells(judgeFleet(fleetOf(600, 40), lenient))).toEqual(['checkout-cell-2']);
  });

  it('takes the Wilson bound: below the rate, within it, closing in as the sample grows', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (n, rate) => {
          const faults = Math.round(rate * n);
          const bound = faultRateLowerBound(faults, n);
          expect(bound).toBeGreaterThanOrEqual(0);
          expect(bound).toBeLessThanOrEqual(faults / n + 1e-12);
          expect(faultRateLowerBound(faults * 4, n * 4)).toBeGreaterThanOrEqual(bound - 1e-12);
        },
      ),
    );
    expect(faultRateLowerBound(0, 0)).toBe(0);
  });
});

describe('judgeFleet: when there is no majority to compare with', () => {
  it('judges nothing with fewer than three cells', () => {
    const judgement = judgeFleet([cell('a'), cell('b', { p99Ms: 5000, faults: 3000 })], policy);

    expect(judgement).toMatchObject({ verdict: 'too-few-peers', peers: 2 });
    expect(greyCells(judgement)).toEqual([]);
  });

  it('judges nothing when no cell has traffic', () => {
    const idle = ['a', 'b', 'c', 'd'].map((name) => cell(name, { requests: 0, faults: 0, p99Ms: null }));

    const judgement = judgeFleet(idle, policy);

    expect(judgement).toMatchObject({ verdict: 'too-few-peers', peers: 0 });
    expect(judgement.cells.every((c) => !c.judged && !c.grey && c.faultRate === 0)).toBe(true);
  });

  it('judges nothing when only two of five cells have enough traffic', () => {
    const fleet = healthyFleet().map((stats, i) => (i < 3 ? { ...stats, requests: 100 } : stats));

    expect(judgeFleet(fleet, policy)).toMatchObject({ verdict: 'too-few-peers', peers: 2 });
  });

  it('still judges fault rates when too few cells have a latency histogram to judge latency', () => {
    const fleet = [cell('a', { p99Ms: null }), cell('b', { p99Ms: null }), cell('c', { faults: 900 })];

    const judgement = judgeFleet(fleet, policy);

    expect(greyCells(judgement)).toEqual(['c']);
    expect(judgement.cells.every((c) => c.p99Comparison === null)).toBe(true);
  });
});

describe('judgeFleet: whatever the figures', () => {
  const statistics = fc.record({
    requests: fc.integer({ min: 0, max: 20_000 }),
    faultShare: fc.double({ min: 0, max: 1, noNaN: true }),
    p99Ms: fc.option(fc.double({ min: 1, max: 30_000, noNaN: true }), { nil: null }),
  });

  it('flags at most a minority of the judged cells, and only judged ones', () => {
    fc.assert(
      fc.property(fc.array(statistics, { minLength: 0, maxLength: 9 }), (cells) => {
        const judgement = judgeFleet(
          cells.map((c, i) => ({
            cell: `cell-${i}`,
            requests: c.requests,
            faults: Math.round(c.requests * c.faultShare),
            p99Ms: c.p99Ms,
          })),
          policy,
        );
        const grey = judgement.cells.filter((c) => c.grey);
        expect(grey.length).toBeLessThanOrEqual(maxMinority(judgement.peers));
        expect(grey.every((c) => c.judged)).toBe(true);
        expect(judgement.verdict === 'grey-cells').toBe(grey.length > 0);
      }),
    );
  });

  it('gives every cell the same score after the whole fleet slows down by one factor', () => {
    fc.assert(
      fc.property(
        // Whole milliseconds, as the detector reports them: no peers a rounding error apart.
        fc.array(fc.integer({ min: 50, max: 2000 }), { minLength: 3, maxLength: 9 }),
        fc.double({ min: 1, max: 20, noNaN: true }),
        (p99s, factor) => {
          const fleet = p99s.map((p99Ms, i) => cell(`cell-${i}`, { p99Ms }));
          const before = judgeFleet(fleet, policy).cells.map((c) => c.p99Comparison?.score);
          const after = judgeFleet(
            fleet.map((c) => ({ ...c, p99Ms: (c.p99Ms ?? 0) * factor })),
            policy,
          ).cells.map((c) => c.p99Comparison?.score);
          // The peer comparison is scale-free: a fleet-wide slowdown changes no cell's score.
          after.forEach((score, i) => expect(score).toBeCloseTo(before[i] as number, 6));
        },
      ),
    );
  });
});

describe('robust statistics', () => {
  it('takes the median of odd and even counts', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(RangeError);
  });

  it('measures spread by the median absolute deviation, which one wild value cannot move', () => {
    expect(medianAbsoluteDeviation([250, 240, 260, 255, 245])).toBe(5);
    expect(medianAbsoluteDeviation([250, 240, 260, 255, 99_999])).toBe(5);
  });

  it('counts a minority as fewer than half: 1 of 3 or 4, 2 of 5 or 6', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7].map(maxMinority)).toEqual([0, 0, 0, 1, 1, 2, 2, 3]);
  });
});
