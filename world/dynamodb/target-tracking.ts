/**
 * Target tracking for a DynamoDB table dimension, as Application Auto Scaling's alarms decide it
 * (aws-facts.md): scale out after 2 consecutive minutes above the target utilisation, scale in
 * after 15 consecutive minutes below target − 20 percentage points. Sizing uses *consumed*
 * capacity, which throttling caps at provisioned (plus burst), so under heavy throttling each
 * scale-out only grows capacity by about 1/target.
 *
 * The two decisions are CloudWatch alarms on the table's published metrics ("CloudWatch alarms
 * might have a short delay of up to a few minutes before triggering auto scaling": "Managing
 * throughput capacity automatically with DynamoDB auto scaling"), so they are evaluated as the
 * world's alarms are (`world/cloudwatch-alarms.ts`): each minute, over an evaluation range of N + 2
 * one-minute periods ending at the evaluation minute, on the most recent N datapoints CloudWatch
 * has published; DynamoDB alarms ignore missing data, so fewer than N datapoints decide nothing.
 * With the publication delay the newest of them is a few minutes old, never the minute just ended.
 *
 * Simplifications: no cooldowns (DynamoDB's default cooldowns are short next to the alarms'
 * evaluation periods); the threshold follows each minute's provisioned capacity (AAS moves its
 * alarms' thresholds when it changes the capacity); an alarm acts at every evaluation while in
 * ALARM, and scale-in sizes for the busiest of the 15 minutes.
 */
import { evaluateDatapoints, EXTRA_RANGE_PERIODS, type Datapoint } from '../cloudwatch-alarms.ts';

export const SCALE_OUT_MINUTES = 2;
export const SCALE_IN_MINUTES = 15;
export const SCALE_IN_MARGIN_POINTS = 20;
/** Minutes of metrics the longer (scale-in) alarm's evaluation range holds. */
export const EVALUATION_RANGE_MINUTES = SCALE_IN_MINUTES + EXTRA_RANGE_PERIODS;

const MINUTE_MS = 60_000;

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
 * `minutes` are the minutes CloudWatch serves at `nowMs` (published ones only), oldest first; a
 * minute it has not published is simply absent.
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

  const out = alarmingMinutes(minutes, SCALE_OUT_MINUTES, nowMs, utilisation, (u) => u > target);
  if (out) {
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
  const low = target - SCALE_IN_MARGIN_POINTS;
  const quiet = alarmingMinutes(minutes, SCALE_IN_MINUTES, nowMs, utilisation, (u) => u < low);
  if (quiet) {
    const capacity = sizeFor(Math.max(...quiet.map((m) => m.consumedPerSecond)));
    if (capacity < current) {
      return {
        action: 'scale-in',
        capacity,
        cause: `utilisation below ${low}% for ${SCALE_IN_MINUTES} minutes`,
      };
    }
  }
  return { action: 'none' };
}

/**
 * The minutes an N-of-N alarm evaluated at `nowMs` decides on, if it is in ALARM: the most recent
 * `count` published minutes of its range, every one breaching. Undefined otherwise (OK, or too few
 * datapoints, which a DynamoDB alarm ignores).
 */
function alarmingMinutes(
  minutes: readonly UtilisationMinute[],
  count: number,
  nowMs: number,
  utilisation: (minute: UtilisationMinute) => number,
  isBreaching: (percent: number) => boolean,
): UtilisationMinute[] | undefined {
  const endMs = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS;
  const periods = count + EXTRA_RANGE_PERIODS;
  const startMs = endMs - periods * MINUTE_MS;
  const byStart = new Map(minutes.map((m) => [m.timestampMs, m]));
  const range = Array.from({ length: periods }, (_, i): Datapoint | undefined => {
    const minute = byStart.get(startMs + i * MINUTE_MS);
    return minute ? { timestampMs: minute.timestampMs, value: utilisation(minute) } : undefined;
  });
  const evaluation = evaluateDatapoints({
    range,
    evaluationPeriods: count,
    datapointsToAlarm: count,
    treatMissingData: 'ignore',
    isBreaching,
  });
  if (evaluation.state !== 'ALARM') return undefined;
  return evaluation.datapoints.map((point) => byStart.get(point.timestampMs) as UtilisationMinute);
}
