/**
 * X-Ray's response-time histograms: `{ Value, Count }` entries, Value a response time in seconds,
 * Count how many requests took it. Percentiles come from these rather than from TotalResponseTime
 * (a sum), because a grey cell often shows in its tail long before its mean moves.
 */
import type { HistogramEntry } from '@aws-sdk/client-xray';

/** Adds histograms entry by entry (equal Values merge), sorted by Value; empty entries dropped. */
export function mergeHistograms(histograms: readonly (readonly HistogramEntry[])[]): HistogramEntry[] {
  const counts = new Map<number, number>();
  for (const histogram of histograms) {
    for (const { Value, Count } of histogram) {
      if (Value === undefined || !Number.isFinite(Value) || !(Count !== undefined && Count > 0)) continue;
      counts.set(Value, (counts.get(Value) ?? 0) + Count);
    }
  }
  return [...counts].sort(([a], [b]) => a - b).map(([Value, Count]) => ({ Value, Count }));
}

/**
 * The nearest-rank percentile (0 < q ≤ 1): the smallest Value with at least q of all requests at
 * or below it. Null for an empty histogram: no requests, no latency to judge.
 */
export function histogramPercentile(histogram: readonly HistogramEntry[], q: number): number | null {
  if (!(q > 0 && q <= 1)) throw new RangeError(`percentile must be in (0, 1], got ${q}`);
  const sorted = mergeHistograms([histogram]);
  const total = sorted.reduce((sum, entry) => sum + (entry.Count ?? 0), 0);
  if (total === 0) return null;
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (const entry of sorted) {
    seen += entry.Count ?? 0;
    if (seen >= rank) return entry.Value ?? null;
  }
  return sorted[sorted.length - 1]?.Value ?? null;
}
