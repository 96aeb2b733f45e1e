/**
 * What the application asks of a table: request rates over virtual time, how much capacity each
 * request costs, and how requests spread over partition keys.
 */
import type { Random } from '../../core/random.ts';

/** A rate that is either held or ramped linearly from the first value to the second. */
export type Rate = number | readonly [from: number, to: number];

export interface WorkloadPhase {
  /** For reports and timelines only. */
  name: string;
  durationSeconds: number;
  readsPerSecond: Rate;
  writesPerSecond: Rate;
}

export interface HotKey {
  key: string;
  /** Fraction (0..1) of all reads that go to this partition-key value. */
  readShare: number;
  writeShare: number;
}

export type ReadConsistency = 'eventual' | 'strong';

export interface WorkloadSpec {
  /** Played in order; after the last phase its final rates hold forever. */
  phases: readonly WorkloadPhase[];
  itemSizeKb: number;
  readConsistency: ReadConsistency;
  hotKeys: readonly HotKey[];
  /** Keys sharing the traffic the hot keys leave, uniformly. */
  uniformKeyCount: number;
  /** Partition-key values of the uniform keys are `${prefix}${index}`; default `key#`. */
  uniformKeyPrefix?: string;
  /** Relative standard deviation of per-second rate noise, e.g. 0.02; default none. */
  noise?: number;
}

/** One second of demand, in whole requests, split by key group. */
export interface SecondDemand {
  readRequests: number;
  writeRequests: number;
  readUnitsPerRequest: number;
  writeUnitsPerRequest: number;
  hotKeys: { key: string; readRequests: number; writeRequests: number }[];
  uniform: { keyCount: number; readRequests: number; writeRequests: number };
}

export interface Workload {
  readonly spec: WorkloadSpec;
  /** Noise-free rates at a point in virtual time (seconds since the workload started). */
  ratesAt(second: number): { readsPerSecond: number; writesPerSecond: number };
  /** The requests of second `second`: the same seed and second always give the same demand. */
  demandAt(second: number): SecondDemand;
  phaseAt(second: number): string;
}

/** Eventually consistent reads cost half a strongly consistent one: 0.5 or 1 RCU per 4 KB started. */
export function readUnitsPerRequest(spec: Pick<WorkloadSpec, 'itemSizeKb' | 'readConsistency'>): number {
  const blocks = Math.max(1, Math.ceil(spec.itemSizeKb / 4));
  return spec.readConsistency === 'strong' ? blocks : blocks / 2;
}

/** One WCU per 1 KB started. */
export function writeUnitsPerRequest(spec: Pick<WorkloadSpec, 'itemSizeKb'>): number {
  return Math.max(1, Math.ceil(spec.itemSizeKb));
}

export function uniformKeyName(
  spec: Pick<WorkloadSpec, 'uniformKeyCount' | 'uniformKeyPrefix'>,
  index: number,
) {
  const width = String(Math.max(1, spec.uniformKeyCount - 1)).length;
  return `${spec.uniformKeyPrefix ?? 'key#'}${String(index).padStart(width, '0')}`;
}

export function createWorkload(spec: WorkloadSpec, random: Random): Workload {
  validateWorkload(spec);
  const readUnits = readUnitsPerRequest(spec);
  const writeUnits = writeUnitsPerRequest(spec);
  const noise = spec.noise ?? 0;

  const locate = (second: number): { phase: WorkloadPhase; progress: number } => {
    let start = 0;
    for (const phase of spec.phases) {
      if (second < start + phase.durationSeconds) {
        return { phase, progress: phase.durationSeconds > 0 ? (second - start) / phase.durationSeconds : 1 };
      }
      start += phase.durationSeconds;
    }
    return { phase: spec.phases[spec.phases.length - 1] as WorkloadPhase, progress: 1 };
  };

  const ratesAt = (second: number) => {
    const { phase, progress } = locate(second);
    return {
      readsPerSecond: interpolate(phase.readsPerSecond, progress),
      writesPerSecond: interpolate(phase.writesPerSecond, progress),
    };
  };

  return {
    spec,
    ratesAt,
    phaseAt: (second) => locate(second).phase.name,
    demandAt: (second) => {
      const rates = ratesAt(second);
      // A stream per second (not one shared sequence) keeps demand a pure function of seed and
      // second, whatever order or how often seconds are asked for.
      const stream = noise > 0 ? random.fork(`second:${second}`) : undefined;
      const jitter = () => (stream ? Math.max(0, stream.normal(1, noise)) : 1);
      const readRequests = Math.round(rates.readsPerSecond * jitter());
      const writeRequests = Math.round(rates.writesPerSecond * jitter());
      const hotKeys = spec.hotKeys.map((hot) => ({
        key: hot.key,
        readRequests: Math.round(readRequests * hot.readShare),
        writeRequests: Math.round(writeRequests * hot.writeShare),
      }));
      const hotReads = hotKeys.reduce((sum, hot) => sum + hot.readRequests, 0);
      const hotWrites = hotKeys.reduce((sum, hot) => sum + hot.writeRequests, 0);
      return {
        readRequests,
        writeRequests,
        readUnitsPerRequest: readUnits,
        writeUnitsPerRequest: writeUnits,
        hotKeys,
        uniform: {
          keyCount: spec.uniformKeyCount,
          readRequests: Math.max(0, readRequests - hotReads),
          writeRequests: Math.max(0, writeRequests - hotWrites),
        },
      };
    },
  };
}

/** Total length of the scripted phases, in seconds. */
export function workloadDuration(spec: Pick<WorkloadSpec, 'phases'>): number {
  return spec.phases.reduce((sum, phase) => sum + phase.durationSeconds, 0);
}

function interpolate(rate: Rate, progress: number): number {
  if (typeof rate === 'number') return rate;
  const [from, to] = rate;
  return from + (to - from) * progress;
}

function validateWorkload(spec: WorkloadSpec): void {
  const problems: string[] = [];
  if (spec.phases.length === 0) problems.push('at least one phase is needed');
  for (const phase of spec.phases) {
    if (!(phase.durationSeconds >= 0)) problems.push(`phase ${phase.name} has a negative duration`);
    const values = [phase.readsPerSecond, phase.writesPerSecond].flat();
    if (values.some((value) => !(value >= 0))) problems.push(`phase ${phase.name} has a negative rate`);
  }
  if (!(spec.itemSizeKb > 0)) problems.push('itemSizeKb must be positive');
  const readShare = spec.hotKeys.reduce((sum, hot) => sum + hot.readShare, 0);
  const writeShare = spec.hotKeys.reduce((sum, hot) => sum + hot.writeShare, 0);
  if (spec.hotKeys.some((hot) => hot.readShare < 0 || hot.writeShare < 0)) {
    problems.push('hot-key shares cannot be negative');
  }
  if (readShare > 1 + 1e-9 || writeShare > 1 + 1e-9) problems.push('hot-key shares add up to more than 1');
  const leftOver = readShare < 1 - 1e-9 || writeShare < 1 - 1e-9;
  if (!Number.isInteger(spec.uniformKeyCount) || spec.uniformKeyCount < (leftOver ? 1 : 0)) {
    problems.push('uniformKeyCount must be a whole number, at least 1 when hot keys leave traffic over');
  }
  if (problems.length > 0) throw new RangeError(`Invalid workload: ${problems.join('; ')}`);
}
