/**
 * Execution history in the shape of Step Functions' GetExecutionHistory, with virtual timestamps.
 * The CLI's `describe` and the tests read runs through this, as operators read them in AWS.
 */

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
  | 'TaskFailed';

type StateKind = 'Task' | 'Choice' | 'Pass' | 'Wait' | 'Succeed' | 'Fail' | 'Map' | 'Parallel';

export interface HistoryEvent {
  id: number;
  previousEventId: number;
  timestamp: Date;
  type: HistoryEventType;
  executionStartedEventDetails?: { input: string; inputDetails: { truncated: boolean }; roleArn: string };
  executionSucceededEventDetails?: { output: string; outputDetails: { truncated: boolean } };
  executionFailedEventDetails?: { error: string; cause: string };
  executionAbortedEventDetails?: { error: string; cause: string };
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
}

type Details = Omit<HistoryEvent, 'id' | 'previousEventId' | 'timestamp' | 'type'>;

export class HistoryRecorder {
  readonly events: HistoryEvent[] = [];
  readonly #now: () => number;
  readonly #onRecord: (event: HistoryEvent) => void;

  /** `onRecord` hears each event as it is recorded (an operator following the run). */
  constructor(now: () => number, onRecord: (event: HistoryEvent) => void = () => undefined) {
    this.#now = now;
    this.#onRecord = onRecord;
  }

  record(type: HistoryEventType, details: Details = {}): HistoryEvent {
    const id = this.events.length + 1;
    const event: HistoryEvent = {
      id,
      previousEventId: id - 1,
      timestamp: new Date(this.#now()),
      type,
      ...details,
    };
    this.events.push(event);
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
