/**
 * An SQS queue drained by a Lambda function through an event-source mapping, the function calling
 * a downstream service — simulated second by second in virtual time, published each minute as
 * CloudWatch metrics, and answering the Lambda and SQS control-plane calls a remediation makes
 * (EventSourceMappingPort, QueuePort) in the SDK's shapes.
 *
 * Each second, in order:
 * 1. A pending mapping change whose transition has run its course takes effect.
 * 2. Messages whose visibility timeout ended become visible; messages older than the queue's
 *    MessageRetentionPeriod are deleted (expired, lost), and the DLQ's likewise, counted from the
 *    original enqueue time (a standard queue keeps it when it moves a message to the DLQ).
 * 3. Producers send the second's messages (`arrivals`, phases as `world/dynamodb/workload.ts`).
 * 4. The mapping's pollers receive and invoke. Pollers scale as `event-source-mapping.ts` says (5
 *    to start, +5 a second while messages remain, capped by MaximumConcurrency or 1,000). The
 *    function runs at most min(pollers, reserved concurrency) invocations at once; each takes the
 *    downstream's latency (capped by the function timeout: a slower call times out and fails), so
 *    those slots start slots / latency invocations a second (Little's law, with the fraction
 *    carried over), each with up to BatchSize messages.
 *    - Each invocation is one downstream request. A request that fails (see `downstream.ts`) fails
 *      the invocation, and its whole batch returns to the queue when the visibility timeout ends
 *      (counted from the receive), its receive count already one higher. A successful invocation
 *      deletes its batch.
 *    - When invocations fail, the mapping backs off: fewer pollers, as AWS documents it and
 *      `event-source-mapping.ts` models it (`nextPollers`), each second from the invocations that
 *      ended in it (a failure is known when the invocation ends, a timeout after the timeout).
 *    - Pollers beyond the reserved concurrency still receive: each takes a batch a second whose
 *      invocation is throttled, and the batch returns after the visibility timeout, the receive
 *      counting toward maxReceiveCount (aws-facts.md). Lowering MaximumConcurrency instead keeps
 *      pollers from receiving at all: messages wait in the queue, receive counts unchanged.
 *    - A receive that meets a message already received maxReceiveCount times moves it to the DLQ
 *      (the redrive policy), so messages reach the DLQ only while something polls.
 *    - With a circuit breaker in front of the downstream (`circuit-breaker.ts`), calls made while
 *      it is open are answered 429 in a few milliseconds: they count as downstream requests and
 *      errors (the consumer got an error response) but put no load on the service, and their
 *      invocations fail, so their batches return to the queue as any failed batch does. A breaker
 *      that pauses the mapping instead asks, at the start of a second, for the mapping to be
 *      disabled when it is open and enabled again when it is half-open (UpdateEventSourceMapping,
 *      with the mapping's transition, as any update; one refused mid-transition is asked again
 *      the next second); its calls are never short-circuited.
 * 5. Invocations due to end now end (deletes and returns).
 *
 * Simplifications, beside those in the modules it uses (`message-store.ts`, `downstream.ts`,
 * `event-source-mapping.ts`, `queue-metrics.ts`):
 * - Time runs in whole seconds; messages arrive at the start of their second; an invocation ends
 *   its latency rounded to whole seconds after it starts (sub-second ones within the second).
 * - Received messages are packed into full batches (the last one partial); the batching window
 *   does not delay invocations; partial batch responses (ReportBatchItemFailures) are not used,
 *   so a failed invocation returns its whole batch.
 * - ConcurrentExecutions is Little's law — invocations started in a second × their duration,
 *   capped by the slots — not a count of invocations running, so it follows a change of
 *   concurrency at once (invocations still running after MaximumConcurrency drops are not shown).
 * - The DLQ is only a store: nothing consumes it, and its own settings are SQS's defaults
 *   (visibility timeout 30 s) but for its retention period.
 * - Which invocations of a second fail is not drawn one by one: the failed count is the expected
 *   one, stochastically rounded with a seeded stream per second, and failed messages are taken
 *   from the second's received cohorts in proportion.
 * - One standard queue, its DLQ and one mapping; no delay queues or message timers, no FIFO; the
 *   account's concurrency quota is not modelled (without reserved concurrency a function is never
 *   throttled); the function does nothing but call the downstream.
 * - Lambda's requirement that the queue's visibility timeout be at least the function timeout is
 *   enforced when the world is built (InvalidParameterValueException, as CreateEventSourceMapping).
 */
