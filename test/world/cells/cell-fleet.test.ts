import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../core/random.ts';
import {
  createCellFleet,
  uniformCells,
  type CellFleetOptions,
  type FleetFault,
} from '../../../world/cells/cell-fleet.ts';
import { histogramPercentile } from '../../../domain/cells/histogram.ts';

const START = Date.UTC(2026, 0, 1, 12, 0);
const clock = { startMs: START, now: () => START + 30 * 60_000 };
const cells = uniformCells('checkout', 5, { requestsPerSecond: 20, faultRate: 0.001, p50Ms: 60, p99Ms: 250 });

function fleet(faults: FleetFault[] = [], seed = 1, overrides: Partial<CellFleetOptions> = {}) {
  return createCellFleet({ clock, cells, faults, random: seededRandom(seed), ...overrides });
}

describe('uniformCells', () => {
  it('names cells after their service, numbered from 1', () => {
    expect(cells.map((c) => c.name)).toEqual([
      'checkout-cell-1',
      'checkout-cell-2',
      'checkout-cell-3',
      'checkout-cell-4',
      'checkout-cell-5',
    ]);
  });
});

describe('a cell fleet', () => {
  it('serves each cell’s traffic with a little noise around its spec', () => {
    const minute = fleet().minute('checkout-cell-1', 3);

    expect(minute.startMs).toBe(START + 3 * 60_000);
    expect(minute.requests).toBeGreaterThan(1200 * 0.85);
    expect(minute.requests).toBeLessThan(1200 * 1.15);
    expect(minute.histogram.reduce((sum, e) => sum + (e.Count ?? 0), 0)).toBe(minute.requests);
    expect(minute.faults).toBeLessThan(10);
    const p99 = (histogramPercentile(minute.histogram, 0.99) ?? 0) * 1000;
    expect(p99).toBeGreaterThan(250 * 0.8);
    expect(p99).toBeLessThan(250 * 1.2);
  });

  it('gives the same minute for the same seed, whatever order minutes are asked in', () => {
    const a = fleet([], 7);
    const b = fleet([], 7);
    const forward = [1, 2, 3].map((m) => a.minute('checkout-cell-2', m));
    const backward = [3, 2, 1].map((m) => b.minute('checkout-cell-2', m)).reverse();

    expect(forward).toEqual(backward);
    expect(new Set(forward.map((m) => m.requests)).size).toBeGreaterThan(1);
    expect(fleet([], 8).minute('checkout-cell-2', 1)).not.toEqual(forward[0]);
  });

  it('degrades only the grey cell, and only while the fault holds', () => {
    const grey = fleet([
      {
        kind: 'grey-cell',
        cell: 'checkout-cell-3',
        fromMinute: 10,
        untilMinute: 20,
        latencyFactor: 4,
        faultRate: 0.05,
      },
    ]);

    expect(grey.conditionsAt('checkout-cell-3', 9)).toEqual({
      requestsPerSecond: 20,
      faultRate: 0.001,
      p50Ms: 60,
      p99Ms: 250,
    });
    expect(grey.conditionsAt('checkout-cell-3', 10)).toEqual({
      requestsPerSecond: 20,
      faultRate: 0.05,
      p50Ms: 240,
      p99Ms: 1000,
    });
    expect(grey.conditionsAt('checkout-cell-2', 15)).toMatchObject({ faultRate: 0.001, p99Ms: 250 });
    expect(grey.conditionsAt('checkout-cell-3', 20)).toMatchObject({ faultRate: 0.001, p99Ms: 250 });
    expect(grey.minute('checkout-cell-3', 12).faults).toBeGreaterThan(30);
  });

  it('slows every cell together in a fleet-wide slowdown', () => {
    const slow = fleet([{ kind: 'fleet-slowdown', fromMinute: 5, latencyFactor: 6 }]);

    for (const cell of cells) {
      expect(slow.conditionsAt(cell.name, 4).p99Ms).toBe(250);
      expect(slow.conditionsAt(cell.name, 5).p99Ms).toBe(1500);
    }
  });

  it('counts the minutes that have ended by the clock’s now', () => {
    expect(fleet().completedMinutes()).toBe(30);
    expect(fleet([], 1, { clock: { startMs: START, now: () => START + 59_999 } }).completedMinutes()).toBe(0);
    expect(fleet([], 1, { clock: { startMs: START, now: () => START - 1 } }).completedMinutes()).toBe(0);
  });

  it('refuses a fleet it cannot simulate, naming every problem', () => {
    expect(() =>
      createCellFleet({
        clock,
        random: seededRandom(1),
        cells: [
          { name: 'a', requestsPerSecond: -1, faultRate: 0, p50Ms: 10, p99Ms: 20 },
          { name: 'a', requestsPerSecond: 1, faultRate: 2, p50Ms: 30, p99Ms: 20 },
        ],
        faults: [{ kind: 'grey-cell', cell: 'b', fromMinute: 5, untilMinute: 5 }],
      }),
    ).toThrow(
      'Invalid cell fleet: cell names must be unique; a: negative request rate; a: fault rate outside 0..1; ' +
        'a: need 0 < p50 ≤ p99; fault on unknown cell b; a grey-cell fault must end after it starts',
    );
    expect(() => fleet().conditionsAt('nope', 0)).toThrow(RangeError);
  });
});
