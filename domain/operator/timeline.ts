/**
 * An execution's history as an operator reads it: one entry per state entered, with when it
 * started (from the execution's start) and how long it took, the task's resource and what it acted
 * on, how many times it was tried, its errors and causes, and a one-line summary of what it
 * produced. Pure: GetExecutionHistory's events (oldest first) in, the timeline out.
 *
 * Task events are tied to their state through `previousEventId` (concurrent Map iterations
 * interleave), falling back to the latest open Task state.
 */
import type { ExecutionStatus, HistoryEvent } from '@aws-sdk/client-sfn';

export type EntryStatus = 'succeeded' | 'failed' | 'caught' | 'running' | 'aborted' | 'timed out';

export interface TimelineFailure {
  error: string;
  cause: string;
}

export interface TimelineEntry {
  state: string;
  /** `Task`, `Choice`, `Wait`, `Map`, ... */
  type: string;
  /** How many Map or Parallel states it runs inside. */
  depth: number;
  startOffsetMs: number;
  /** Until the state exited, or its last event when it failed; undefined while it runs. */
  durationMs: number | undefined;
  status: EntryStatus;
  /** A task's integration: `lambda:invoke`, `dynamodb:putItem`, `states:startExecution.sync:2`. */
  resource?: string;
  /** What the task acted on: the function, table, state machine or topic. */
  target?: string;
  /** Times the task was scheduled: more than one means it was retried. */
  attempts: number;
  errors: TimelineFailure[];
  /** The task's result (a Lambda's payload), or a Pass, Map or Parallel state's output, in one line. */
  output?: string;
}

export interface Timeline {
  status: ExecutionStatus;
  startDate: Date | undefined;
  stopDate: Date | undefined;
  durationMs: number | undefined;
  input?: string;
  output?: string;
  error?: string;
  cause?: string;
  entries: TimelineEntry[];
}

/** A summary this long at most: the rest is cut with an ellipsis. */
export const SUMMARY_LENGTH = 120;

interface OpenEntry {
  entry: TimelineEntry;
  entered: number;
  lastEvent: number;
  exited: boolean;
  /** Whether the latest attempt of its task failed. */
  lastAttemptFailed: boolean;
}

const CONTAINERS = new Set(['Map', 'Parallel']);
const OWN_OUTPUT = new Set(['Pass', 'Map', 'Parallel']);
const TASK_FAILURES: Record<string, keyof HistoryEvent> = {
  TaskFailed: 'taskFailedEventDetails',
  TaskTimedOut: 'taskTimedOutEventDetails',
  TaskStartFailed: 'taskStartFailedEventDetails',
  TaskSubmitFailed: 'taskSubmitFailedEventDetails',
  LambdaFunctionFailed: 'lambdaFunctionFailedEventDetails',
  LambdaFunctionTimedOut: 'lambdaFunctionTimedOutEventDetails',
  LambdaFunctionStartFailed: 'lambdaFunctionStartFailedEventDetails',
  LambdaFunctionScheduleFailed: 'lambdaFunctionScheduleFailedEventDetails',
  ActivityFailed: 'activityFailedEventDetails',
  ActivityTimedOut: 'activityTimedOutEventDetails',
  ActivityScheduleFailed: 'activityScheduleFailedEventDetails',
};
const TASK_SUCCESSES = new Set(['TaskSucceeded', 'LambdaFunctionSucceeded', 'ActivitySucceeded']);
const TASK_SCHEDULES = new Set(['TaskScheduled', 'LambdaFunctionScheduled', 'ActivityScheduled']);