import type {
  EventSourceMappingConfiguration,
  GetEventSourceMappingRequest,
  UpdateEventSourceMappingRequest,
} from '@aws-sdk/client-lambda';
import type {
  GetQueueAttributesRequest,
  GetQueueAttributesResult,
  QueueAttributeName,
} from '@aws-sdk/client-sqs';
import type { VirtualClock } from '../../core/virtual-clock.ts';
import type {
  BackpressurePorts,
  EventSourceMappingPort,
  QueuePort,
} from '../../domain/backpressure/ports.ts';
import type { MetricStore } from '../metric-store.ts';
import type { Random } from '../../core/random.ts';
import { SimulatedServiceError } from '../service-error.ts';
import {
  brownoutProblems,
  capacityAt,
  conditions,
  errorShare,
  smoothLoad,
  validateDownstream,
  type Brownout,
  type DownstreamSpec,
} from './downstream.ts';
import { CircuitBreaker, type CircuitBreakerSpec } from './circuit-breaker.ts';
import { EventSourceMapping, nextPollers, pollerCap, type MappingState } from './event-source-mapping.ts';
import { MessageStore, type Cohort } from './message-store.ts';
import {
  addSamples,
  emptyTally,
  publishMinute,
  type MinuteCounts,
  type MinuteTally,
} from './queue-metrics.ts';
import { createArrivals, type ArrivalSpec, type Arrivals } from './workload.ts';
import {
  FUNCTION_TIMEOUT_SECONDS,
  MAX_RECEIVE_COUNT,
  MESSAGE_RETENTION_SECONDS,
  VISIBILITY_TIMEOUT_SECONDS,
  type Bounds,
} from './limits.ts';

export type { ArrivalSpec, ArrivalPhase } from './workload.ts';
export type { Brownout, DownstreamSpec } from './downstream.ts';
export type { CircuitBreakerSpec } from './circuit-breaker.ts';

export interface QueueSpec {
  name: string;
  /** Default 30, SQS's default; 0..43,200. */
  visibilityTimeoutSeconds?: number;
  /** Default 345,600 (4 days), SQS's default; 60..1,209,600. */
  messageRetentionPeriodSeconds?: number;
  /** Redrive policy: receives before a message moves to the DLQ; 1..1,000. */
  maxReceiveCount: number;
  /** Default `${name}-dlq`. */
  deadLetterQueueName?: string;
  /** Default 1,209,600 (14 days), the longest SQS allows, as AWS advises for a DLQ. */
  deadLetterRetentionPeriodSeconds?: number;
}

export interface MappingSpec {
  /** Default 10. */
  batchSize?: number;
  /** Default 0. */
  maximumBatchingWindowInSeconds?: number;
  /** ScalingConfig.MaximumConcurrency; absent: none. */
  maximumConcurrency?: number;
  /** Default true. */
  enabled?: boolean;
  /** Default: a UUID drawn from the world's seed. */
  uuid?: string;
  /** How long an update stays `Updating` / `Enabling` / `Disabling`; default 20 seconds. */
  transitionSeconds?: number;
  /**
   * Lambda's backoff on failed and throttled invocations (`nextPollers`); default true, as AWS
   * documents it. False models a mapping that never scales down on errors (as AWS documents for
   * ReportBatchItemFailures, which this world does not otherwise model).
   */
  backoffOnErrors?: boolean;
}

export interface FunctionSpec {
  name: string;
  /** Default 3, Lambda's default; 1..900. */
  timeoutSeconds?: number;
  /** Reserved concurrency; absent: none. */
  reservedConcurrency?: number;
}

export interface QueueWorldOptions {
  clock: VirtualClock;
  metrics: MetricStore;
  random: Random;
  arrivals: ArrivalSpec;
  queue: QueueSpec;
  mapping?: MappingSpec;
  function: FunctionSpec;
  downstream: DownstreamSpec;
  /** A circuit breaker in front of the downstream (`circuit-breaker.ts`); absent: none. */
  circuitBreaker?: CircuitBreakerSpec;
  /** Default us-east-1. */
  region?: string;
  /** Default 123456789012. */
  accountId?: string;
}

/**
 * One minute of the world, as a timeline row. Counts are the minute's (those of `MinuteCounts` as
 * the minute's tally has them); levels its end's.
 */
