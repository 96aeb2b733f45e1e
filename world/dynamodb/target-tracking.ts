/**
 * Target tracking for a DynamoDB table dimension, as Application Auto Scaling's alarms decide it
 * (aws-facts.md): scale out after 2 consecutive minutes above the target utilisation, scale in
 * after 15 consecutive minutes below target − 20 percentage points. Sizing uses *consumed*
 * capacity, which throttling caps at provisioned (plus burst), so under heavy throttling each
 * scale-out only grows capacity by about 1/target.
 *
 * Simplifications: no cooldowns (DynamoDB's default cooldowns are short next to the alarms'
 * evaluation periods), and scale-in sizes for the busiest of the 15 minutes.
 */

export const SCALE_OUT_MINUTES = 2;
export const SCALE_IN_MINUTES = 15;
export const SCALE_IN_MARGIN_POINTS = 20;

export interface UtilisationMinute {
  timestampMs: number;
  /** Consumed units per second over the minute. */
  consumedPerSecond: number;
  provisioned: number;
}

export interface TrackingBounds {
  targetPercent: number;
  min: number;
  max: number;
  scaleInDisabled?: boolean;
}

export type TrackingDecision =
  { action: 'none' } | { action: 'scale-out' | 'scale-in'; capacity: number; cause: string };

/**
 * `minutes` are the latest complete minutes, oldest first, ending with the minute just before
 * `nowMs`; a missing minute breaks a streak, as an alarm lacking datapoints does not fire.
 */
export function decideTargetTracking(
  minutes: readonly UtilisationMinute[],
  current: number,
  bounds: TrackingBounds,
  nowMs: number,
): TrackingDecision {
  const target = bounds.targetPercent;
  const utilisation = (m: UtilisationMinute) =>
    m.provisioned > 0 ? (100 * m.consumedPerSecond) / m.provisioned : 0;
  const clamp = (capacity: number) => Math.min(bounds.max, Math.max(bounds.min, capacity));
  const sizeFor = (consumedPerSecond: number) =>
    clamp(Math.max(1, Math.ceil(consumedPerSecond / (target / 100))));

  const out = latestStreak(minutes, SCALE_OUT_MINUTES, nowMs);
  if (out && out.every((m) => utilisation(m) > target)) {
    const latest = out[out.length - 1] as UtilisationMinute;
    const capacity = sizeFor(latest.consumedPerSecond);
    if (capacity > current) {
      const percent = utilisation(latest).toFixed(1);
      return {
        action: 'scale-out',
        capacity,
        cause: `utilisation ${percent}% above target ${target}% for ${SCALE_OUT_MINUTES} minutes`,
      };
    }
  }

  if (bounds.scaleInDisabled) return { action: 'none' };
  const quiet = latestStreak(minutes, SCALE_IN_MINUTES, nowMs);
  if (quiet && quiet.every((m) => utilisation(m) < target - SCALE_IN_MARGIN_POINTS)) {
    const capacity = sizeFor(Math.max(...quiet.map((m) => m.consumedPerSecond)));
    if (capacity < current) {
      return {
        action: 'scale-in',
        capacity,
        cause: `utilisation below ${target - SCALE_IN_MARGIN_POINTS}% for ${SCALE_IN_MINUTES} minutes`,
      };
    }
  }
  return { action: 'none' };
}

/** The last `count` minutes if every one of them is present, else undefined. */
function latestStreak(minutes: readonly UtilisationMinute[], count: number, nowMs: number) {
  const lastMinuteMs = Math.floor(nowMs / 60_000) * 60_000 - 60_000;
  const streak = minutes.slice(-count);
  if (streak.length < count) return undefined;
  const contiguous = streak.every((m, i) => m.timestampMs === lastMinuteMs - (count - 1 - i) * 60_000);
  return contiguous ? streak : undefined;
}
