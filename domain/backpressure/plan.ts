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

/**
 * The downstream's health, as far as CloudWatch shows it (`health.ts`): healthy or unhealthy on a
 * published minute, not yet known without one. Not known is neither: the runbook changes nothing.
 */
export type HealthVerdict = 'healthy' | 'unhealthy' | 'not-yet-known';

export interface HealthJudgement {
  verdict: HealthVerdict;
  /** The judged minute's value; null: none published (no requests made, or not known yet: `health.ts`). */
  value: number | null;
  thresholdPercent: number;
  /** The start of the minute judged (ISO 8601); null when none was. */
  minute: string | null;
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
  /**
   * Keep the limit: at the floor, messages would expire if throttled further, or the downstream's
   * health since the last change is not yet known.
   */
  | 'hold'
  /** Messages are close to expiring: notify, and throttle no further. */
  | 'urgent'
  /** Healthy: raise the limit by a step. */
  | 'increase'
  /** Back at the original: done (healthy there, or out of probes before its minutes were published). */
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
  /**
   * The verdict the runbook's last change was made on (healthy: a raise; unhealthy: a cut); absent
   * before the first change. Only ends a run out of probes (`decideUnknown`), never makes a step.
   */
  lastVerdict?: HealthVerdict;
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
  const { health } = input;
  if (health.verdict === 'not-yet-known') return decideUnknown(input);
  if (health.verdict === 'unhealthy') return decideUnhealthy(input);
  return decideHealthy(input);
}

/**
 * No minute since the last change is published yet: hold (change nothing; the runbook waits and
 * reads again), never reading the missing minute as healthy (raise) or unhealthy (lower). Messages
 * about to expire are still reported, which changes nothing either.
 *
 * Out of probes, the run ends as every run does, at the original limit. Whether that counts as
 * done or given up follows the last published minute the run judged, the one its last change was
 * made on (as out of probes with a verdict: healthy goes back to the original, unhealthy gives up);
 * it only labels the end, the step is the same either way.
 */
function decideUnknown(input: DecisionInput): Decision {
  const { current, original, guard, notified, probes, policy, lastVerdict } = input;
  if (guard.urgent && !notified) return urgent(input);
  if (probes < policy.maxProbes) {
    return {
      decision: 'hold',
      target: current,
      reason:
        "the downstream's health is not yet known: no whole minute since the last change is published yet",
    };
  }
  if (current >= original) {
    return {
      decision: 'restored',
      target: original,
      reason: `back at the original limit; out of probes after ${probes} before a minute at it was published: not judged there`,
    };
  }
  if (lastVerdict === 'healthy') {
    return {
      decision: 'increase',
      target: original,
      reason: `out of probes after ${probes}, no minute since the last raise published yet; healthy when last judged: back to the original`,
    };
  }
  return {
    decision: 'give-up',
    target: original,
    reason: `out of probes after ${probes} with the downstream's health since the last change not yet known`,
  };
}

function urgent({ current, guard, notified }: DecisionInput): Decision {
  return {
    decision: notified ? 'hold' : 'urgent',
    target: current,
    reason: `the oldest message is ${guard.oldestAgeSeconds} s old, retention ${guard.retentionSeconds} s: throttling further would let messages expire`,
  };
}

function decideUnhealthy(input: DecisionInput): Decision {
  const { current, original, health, guard, probes, policy } = input;
  if (probes >= policy.maxProbes) {
    return { decision: 'give-up', target: original, reason: `still unhealthy after ${probes} probes` };
  }
  if (guard.urgent) return urgent(input);
  // Cut from what the consumer runs, not from a limit far above it: halving an unused limit of
  // 100 to 50 throttles nothing while the consumer runs 20.
  const observed = input.observedConcurrency ?? null;
  const base = observed === null ? current : Math.min(current, Math.max(Math.ceil(observed), policy.floor));
  const target = policy.mode === 'disable' ? 0 : decreaseTarget(base, policy, health.value);
  if (target < current) {
    return {
      decision: 'decrease',
      target,
      reason: `unhealthy (${String(health.value)} > ${health.thresholdPercent})`,
    };
  }
  return {
    decision: 'hold',
    target: current,
    reason: current === 0 ? 'the mapping is disabled' : 'at the floor',
  };
}

function decideHealthy({ current, original, probes, policy }: DecisionInput): Decision {
  if (current >= original)
    return { decision: 'restored', target: original, reason: 'healthy at the original limit' };
  // Healthy but out of probes: the run must end, and a healthy downstream can take the original.
  if (probes >= policy.maxProbes) {
    return {
      decision: 'increase',
      target: original,
      reason: `healthy, out of probes after ${probes}: back to the original`,
    };
  }
  return { decision: 'increase', target: increaseTarget(current, original, policy), reason: 'healthy' };
}
