import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { answerWeights } from '../../../world/cells/dns.ts';

const MINUTE = 60_000;
const ttl = (recordTtlSeconds: number, healthCheckDelaySeconds = 0) => ({
  recordTtlSeconds,
  healthCheckDelaySeconds,
});

describe('answerWeights: how a period’s requests split over the answers DNS gave', () => {
  it('gives every request the one answer there is while nothing changed', () => {
    expect(answerWeights([], 0, MINUTE, ttl(60))).toEqual([{ fromMs: -Infinity, weight: 1 }]);
    // A change after the period does not reach it.
    expect(answerWeights([2 * MINUTE], 0, MINUTE, ttl(60))).toEqual([{ fromMs: -Infinity, weight: 1 }]);
  });

  it('moves the clients over the TTL, linearly: a change at the period’s start reaches half of its minute', () => {
    const weights = answerWeights([0], 0, MINUTE, ttl(60));

    expect(weights.map((w) => w.fromMs)).toEqual([-Infinity, 0]);
    expect(weights[0]?.weight).toBeCloseTo(0.5, 12);
    expect(weights[1]?.weight).toBeCloseTo(0.5, 12);
    // The next minute, every client has the new answer.
    expect(answerWeights([0], MINUTE, 2 * MINUTE, ttl(60))).toEqual([{ fromMs: 0, weight: 1 }]);
  });

  it('with a TTL of 0 follows the change the moment it is made', () => {
    const weights = answerWeights([15_000], 0, MINUTE, ttl(0));

    expect(weights.map((w) => w.weight)).toEqual([0.25, 0.75]);
  });

  it('waits for the health check before any client can get the new answer', () => {
    // Changed at 0, the health check 30 s behind, a 60 s TTL: over [0, 60 s) the new answer reaches
    // clients from 30 s on, a share growing to a half by the minute's end: an eighth on average.
    const weights = answerWeights([0], 0, MINUTE, ttl(60, 30));

    expect(weights[1]?.weight).toBeCloseTo(0.125, 12);
  });

  it('splits any period over the answers whole: the weights add up to 1, each within 0..1', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -600_000, max: 600_000 }), { maxLength: 6 }),
        fc.integer({ min: -600_000, max: 600_000 }),
        fc.integer({ min: 1, max: 300_000 }),
        fc.integer({ min: 0, max: 600 }),
        fc.integer({ min: 0, max: 120 }),
        (changes, start, length, recordTtl, delay) => {
          const weights = answerWeights(changes, start, start + length, ttl(recordTtl, delay));
          expect(weights.reduce((sum, w) => sum + w.weight, 0)).toBeCloseTo(1, 9);
          for (const w of weights) expect(w.weight).toBeGreaterThan(0);
          for (const w of weights) expect(w.weight).toBeLessThanOrEqual(1 + 1e-12);
        },
      ),
    );
  });

  it('refuses an empty period', () => {
    expect(() => answerWeights([], MINUTE, MINUTE, ttl(60))).toThrow(RangeError);
  });
});
