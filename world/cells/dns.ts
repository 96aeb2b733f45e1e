/**
 * How DNS spreads a routing change over time. ARC's routing controls act through Route 53 health
 * checks on the cells' DNS records: a control turned Off makes its health check unhealthy, and
 * Route 53 leaves the cell out of its answers from then on ("About routing control": the traffic
 * flow is changed by the Route 53 health check associated with the routing control, once ARC has
 * updated it to healthy or unhealthy by the control's state). Clients keep the answer they cached until its TTL runs out, so a change
 * reaches them one by one over the record's TTL, not all at once.
 *
 * The model (an assumption, stated): each client resolves again when its cached answer expires, and
 * the clients' caches are of every age alike, so at any moment the age of the answer a request
 * follows is uniform over [0, TTL). A request at time t then follows the answer Route 53 gave at
 * t − delay − age, where `delay` is the health check's lag behind the routing control. A change at
 * c reaches no client before c + delay, every client by c + delay + TTL, linearly in between.
 *
 * Left out: resolvers and clients that keep answers longer than the TTL (some do), or cache
 * negative answers; clients that fail over on their own after errors.
 */

export interface DnsPropagation {
  /** The TTL of the cells' records, seconds: how long a client keeps an answer. */
  recordTtlSeconds: number;
  /** Seconds from a routing control change to Route 53 answering by it. */
  healthCheckDelaySeconds: number;
}

/** The answers given from `fromMs` (inclusive) until the next change: one routing state. */
export interface AnswerWeight {
  /** When that routing state began (−Infinity: before any change). */
  fromMs: number;
  /** Share of the requests of the period asked about that follow it, 0..1; the shares add up to 1. */
  weight: number;
}

/**
 * How the requests of [startMs, endMs) split over the answers DNS gave: one weight for each span
 * in which the routing did not change (spans start at −Infinity and at each change time). Only
 * spans with a positive weight are returned.
 */
export function answerWeights(
  changeTimesMs: readonly number[],
  startMs: number,
  endMs: number,
  dns: DnsPropagation,
): AnswerWeight[] {
  if (!(endMs > startMs)) throw new RangeError(`an empty period: ${startMs} to ${endMs}`);
  const ttlMs = dns.recordTtlSeconds * 1000;
  const delayMs = dns.healthCheckDelaySeconds * 1000;
  const changes = [...new Set(changeTimesMs)].sort((a, b) => a - b);
  const bounds = [Number.NEGATIVE_INFINITY, ...changes, Number.POSITIVE_INFINITY];
  // A request at t follows the answer given at t − delay − age: in the answers' time, the period
  // asked about is [u0, u1).
  const u0 = startMs - delayMs;
  const u1 = endMs - delayMs;
  const weights: AnswerWeight[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const from = bounds[i] as number;
    const until = bounds[i + 1] as number;
    const weight =
      ttlMs === 0
        ? overlap(u0, u1, from, until) / (endMs - startMs)
        : cachedShare(u0, u1, from, until, ttlMs) / (endMs - startMs);
    if (weight > 0) weights.push({ fromMs: from, weight });
  }
  return weights;
}

function overlap(a0: number, a1: number, b0: number, b1: number): number {
  return Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));
}

/**
 * ∫ over u in [u0, u1) of the share of clients whose answer was given in [from, until), the answers'
 * ages uniform over [0, ttl): |[u − ttl, u) ∩ [from, until)| / ttl. The integrand is piecewise
 * linear with its bends at from, from + ttl, until and until + ttl, so the trapezoid rule over
 * those points is exact.
 */
function cachedShare(u0: number, u1: number, from: number, until: number, ttlMs: number): number {
  const share = (u: number) => overlap(u - ttlMs, u, from, until) / ttlMs;
  const points = [u0, u1, from, from + ttlMs, until, until + ttlMs]
    .filter((p) => Number.isFinite(p) && p >= u0 && p <= u1)
    .sort((a, b) => a - b);
  let integral = 0;
  for (let i = 0; i + 1 < points.length; i++) {
    const a = points[i] as number;
    const b = points[i + 1] as number;
    integral += ((share(a) + share(b)) / 2) * (b - a);
  }
  return integral;
}