export function buildTimeline(events: readonly HistoryEvent[]): Timeline {
  const started = events.find((e) => e.type === 'ExecutionStarted');
  const origin = time(started ?? events[0]);
  const all: OpenEntry[] = [];
  const byEvent = new Map<number, OpenEntry>();
  const timeline: Timeline = {
    status: 'RUNNING',
    startDate: started?.timestamp,
    stopDate: undefined,
    durationMs: undefined,
    entries: [],
    ...summaryField('input', started?.executionStartedEventDetails?.input),
  };

  const open = (): OpenEntry[] => all.filter((o) => !o.exited);
  const taskEntry = (event: HistoryEvent): OpenEntry | undefined => {
    const linked = byEvent.get(event.previousEventId ?? -1);
    if (linked && !linked.exited && linked.entry.type === 'Task') return linked;
    return open().findLast((o) => o.entry.type === 'Task');
  };

  for (const event of events) {
    const type = event.type ?? '';
    const at = time(event);
    let owner: OpenEntry | undefined;

    if (type.endsWith('StateEntered') && event.stateEnteredEventDetails) {
      const depth = open().filter((o) => CONTAINERS.has(o.entry.type)).length;
      owner = {
        entry: {
          state: event.stateEnteredEventDetails.name ?? '',
          type: type.slice(0, -'StateEntered'.length),
          depth,
          startOffsetMs: at - origin,
          durationMs: undefined,
          status: 'running',
          attempts: 0,
          errors: [],
        },
        entered: at,
        lastEvent: at,
        exited: false,
        lastAttemptFailed: false,
      };
      // A failed state the run went on from (a Catch) leaves no exit: entering the next closes it.
      for (const o of open()) if (o.entry.depth === depth && o.lastAttemptFailed) close(o, 'caught');
      all.push(owner);
    } else if (type.endsWith('StateExited') && event.stateExitedEventDetails) {
      const name = event.stateExitedEventDetails.name;
      const linked = byEvent.get(event.previousEventId ?? -1);
      owner =
        linked && !linked.exited && linked.entry.state === name
          ? linked
          : open().findLast((o) => o.entry.state === name);
      if (owner) {
        owner.exited = true;
        owner.entry.durationMs = at - owner.entered;
        owner.entry.status = owner.lastAttemptFailed ? 'caught' : 'succeeded';
        // A Choice or Wait passes its input on: only these states make something of their own.
        if (OWN_OUTPUT.has(owner.entry.type)) {
          Object.assign(owner.entry, summaryField('output', event.stateExitedEventDetails.output));
        }
      }
    } else if (TASK_SCHEDULES.has(type)) {
      owner = taskEntry(event);
      if (owner) {
        owner.entry.attempts++;
        owner.lastAttemptFailed = false;
        const details = event.taskScheduledEventDetails;
        if (details) {
          owner.entry.resource = `${details.resourceType}:${details.resource}`;
          const target = targetOf(details.resourceType ?? '', details.parameters);
          if (target) owner.entry.target = target;
        } else if (event.lambdaFunctionScheduledEventDetails) {
          owner.entry.resource = 'lambda';
          owner.entry.target = functionName(event.lambdaFunctionScheduledEventDetails.resource);
        }
      }
    } else if (type in TASK_FAILURES) {
      owner = taskEntry(event);
      const details = event[TASK_FAILURES[type] as keyof HistoryEvent] as
        { error?: string; cause?: string } | undefined;
      if (owner) {
        owner.entry.errors.push({ error: details?.error ?? type, cause: details?.cause ?? '' });
        owner.lastAttemptFailed = true;
      }
    } else if (TASK_SUCCESSES.has(type)) {
      owner = taskEntry(event);
      if (owner) {
        owner.lastAttemptFailed = false;
        const output =
          event.taskSucceededEventDetails?.output ??
          event.lambdaFunctionSucceededEventDetails?.output ??
          event.activitySucceededEventDetails?.output;
        Object.assign(owner.entry, summaryField('output', resultOf(owner.entry.resource, output)));
      }
    } else if (type.startsWith('Task') || type.startsWith('LambdaFunction') || type.startsWith('Activity')) {
      owner = taskEntry(event);
    } else if (type === 'ExecutionSucceeded') {
      timeline.status = 'SUCCEEDED';
      Object.assign(timeline, summaryField('output', event.executionSucceededEventDetails?.output));
    } else if (type === 'ExecutionFailed') {
      timeline.status = 'FAILED';
      Object.assign(timeline, failureFields(event.executionFailedEventDetails));
    } else if (type === 'ExecutionAborted') {
      timeline.status = 'ABORTED';
      Object.assign(timeline, failureFields(event.executionAbortedEventDetails));
    } else if (type === 'ExecutionTimedOut') {
      timeline.status = 'TIMED_OUT';
      Object.assign(timeline, failureFields(event.executionTimedOutEventDetails));
    }

    if (owner) {
      owner.lastEvent = Math.max(owner.lastEvent, at);
      if (event.id !== undefined) byEvent.set(event.id, owner);
    }
    if (type.startsWith('Execution') && type !== 'ExecutionStarted') {
      timeline.stopDate = event.timestamp;
      timeline.durationMs = at - origin;
    }
  }

  const ending = ENDING_STATUS[timeline.status] ?? 'running';
  for (const o of open()) close(o, o.lastAttemptFailed ? 'failed' : ending);
  timeline.entries = all.map((o) => o.entry);
  return timeline;
}

