/**
 * Execution history in the shape of Step Functions' GetExecutionHistory, with virtual timestamps.
 * The CLI's `describe` and the tests read runs through this, as operators read them in AWS.
 */
import { HISTORY_LIMIT_ERROR, historyLimitCause } from './quotas.ts';

export type HistoryEventType =
  | 'ExecutionStarted'
  | 'ExecutionSucceeded'
  | 'ExecutionFailed'
  | 'ExecutionAborted'
  | 'ExecutionTimedOut'
  | `${StateKind}StateEntered`
  | `${StateKind}StateExited`
  | 'MapIterationStarted'
  | 'MapIterationSucceeded'
  | 'MapIterationFailed'
  | 'ParallelStateStarted'
  | 'TaskScheduled'
  | 'TaskStarted'
  | 'TaskSubmitted'
  | 'TaskSucceeded'
  | 'TaskFailed'
  | 'TaskTimedOut';

type StateKind = 'Task' | 'Choice' | 'Pass' | 'Wait' | 'Succeed' | 'Fail' | 'Map' | 'Parallel';

export interface HistoryEvent {
  id: number;
  previousEventId: number;
  timestamp: Date;
  type: HistoryEventType;
  executionStartedEventDetails?: { input: string; inputDetails: { truncated: boolean }; roleArn: string };
  executionSucceededEventDetails?: { output: string; outputDetails: { truncated: boolean } };
  executionFailedEventDetails?: { error: string; cause: string };
  /** AWS leaves out what StopExecution was not given (a child stopped by its parent has no error). */
  executionAbortedEventDetails?: { error?: string; cause?: string };
  executionTimedOutEventDetails?: { error?: string; cause?: string };
  stateEnteredEventDetails?: { name: string; input: string; inputDetails: { truncated: boolean } };
  stateExitedEventDetails?: { name: string; output: string; outputDetails: { truncated: boolean } };
  mapIterationStartedEventDetails?: { name: string; index: number };
  mapIterationSucceededEventDetails?: { name: string; index: number };
  mapIterationFailedEventDetails?: { name: string; index: number };
  taskScheduledEventDetails?: { resourceType: string; resource: string; region: string; parameters: string };
  taskStartedEventDetails?: { resourceType: string; resource: string };
  taskSubmittedEventDetails?: { resourceType: string; resource: string; output: string };
  taskSucceededEventDetails?: { resourceType: string; resource: string; output: string };
  taskFailedEventDetails?: { resourceType: string; resource: string; error: string; cause: string };
  taskTimedOutEventDetails?: { resourceType: string; resource: string; error?: string; cause?: string };
}

type Details = Omit<HistoryEvent, 'id' | 'previousEventId' | 'timestamp' | 'type'>;

export interface HistoryLimit {
  /** Events the history may hold (AWS: 25,000). */
  maxEvents: number;
  /** Hears the event that ended the execution at the limit (it is recorded already). */
  onReached(event: HistoryEvent): void;
}

const TERMINAL_EVENTS: ReadonlySet<HistoryEventType> = new Set([
  'ExecutionSucceeded',
  'ExecutionFailed',
  'ExecutionAborted',
  'ExecutionTimedOut',
]);

export class HistoryRecorder {
  readonly events: HistoryEvent[] = [];
  readonly #now: () => number;
  readonly #onRecord: (event: HistoryEvent) => void;
  readonly #limit: HistoryLimit | undefined;
  #closed = false;

  /**
   * `onRecord` hears each event as it is recorded (an operator following the run). With a
   * `limit`, the history ends at its size quota the way AWS ends it (see `record`).
   */
  constructor(
    now: () => number,
    onRecord: (event: HistoryEvent) => void = () => undefined,
    limit?: HistoryLimit,
  ) {
    this.#now = now;
    this.#onRecord = onRecord;
    this.#limit = limit;
  }

  /** Whether the execution's terminal event is recorded: nothing is recorded after it. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Records an event; after the terminal event, records nothing. At the size quota AWS waits for
   * the last event it has room for: if it is ExecutionSucceeded the execution succeeds, and if
   * not, that event is ExecutionFailed (States.Runtime, "The execution reached the maximum number
   * of history events") in its place.
   */
  record(type: HistoryEventType, details: Details = {}): HistoryEvent | undefined {
    if (this.#closed) return undefined;
    const atLimit = this.#limit !== undefined && this.events.length + 1 >= this.#limit.maxEvents;
    if (atLimit && type !== 'ExecutionSucceeded') {
      const event = this.#push('ExecutionFailed', {
        executionFailedEventDetails: {
          error: HISTORY_LIMIT_ERROR,
          cause: historyLimitCause(this.#limit?.maxEvents ?? 0),
        },
      });
      this.#limit?.onReached(event);
      return undefined;
    }
    return this.#push(type, details);
  }

  #push(type: HistoryEventType, details: Details): HistoryEvent {
    const id = this.events.length + 1;
    const event: HistoryEvent = {
      id,
      previousEventId: id - 1,
      timestamp: new Date(this.#now()),
      type,
      ...details,
    };
    this.events.push(event);
    if (TERMINAL_EVENTS.has(type)) this.#closed = true;
    this.#onRecord(event);
    return event;
  }
}

/** Names of the states entered, in order (retries of a state are not new entries). */
export function statesEntered(history: readonly HistoryEvent[]): string[] {
  return history.flatMap((event) =>
    event.stateEnteredEventDetails ? [event.stateEnteredEventDetails.name] : [],
  );
}

/**
 * What AWS bills a Standard workflow for: every state transition, retries included. Counted as
 * states entered plus task retries (a retry re-schedules the task without a new StateEntered).
 */
export function billedStateTransitions(history: readonly HistoryEvent[]): number {
  let transitions = 0;
  let scheduledSinceEntry = 0;
  for (const event of history) {
    if (event.type.endsWith('StateEntered')) {
      transitions++;
      scheduledSinceEntry = 0;
    } else if (event.type === 'TaskScheduled') {
      if (scheduledSinceEntry > 0) transitions++;
      scheduledSinceEntry++;
    }
  }
  return transitions;
}
