/**
 * A circuit breaker in front of the downstream, as an API gateway, a service mesh or the service's
 * own load shedding provides: when too many calls fail, it answers the next ones 429 at once for a
 * while, so the service behind it recovers. The consumer still gets an error for each of those
 * calls, fails the invocation, and the batch goes back to the queue one receive closer to the DLQ:
 * the breaker protects the service but not the messages, which is the baseline selfheal is
 * compared with.
 *
 * States, per second:
 * - closed: calls go through; each second's calls and failures enter a rolling window of
 *   `windowSeconds`; when the window holds at least `minimumRequests` calls and their failed share
 *   reaches `errorThresholdPercent`, it opens.
 * - open: every call is answered 429 in `fastFailMs`. After `openSeconds` it is half-open.
 * - half-open: one second of calls goes through as the trial; it closes (with an empty window) if
 *   their failed share is below the threshold, and opens again otherwise.
 *
 * Simplification: the trial is a whole second of calls, not a fixed number of them.
 */

export interface CircuitBreakerSpec {
  /** Default 50. */
  errorThresholdPercent?: number;
  /** Default 10. */
  windowSeconds?: number;
  /** Calls the window needs before the breaker may open; default 20. */
  minimumRequests?: number;
  /** Default 30. */
  openSeconds?: number;
  /** How long a call answered 429 takes; default 10 ms. */
  fastFailMs?: number;
}

export type CircuitState = 'closed' | 'open' | 'half-open';

interface Settings {
  errorThresholdPercent: number;
  windowSeconds: number;
  minimumRequests: number;
  openSeconds: number;
  fastFailMs: number;
}

export function circuitBreakerProblems(spec: CircuitBreakerSpec): string[] {
  const problems: string[] = [];
  const { errorThresholdPercent = 50, windowSeconds = 10, minimumRequests = 20 } = spec;
  const { openSeconds = 30, fastFailMs = 10 } = spec;
  if (!(errorThresholdPercent > 0 && errorThresholdPercent <= 100))
    problems.push('errorThresholdPercent must be within (0, 100]');
  if (!(Number.isInteger(windowSeconds) && windowSeconds >= 1))
    problems.push('windowSeconds must be a whole number of seconds, at least 1');
  if (!(Number.isInteger(minimumRequests) && minimumRequests >= 1))
    problems.push('minimumRequests must be a whole number, at least 1');
  if (!(Number.isInteger(openSeconds) && openSeconds >= 1))
    problems.push('openSeconds must be a whole number of seconds, at least 1');
  if (!(fastFailMs > 0)) problems.push('fastFailMs must be positive');
  return problems;
}

export class CircuitBreaker {
  readonly settings: Settings;
  #state: CircuitState = 'closed';
  #openedAt = 0;
  /** Calls and failures of the closed seconds in the window, oldest first. */
  #window: { second: number; requests: number; errors: number }[] = [];
  /** Times it opened. */
  opened = 0;

  constructor(spec: CircuitBreakerSpec = {}) {
    const problems = circuitBreakerProblems(spec);
    if (problems.length > 0) throw new RangeError(`Invalid circuit breaker: ${problems.join('; ')}`);
    this.settings = {
      errorThresholdPercent: spec.errorThresholdPercent ?? 50,
      windowSeconds: spec.windowSeconds ?? 10,
      minimumRequests: spec.minimumRequests ?? 20,
      openSeconds: spec.openSeconds ?? 30,
      fastFailMs: spec.fastFailMs ?? 10,
    };
  }

  /** The state for calls started in `second` (an open breaker turns half-open on time). */
  stateAt(second: number): CircuitState {
    if (this.#state === 'open' && second >= this.#openedAt + this.settings.openSeconds) {
      this.#state = 'half-open';
    }
    return this.#state;
  }

  /** Whether calls started in `second` reach the downstream. */
  allows(second: number): boolean {
    return this.stateAt(second) !== 'open';
  }

  /** The outcome of the calls that went through in `second`. */
  record(second: number, requests: number, errors: number): void {
    const state = this.stateAt(second);
    if (state === 'open' || requests === 0) return;
    const failing = 100 * errors >= this.settings.errorThresholdPercent * requests;
    if (state === 'half-open') {
      if (failing) this.#open(second);
      else {
        this.#state = 'closed';
        this.#window = [];
      }
      return;
    }
    this.#window.push({ second, requests, errors });
    while ((this.#window[0]?.second ?? second) <= second - this.settings.windowSeconds) this.#window.shift();
    const total = this.#window.reduce((sum, s) => sum + s.requests, 0);
    const failed = this.#window.reduce((sum, s) => sum + s.errors, 0);
    if (
      total >= this.settings.minimumRequests &&
      100 * failed >= this.settings.errorThresholdPercent * total
    ) {
      this.#open(second);
    }
  }

  #open(second: number): void {
    this.#state = 'open';
    this.#openedAt = second + 1;
    this.#window = [];
    this.opened += 1;
  }
}
