import { describe, expect, it } from 'vitest';
import { histogramPercentile, mergeHistograms } from '../../../domain/cells/histogram.ts';

describe('histogramPercentile', () => {
  it('is the smallest response time with at least 99 % of requests at or below it', () => {
    // 990 fast requests and 10 slow ones: the 990th is the last fast one.
    const histogram = [
      { Value: 0.1, Count: 990 },
      { Value: 2.5, Count: 10 },
    ];
    expect(histogramPercentile(histogram, 0.99)).toBe(0.1);
    // One more slow request pushes the 99th percentile into the tail.
    expect(
      histogramPercentile(
        [
          { Value: 0.1, Count: 989 },
          { Value: 2.5, Count: 11 },
        ],
        0.99,
      ),
    ).toBe(2.5);
  });

  it('reads entries in any order, and ignores empty or malformed ones', () => {
    const histogram = [
      { Value: 0.3, Count: 1 },
      { Value: 0.1, Count: 1 },
      { Count: 50 },
      { Value: 9, Count: 0 },
    ];
    expect(histogramPercentile(histogram, 0.5)).toBe(0.1);
    expect(histogramPercentile(histogram, 1)).toBe(0.3);
  });

  it('has no percentile without requests', () => {
    expect(histogramPercentile([], 0.99)).toBeNull();
    expect(histogramPercentile([{ Value: 0.2, Count: 0 }], 0.99)).toBeNull();
  });

  it('refuses a percentile outside (0, 1]', () => {
    expect(() => histogramPercentile([{ Value: 1, Count: 1 }], 0)).toThrow(RangeError);
    expect(() => histogramPercentile([{ Value: 1, Count: 1 }], 99)).toThrow(RangeError);
  });
});

describe('mergeHistograms', () => {
  it('adds the counts of equal response times across minutes, sorted by response time', () => {
    const merged = mergeHistograms([
      [
        { Value: 0.2, Count: 3 },
        { Value: 0.05, Count: 7 },
      ],
      [
        { Value: 0.2, Count: 1 },
        { Value: 1.5, Count: 2 },
      ],
    ]);
    expect(merged).toEqual([
      { Value: 0.05, Count: 7 },
      { Value: 0.2, Count: 4 },
      { Value: 1.5, Count: 2 },
    ]);
  });
});
