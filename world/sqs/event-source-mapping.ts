/**
 * An SQS event-source mapping as Lambda's control plane sees it (GetEventSourceMapping /
 * UpdateEventSourceMapping in the SDK's shapes, validation, state transitions), how its pollers
 * scale ("Configuring scaling behavior for SQS event source mappings") and how they back off when
 * invocations fail ("Handling errors for an SQS event source in Lambda"; see `nextPollers`).
 *
 * - ScalingConfig.MaximumConcurrency: 2..1,000 for SQS (aws-facts.md); outside that range the
 *   request fails with ValidationException, in the wording of Lambda's constraint errors. An empty
 *   ScalingConfig removes the limit.
 * - BatchSize 1..10,000 and MaximumBatchingWindowInSeconds 0..300 (ValidationException); a batch
 *   size above 10 needs a batching window of at least one second (InvalidParameterValueException).
 * - An update answers at once with the new settings and State `Updating` (`Enabling` /
 *   `Disabling` when Enabled changes); the change takes effect when the state settles to
 *   `Enabled` / `Disabled`, `transitionSeconds` later. Another update meanwhile is refused with
 *   ResourceInUseException, as Lambda refuses changes to a mapping mid-transition.
 *
 * Simplifications: only the fields above (and a FunctionName naming the mapping's own function)
 * can be updated; any other field is refused with InvalidParameterValueException rather than
 * ignored. The batching window is validated and reported but does not delay polling.
 */
import type {
  EventSourceMappingConfiguration,
  UpdateEventSourceMappingRequest,
} from '@aws-sdk/client-lambda';
import { SimulatedServiceError } from '../service-error.ts';

export const MIN_MAXIMUM_CONCURRENCY = 2;
export const MAX_MAXIMUM_CONCURRENCY = 1000;
/** Lambda starts an SQS mapping with five concurrent batches when messages are available. */
export const INITIAL_POLLERS = 5;
/** It adds up to 300 concurrent batches a minute while messages remain: 5 a second here. */
export const POLLERS_ADDED_PER_SECOND = 5;
/** Without MaximumConcurrency a mapping processes at most 1,000 batches at once. */
export const MAX_POLLERS = 1000;

export type MappingState = 'Enabled' | 'Disabled' | 'Updating' | 'Enabling' | 'Disabling';

export interface MappingSettings {
  batchSize: number;
  maximumBatchingWindowInSeconds: number;
  /** Absent: no ScalingConfig. */
  maximumConcurrency: number | undefined;
  enabled: boolean;
}

export interface MappingIdentity {
  uuid: string;
  eventSourceArn: string;
  functionName: string;
  functionArn: string;
  mappingArn: string;
}

const UPDATABLE = new Set<string>([
  'UUID',
  'FunctionName',
  'Enabled',
  'BatchSize',
  'MaximumBatchingWindowInSeconds',
  'ScalingConfig',
]);

export class EventSourceMapping {
  readonly identity: MappingIdentity;
  readonly transitionSeconds: number;
  /** What the pollers run with. */
  #effective: MappingSettings;
  /** What the control plane reports: the latest update, in effect or not yet. */
  #requested: MappingSettings;
  #transition: { state: MappingState; endsAt: number } | undefined;
  #lastModifiedMs: number;

  constructor(
    identity: MappingIdentity,
    settings: MappingSettings,
    nowMs: number,
    transitionSeconds: number,
  ) {
    validateSettings(settings);
    if (!(transitionSeconds >= 0)) throw new RangeError('transitionSeconds cannot be negative');
    this.identity = identity;
    this.#effective = { ...settings };
    this.#requested = { ...settings };
    this.#lastModifiedMs = nowMs;
    this.transitionSeconds = transitionSeconds;
  }

  get effective(): Readonly<MappingSettings> {
    return this.#effective;
  }

  get state(): MappingState {
    return this.#transition?.state ?? (this.#requested.enabled ? 'Enabled' : 'Disabled');
  }

  /** Start of a second: a transition that has run its course takes effect. */
  tick(second: number): void {
    if (this.#transition && second >= this.#transition.endsAt) {
      this.#transition = undefined;
      this.#effective = { ...this.#requested };
    }
  }

