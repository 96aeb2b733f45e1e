/**
 * X-Ray's sampling: which of a cell's requests are traced, and so what X-Ray's statistics count.
 * X-Ray builds its service statistics from the traces it receives, and only sampled requests send
 * one: a request that is not sampled is not counted, its fault not seen, its latency not in the
 * histogram.
 *
 * A sampling rule traces, each second, the first requests up to its reservoir, then the fixed rate
 * of the rest ("Configuring sampling rules": "By default, the X-Ray SDK records the first request
 * each second, and five percent of any additional requests. One request per second is the
 * reservoir."). With rules kept in X-Ray (what the SDKs read by default), X-Ray shares a rule's
 * reservoir out among the instances that use it, evenly (same page), so the cells of a fleet share
 * one reservoir.
 *
 * Simplifications: each cell takes an even share of the reservoir (as if every cell ran the same
 * number of instances), as an average (X-Ray hands out whole-request quotas, in turns); a minute's
 * requests are spread evenly over its seconds, so the reservoir traces min(requests, 60 × share) of
 * them; the rule matches nothing but the fleet's cells. Which requests are traced does not depend
 * on whether they fail or how long they take, so the traced ones are a uniform random subset.
 */
import type { HistogramEntry } from '@aws-sdk/client-xray';
import type { Random } from '../../core/random.ts';

/** A sampling rule's two numbers, as X-Ray's API names them (ReservoirSize, FixedRate). */
export interface SamplingRule {
  /** Requests a second traced first, whatever the rate: the rule's reservoir. */
  reservoirPerSecond: number;
  /** Share of the requests beyond the reservoir that are traced, 0..1. */
  fixedRate: number;
}

/** A rule that traces every request: no reservoir needed, a fixed rate of 100 %. */
export const TRACE_EVERY_REQUEST: SamplingRule = { reservoirPerSecond: 0, fixedRate: 1 };

/** What X-Ray saw of one cell in one minute: its traced requests only. */
export interface TracedMinute {
  requests: number;
  faults: number;
  /** Response times of the traced requests, seconds. */
  histogram: HistogramEntry[];
  totalResponseTimeSeconds: number;
}

/** Whether the rule traces every request whatever the load: X-Ray's counts are then exact. */
export function tracesEverything(rule: SamplingRule): boolean {
  return rule.fixedRate >= 1;
}

/**
 * The traced part of a cell's minute. `reservoirShare` is the cell's share of the rule's reservoir,
 * requests a second. Deterministic for a given `random` stream.
 */
export function sampleMinute(
  served: TracedMinute,
  rule: SamplingRule,
  reservoirShare: number,
  random: Random,
): TracedMinute {
  validateRule(rule);
  const all: TracedMinute = {
    requests: served.requests,
    faults: served.faults,
    histogram: served.histogram,
    totalResponseTimeSeconds: served.totalResponseTimeSeconds,
  };
  if (tracesEverything(rule) || served.requests === 0) return all;
  const reservoir = Math.min(served.requests, Math.round(reservoirShare * 60));
  let traced = reservoir;
  // Each request beyond the reservoir is traced at the fixed rate, independently.
  if (rule.fixedRate > 0) {
    for (let i = reservoir; i < served.requests; i++) if (random.next() < rule.fixedRate) traced++;
  }
  if (traced === served.requests) return all;
  // The traced requests are drawn without replacement: how many of them failed…
  let faults = 0;
  let faultsLeft = served.faults;
  let left = served.requests;
  for (let i = 0; i < traced; i++, left--) {
    if (random.next() * left < faultsLeft) {
      faults++;
      faultsLeft--;
    }
  }
  // …and, independently (the world draws faults and latencies apart), how long they took.
  const counts = served.histogram.map((entry) => entry.Count ?? 0);
  const picked = counts.map(() => 0);
  let remaining = counts.reduce((sum, count) => sum + count, 0);
  for (let i = 0; i < traced && remaining > 0; i++, remaining--) {
    let at = Math.floor(random.next() * remaining);
    let bucket = 0;
    while (at >= (counts[bucket] as number)) at -= counts[bucket++] as number;
    counts[bucket] = (counts[bucket] as number) - 1;
    picked[bucket] = (picked[bucket] as number) + 1;
  }
  const histogram = served.histogram.flatMap((entry, i) =>
    (picked[i] as number) > 0 ? [{ Value: entry.Value, Count: picked[i] as number }] : [],
  );
  return {
    requests: traced,
    faults,
    histogram,
    totalResponseTimeSeconds: histogram.reduce((sum, e) => sum + (e.Value ?? 0) * (e.Count ?? 0), 0),
  };
}

export function validateRule(rule: SamplingRule): void {
  if (!(Number.isInteger(rule.reservoirPerSecond) && rule.reservoirPerSecond >= 0)) {
    throw new RangeError(
      `a sampling rule's reservoir is a whole number of requests a second, not ${rule.reservoirPerSecond}`,
    );
  }
  if (!(rule.fixedRate >= 0 && rule.fixedRate <= 1)) {
    throw new RangeError(`a sampling rule's fixed rate is within 0..1, not ${rule.fixedRate}`);
  }
}
