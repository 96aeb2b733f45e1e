import { describe, expect, it } from 'vitest';
import { capacityAt, conditions, errorShare, smoothLoad } from '../../../world/sqs/downstream.ts';
import type { DownstreamSpec } from '../../../world/sqs/downstream.ts';

const payments: DownstreamSpec = { name: 'payments', capacity: 100, latencyMs: 200 };

describe('downstream model', () => {
  it('serves up to its capacity healthily and fails what exceeds it', () => {
    expect(errorShare(payments, 100, 100)).toBe(0);
    expect(errorShare(payments, 100, 500)).toBeCloseTo(0.8);
    expect(errorShare({ ...payments, errorRate: 0.01 }, 100, 50)).toBeCloseTo(0.01);
    expect(errorShare(payments, 0, 1)).toBe(1);
  });

  it('slows down with overload, p99 three times the median unless given', () => {
    expect(conditions(payments, 100, 80)).toEqual({
      capacity: 100,
      latencySeconds: 0.2,
      p99LatencySeconds: 0.6,
    });
    expect(conditions(payments, 100, 300).latencySeconds).toBeCloseTo(0.6);
    expect(
      conditions({ ...payments, overloadLatencyFactor: 0.5, p99LatencyMs: 1000 }, 100, 300),
    ).toMatchObject({
      latencySeconds: expect.closeTo(0.4),
      p99LatencySeconds: expect.closeTo(2),
    });
    expect(Number.isFinite(conditions(payments, 0, 10).latencySeconds)).toBe(true);
  });

  it('lowers capacity while a brownout holds, the lowest of overlapping ones winning', () => {
    const brownouts = [
      { fromMinute: 1, durationMinutes: 2, capacity: 30 },
      { fromMinute: 2, durationMinutes: 2, capacity: 10 },
    ];
    expect([59, 60, 120, 179, 180, 239, 240].map((s) => capacityAt(payments, brownouts, s))).toEqual([
      100, 30, 10, 10, 10, 10, 100,
    ]);
  });

  it('feels load over a few seconds', () => {
    let load = 0;
    for (let s = 0; s < 5; s++) load = smoothLoad(load, 100);
    expect(load).toBeGreaterThan(60);
    expect(load).toBeLessThan(75);
  });
});
