/**
 * What producers send to a queue: messages per second over virtual time, in phases (as
 * `world/dynamodb/workload.ts` does for table traffic).
 */
import type { Random } from '../../core/random.ts';

/** A rate that is either held or ramped linearly from the first value to the second. */
export type Rate = number | readonly [from: number, to: number];

export interface ArrivalPhase {
  /** For reports and timelines only. */
  name: string;
  durationSeconds: number;
  messagesPerSecond: Rate;
}

export interface ArrivalSpec {
  /** Played in order; after the last phase its final rate holds forever. */
  phases: readonly ArrivalPhase[];
  /** Relative standard deviation of per-second noise, e.g. 0.05; default none. */
  noise?: number;
}

export interface Arrivals {
  readonly spec: ArrivalSpec;
  /** Noise-free rate at a second since the workload started. */
  rateAt(second: number): number;
  /** Whole messages sent in second `second`: the same seed and second always give the same count. */
  messagesAt(second: number): number;
  phaseAt(second: number): string;
}

export function createArrivals(spec: ArrivalSpec, random: Random): Arrivals {
  validateArrivals(spec);
  const noise = spec.noise ?? 0;
  const locate = (second: number): { phase: ArrivalPhase; progress: number } => {
    let start = 0;
    for (const phase of spec.phases) {
      if (second < start + phase.durationSeconds) {
        return { phase, progress: phase.durationSeconds > 0 ? (second - start) / phase.durationSeconds : 1 };
      }
      start += phase.durationSeconds;
    }
    return { phase: spec.phases[spec.phases.length - 1] as ArrivalPhase, progress: 1 };
  };
  const rateAt = (second: number): number => {
    const { phase, progress } = locate(second);
    const rate = phase.messagesPerSecond;
    if (typeof rate === 'number') return rate;
    const [from, to] = rate;
    return from + (to - from) * progress;
  };
  return {
    spec,
    rateAt,
    phaseAt: (second) => locate(second).phase.name,
    messagesAt: (second) => {
      const rate = rateAt(second);
      if (noise <= 0) return Math.round(rate);
      // A stream per second keeps arrivals a pure function of seed and second.
      return Math.max(0, Math.round(rate * random.fork(`second:${second}`).normal(1, noise)));
    },
  };
}

/** Total length of the scripted phases, in seconds. */
export function arrivalsDuration(spec: Pick<ArrivalSpec, 'phases'>): number {
  return spec.phases.reduce((sum, phase) => sum + phase.durationSeconds, 0);
}

function validateArrivals(spec: ArrivalSpec): void {
  const problems: string[] = [];
  if (spec.phases.length === 0) problems.push('at least one phase is needed');
  for (const phase of spec.phases) {
    if (!(phase.durationSeconds >= 0)) problems.push(`phase ${phase.name} has a negative duration`);
    if ([phase.messagesPerSecond].flat().some((value) => !(value >= 0))) {
      problems.push(`phase ${phase.name} has a negative rate`);
    }
  }
  if (spec.noise !== undefined && !(spec.noise >= 0)) problems.push('noise cannot be negative');
  if (problems.length > 0) throw new RangeError(`Invalid arrivals: ${problems.join('; ')}`);
}
