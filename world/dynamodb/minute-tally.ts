/**
 * Adds up a minute of simulated seconds into what CloudWatch and Contributor Insights would keep
 * for that minute.
 */
import type { ThrottleSplit } from './capacity-model.ts';
import type { SettledSecond } from './sdk-retries.ts';
import type { SecondDemand } from './workload.ts';

export interface KeyMinute {
  requests: number;
  throttled: number;
}

export interface MinuteSummary {
  seconds: number;
  readUnitsPerRequest: number;
  writeUnitsPerRequest: number;
  /** What the application asked for (its requests, each once). */
  demandReadUnits: number;
  demandWriteUnits: number;
  /** What the table was asked for: every attempt, the SDK's retries included. */
  offeredReadUnits: number;
  offeredWriteUnits: number;
  /** Attempts that were SDK retries. */
  retriedRequests: number;
  /** Requests that failed for the application (an expectation: it can be fractional). */
  failedRequests: number;
  consumedReadUnits: number;
  consumedWriteUnits: number;
  servedReads: number;
  servedWrites: number;
  throttledReads: ThrottleSplit;
  throttledWrites: ThrottleSplit;
  /** Requests (served + throttled) and throttled requests per hot partition-key value. */
  hotKeys: Map<string, KeyMinute>;
  /** The uniformly loaded keys, as one population. */
  uniform: KeyMinute & { keyCount: number };
}

export class MinuteTally {
  #summary: MinuteSummary = emptySummary();

  /**
   * A second: `demand` is the application's, `settled` what the table served and throttled of it
   * and of the SDK's retries, and what failed for the application.
   */
  add(demand: SecondDemand, settled: SettledSecond): void {
    const { step } = settled;
    const s = this.#summary;
    s.seconds += 1;
    s.readUnitsPerRequest = demand.readUnitsPerRequest;
    s.writeUnitsPerRequest = demand.writeUnitsPerRequest;
    s.demandReadUnits += demand.readRequests * demand.readUnitsPerRequest;
    s.demandWriteUnits += demand.writeRequests * demand.writeUnitsPerRequest;
    s.offeredReadUnits += settled.offeredReads * demand.readUnitsPerRequest;
    s.offeredWriteUnits += settled.offeredWrites * demand.writeUnitsPerRequest;
    s.retriedRequests += settled.retriedRequests;
    s.failedRequests += settled.failedRequests;
    s.consumedReadUnits += step.read.consumedUnits;
    s.consumedWriteUnits += step.write.consumedUnits;
    s.servedReads += step.read.servedRequests;
    s.servedWrites += step.write.servedRequests;
    addSplit(s.throttledReads, step.read.throttled);
    addSplit(s.throttledWrites, step.write.throttled);
    for (const hot of step.hotKeys) {
      const known = s.hotKeys.get(hot.key) ?? { requests: 0, throttled: 0 };
      const throttled = hot.throttledReads + hot.throttledWrites;
      known.requests += hot.servedReads + hot.servedWrites + throttled;
      known.throttled += throttled;
      s.hotKeys.set(hot.key, known);
    }
    const uniformThrottled = step.uniform.throttledReads + step.uniform.throttledWrites;
    s.uniform.keyCount = step.uniform.keyCount;
    s.uniform.requests += step.uniform.servedReads + step.uniform.servedWrites + uniformThrottled;
    s.uniform.throttled += uniformThrottled;
  }

  /** The minute so far; the tally starts over empty. */
  finish(): MinuteSummary {
    const done = this.#summary;
    this.#summary = emptySummary();
    return done;
  }
}

export function totalThrottled(split: ThrottleSplit): number {
  return split.keyRange + split.provisioned + split.onDemandMax;
}

function addSplit(into: ThrottleSplit, add: ThrottleSplit): void {
  into.keyRange += add.keyRange;
  into.provisioned += add.provisioned;
  into.onDemandMax += add.onDemandMax;
}

function emptySummary(): MinuteSummary {
  return {
    seconds: 0,
    readUnitsPerRequest: 0,
    writeUnitsPerRequest: 0,
    demandReadUnits: 0,
    demandWriteUnits: 0,
    offeredReadUnits: 0,
    offeredWriteUnits: 0,
    retriedRequests: 0,
    failedRequests: 0,
    consumedReadUnits: 0,
    consumedWriteUnits: 0,
    servedReads: 0,
    servedWrites: 0,
    throttledReads: { keyRange: 0, provisioned: 0, onDemandMax: 0 },
    throttledWrites: { keyRange: 0, provisioned: 0, onDemandMax: 0 },
    hotKeys: new Map(),
    uniform: { keyCount: 0, requests: 0, throttled: 0 },
  };
}
