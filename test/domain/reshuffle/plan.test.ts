import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { InvalidRequestError } from '../../../domain/errors.ts';
import { planShardCount } from '../../../domain/reshuffle/plan.ts';
import { MAX_SHARDS } from '../../../key-router/shard-map.ts';

describe('planShardCount', () => {
  it('is ceil(demand × (1 + headroom) / limit)', () => {
    expect(planShardCount(2500, 1000, 20)).toMatchObject({ shards: 3, required: 3, capped: false });
    expect(planShardCount(5000, 1000, 0)).toMatchObject({ shards: 5, required: 5, capped: false });
    expect(planShardCount(5001, 1000, 0)).toMatchObject({ shards: 6, required: 6, capped: false });
    expect(planShardCount(9000, 3000, 50)).toMatchObject({ shards: 5, required: 5 });
  });

  it('is exact on the boundary (1000 × 1.2 is 1200, not 1200.0000000000002)', () => {
    expect(planShardCount(1000, 600, 20)).toMatchObject({ shards: 2, required: 2 });
    expect(planShardCount(3000, 1200, 20)).toMatchObject({ shards: 3, required: 3 });
    expect(planShardCount(2000, 1000, 10)).toMatchObject({ shards: 3, required: 3 });
  });

  it('is at least 2, and says why', () => {
    const plan = planShardCount(300, 1000, 20);
    expect(plan).toMatchObject({ shards: 2, required: 1, capped: false });
    expect(plan.reasons).toContain('2 shards at least: fewer is no reshuffle');
    expect(planShardCount(0, 1000, 20)).toMatchObject({ shards: 2, required: 0 });
  });

  it('caps at maxShards and at MAX_SHARDS, and reports it', () => {
    const plan = planShardCount(100_000, 1000, 20);
    expect(plan).toMatchObject({ shards: MAX_SHARDS, required: 120, cap: MAX_SHARDS, capped: true });
    expect(plan.reasons.at(-1)).toMatch(/capped at 64 shards/);
    expect(planShardCount(20_000, 1000, 0, 10)).toMatchObject({
      shards: 10,
      required: 20,
      cap: 10,
      capped: true,
    });
    expect(planShardCount(20_000, 1000, 0, 500)).toMatchObject({
      shards: 20,
      cap: MAX_SHARDS,
      capped: false,
    });
    expect(planShardCount(10_000, 1000, 0, 10)).toMatchObject({ shards: 10, capped: false });
  });

  it('rejects inputs it cannot plan from', () => {
    const cases: [number, number, number, number?][] = [
      [-1, 1000, 20],
      [100, 0, 20],
      [100, 1000, -5],
      [Number.NaN, 1000, 20],
      [100, Number.POSITIVE_INFINITY, 20],
      [100, 1000, 20, 1],
      [100, 1000, 20, 2.5],
    ];
    for (const args of cases) {
      expect(() => planShardCount(...args)).toThrow(InvalidRequestError);
    }
  });

  it('always gives enough shards for the demand with headroom, unless it says it is capped', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.integer({ min: 1, max: 3000 }),
        fc.integer({ min: 0, max: 200 }),
        fc.integer({ min: 2, max: 100 }),
        (demand, limit, headroom, maxShards) => {
          const plan = planShardCount(demand, limit, headroom, maxShards);
          expect(plan.shards).toBeGreaterThanOrEqual(2);
          expect(plan.shards).toBeLessThanOrEqual(Math.min(maxShards, MAX_SHARDS));
          const needed = (demand * (100 + headroom)) / 100;
          if (!plan.capped) expect(plan.shards * limit).toBeGreaterThanOrEqual(needed);
          if (plan.shards > 2 && !plan.capped) expect((plan.shards - 1) * limit).toBeLessThan(needed);
          expect(plan.capped).toBe(plan.required > plan.cap);
        },
      ),
    );
  });
});
