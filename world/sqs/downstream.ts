/**
 * The service the consumer function calls, as pure arithmetic: a capacity (requests per second it
 * serves healthily), and an error rate and latency that grow once the load offered exceeds it.
 * A brownout lowers the capacity for a while.
 *
 * Model, per second:
 * - Requests beyond capacity fail: the error share is `1 − (1 − errorRate) × min(1, capacity /
 *   requests)`, so a service offered five times its capacity fails four requests in five.
 * - Latency grows linearly with overload: `latency × (1 + overloadLatencyFactor × (load /
 *   capacity − 1))` above capacity, unchanged below it (no queueing knee before saturation).
 * - The load that sets latency is smoothed (an exponential average, LOAD_SMOOTHING per second): a
 *   service slows down over a few seconds, not instantly, and since slower calls mean fewer calls
 *   per consumer, the smoothing also keeps that feedback loop from oscillating second to second.
 */

export interface Brownout {
  /** Minutes since the world started. */
  fromMinute: number;
  durationMinutes: number;
  /** Requests per second the downstream serves healthily while the brownout holds. */
  capacity: number;
}

export interface DownstreamSpec {
  /** Its metrics' `Service` dimension. */
  name: string;
  /** Requests per second served healthily. */
  capacity: number;
  /** Median latency of a healthy request, milliseconds. */
  latencyMs: number;
  /** p99 latency of a healthy request, milliseconds; default three times `latencyMs`. */
  p99LatencyMs?: number;
  /** Share of requests that fail even when healthy, 0..1; default 0. */
  errorRate?: number;
  /** Latency growth per unit of overload (load / capacity − 1); default 1. */
  overloadLatencyFactor?: number;
  brownouts?: readonly Brownout[];
}

/** Weight of the current second in the smoothed load. */
export const LOAD_SMOOTHING = 0.2;
/** Overload beyond which latency stops growing (a capacity of 0 would make it infinite). */
const MAX_OVERLOAD = 1000;

export interface DownstreamConditions {
  capacity: number;
  /** Median latency of a request started now, seconds. */
  latencySeconds: number;
  p99LatencySeconds: number;
}

export function validateDownstream(spec: DownstreamSpec): void {
  const problems: string[] = [];
  if (!(spec.capacity >= 0)) problems.push('capacity cannot be negative');
  if (!(spec.latencyMs > 0)) problems.push('latencyMs must be positive');
  if (spec.p99LatencyMs !== undefined && !(spec.p99LatencyMs >= spec.latencyMs)) {
    problems.push('p99LatencyMs cannot be below latencyMs');
  }
  if (spec.errorRate !== undefined && !(spec.errorRate >= 0 && spec.errorRate <= 1)) {
    problems.push('errorRate must be within 0..1');
  }
  if (spec.overloadLatencyFactor !== undefined && !(spec.overloadLatencyFactor >= 0)) {
    problems.push('overloadLatencyFactor cannot be negative');
  }
  for (const brownout of spec.brownouts ?? []) problems.push(...brownoutProblems(brownout));
  if (problems.length > 0) throw new RangeError(`Invalid downstream ${spec.name}: ${problems.join('; ')}`);
}

export function brownoutProblems(brownout: Brownout): string[] {
  const problems: string[] = [];
  if (!(brownout.fromMinute >= 0)) problems.push('a brownout cannot start before the world');
  if (!(brownout.durationMinutes > 0)) problems.push('a brownout must last');
  if (!(brownout.capacity >= 0)) problems.push('a brownout capacity cannot be negative');
  return problems;
}

/** The capacity at a second since the world started: the lowest brownout holding, if any. */
export function capacityAt(spec: DownstreamSpec, brownouts: readonly Brownout[], second: number): number {
  let capacity = spec.capacity;
  for (const brownout of brownouts) {
    const from = brownout.fromMinute * 60;
    if (second >= from && second < from + brownout.durationMinutes * 60) {
      capacity = Math.min(capacity, brownout.capacity);
    }
  }
  return capacity;
}

/** Latency for requests started while the smoothed load is `smoothedLoad` requests per second. */
export function conditions(
  spec: DownstreamSpec,
  capacity: number,
  smoothedLoad: number,
): DownstreamConditions {
  const overload =
    capacity > 0 ? Math.max(0, smoothedLoad / capacity - 1) : smoothedLoad > 0 ? MAX_OVERLOAD : 0;
  const slowdown = 1 + (spec.overloadLatencyFactor ?? 1) * Math.min(overload, MAX_OVERLOAD);
  return {
    capacity,
    latencySeconds: (spec.latencyMs * slowdown) / 1000,
    p99LatencySeconds: ((spec.p99LatencyMs ?? 3 * spec.latencyMs) * slowdown) / 1000,
  };
}

/** Share of `requests` (offered in one second) that fail. */
export function errorShare(spec: DownstreamSpec, capacity: number, requests: number): number {
  const healthy = 1 - (spec.errorRate ?? 0);
  if (requests <= 0) return 1 - healthy;
  return 1 - healthy * Math.min(1, capacity / requests);
}

export function smoothLoad(previous: number, requests: number): number {
  return previous + LOAD_SMOOTHING * (requests - previous);
}
