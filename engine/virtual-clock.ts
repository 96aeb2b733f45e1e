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
      for (const listener of this.#listeners) await listener(from, to);
      this.#nowMs = to;
    };
    const next = this.#queue.then(run);
    // A failed listener must not wedge every later advance: the failure goes to this caller only.
    this.#queue = next.catch(() => undefined);
    return next;
  }

  /** Resolves when every advance requested so far has completed. */
  settled(): Promise<void> {
    return this.#queue;
  }
}
