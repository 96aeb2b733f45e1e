/**
 * Deterministic virtual time shared by the local engine and the simulated world.
 *
 * Wait states and retry pauses advance this clock instead of sleeping, so a 30-minute remediation
 * runs in a moment. Advances are serialised: listeners (the world, alarm evaluators, auto scaling)
 * see every interval exactly once, in order, even when two parties advance at once.
 */
export type AdvanceListener = (fromMs: number, toMs: number) => Promise<void> | void;

export class VirtualClock {
  readonly startMs: number;
  #nowMs: number;
  #listeners: AdvanceListener[] = [];
  #queue: Promise<void> = Promise.resolve();
  /** End of the advance in progress, if one is. */
  #advancingToMs: number | undefined;

  constructor(startMs: number = Date.UTC(2026, 0, 1, 0, 0, 0)) {
    this.startMs = startMs;
    this.#nowMs = startMs;
  }

  /** Virtual epoch milliseconds. */
  now(): number {
    return this.#nowMs;
  }

  /** Seconds since the clock started. */
  elapsedSeconds(): number {
    return (this.#nowMs - this.startMs) / 1000;
  }

  onAdvance(listener: AdvanceListener): () => void {
    this.#listeners.push(listener);
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== listener);
    };
  }

  /** Moves time forward; resolves once every listener has simulated the interval. */
  advance(seconds: number): Promise<void> {
    if (!Number.isFinite(seconds) || seconds < 0) {
      return Promise.reject(new RangeError(`cannot advance the clock by ${seconds} seconds`));
    }
    const run = async (): Promise<void> => {
      const from = this.#nowMs;
      const to = from + Math.round(seconds * 1000);
      this.#advancingToMs = to;
      try {
        for (const listener of this.#listeners) await listener(from, to);
      } finally {
        this.#advancingToMs = undefined;
      }
      this.#nowMs = to;
    };
    const next = this.#queue.then(run);
    // A failed listener must not wedge every later advance: the failure goes to this caller only.
    this.#queue = next.catch(() => undefined);
    return next;
  }

  /**
   * Called by a listener that simulates an advance step by step: moves `now()` to the moment it
   * has reached, so what it triggers there (an alarm starting a run) is stamped with that moment,
   * not with the start of the interval. Time never goes back nor past the advance's end.
   */
  reach(ms: number): void {
    if (this.#advancingToMs === undefined) {
      throw new RangeError('the clock can only be reached forward from inside an advance');
    }
    this.#nowMs = Math.min(Math.max(this.#nowMs, ms), this.#advancingToMs);
  }

  /** Resolves when every advance requested so far has completed. */
  settled(): Promise<void> {
    return this.#queue;
  }
}
