/**
 * Response times of a simulated cell as X-Ray reports them: a histogram of `{ Value, Count }`,
 * Value in seconds. Latency is modelled as log-normal, fixed by its median and its p99 (the two
 * figures an operator knows of a service), which gives the long right tail real services have.
 *
 * Simplification: X-Ray's histogram values are the response times it saw; here requests are
 * grouped into buckets 5 % wide, each reported at its geometric middle, so a percentile read back
 * is within a few per cent of the modelled one.
 */
import type { HistogramEntry } from '@aws-sdk/client-xray';

const SMALLEST_SECONDS = 0.001;
const LARGEST_SECONDS = 60;
const BUCKET_RATIO = 1.05;
/** Φ⁻¹(0.99): how many standard deviations (of ln latency) the p99 sits above the median. */
const Z_99 = 2.3263478740408408;

/** Bucket edges from 1 ms to 60 s; the first and last buckets also take everything beyond them. */
const EDGES: readonly number[] = (() => {
  const edges = [SMALLEST_SECONDS];
  while ((edges[edges.length - 1] as number) < LARGEST_SECONDS) {
    edges.push((edges[edges.length - 1] as number) * BUCKET_RATIO);
  }
  return edges;
})();

export interface LatencyShape {
  p50Seconds: number;
  /** At least the median; equal means every request takes the median. */
  p99Seconds: number;
}

/**
 * `requests` response times spread over the buckets by the log-normal's probabilities, in whole
 * requests (largest remainders), so the counts add up to exactly `requests`.
 */
export function latencyHistogram(requests: number, shape: LatencyShape): HistogramEntry[] {
  if (!(shape.p50Seconds > 0) || !(shape.p99Seconds >= shape.p50Seconds)) {
    throw new RangeError(`invalid latency: p50 ${shape.p50Seconds} s, p99 ${shape.p99Seconds} s`);
  }
  if (requests <= 0) return [];
  const mu = Math.log(shape.p50Seconds);
  const sigma = Math.log(shape.p99Seconds / shape.p50Seconds) / Z_99;
  const cdf = (seconds: number) =>
    sigma === 0 ? (seconds >= shape.p50Seconds ? 1 : 0) : normalCdf((Math.log(seconds) - mu) / sigma);

  const buckets = EDGES.slice(0, -1).map((lower, i) => {
    const upper = EDGES[i + 1] as number;
    const from = i === 0 ? 0 : cdf(lower);
    const to = i === EDGES.length - 2 ? 1 : cdf(upper);
    return { value: Math.sqrt(lower * upper), exact: requests * (to - from) };
  });
  const counts = buckets.map((bucket) => Math.floor(bucket.exact));
  let missing = requests - counts.reduce((sum, count) => sum + count, 0);
  const byRemainder = buckets
    .map((bucket, i) => ({ i, remainder: bucket.exact - (counts[i] as number) }))
    .sort((a, b) => b.remainder - a.remainder || a.i - b.i);
  for (const { i } of byRemainder) {
    if (missing <= 0) break;
    counts[i] = (counts[i] as number) + 1;
    missing--;
  }
  return buckets.flatMap((bucket, i) =>
    (counts[i] as number) > 0 ? [{ Value: roundSeconds(bucket.value), Count: counts[i] as number }] : [],
  );
}

/** X-Ray reports response times in seconds; 10 µs keeps the narrowest buckets (50 µs) apart. */
function roundSeconds(seconds: number): number {
  return Math.round(seconds * 100_000) / 100_000;
}

/** Standard normal CDF, from erf (Abramowitz and Stegun 7.1.26, error below 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}
