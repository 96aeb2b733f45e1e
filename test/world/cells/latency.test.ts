import { describe, expect, it } from 'vitest';
import { latencyHistogram, normalCdf } from '../../../world/cells/latency.ts';
import { histogramPercentile } from '../../../domain/cells/histogram.ts';

const total = (histogram: { Count?: number }[]) => histogram.reduce((sum, e) => sum + (e.Count ?? 0), 0);

describe('latencyHistogram', () => {
  it('places exactly the requests asked for, in response times given in seconds', () => {
    const histogram = latencyHistogram(12_345, { p50Seconds: 0.08, p99Seconds: 0.4 });

    expect(total(histogram)).toBe(12_345);
    expect(histogram.every((e) => (e.Value ?? 0) > 0.001 && (e.Value ?? 0) < 60)).toBe(true);
    const values = histogram.map((e) => e.Value ?? 0);
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(new Set(values).size).toBe(values.length);
  });

  it.each([
    { p50Seconds: 0.05, p99Seconds: 0.25 },
    { p50Seconds: 0.2, p99Seconds: 2 },
    { p50Seconds: 1, p99Seconds: 1.2 },
  ])('reads back the modelled median and p99 to within a bucket (5 %): %o', (shape) => {
    const histogram = latencyHistogram(100_000, shape);

    expect(histogramPercentile(histogram, 0.5)).toBeCloseTo(shape.p50Seconds, 1);
    const p99 = histogramPercentile(histogram, 0.99) ?? 0;
    expect(Math.abs(p99 / shape.p99Seconds - 1)).toBeLessThan(0.05);
  });

  it('puts every request at the median when p99 equals it', () => {
    const histogram = latencyHistogram(500, { p50Seconds: 0.1, p99Seconds: 0.1 });

    expect(histogram).toHaveLength(1);
    expect(histogram[0]?.Count).toBe(500);
    expect(Math.abs((histogram[0]?.Value ?? 0) / 0.1 - 1)).toBeLessThan(0.05);
  });

  it('has no entries for no requests, and refuses a p99 under the median', () => {
    expect(latencyHistogram(0, { p50Seconds: 0.1, p99Seconds: 0.5 })).toEqual([]);
    expect(() => latencyHistogram(10, { p50Seconds: 0.5, p99Seconds: 0.1 })).toThrow(RangeError);
    expect(() => latencyHistogram(10, { p50Seconds: 0, p99Seconds: 0.1 })).toThrow(RangeError);
  });
});

describe('normalCdf', () => {
  it('matches the standard normal distribution', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 6);
    expect(normalCdf(2.3263478740408408)).toBeCloseTo(0.99, 6);
    expect(normalCdf(-1.959963984540054)).toBeCloseTo(0.025, 6);
  });
});
