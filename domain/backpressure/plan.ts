/**
 * The pure decisions of the SQS-backpressure runbook: how far to lower or raise the mapping's
 * MaximumConcurrency (AIMD: multiplicative decrease to a floor, additive increase back to the
 * original), whether the downstream is healthy, and whether messages are about to expire.
 *
 * Concurrency here is the effective limit: a mapping without MaximumConcurrency counts as 1,000
 * (Lambda's own cap for SQS), a disabled mapping as 0.
 */
import { MAX_MAXIMUM_CONCURRENCY, type BackpressurePolicy } from './request.ts';

export interface MappingLimit {
  /** ScalingConfig.MaximumConcurrency as configured; null: none. */
  maximumConcurrency: number | null;
  enabled: boolean;
}

/** The concurrency a mapping allows: its MaximumConcurrency, 1,000 without one, 0 disabled. */
export function effectiveConcurrency(limit: MappingLimit): number {
  if (!limit.enabled) return 0;
  return limit.maximumConcurrency ?? MAX_MAXIMUM_CONCURRENCY;
}

/**
 * Multiplicative decrease, never below the floor (nor above the current limit). The factor is the
 * policy's, or the share of requests that still succeed when that is smaller: a downstream failing
 * 90 % of requests serves about a tenth of them, so nine consumers in ten only add failures, and
 * every failed batch brings its messages one receive closer to the DLQ.
 */
export function decreaseTarget(
  current: number,
  policy: Pick<BackpressurePolicy, 'decreaseFactor' | 'floor'>,
  errorRatePercent: number | null = null,
) {
  if (current <= 0) return 0;
  const succeeding = errorRatePercent === null ? 1 : Math.max(0, (100 - errorRatePercent) / 100);
  const factor = Math.min(policy.decreaseFactor, succeeding);
  // The epsilon keeps a product like 100 × 0.1 from flooring to 9 by rounding error.
  return Math.min(current, Math.max(policy.floor, Math.floor(current * factor + 1e-9)));
}

/** Additive increase, from at least the floor, never beyond the original. */
export function increaseTarget(
  current: number,
  original: number,
  policy: Pick<BackpressurePolicy, 'increaseStep' | 'floor'>,
): number {
  return Math.min(original, Math.max(policy.floor, current + policy.increaseStep));
}

export interface HealthJudgement {
  healthy: boolean;
  /** The latest minute's value; null: none published (no requests made, or not known yet: `health.ts`). */
  value: number | null;
  thresholdPercent: number;
}

export interface RetentionGuard {
  urgent: boolean;
  oldestAgeSeconds: number;
  retentionSeconds: number;
  guardSeconds: number;
}

/** Urgent when the oldest message's age reaches the guard share of the retention period. */
export function retentionGuard(
  oldestAgeSeconds: number,
  retentionSeconds: number,
  guardPercent: number,
): RetentionGuard {
  const guardSeconds = Math.floor((retentionSeconds * guardPercent) / 100);
  return { urgent: oldestAgeSeconds >= guardSeconds, oldestAgeSeconds, retentionSeconds, guardSeconds };
}

export type BackpressureDecision =
  /** Lower the limit (or disable the mapping). */
  | 'decrease'
  /** Keep the limit: at the floor, or messages would expire if throttled further. */
  | 'hold'
  /** Messages are close to expiring: notify, and throttle no further. */
  | 'urgent'
  /** Healthy: raise the limit by a step. */
  | 'increase'
  /** Healthy and back at the original: done. */
  | 'restored'
  /** Out of probes: restore the original and stop. */
  | 'give-up';

export interface DecisionInput {
  current: number;
  /** Invocations the consumer actually ran at once lately; null when unknown. */
  observedConcurrency?: number | null;
  original: number;
  health: HealthJudgement;
  guard: RetentionGuard;
  /** The urgent notification has been sent in this run. */
  notified: boolean;
  probes: number;
  policy: BackpressurePolicy;
}

export interface Decision {
  decision: BackpressureDecision;
  /** The concurrency to set next (0: disabled); the current one unless the decision changes it. */
  target: number;
  reason: string;
}

export function decide(input: DecisionInput): Decision {
  const { current, original, health, guard, notified, probes, policy } = input;
  const outOfProbes = probes >= policy.maxProbes;
  if (!health.healthy && outOfProbes) {
    return { decision: 'give-up', target: original, reason: `still unhealthy after ${probes} probes` };
  }
  if (!health.healthy) {
    if (guard.urgent) {
      return {
        decision: notified ? 'hold' : 'urgent',
        target: current,
        reason: `the oldest message is ${guard.oldestAgeSeconds} s old, retention ${guard.retentionSeconds} s: throttling further would let messages expire`,
      };
    }
    // Cut from what the consumer runs, not from a limit far above it: halving an unused limit of
    // 100 to 50 throttles nothing while the consumer runs 20.
    const observed = input.observedConcurrency ?? null;
    const base = observed === null ? current : Math.min(current, Math.max(Math.ceil(observed), policy.floor));
    const target = policy.mode === 'disable' ? 0 : decreaseTarget(base, policy, health.value);
    if (target < current) {
      return {
        decision: 'decrease',
        target,
        reason: `unhealthy (${health.value ?? 'no data'} > ${health.thresholdPercent})`,
      };
    }
    return {
      decision: 'hold',
      target: current,
      reason: current === 0 ? 'the mapping is disabled' : 'at the floor',
    };
  }
  if (current >= original)
    return { decision: 'restored', target: original, reason: 'healthy at the original limit' };
  // Healthy but out of probes: the run must end, and a healthy downstream can take the original.
  if (outOfProbes) {
    return {
      decision: 'increase',
      target: original,
      reason: `healthy, out of probes after ${probes}: back to the original`,
    };
  }
  return { decision: 'increase', target: increaseTarget(current, original, policy), reason: 'healthy' };
}