  describe(): EventSourceMappingConfiguration {
    const settings = this.#requested;
    return {
      UUID: this.identity.uuid,
      BatchSize: settings.batchSize,
      MaximumBatchingWindowInSeconds: settings.maximumBatchingWindowInSeconds,
      EventSourceArn: this.identity.eventSourceArn,
      FunctionArn: this.identity.functionArn,
      LastModified: new Date(this.#lastModifiedMs),
      State: this.state,
      StateTransitionReason: 'USER_INITIATED',
      FunctionResponseTypes: [],
      ...(settings.maximumConcurrency === undefined
        ? {}
        : { ScalingConfig: { MaximumConcurrency: settings.maximumConcurrency } }),
      EventSourceMappingArn: this.identity.mappingArn,
    };
  }

  checkUuid(uuid: string | undefined): void {
    if (uuid === undefined || uuid === '') {
      throw validation("Value null at 'UUID' failed to satisfy constraint: Member must not be null");
    }
    if (uuid !== this.identity.uuid) {
      throw new SimulatedServiceError(
        'ResourceNotFoundException',
        'The resource you requested does not exist.',
      );
    }
  }

  /** Validates and accepts an update at `second` (`nowMs`); answers as UpdateEventSourceMapping. */
  update(
    input: UpdateEventSourceMappingRequest,
    second: number,
    nowMs: number,
  ): EventSourceMappingConfiguration {
    this.checkUuid(input.UUID);
    for (const [field, value] of Object.entries(input)) {
      if (value !== undefined && !UPDATABLE.has(field)) {
        throw invalidParameter(`${field} is not modelled by the simulated event-source mapping`);
      }
    }
    const { functionName, functionArn } = this.identity;
    if (input.FunctionName !== undefined && ![functionName, functionArn].includes(input.FunctionName)) {
      throw invalidParameter('Moving the mapping to another function is not modelled by the simulated world');
    }
    const next: MappingSettings = {
      batchSize: input.BatchSize ?? this.#requested.batchSize,
      maximumBatchingWindowInSeconds:
        input.MaximumBatchingWindowInSeconds ?? this.#requested.maximumBatchingWindowInSeconds,
      maximumConcurrency: input.ScalingConfig
        ? input.ScalingConfig.MaximumConcurrency
        : this.#requested.maximumConcurrency,
      enabled: input.Enabled ?? this.#requested.enabled,
    };
    validateSettings(next);
    if (this.#transition) {
      throw new SimulatedServiceError(
        'ResourceInUseException',
        `Cannot update the event source mapping ${this.identity.uuid}: it is ${this.#transition.state}.`,
      );
    }
    const state: MappingState =
      next.enabled === this.#requested.enabled ? 'Updating' : next.enabled ? 'Enabling' : 'Disabling';
    this.#requested = next;
    this.#lastModifiedMs = nowMs;
    this.#transition = { state, endsAt: second + this.transitionSeconds };
    this.tick(second);
    return this.describe();
  }
}

/** The limits Lambda checks on an SQS mapping's settings; throws as Lambda would. */
export function validateSettings(settings: MappingSettings): void {
  const { batchSize, maximumBatchingWindowInSeconds: window, maximumConcurrency } = settings;
  checkRange(batchSize, 'batchSize', 1, 10_000);
  checkRange(window, 'maximumBatchingWindowInSeconds', 0, 300);
  if (maximumConcurrency !== undefined) {
    checkRange(
      maximumConcurrency,
      'scalingConfig.maximumConcurrency',
      MIN_MAXIMUM_CONCURRENCY,
      MAX_MAXIMUM_CONCURRENCY,
    );
  }
  if (batchSize > 10 && window < 1) {
    throw invalidParameter(
      'Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10',
    );
  }
}

/** The most batches the mapping's pollers may have in flight at once. */
export function pollerCap(settings: Pick<MappingSettings, 'maximumConcurrency'>): number {
  return settings.maximumConcurrency ?? MAX_POLLERS;
}

/**
 * AWS's backoff of an SQS mapping whose invocations fail ("Handling errors for an SQS event source
 * in Lambda", section "Backoff strategy for failed invocations"): when the function's code fails
 * an invocation, "Lambda will stop processing and retrying the invocation. In the meantime, Lambda
 * gradually backs off, reducing the amount of concurrency allocated to your Amazon SQS event
 * source mapping"; once invocations succeed again it scales as before (AWS Knowledge Center, "Why
 * isn't my Lambda function with an Amazon SQS event source optimally scaling?": Lambda "throttles
 * function scaling when invocation issues occur. After you resolve the issues, Lambda continues to
 * scale the function"). With ReportBatchItemFailures Lambda does not scale polling down (same
 * page), which this world does not model: its consumer fails the invocation.
 *
 * AWS documents neither the backoff's pace nor its floor. Assumptions, marked as such:
 * - pace: a second in which invocations ended failed (errors, timeouts) adds no poller and takes
 *   away POLLERS_ADDED_PER_SECOND × the failed share of them, rounded up to a whole poller: at most
 *   the documented pace of scaling up (300 a minute), run backwards;
 * - floor: the five concurrent batches Lambda starts with and scales back to "when traffic is low"
 *   ("Configuring scaling behavior for SQS event source mappings"), or the cap if lower.
 *
 * Left out: AWS documents the same backoff for throttled invocations, but the reports of reserved
 * concurrency sending SQS messages to the DLQ (which MaximumConcurrency was introduced to end) show
 * it does not hold the pollers near the reserved concurrency; throttled receives do not back off
 * here (see `queue-world.ts`).
 */
export interface BackoffSecond {
  /** Invocations that ended this second. */
  attempts: number;
  /** Of those, failed: function errors (a downstream error, a 429) and timeouts. */
  failed: number;
}

/**
 * Pollers for the next second. While messages remain visible after a second's receives, Lambda
 * adds POLLERS_ADDED_PER_SECOND up to the cap; once the queue is drained it scales back to what
 * the invocations used (Little's law: invocations a second × their duration), never below
 * INITIAL_POLLERS (or the cap, if lower). A second whose invocations failed backs off instead
 * (see BackoffSecond), unless `backoff` is off.
 *
 * Simplification: scaling back is immediate (AWS does not document its pace).
 */
export function nextPollers(
  current: number,
  settings: Pick<MappingSettings, 'maximumConcurrency' | 'enabled'>,
  second: { backlogLeft: boolean; busySlots: number; outcomes?: BackoffSecond },
  backoff = true,
): number {
  if (!settings.enabled) return 0;
  const cap = pollerCap(settings);
  const floor = Math.min(INITIAL_POLLERS, cap);
  if (current === 0) return floor;
  const scaledBack = second.backlogLeft ? current : Math.min(current, Math.ceil(second.busySlots));
  const { attempts = 0, failed = 0 } = second.outcomes ?? {};
  if (backoff && failed > 0 && attempts > 0) {
    const removed = Math.ceil((POLLERS_ADDED_PER_SECOND * Math.min(failed, attempts)) / attempts);
    return Math.min(cap, Math.max(floor, Math.min(scaledBack, current - removed)));
  }
  if (second.backlogLeft) return Math.min(cap, Math.max(floor, current + POLLERS_ADDED_PER_SECOND));
  return Math.min(cap, Math.max(floor, scaledBack));
}

function checkRange(value: number, path: string, min: number, max: number): void {
  if (!Number.isInteger(value)) {
    throw validation(`Value '${value}' at '${path}' failed to satisfy constraint: Member must be an integer`);
  }
  if (value < min) {
    throw validation(
      `Value '${value}' at '${path}' failed to satisfy constraint: Member must have value greater than or equal to ${min}`,
    );
  }
  if (value > max) {
    throw validation(
      `Value '${value}' at '${path}' failed to satisfy constraint: Member must have value less than or equal to ${max}`,
    );
  }
}

function validation(detail: string): SimulatedServiceError {
  return new SimulatedServiceError('ValidationException', `1 validation error detected: ${detail}`);
}

function invalidParameter(message: string): SimulatedServiceError {
  return new SimulatedServiceError('InvalidParameterValueException', message);
}
