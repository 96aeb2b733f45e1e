/**
 * How long a Lambda task lasts, in virtual time. In AWS a `lambda:invoke` Task lasts as long as the
 * invocation: an invocation that gets a new execution environment first waits for Lambda's Init
 * phase (the extensions, the runtime, the function's static code: a cold start), then the Invoke
 * phase runs the handler; an invocation that gets an environment an earlier one left idle skips Init
 * (a warm start). ("Understanding the Lambda execution environment lifecycle", AWS Lambda Developer
 * Guide.) An environment serves one request at a time: an invocation that finds every environment of
 * its function busy gets a new one, with its own Init ("Understanding Lambda function scaling").
 *
 * Modelled here: each function's environments, created on demand and kept for the engine's life (an
 * assumption: Lambda keeps an idle environment "for a non-deterministic period of time", "Lambda
 * execution environments", AWS Lambda Operator Guide, and a runbook calls its functions within
 * minutes of each other); an invocation's Init (cold only) before its handler runs, and its Invoke
 * duration after the handler's calls (the handler reads and changes the world when it is called, and
 * Step Functions hears of the result once the Invoke phase is over). The durations come from the
 * engine's options (`LambdaTimings`): none by default, so a Task takes no virtual time unless told.
 *
 * Left out: Step Functions' own latency per state transition and per Task (AWS documents no figure
 * for it); the other integrations' latency (DynamoDB, SNS, AWS SDK calls, StartExecution) — a Task
 * of theirs takes no virtual time; Lambda's 10-second Init limit and its retry; throttling and
 * concurrency limits; an environment recycled during a run.
 */
import type { VirtualClock } from '../core/virtual-clock.ts';

/** Virtual seconds a Lambda invocation takes, by phase. */
export interface LambdaTimings {
  /** Seconds of Lambda's Init phase, for an invocation that gets a new execution environment. */
  coldStartSeconds: number;
  /** A function's own Init seconds (by function name), instead of `coldStartSeconds`. */
  coldStartSecondsByFunction?: Readonly<Record<string, number>>;
  /** Seconds of the Invoke phase of every invocation, cold or warm: the handler's own work. */
  invokeSeconds: number;
}

/** Tasks that take no virtual time: the engine's default, and the tests' that need instant tasks. */
export const INSTANT_LAMBDA: LambdaTimings = Object.freeze({ coldStartSeconds: 0, invokeSeconds: 0 });

/** One Lambda invocation as the engine timed it, in virtual epoch milliseconds. */
export interface LambdaInvocation {
  functionName: string;
  /** Whether it got a new execution environment (and waited for its Init phase). */
  cold: boolean;
  startMs: number;
  /** When its Invoke phase ended (or the attempt was abandoned); undefined while it runs. */
  endMs?: number;
}

/**
 * Each function's execution environments, and every invocation's virtual duration.
 *
 * The clock runs one advance at a time, each from wherever the one before it left the clock, so two
 * invocations side by side (a Parallel's branches, a Map's iterations, two executions) that each
 * advanced it would add their durations up. Here a phase (an Init, an Invoke) ends at a fixed moment,
 * a timer on the clock, and every advance of a phase stops at the end of any phase on the way: the
 * invocation that phase belongs to acts there, and the others' phases go on afterwards from that
 * moment. A phase's advance is queued only once nothing more happens at the present moment: every
 * invocation of the engine waits for a phase of its own (none is running its handler or is about
 * to), and no task is starting (catching up with the history). So durations side by side overlap
 * instead of adding up: two cold starts at once both end one Init later, and a short one beside a
 * long one ends at its own end.
 *
 * What this does not change: an advance that is not a phase's (a Wait, a retry's pause, a token
 * wait's minute, the world's driver) is not stopped by a phase ending on its way, so a task beside
 * another execution's Wait resumes where that Wait ends, as every task already waits for the clock
 * to settle before it starts (the engine's "one clock, one advance at a time").
 */
export class LambdaEnvironments {
  readonly #clock: VirtualClock;
  readonly #timings: LambdaTimings;
  readonly #tasksStarting: () => boolean;
  /** Idle environments per function name (each one a past invocation left warm). */
  readonly #idle = new Map<string, number>();
  readonly #invocations: LambdaInvocation[] = [];
  /** Invocations acting at the present moment: not waiting for a phase to pass. */
  #running = 0;
  /** Phases whose advance is queued and that have not resumed yet, by their end. */
  readonly #pending = new Set<{ endMs: number }>();
  /** Phases waiting for the present moment to be over before their advance is queued. */
  #waiting: (() => void)[] = [];
  /** Aborted (and renewed) when a phase ends: the advances queued until then stop there. */
  #interruption = new AbortController();