export interface QueueMinute extends MinuteCounts {
  /** Minutes since the world started. */
  minute: number;
  startMs: number;
  time: string;
  /** Arrivals phase at the minute's start. */
  phase: string;
  arrivals: number;
  /** Deleted after a successful invocation. */
  processed: number;
  visible: number;
  notVisible: number;
  oldestAgeSeconds: number;
  /** Messages in the DLQ at the minute's end. */
  deadLetter: number;
  /** Lowest capacity of the minute (a brownout shows here). */
  downstreamCapacity: number;
  downstreamLatencyP99Ms: number;
  /** Highest per-second ConcurrentExecutions. */
  concurrency: number;
  /** Pollers at the minute's end. */
  pollers: number;
  /** MaximumConcurrency in effect at the minute's end; null: none. */
  maximumConcurrency: number | null;
  mappingState: MappingState;
}

/** Everything counted so far (the minute tally's counters, summed), and the levels now. */
export interface QueueTotals extends Omit<
  MinuteTally,
  'seconds' | 'downstreamCapacity' | 'concurrency' | 'latencyP99Ms' | 'durationMs'
> {
  /** Levels now: sent = deleted + movedToDeadLetter + expired + visible + notVisible. */
  visible: number;
  notVisible: number;
  deadLetter: number;
}

/** An UpdateEventSourceMapping the world accepted, as the mapping's requested settings moved. */
export interface MappingChange {
  /** Seconds since the world started. */
  second: number;
  /** Who asked: a caller of the port (a remediation), or the consumer's pausing circuit breaker. */
  by: 'caller' | 'circuit-breaker';
  before: { maximumConcurrency: number | null; enabled: boolean };
  after: { maximumConcurrency: number | null; enabled: boolean };
}

export interface QueueSnapshot {
  /** Seconds since the world started. */
  second: number;
  visible: number;
  notVisible: number;
  inFlight: number;
  deadLetter: number;
  pollers: number;
  mappingState: MappingState;
  /** Messages in the queue (not the DLQ) by how many times they were received. */
  receiveCounts: Record<number, number>;
}

export interface QueueMinuteContext {
  entry: QueueMinute;
  /** Virtual time of the boundary (the end of `entry`'s minute). */
  nowMs: number;
  world: QueueWorld;
}

/**
 * Runs at each minute boundary, in registration order, with `clock.now()` at that boundary. A
 * hook must not advance the clock (advances are serialised, so it would wait on itself).
 */
export type QueueMinuteHook = (context: QueueMinuteContext) => Promise<void> | void;

/** The totals that add up the minutes' tallies. */
const COUNTERS = [
  'sent',
  'received',
  'deleted',
  'returned',
  'throttledMessages',
  'movedToDeadLetter',
  'expired',
  'deadLetterExpired',
  'invocations',
  'errors',
  'throttles',
  'downstreamRequests',
  'downstreamErrors',
  'shedRequests',
] as const satisfies readonly (keyof QueueTotals & keyof MinuteTally)[];
type Counter = (typeof COUNTERS)[number];

const SECOND_MS = 1000;
const MINUTE_MS = 60_000;
const SUPPORTED_ATTRIBUTES: readonly QueueAttributeName[] = [
  'QueueArn',
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
  'VisibilityTimeout',
  'MessageRetentionPeriod',
  'DelaySeconds',
  'ReceiveMessageWaitTimeSeconds',
  'RedrivePolicy',
];
const KNOWN_ATTRIBUTES = new Set<string>([
  ...SUPPORTED_ATTRIBUTES,
  'All',
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'FifoQueue',
  'FifoThroughputLimit',
  'KmsDataKeyReusePeriodSeconds',
  'KmsMasterKeyId',
  'MaximumMessageSize',
  'Policy',
  'RedriveAllowPolicy',
  'SqsManagedSseEnabled',
]);

export class QueueWorld implements EventSourceMappingPort, QueuePort {
  readonly timeline: QueueMinute[] = [];
  /** Every accepted UpdateEventSourceMapping, oldest first. */
  readonly mappingChanges: MappingChange[] = [];
  readonly queueName: string;
  readonly deadLetterQueueName: string;
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
  readonly queueArn: string;
  readonly deadLetterQueueArn: string;
  readonly functionName: string;
  readonly mappingUuid: string;
  /** Where the queue, the function and the mapping live (their URLs' and ARNs'). */
  readonly region: string;
  readonly accountId: string;
  readonly arrivals: Arrivals;

