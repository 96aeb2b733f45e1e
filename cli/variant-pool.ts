/**
 * `selfheal simulate` on every core: each variant of a scenario (selfheal, each baseline) is an
 * independent world on the same seed, so they run in worker threads side by side
 * (`variant-worker.ts`), at most `jobs` at once, and come back as the plain data the report is made
 * from. A variant's run is the same in a worker as in this thread: the same code, the same seed,
 * its own dynalite and engine; only where it runs differs.
 */
import { Worker } from 'node:worker_threads';
import type { CloudWatchAlarmEvent } from '../contracts/cloudwatch-alarm-event.ts';
import type { Approval } from '../scenarios/cell-shift/run.ts';
import type { Deployment } from '../simulations/deployment.ts';

/** One variant of one scenario to run. */
export interface VariantRequest {
  scenario: string;
  variant: string;
  seed: number;
  approve?: Approval;
  /** The deployment to rehearse (the repository's when absent): plain data, copied to the worker. */
  deployment?: Deployment;
}

/** A variant's result, and the alarm events its run emitted (in order) with their virtual times. */
export interface VariantRun {
  result: unknown;
  alarms: { event: CloudWatchAlarmEvent; atSeconds: number }[];
}

/** What a worker answers: the run, or its error by name and message (the trace stays in the worker's log). */
export type WorkerAnswer =
  { id: number; run: VariantRun } | { id: number; error: { name: string; message: string; stack?: string } };

/** A variant run in a worker that failed: its error's name and message, as thrown there. */
export class VariantRunError extends Error {
  constructor(name: string, message: string, stack?: string) {
    super(message);
    this.name = name;
    if (stack !== undefined) this.stack = stack;
  }
}

interface Pending {
  id: number;
  request: VariantRequest;
  resolve(run: VariantRun): void;
  reject(error: Error): void;
}

const WORKER = new URL('./variant-worker.ts', import.meta.url);

export interface VariantPoolOptions {
  /**
   * Runs a variant in this thread, as one of the pool's `size` places: this thread has the code
   * loaded and warm already, where a worker starts by loading it (about half a second).
   */
  inThread?: (request: VariantRequest) => Promise<VariantRun>;
}

export class VariantPool {
  /** Worker threads at most. */
  readonly #size: number;
  readonly #idle: Worker[] = [];
  readonly #workers = new Set<Worker>();
  readonly #queue: Pending[] = [];
  readonly #running = new Map<Worker, Pending>();
  readonly #inThread: VariantPoolOptions['inThread'];
  #inThreadBusy = false;
  #closed = false;
  #nextId = 0;

  /**
   * `size` variants at once: in this thread (one) if `inThread` is given, the others in workers,
   * each started when the first request finds no place free.
   */
  constructor(size: number, options: VariantPoolOptions = {}) {
    if (!Number.isSafeInteger(size) || size < 1) throw new RangeError(`a pool of ${size} places`);
    this.#inThread = options.inThread;
    this.#size = options.inThread ? size - 1 : size;
  }

  run(request: VariantRequest): Promise<VariantRun> {
    if (this.#closed) return Promise.reject(new Error('the variant pool is closed'));
    return new Promise((resolve, reject) => {
      const pending = { id: this.#nextId++, request, resolve, reject };
      // A selfheal run does the most (the engine, the runbook's tasks, the world beside them): it
      // goes before the baselines queued, so the longest runs start first and end the soonest.
      const first = this.#queue.findIndex((p) => p.request.variant !== 'selfheal');
      if (request.variant === 'selfheal' && first >= 0) this.#queue.splice(first, 0, pending);
      else this.#queue.push(pending);
      this.#dispatch();
    });
  }

  /** Ends every worker; requests still queued or running, or made after, are refused. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const pending of this.#queue.splice(0)) pending.reject(new Error('the variant pool is closed'));
    await Promise.all([...this.#workers].map((worker) => worker.terminate()));
    this.#workers.clear();
    this.#idle.length = 0;
  }

  #dispatch(): void {
    const inThread = this.#inThread;
    if (inThread && !this.#inThreadBusy && this.#queue.length > 0) {
      const pending = this.#queue.shift() as Pending;
      this.#inThreadBusy = true;
      void inThread(pending.request)
        .then(pending.resolve, (error: unknown) =>
          pending.reject(error instanceof Error ? error : new Error(String(error))),
        )
        .finally(() => {
          this.#inThreadBusy = false;
          this.#dispatch();
        });
    }
    while (this.#queue.length > 0) {
      const worker = this.#idle.pop() ?? (this.#workers.size < this.#size ? this.#start() : undefined);
      if (!worker) return;
      const pending = this.#queue.shift() as Pending;
      this.#running.set(worker, pending);
      worker.postMessage({ id: pending.id, request: pending.request });
    }
  }

  #start(): Worker {
    const worker = new Worker(WORKER);
    this.#workers.add(worker);
    worker.on('message', (answer: WorkerAnswer) => {
      const pending = this.#running.get(worker);
      if (!pending || pending.id !== answer.id) return;
      this.#running.delete(worker);
      if ('run' in answer) pending.resolve(answer.run);
      else pending.reject(new VariantRunError(answer.error.name, answer.error.message, answer.error.stack));
      this.#idle.push(worker);
      this.#dispatch();
    });
    // A worker that dies (out of memory, a crash outside the run) fails what it was running.
    worker.on('error', (error) => this.#lost(worker, error));
    worker.on('exit', (code) => this.#lost(worker, new Error(`a variant worker exited with code ${code}`)));
    return worker;
  }

  #lost(worker: Worker, error: Error): void {
    if (!this.#workers.delete(worker)) return;
    const pending = this.#running.get(worker);
    this.#running.delete(worker);
    const at = this.#idle.indexOf(worker);
    if (at >= 0) this.#idle.splice(at, 1);
    pending?.reject(error);
    this.#dispatch();
  }
}