  /**
   * `tasksStarting` tells whether the engine has tasks catching up with the history before they
   * are scheduled (they start at the present moment); the engine calls `wake` once none is.
   */
  constructor(
    clock: VirtualClock,
    timings: LambdaTimings = INSTANT_LAMBDA,
    tasksStarting: () => boolean = () => false,
  ) {
    for (const [name, seconds] of [
      ['coldStartSeconds', timings.coldStartSeconds],
      ['invokeSeconds', timings.invokeSeconds],
      ...Object.entries(timings.coldStartSecondsByFunction ?? {}).map(
        ([fn, s]) => [`coldStartSecondsByFunction.${fn}`, s] as const,
      ),
    ] as const) {
      if (!Number.isFinite(seconds) || seconds < 0) {
        throw new RangeError(`Lambda timing ${name} must be a finite number of seconds >= 0, not ${seconds}`);
      }
    }
    this.#clock = clock;
    this.#timings = timings;
    this.#tasksStarting = tasksStarting;
  }

  /** Every invocation so far, in start order. */
  invocations(): readonly LambdaInvocation[] {
    return this.#invocations;
  }

  /** Init seconds of a new environment of this function. */
  coldStartSeconds(functionName: string): number {
    return this.#timings.coldStartSecondsByFunction?.[functionName] ?? this.#timings.coldStartSeconds;
  }

  /**
   * Runs one invocation of `functionName` (`call` runs its handler) in an execution environment:
   * an idle one if the function has one (warm), else a new one, after its Init phase (cold). The
   * handler's result comes back once the Invoke phase has passed on the clock, a failure too. When
   * `signal` aborts (the Task timed out, the execution ended), virtual time stops passing for it; an
   * attempt abandoned during Init never runs its handler.
   */
  async invoke<T>(functionName: string, signal: AbortSignal, call: () => Promise<T>): Promise<T> {
    const idle = this.#idle.get(functionName) ?? 0;
    const cold = idle === 0;
    if (!cold) this.#idle.set(functionName, idle - 1);
    const invocation: LambdaInvocation = { functionName, cold, startMs: this.#clock.now() };
    this.#invocations.push(invocation);
    this.#running++;
    try {
      const initSeconds = cold ? this.coldStartSeconds(functionName) : 0;
      if (initSeconds > 0) {
        await this.#pass(initSeconds, signal);
        if (signal.aborted) throw signal.reason;
      }
      // Instant invocations wait for nothing but the handler, as before durations were modelled.
      if (this.#timings.invokeSeconds === 0) return await call();
      let result: { value: T } | { error: unknown };
      try {
        result = { value: await call() };
      } catch (error) {
        result = { error };
      }
      await this.#pass(this.#timings.invokeSeconds, signal);
      if ('error' in result) throw result.error;
      return result.value;
    } finally {
      invocation.endMs = this.#clock.now();
      this.#idle.set(functionName, (this.#idle.get(functionName) ?? 0) + 1);
      this.#running--;
      this.wake();
    }
  }

  /** Lets phases that wait for the present moment to be over go on, if it is. */
  wake(): void {
    if (!this.#quiet()) return;
    for (const resolve of this.#waiting.splice(0)) resolve();
  }

  /** Whether nothing more happens at the present moment: no invocation acts, no task starts. */
  #quiet(): boolean {
    if (this.#running > 0 || this.#tasksStarting()) return false;
    const now = this.#clock.now();
    for (const phase of this.#pending) if (phase.endMs <= now) return false;
    return true;
  }

  /**
   * One phase of an invocation: `seconds` from now, ending at a fixed moment whoever moves the
   * clock there; ends early where `signal` aborts. Its advance stops at the end of any other phase
   * on the way (that one acts there first), and goes on from there once that moment is over. Time
   * that passes while it waits counts.
   */
  async #pass(seconds: number, signal: AbortSignal): Promise<void> {
    const phase = { endMs: this.#clock.now() + Math.round(seconds * 1000) };
    let resumed = false;
    const resume = (): void => {
      if (resumed) return;
      resumed = true;
      this.#pending.delete(phase);
      this.#running++;
    };
    this.#running--;
    this.wake();
    try {
      for (;;) {
        if (resumed || signal.aborted || this.#clock.now() >= phase.endMs) return;
        while (!this.#quiet()) await new Promise<void>((resolve) => this.#waiting.push(resolve));
        if (signal.aborted || this.#clock.now() >= phase.endMs) return;
        this.#pending.add(phase);
        const cancel = this.#clock.at(phase.endMs, () => {
          // It acts again from the moment it ends: every advance on the way stops there.
          resume();
          this.#interruption.abort();
          this.#interruption = new AbortController();
        });
        try {
          await this.#clock.advance(
            (phase.endMs - this.#clock.now()) / 1000,
            AbortSignal.any([signal, this.#interruption.signal]),
          );
        } finally {
          cancel();
          this.#pending.delete(phase);
        }
      }
    } finally {
      resume();
    }
  }
}