const ENDING_STATUS: Record<string, EntryStatus> = {
  RUNNING: 'running',
  SUCCEEDED: 'succeeded',
  FAILED: 'failed',
  ABORTED: 'aborted',
  TIMED_OUT: 'timed out',
  PENDING_REDRIVE: 'failed',
};

/** A state left without an exit: it lasted until its last event, unless it still runs. */
function close(o: OpenEntry, status: EntryStatus): void {
  o.exited = true;
  o.entry.status = status;
  o.entry.durationMs = status === 'running' ? undefined : o.lastEvent - o.entered;
}

const time = (event: HistoryEvent | undefined): number => event?.timestamp?.getTime() ?? 0;

function failureFields(details: { error?: string; cause?: string } | undefined): Partial<Timeline> {
  return {
    ...(details?.error ? { error: details.error } : {}),
    ...(details?.cause ? { cause: details.cause } : {}),
  };
}

function summaryField<K extends 'input' | 'output'>(
  key: K,
  json: string | undefined,
): Partial<Record<K, string>> {
  const summary = summarise(json);
  return summary === undefined ? {} : ({ [key]: summary } as Partial<Record<K, string>>);
}

/** A Lambda task's result is the invocation's response: what the function returned is its Payload. */
function resultOf(resource: string | undefined, output: string | undefined): string | undefined {
  if (!resource?.startsWith('lambda:invoke') || output === undefined) return output;
  const parsed = parse(output);
  return isObject(parsed) && 'Payload' in parsed ? JSON.stringify(parsed.Payload) : output;
}

/** What a task acts on, from its parameters: the function, state machine, table or topic. */
function targetOf(resourceType: string, parameters: string | undefined): string | undefined {
  const parsed = parse(parameters);
  if (!isObject(parsed)) return undefined;
  const field = (name: string): string | undefined =>
    typeof parsed[name] === 'string' ? (parsed[name] as string) : undefined;
  switch (resourceType) {
    case 'lambda':
      return functionName(field('FunctionName'));
    case 'states':
      return lastSegment(field('StateMachineArn'));
    case 'sns':
      return lastSegment(field('TopicArn'));
    default:
      return field('TableName') ?? field('QueueUrl')?.split('/').at(-1);
  }
}

const lastSegment = (arn: string | undefined): string | undefined => arn?.split(':').at(-1);

/** A function's name from its name, ARN or partial ARN, with or without a version or alias. */
function functionName(reference: string | undefined): string | undefined {
  if (reference === undefined) return undefined;
  return /:function:([^:]+)/.exec(reference)?.[1] ?? reference.split(':')[0];
}

function parse(json: string | undefined): unknown {
  if (json === undefined) return undefined;
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return json;
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * JSON in one line of at most SUMMARY_LENGTH characters: an object's keys, with short scalar values
 * shown and nested values only sketched (`{…}`, `[3]`); a scalar as it is. Undefined for no data.
 */
export function summarise(json: string | undefined, length: number = SUMMARY_LENGTH): string | undefined {
  if (json === undefined || json === '') return undefined;
  const value = parse(json);
  const text = isObject(value)
    ? `{${Object.entries(value)
        .map(([key, item]) => `${key}${sketch(item)}`)
        .join(', ')}}`
    : Array.isArray(value)
      ? `[${value.length} item${value.length === 1 ? '' : 's'}]`
      : typeof value === 'string' && json.trimStart().startsWith('"')
        ? JSON.stringify(value)
        : String(value);
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}

/** How a value shows after its key: `: 42`, `: "short"`, `{…}`, `[3]`. */
function sketch(value: unknown): string {
  if (isObject(value)) return Object.keys(value).length === 0 ? ': {}' : '{…}';
  if (Array.isArray(value)) return `[${value.length}]`;
  if (typeof value === 'string')
    return `: ${JSON.stringify(value.length > 24 ? `${value.slice(0, 23)}…` : value)}`;
  return `: ${String(value)}`;
}
