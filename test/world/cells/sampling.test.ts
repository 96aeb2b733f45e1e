import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../core/random.ts';
import { latencyHistogram } from '../../../world/cells/latency.ts';
import { sampleMinute, TRACE_EVERY_REQUEST, validateRule } from '../../../world/cells/sampling.ts';
import { XRAY_DEFAULT_SAMPLING_RULE } from '../../../world/cells/world-parameters.ts';

/** A cell's minute as served: `requests`, `faults` of them failed, p50 50 ms, p99 200 ms. */
function served(requests: number, faults: number) {
  const histogram = latencyHistogram(requests, { p50Seconds: 0.05, p99Seconds: 0.2 });
  return {
    requests,
    faults,
    histogram,
    totalResponseTimeSeconds: histogram.reduce((sum, e) => sum + (e.Value ?? 0) * (e.Count ?? 0), 0),
  };
}
const count = (histogram: { Count?: number }[]) => histogram.reduce((sum, e) => sum + (e.Count ?? 0), 0);

describe('sampleMinute: what X-Ray traced of a cell’s minute', () => {
  it('traces every request with a fixed rate of 100 %: the minute as served', () => {
    const minute = served(6000, 12);

    expect(sampleMinute(minute, TRACE_EVERY_REQUEST, 0, seededRandom(1))).toEqual(minute);
  });

  it('traces the reservoir first, the cell’s share of it, then nothing more at a rate of 0', () => {
    // A reservoir of 1 a second shared by five cells: 12 requests a minute each.
    const rule = { reservoirPerSecond: 1, fixedRate: 0 };

    expect(sampleMinute(served(6000, 0), rule, 0.2, seededRandom(1)).requests).toBe(12);
    // A cell serving fewer than its reservoir has them all traced.
    expect(sampleMinute(served(5, 1), rule, 0.2, seededRandom(1))).toMatchObject({ requests: 5, faults: 1 });
  });

  it('traces about the fixed rate of the requests beyond the reservoir: X-Ray’s Default rule at 100 a second', () => {
    const minute = served(6000, 600);
    const traced = Array.from({ length: 200 }, (_, seed) =>
      sampleMinute(minute, XRAY_DEFAULT_SAMPLING_RULE, 0.2, seededRandom(seed)),
    );

    const mean = traced.reduce((sum, t) => sum + t.requests, 0) / traced.length;
    // 12 from the reservoir, then 5 % of the 5,988 others: 311.4 on average.
    expect(mean).toBeGreaterThan(311.4 - 3);
    expect(mean).toBeLessThan(311.4 + 3);
    // A tenth of the requests failed: about a tenth of the traced ones did.
    const faultShare = traced.reduce((sum, t) => sum + t.faults, 0) / (mean * traced.length);
    expect(faultShare).toBeGreaterThan(0.09);
    expect(faultShare).toBeLessThan(0.11);
  });

  it('keeps a sample whole: its faults and histogram within what was served, the same for the same stream', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 5 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer(),
        (requests, faultShare, reservoir, fixedRate, seed) => {
          const minute = served(requests, Math.round(requests * faultShare));
          const rule = { reservoirPerSecond: reservoir, fixedRate };
          const traced = sampleMinute(minute, rule, reservoir / 5, seededRandom(seed));
          expect(traced.requests).toBeLessThanOrEqual(requests);
          expect(traced.faults).toBeLessThanOrEqual(Math.min(traced.requests, minute.faults));
          expect(count(traced.histogram)).toBe(traced.requests);
          for (const entry of traced.histogram) {
            const servedEntry = minute.histogram.find((e) => e.Value === entry.Value);
            expect(entry.Count).toBeLessThanOrEqual(servedEntry?.Count ?? 0);
          }
          expect(sampleMinute(minute, rule, reservoir / 5, seededRandom(seed))).toEqual(traced);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses a rule X-Ray would not take', () => {
    expect(() => validateRule({ reservoirPerSecond: 0.5, fixedRate: 0.05 })).toThrow(/whole number/);
    expect(() => validateRule({ reservoirPerSecond: 1, fixedRate: 1.5 })).toThrow(/within 0..1/);
  });
});
