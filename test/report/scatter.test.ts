import { describe, expect, it } from 'vitest';
import type { TradeOff } from '../../cli/render/report/figures.ts';
import { placePoints, SCATTER_LAYOUT } from '../../cli/render/report/scatter.ts';

const tradeOff = (points: [string, number, number][]): TradeOff => ({
  harm: 'throttled requests',
  harmKey: 'throttledRequests',
  points: points.map(([variant, costUsd, harm]) => ({ variant, color: '#000000', costUsd, harm })),
});

describe('placePoints', () => {
  it('puts cost across and harm up, both from 0, on round axes', () => {
    const { points, cost, harm } = placePoints(
      tradeOff([
        ['selfheal', 16.33, 197_380],
        ['none', 2.5, 1_281_286],
        ['on-demand', 0, 0],
      ]),
    );
    expect(cost.max).toBe(20);
    expect(harm.max).toBe(1_500_000);
    const [selfheal, none, onDemand] = points;
    expect(onDemand).toMatchObject({ cx: SCATTER_LAYOUT.left, cy: SCATTER_LAYOUT.plotBottom });
    expect(none?.cy).toBeLessThan(selfheal?.cy ?? 0);
    expect(selfheal?.cx).toBeGreaterThan(none?.cx ?? Infinity);
    expect(points.map((p) => p.variant)).toEqual(['selfheal', 'none', 'on-demand']);
  });

  it('moves labels that would overlap apart, each beside its point', () => {
    const { points } = placePoints(
      tradeOff([
        ['auto-scaling', 2.83, 674_174],
        ['on-call', 2.9, 661_264],
        ['none', 2.84, 670_000],
      ]),
    );
    const ys = points.map((p) => p.labelY).sort((a, b) => a - b);
    for (let i = 1; i < ys.length; i++) {
      expect((ys[i] ?? 0) - (ys[i - 1] ?? 0)).toBeGreaterThanOrEqual(SCATTER_LAYOUT.labelHeight);
    }
    for (const p of points) expect(p.labelX).toBe(p.cx + SCATTER_LAYOUT.radius + 4);
  });

  it('draws a scenario where every variant is free and harmless on an axis from 0 to 1', () => {
    const { cost, harm, points } = placePoints(tradeOff([['none', 0, 0]]));
    expect([cost.max, harm.max]).toEqual([1, 1]);
    expect(points[0]).toMatchObject({ cx: SCATTER_LAYOUT.left, cy: SCATTER_LAYOUT.plotBottom });
  });
});
