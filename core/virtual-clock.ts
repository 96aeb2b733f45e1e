/**
 * Deterministic virtual time shared by the local engine and the simulated world.
 *
 * Wait states and retry pauses advance this clock instead of sleeping, so a 30-minute remediation
 * runs in a moment. Advances are serialised: listeners (the world, alarm evaluators, auto scaling)
 * see every interval exactly once, in order, even when two parties advance at once. Timers (`at`)
 * are virtual too: the TimeoutSeconds of Tasks and executions run out on this clock.
 */
export type AdvanceListener = (fromMs: number, toMs: number) => Promise<void> | void;

interface Timer {
  atMs: number;
  callback: () => void;
}

export class VirtualClock {
  readonly startMs: number;
  #nowMs: number;
  #listeners: AdvanceListener[] = [];
  #queue: Promise<void> = Promise.resolve();
  /** End of the stretch of the advance in progress, if one is. */
  #advancingToMs: number | undefined;
  /** Callbacks waiting for a moment of virtual time (`at`), in no particular order. */
  #timers: Timer[] = [];

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

  /**
   * Moves time forward; resolves once every listener has simulated the interval. With `until`, the
   * advance stops early where that signal is aborted by a timer on the way (a Wait of an execution
   * that timed out, or was stopped, there): the rest of it never happens.
   */
  advance(seconds: number, until?: AbortSignal): Promise<void> {
    if (!Number.isFinite(seconds) || seconds < 0) {
      return Promise.reject(new RangeError(`cannot advance the clock by ${seconds} seconds`));
    }
    const run = async (): Promise<void> => {
      const end = this.#nowMs + Math.round(seconds * 1000);
      // The advance stops at each timer due on the way, so its callback sees now() at its moment
      // and what it ends (a timed-out execution) ends there, not at the end of a long Wait.
      if (until?.aborted) return;
      let simulated = false;
      for (let timer = this.#due(end); timer; timer = this.#due(end)) {
        const stop = Math.max(timer.atMs, this.#nowMs);
        if (stop > this.#nowMs) {
          await this.#simulate(stop);
          simulated = true;
        }
        this.#fire(timer);
        if (until?.aborted) return;
      }
      if (!simulated || this.#nowMs < end) await this.#simulate(end);
    };
    const next = this.#queue.then(run);
    // A failed listener must not wedge every later advance: the failure goes to this caller only.
    this.#queue = next.catch(() => undefined);
    return next;
  }

  /**
   * Calls `callback` when virtual time reaches `atMs`: an advance that passes that moment stops
   * there first (every listener has simulated up to it), then calls it. A moment already reached
   * is called back at once (on a microtask). The callback must not wait for the clock (it runs
   * inside an advance) and must not throw. Returns a function that cancels it.
   */
  at(atMs: number, callback: () => void): () => void {
    const timer: Timer = { atMs, callback };
    this.#timers.push(timer);
    if (atMs <= this.#nowMs) queueMicrotask(() => this.#fire(timer));
    return () => {
      this.#timers = this.#timers.filter((t) => t !== timer);
    };
  }

  /** Lets every listener simulate from now() to `to`, then moves now() there. */
  async #simulate(to: number): Promise<void> {
    const from = this.#nowMs;
    this.#advancingToMs = to;
    try {
      for (const listener of this.#listeners) await listener(from, to);
    } finally {
      this.#advancingToMs = undefined;
    }
    this.#nowMs = to;
  }

  /** The earliest timer due by `end`, if any. */
  #due(end: number): Timer | undefined {
    let earliest: Timer | undefined;
    for (const timer of this.#timers) {
      if (timer.atMs <= end && (!earliest || timer.atMs < earliest.atMs)) earliest = timer;
    }
    return earliest;
  }

  /** Calls a timer back once, unless it was cancelled or has been called already. */
  #fire(timer: Timer): void {
    if (!this.#timers.includes(timer)) return;
    this.#timers = this.#timers.filter((t) => t !== timer);
    timer.callback();
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