  #options: QueueWorldOptions;
  #clock: VirtualClock;
  #store: MessageStore;
  #mapping: EventSourceMapping;
  #brownouts: Brownout[];
  #visibilityTimeout: number;
  #functionTimeout: number;
  #startMs: number;
  #cursorMs: number;
  #pollers = 0;
  #invocationCarry = 0;
  #smoothedLoad = 0;
  #downstreamRandom: Random;
  #breaker: CircuitBreaker | undefined;
  /** Invocations ending at a second (the key), and how many of them fail: the backoff's input. */
  #endings = new Map<number, { attempts: number; failed: number }>();
  #tally: MinuteTally = emptyTally();
  #totals = Object.fromEntries(COUNTERS.map((key) => [key, 0])) as Record<Counter, number>;
  #hooks: QueueMinuteHook[] = [];
  #unsubscribe: () => void;

  constructor(options: QueueWorldOptions) {
    this.#options = options;
    this.#clock = options.clock;
    const { queue, downstream } = options;
    const region = options.region ?? 'us-east-1';
    const account = options.accountId ?? '123456789012';
    this.region = region;
    this.accountId = account;
    this.#visibilityTimeout = queue.visibilityTimeoutSeconds ?? 30;
    this.#functionTimeout = options.function.timeoutSeconds ?? 3;
    const retention = queue.messageRetentionPeriodSeconds ?? 345_600;
    const deadLetterRetention = queue.deadLetterRetentionPeriodSeconds ?? 1_209_600;
    validateWorld(options, {
      visibilityTimeout: this.#visibilityTimeout,
      functionTimeout: this.#functionTimeout,
      retention,
      deadLetterRetention,
    });
    validateDownstream(downstream);

    this.queueName = queue.name;
    this.deadLetterQueueName = queue.deadLetterQueueName ?? `${queue.name}-dlq`;
    this.queueUrl = `https://sqs.${region}.amazonaws.com/${account}/${this.queueName}`;
    this.deadLetterQueueUrl = `https://sqs.${region}.amazonaws.com/${account}/${this.deadLetterQueueName}`;
    this.queueArn = `arn:aws:sqs:${region}:${account}:${this.queueName}`;
    this.deadLetterQueueArn = `arn:aws:sqs:${region}:${account}:${this.deadLetterQueueName}`;
    this.functionName = options.function.name;

    this.#startMs = options.clock.now();
    this.#cursorMs = this.#startMs;
    this.#store = new MessageStore({
      retentionSeconds: retention,
      deadLetterRetentionSeconds: deadLetterRetention,
      maxReceiveCount: queue.maxReceiveCount,
    });
    const mapping = options.mapping ?? {};
    this.mappingUuid = mapping.uuid ?? uuidFrom(options.random.fork('mapping-uuid'));
    this.#mapping = new EventSourceMapping(
      {
        uuid: this.mappingUuid,
        eventSourceArn: this.queueArn,
        functionName: this.functionName,
        functionArn: `arn:aws:lambda:${region}:${account}:function:${this.functionName}`,
        mappingArn: `arn:aws:lambda:${region}:${account}:event-source-mapping:${this.mappingUuid}`,
      },
      {
        batchSize: mapping.batchSize ?? 10,
        maximumBatchingWindowInSeconds: mapping.maximumBatchingWindowInSeconds ?? 0,
        maximumConcurrency: mapping.maximumConcurrency,
        enabled: mapping.enabled ?? true,
      },
      this.#startMs,
      mapping.transitionSeconds ?? 20,
    );
    this.#brownouts = [...(downstream.brownouts ?? [])];
    this.arrivals = createArrivals(options.arrivals, options.random.fork(`arrivals:${this.queueName}`));
    this.#downstreamRandom = options.random.fork(`downstream:${downstream.name}`);
    const breaker = options.circuitBreaker;
    this.#breaker = breaker ? new CircuitBreaker(breaker) : undefined;
    this.#unsubscribe = options.clock.onAdvance((_fromMs, toMs) => this.#advanceTo(toMs));
  }

  onMinute(hook: QueueMinuteHook): () => void {
    this.#hooks.push(hook);
    return () => {
      this.#hooks = this.#hooks.filter((h) => h !== hook);
    };
  }

  /** Stops following the clock. */
  detach(): void {
    this.#unsubscribe();
  }

  /** The ports a backpressure runbook's tasks are given in the local engine. */
  ports(): BackpressurePorts {
    return { mappings: this, queues: this, cloudwatch: this.#options.metrics, now: () => this.#clock.now() };
  }

  /** Lowers the downstream's capacity to `capacity` from now, for `durationMinutes`. */
  injectBrownout(brownout: { capacity: number; durationMinutes: number }): void {
    const injected = { ...brownout, fromMinute: this.#second() / 60 };
    const problems = brownoutProblems(injected);
    if (problems.length > 0) throw new RangeError(`Invalid brownout: ${problems.join('; ')}`);
    this.#brownouts.push(injected);
  }

  /** Times the circuit breaker before the downstream opened (0 without one). */
  get breakerOpenings(): number {
    return this.#breaker?.opened ?? 0;
  }

  /** Since the world started, up to now (the minute in progress included). */
  get totals(): QueueTotals {
    const counters = { ...this.#totals };
    for (const key of COUNTERS) counters[key] += this.#tally[key];
    return {
      ...counters,
      visible: this.#store.visible,
      notVisible: this.#store.notVisible,
      deadLetter: this.#store.deadLetter,
    };
  }

  snapshot(): QueueSnapshot {
    return {
      second: this.#second(),
      visible: this.#store.visible,
      notVisible: this.#store.notVisible,
      inFlight: this.#store.inFlight,
      deadLetter: this.#store.deadLetter,
      pollers: this.#pollers,
      mappingState: this.#mapping.state,
      receiveCounts: Object.fromEntries(this.#store.receiveCounts()),
    };
  }

  async getEventSourceMapping(input: GetEventSourceMappingRequest): Promise<EventSourceMappingConfiguration> {
    this.#mapping.checkUuid(input.UUID);
    this.#mapping.tick(this.#second());
    return this.#mapping.describe();
  }

  async updateEventSourceMapping(
    input: UpdateEventSourceMappingRequest,
  ): Promise<EventSourceMappingConfiguration> {
    // The answer shows the new settings, `Updating`; they take effect when the state settles, and
    // a MaximumConcurrency lowered below the running pollers then stops new receives beyond it
    // while the invocations already running finish.
    this.#mapping.tick(this.#second());
    const before = limitOf(this.#mapping.describe());
    const answer = this.#mapping.update(input, this.#second(), this.#clock.now());
    this.mappingChanges.push({ second: this.#second(), by: 'caller', before, after: limitOf(answer) });
    return answer;
  }

  async getQueueAttributes(input: GetQueueAttributesRequest): Promise<GetQueueAttributesResult> {
    const deadLetter = input.QueueUrl === this.deadLetterQueueUrl;
    if (input.QueueUrl !== this.queueUrl && !deadLetter) {
      throw new SimulatedServiceError('QueueDoesNotExist', 'The specified queue does not exist.');
    }
    const asked = input.AttributeNames ?? [];
    for (const name of asked) {
      if (!KNOWN_ATTRIBUTES.has(name)) {
        throw new SimulatedServiceError('InvalidAttributeName', `Unknown Attribute ${name}.`);
      }
    }
    if (asked.length === 0) return {};
    const values = this.#attributes(deadLetter);
    const wanted = asked.includes('All') ? SUPPORTED_ATTRIBUTES : asked;
    const attributes: Partial<Record<QueueAttributeName, string>> = {};
    for (const name of wanted) {
      const value = values[name];
      if (value !== undefined) attributes[name] = value;
    }
    return { Attributes: attributes };
  }

  #attributes(deadLetter: boolean): Partial<Record<QueueAttributeName, string>> {
    const { queue } = this.#options;
    const created = String(Math.floor(this.#startMs / 1000));
    return {
      QueueArn: deadLetter ? this.deadLetterQueueArn : this.queueArn,
      ApproximateNumberOfMessages: String(deadLetter ? this.#store.deadLetter : this.#store.visible),
      ApproximateNumberOfMessagesNotVisible: String(deadLetter ? 0 : this.#store.notVisible),
      ApproximateNumberOfMessagesDelayed: '0',
      CreatedTimestamp: created,
      LastModifiedTimestamp: created,
      VisibilityTimeout: String(deadLetter ? 30 : this.#visibilityTimeout),
      MessageRetentionPeriod: String(
        deadLetter ? this.#store.settings.deadLetterRetentionSeconds : this.#store.settings.retentionSeconds,
      ),
      DelaySeconds: '0',
      ReceiveMessageWaitTimeSeconds: '0',
      ...(deadLetter
        ? {}
        : {
            RedrivePolicy: JSON.stringify({
              deadLetterTargetArn: this.deadLetterQueueArn,
              maxReceiveCount: queue.maxReceiveCount,
            }),
          }),
    };
  }

  #second(): number {
    return Math.floor((this.#cursorMs - this.#startMs) / SECOND_MS);
  }

  async #advanceTo(toMs: number): Promise<void> {
    while (this.#cursorMs + SECOND_MS <= toMs) {
      this.#step(this.#second());
      const minuteStartMs = floorMinute(this.#cursorMs);
      this.#cursorMs += SECOND_MS;
      if (floorMinute(this.#cursorMs) !== minuteStartMs) await this.#closeMinute(minuteStartMs);
    }
  }

  #step(second: number): void {
    const tally = this.#tally;
    const store = this.#store;
    tally.seconds += 1;

    this.#mapping.tick(second);
    this.#pauseOrResume(second);
    const { expired, deadLetterExpired } = store.tick(second);
    tally.expired += expired;
    tally.deadLetterExpired += deadLetterExpired;

    const sent = this.arrivals.messagesAt(second);
    store.send(second, sent);
    tally.sent += sent;

    const settings = this.#mapping.effective;
    const pollers = Math.min(this.#pollers, settings.enabled ? pollerCap(settings) : 0);
    const reserved = this.#options.function.reservedConcurrency;
    const slots = Math.min(pollers, reserved ?? Infinity);
    const batchSize = settings.batchSize;

    const capacity = capacityAt(this.#options.downstream, this.#brownouts, second);
    const now = conditions(this.#options.downstream, capacity, this.#smoothedLoad);
    // An open breaker answers every call 429 at once, and the service behind it sees none.
    const shortCircuited = this.#breaker ? !this.#breaker.allows(second) : false;
    const timedOut = !shortCircuited && now.latencySeconds > this.#functionTimeout;
    const duration = shortCircuited
      ? (this.#breaker?.settings.fastFailMs ?? 0) / 1000
      : Math.min(now.latencySeconds, this.#functionTimeout);
    const random = this.#downstreamRandom.fork(`second:${second}`);

    // Invocations the free slots can run this second.
    let invocations = 0;
    let downstreamCalls = 0;
    if (slots > 0) {
      const possible = slots / duration + this.#invocationCarry;
      const whole = Math.floor(possible);
      const receive = store.receive(second, whole * batchSize);
      tally.movedToDeadLetter += receive.movedToDeadLetter;
      const received = receive.count;
      invocations = Math.ceil(received / batchSize);
      this.#invocationCarry = received >= whole * batchSize ? possible - whole : 0;
      const shed = shortCircuited ? invocations : 0;
      const served = invocations - shed;
      const servedErrors = stochasticRound(
        served * errorShare(this.#options.downstream, capacity, served),
        random.next(),
      );
      const downstreamErrors = shed + servedErrors;
      const failed = timedOut ? invocations : downstreamErrors;
      this.#breaker?.record(second, served, timedOut ? served : servedErrors);
      downstreamCalls = served;
      tally.shedRequests += shed;
      const failedMessages = invocations > 0 ? Math.round((received * failed) / invocations) : 0;
      const { taken: returned, left: deleted } = takeProportionally(receive.received, failedMessages);
      const completesAt = second + Math.round(duration);
      this.#ending(completesAt, invocations, failed);
      store.startInvocations(
        completesAt,
        deleted,
        returned,
        Math.max(completesAt + 1, second + this.#visibilityTimeout),
      );

      tally.received += received;
      tally.invocations += invocations;
      tally.errors += failed;
      tally.downstreamRequests += invocations;
      tally.downstreamErrors += downstreamErrors;
      addSamples(tally.durationMs, duration * 1000, invocations);
      if (served > 0) tally.latencyP99Ms = Math.max(tally.latencyP99Ms, now.p99LatencySeconds * 1000);
    } else {
      this.#invocationCarry = 0;
    }

    // Pollers beyond the reserved concurrency receive a batch a second each, and are throttled.
    const excess = pollers - slots;
    if (excess > 0 && store.visible > 0) {
      const receive = store.receive(second, excess * batchSize);
      tally.movedToDeadLetter += receive.movedToDeadLetter;
      store.returnLater(receive.received, second + Math.max(1, this.#visibilityTimeout));
      tally.received += receive.count;
      tally.throttledMessages += receive.count;
      tally.throttles += Math.ceil(receive.count / batchSize);
    }

    const completed = store.completeInvocations(second);
    tally.deleted += completed.deleted;
    tally.returned += completed.returned;

    this.#smoothedLoad = smoothLoad(this.#smoothedLoad, downstreamCalls);
    tally.downstreamCapacity = Math.min(tally.downstreamCapacity, capacity);
    // Little's law; the fraction carried over can overshoot the slots for a second, never on average.
    const busySlots = Math.min(slots, invocations * duration);
    addSamples(tally.concurrency, busySlots);
    const outcomes = this.#endings.get(second);
    this.#endings.delete(second);
    this.#pollers = nextPollers(
      pollers,
      settings,
      { backlogLeft: store.visible > 0, busySlots, ...(outcomes ? { outcomes } : {}) },
      this.#options.mapping?.backoffOnErrors ?? true,
    );
  }

  /** Counts invocations that end at `second`, and how many of them fail. */
  #ending(second: number, attempts: number, failed: number): void {
    if (attempts <= 0) return;
    const known = this.#endings.get(second) ?? { attempts: 0, failed: 0 };
    this.#endings.set(second, { attempts: known.attempts + attempts, failed: known.failed + failed });
  }

  /**
   * A pausing circuit breaker: open, it asks for the mapping to stop polling; half-open, for it
   * to poll again. A mapping mid-transition refuses updates (ResourceInUseException): asked again
   * the next second.
   */
  #pauseOrResume(second: number): void {
    const breaker = this.#breaker;
    if (!breaker || breaker.settings.whenOpen !== 'pause-mapping') return;
    const state = breaker.stateAt(second);
    const mapping = this.#mapping.state;
    const enabled = state === 'open' ? false : state === 'half-open' ? true : undefined;
    if (enabled === undefined) return;
    if ((enabled && mapping !== 'Disabled') || (!enabled && mapping !== 'Enabled')) return;
    const before = limitOf(this.#mapping.describe());
    const answer = this.#mapping.update({ UUID: this.mappingUuid, Enabled: enabled }, second, this.#cursorMs);
    this.mappingChanges.push({ second, by: 'circuit-breaker', before, after: limitOf(answer) });
  }

  async #closeMinute(minuteStartMs: number): Promise<void> {
    const tally = this.#tally;
    this.#tally = emptyTally();
    const second = this.#second();
    const oldest = this.#store.oldestSentAt();
    const deadLetterOldest = this.#store.deadLetterOldestMovedAt();
    const gauges = {
      visible: this.#store.visible,
      notVisible: this.#store.notVisible,
      oldestAgeSeconds: oldest === undefined ? 0 : second - oldest,
      deadLetterVisible: this.#store.deadLetter,
      deadLetterOldestAgeSeconds: deadLetterOldest === undefined ? 0 : second - deadLetterOldest,
    };
    publishMinute(
      this.#options.metrics,
      {
        queueName: this.queueName,
        deadLetterQueueName: this.deadLetterQueueName,
        functionName: this.functionName,
        downstreamName: this.#options.downstream.name,
      },
      minuteStartMs,
      tally,
      gauges,
    );
    for (const key of COUNTERS) this.#totals[key] += tally[key];
    const settings = this.#mapping.effective;
    const entry: QueueMinute = {
      minute: Math.floor((minuteStartMs - floorMinute(this.#startMs)) / MINUTE_MS),
      startMs: minuteStartMs,
      time: new Date(minuteStartMs).toISOString(),
      phase: this.arrivals.phaseAt(Math.max(0, (minuteStartMs - this.#startMs) / SECOND_MS)),
      arrivals: tally.sent,
      received: tally.received,
      processed: tally.deleted,
      returned: tally.returned,
      throttledMessages: tally.throttledMessages,
      visible: gauges.visible,
      notVisible: gauges.notVisible,
      oldestAgeSeconds: gauges.oldestAgeSeconds,
      deadLetter: gauges.deadLetterVisible,
      movedToDeadLetter: tally.movedToDeadLetter,
      expired: tally.expired,
      invocations: tally.invocations,
      errors: tally.errors,
      throttles: tally.throttles,
      downstreamRequests: tally.downstreamRequests,
      downstreamErrors: tally.downstreamErrors,
      shedRequests: tally.shedRequests,
      downstreamCapacity: Number.isFinite(tally.downstreamCapacity) ? tally.downstreamCapacity : 0,
      downstreamLatencyP99Ms: Math.round(tally.latencyP99Ms),
      concurrency: tally.concurrency.sampleCount > 0 ? round2(tally.concurrency.maximum) : 0,
      pollers: this.#pollers,
      maximumConcurrency: settings.maximumConcurrency ?? null,
      mappingState: this.#mapping.state,
    };
    this.timeline.push(entry);

    const nowMs = minuteStartMs + MINUTE_MS;
    this.#clock.reach(nowMs);
    for (const hook of [...this.#hooks]) await hook({ entry, nowMs, world: this });
  }
}

interface WorldLimits {
  visibilityTimeout: number;
  functionTimeout: number;
  retention: number;
  deadLetterRetention: number;
}

function validateWorld(options: QueueWorldOptions, limits: WorldLimits): void {
  const problems: string[] = [];
  const whole = (value: number, name: string, min: number, max: number) => {
    if (!Number.isInteger(value) || value < min || value > max)
      problems.push(`${name} must be a whole number in ${min}..${max}`);
  };
  const within = (value: number, name: string, bounds: Bounds) => whole(value, name, bounds.min, bounds.max);
  within(limits.visibilityTimeout, 'visibilityTimeoutSeconds', VISIBILITY_TIMEOUT_SECONDS);
  within(limits.retention, 'messageRetentionPeriodSeconds', MESSAGE_RETENTION_SECONDS);
  within(limits.deadLetterRetention, 'deadLetterRetentionPeriodSeconds', MESSAGE_RETENTION_SECONDS);
  within(options.queue.maxReceiveCount, 'maxReceiveCount', MAX_RECEIVE_COUNT);
  within(limits.functionTimeout, 'function timeoutSeconds', FUNCTION_TIMEOUT_SECONDS);
  const reserved = options.function.reservedConcurrency;
  if (reserved !== undefined) whole(reserved, 'reservedConcurrency', 0, 1_000_000);
  if (problems.length > 0) throw new RangeError(`Invalid queue world: ${problems.join('; ')}`);
  if (limits.visibilityTimeout < limits.functionTimeout) {
    throw new SimulatedServiceError(
      'InvalidParameterValueException',
      `Queue visibility timeout: ${limits.visibilityTimeout} seconds is less than Function timeout: ${limits.functionTimeout} seconds`,
    );
  }
}

/** Splits `taken` messages off the cohorts, in proportion to their counts (largest remainders). */
function takeProportionally(cohorts: readonly Cohort[], taken: number): { taken: Cohort[]; left: Cohort[] } {
  const total = cohorts.reduce((sum, cohort) => sum + cohort.count, 0);
  const want = Math.min(taken, total);
  if (want <= 0) return { taken: [], left: cohorts.map((c) => ({ ...c })) };
  if (want === total) return { taken: cohorts.map((c) => ({ ...c })), left: [] };
  const shares = cohorts.map((cohort) => (cohort.count * want) / total);
  const counts = shares.map(Math.floor);
  let missing = want - counts.reduce((sum, n) => sum + n, 0);
  const byRemainder = shares
    .map((share, i) => ({ i, rest: share - Math.floor(share) }))
    .sort((a, b) => b.rest - a.rest || a.i - b.i);
  for (const { i } of byRemainder) {
    if (missing <= 0) break;
    counts[i] = (counts[i] ?? 0) + 1;
    missing -= 1;
  }
  return {
    taken: cohorts.map((c, i) => ({ ...c, count: counts[i] ?? 0 })).filter((c) => c.count > 0),
    left: cohorts.map((c, i) => ({ ...c, count: c.count - (counts[i] ?? 0) })).filter((c) => c.count > 0),
  };
}

function stochasticRound(value: number, draw: number): number {
  const whole = Math.floor(value);
  return whole + (draw < value - whole ? 1 : 0);
}

/** A version-4 UUID from the seeded stream. */
function uuidFrom(random: Random): string {
  const hex = Array.from({ length: 32 }, () => random.int(0, 15).toString(16));
  hex[12] = '4';
  hex[16] = (8 + random.int(0, 3)).toString(16);
  const s = hex.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

function limitOf(mapping: EventSourceMappingConfiguration): MappingChange['before'] {
  return {
    maximumConcurrency: mapping.ScalingConfig?.MaximumConcurrency ?? null,
    enabled: !['Disabled', 'Disabling'].includes(mapping.State ?? 'Enabled'),
  };
}

function floorMinute(ms: number): number {
  return Math.floor(ms / MINUTE_MS) * MINUTE_MS;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
