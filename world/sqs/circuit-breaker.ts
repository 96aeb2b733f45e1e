/**
 * A circuit breaker on the consumer's calls to the downstream: when too many calls fail, it stops
 * them for a while, so the service behind it recovers. What "stopping" does to the messages is the
 * breaker's `whenOpen`, and the two kinds differ exactly there:
 *
 * - `fail-fast` (the default; an API gateway, a service mesh or the service's own load shedding,
 *   or an in-process breaker library): every call while open is answered 429 in `fastFailMs`. The
 *   consumer gets an error for each, fails the invocation, and the batch goes back to the queue one
 *   receive closer to the DLQ. It protects the service, not the messages: a message received and
 *   failed counts toward maxReceiveCount whether the service saw the call or not (SQS counts
 *   receives; "Using dead-letter queues in Amazon SQS"), and a 429 in a few milliseconds lets the
 *   pollers receive far more of the backlog than the service could have failed.
 * - `pause-mapping`: the consumer stops polling instead. When the breaker opens, it disables the
 *   event-source mapping (UpdateEventSourceMapping Enabled=false, as a breaker whose state all the
 *   consumer's invocations share can; published circuit-breaker patterns for Lambda's SQS consumers
 *   disable the mapping the same way, from a CloudWatch alarm on the errors); when the open time is
 *   over it enables it again, and the first second
 *   of calls after that is the trial. A message is received only while the mapping polls, so the
 *   breaker fails no batch itself: calls made before the mapping has stopped (its `Disabling`
 *   transition) go to the service like any other, and only the service's own failures return
 *   batches. The consumer cannot instead "return the batch unprocessed" without burning a receive:
 *   whatever the function does with a batch, SQS has already counted the receive.
 *
 * States, per second:
 * - closed: calls go through; each second's calls and failures enter a rolling window of
 *   `windowSeconds`; when the window holds at least `minimumRequests` calls and their failed share
 *   reaches `errorThresholdPercent`, it opens.
 * - open: `fail-fast`: every call is answered 429 in `fastFailMs`; `pause-mapping`: the mapping is
 *   asked to stop polling, and calls still made are not judged. After `openSeconds` it is half-open.
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
  /** What an open breaker does: answer calls 429 (default) or pause the mapping's polling. */
  whenOpen?: BreakerAction;
}

export type BreakerAction = 'fail-fast' | 'pause-mapping';

export type CircuitState = 'closed' | 'open' | 'half-open';

interface Settings {
  errorThresholdPercent: number;
  windowSeconds: number;
  minimumRequests: number;
  openSeconds: number;
  fastFailMs: number;
  whenOpen: BreakerAction;
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
  if (spec.whenOpen !== undefined && !['fail-fast', 'pause-mapping'].includes(spec.whenOpen))
    problems.push('whenOpen must be fail-fast or pause-mapping');
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
      whenOpen: spec.whenOpen ?? 'fail-fast',
    };
  }

  /** The state for calls started in `second` (an open breaker turns half-open on time). */
  stateAt(second: number): CircuitState {
    if (this.#state === 'open' && second >= this.#openedAt + this.settings.openSeconds) {
      this.#state = 'half-open';
    }
    return this.#state;
  }

  /** Whether calls started in `second` reach the downstream: a pausing breaker stops none. */
  allows(second: number): boolean {
    return this.settings.whenOpen === 'pause-mapping' || this.stateAt(second) !== 'open';
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
