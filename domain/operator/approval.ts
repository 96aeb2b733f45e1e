/**
 * An operator's answer to a runbook waiting for approval (the cell traffic shift's "Ask an operator
 * to approve the shift", an `sns:publish.waitForTaskToken` task): approve it (SendTaskSuccess) or
 * reject it (SendTaskFailure, error `ShiftRejected`, the reason as the cause).
 *
 * The operator names the execution, never the token: the token is in the execution's history,
 * in the parameters of the task that waits (`MessageAttributes.taskToken.StringValue` of an SNS
 * publish, a `taskToken`/`token` field of a Lambda payload). The history is read newest first, so
 * the waiting task is found on the first page however long the run has been going.
 */
import type { HistoryEvent, HistoryEventType } from '@aws-sdk/client-sfn';
import type { StepFunctionsPort } from './ports.ts';
import { errorName, ExecutionNotFoundError, OperatorError } from './errors.ts';
import { describeExisting } from './executions.ts';

export { ExecutionNotFoundError, OperatorError };

/** The error a rejected approval fails its state with; the runbooks Catch it. */
export const REJECTION_ERROR = 'ShiftRejected';

/** SendTaskFailure takes a cause of at most this many characters. */
export const MAX_REASON_LENGTH = 32_768;

export type Decision = 'approved' | 'rejected';

export interface OperatorAnswer {
  executionArn: string;
  /** Who answers, for the audit trail (the runbook's result, the CLI's report). */
  by: string;
  /** Why; required to reject. */
  reason?: string;
}

/** What was answered, as the CLI reports it. */
export interface ApprovalDecision {
  executionArn: string;
  decision: Decision;
  by: string;
  reason: string | null;
}

/** The waiting state's result when approved (SendTaskSuccess's output). */
export interface ApprovalOutput {
  approved: true;
  by: string;
  reason: string | null;
}

/** A task waiting for its token, as found in the history. */
export interface WaitingTask {
  executionArn: string;
  taskToken: string;
  /** `sns` (publish.waitForTaskToken) or `lambda` (invoke.waitForTaskToken). */
  resourceType: string;
  resource: string;
  /** The id of its TaskScheduled event. */
  scheduledEventId: number;
}

/** The execution has ended, or no task in it waits for a token (any more). */
export class NothingWaitsError extends OperatorError {
  readonly executionArn: string;
  readonly why: string;
  constructor(executionArn: string, why: string) {
    super(`nothing waits for approval in ${executionArn} (${why})`);
    this.executionArn = executionArn;
    this.why = why;
  }
}

/** The waiting task's parameters carry no task token where the answer could find it. */
export class TaskTokenNotFoundError extends OperatorError {}

/** The answer itself is wrong: no one answering, a reject without a reason, a reason too long. */
export class InvalidAnswerError extends OperatorError {}

/** Why an answer cannot be sent, or undefined when it can. The CLI reports it as a usage error. */
export function answerProblem(
  decision: Decision,
  answer: Omit<OperatorAnswer, 'executionArn'>,
): string | undefined {
  if (answer.by.trim() === '') return 'say who answers (--by NAME)';
  if (decision === 'rejected' && (answer.reason ?? '').trim() === '') return 'reject needs --reason';
  if (answer.reason !== undefined && answer.reason.length > MAX_REASON_LENGTH) {
    return `--reason is ${answer.reason.length} characters; Step Functions takes at most ${MAX_REASON_LENGTH}`;
  }
  return undefined;
}

/** Approves the waiting task: its state succeeds with `{ approved: true, by, reason }`. */
export async function approve(port: StepFunctionsPort, answer: OperatorAnswer): Promise<ApprovalDecision> {
  const reason = checked('approved', answer);
  const task = await findWaitingTask(port, answer.executionArn);
  const output: ApprovalOutput = { approved: true, by: answer.by, reason };
  await answering(task, () =>
    port.sendTaskSuccess({ taskToken: task.taskToken, output: JSON.stringify(output) }),
  );
  return { executionArn: answer.executionArn, decision: 'approved', by: answer.by, reason };
}

/** Rejects the waiting task: its state fails with `ShiftRejected`, the reason as the cause. */
export async function reject(port: StepFunctionsPort, answer: OperatorAnswer): Promise<ApprovalDecision> {
  checked('rejected', answer);
  const reason = answer.reason ?? '';
  const task = await findWaitingTask(port, answer.executionArn);
  await answering(task, () =>
    port.sendTaskFailure({ taskToken: task.taskToken, error: REJECTION_ERROR, cause: reason }),
  );
  return { executionArn: answer.executionArn, decision: 'rejected', by: answer.by, reason };
}

function checked(decision: Decision, answer: OperatorAnswer): string | null {
  const problem = answerProblem(decision, answer);
  if (problem) throw new InvalidAnswerError(problem);
  return answer.reason ?? null;
}

/** The task may end between reading the history and answering (timed out, answered by another). */
async function answering(task: WaitingTask, send: () => Promise<unknown>): Promise<void> {
  try {
    await send();
  } catch (error) {
    const name = errorName(error);
    if (name === 'TaskDoesNotExist' || name === 'TaskTimedOut') {
      throw new NothingWaitsError(task.executionArn, `its task ended before the answer arrived: ${name}`);
    }
    throw error;
  }
}

/** The resources whose waiting task an operator can answer, by resource type. */
const WAITING_RESOURCES: Readonly<Record<string, string>> = {
  sns: 'publish.waitForTaskToken',
  lambda: 'invoke.waitForTaskToken',
};

/** The resource a task-ending event (succeeded, failed, timed out, never started) is about. */
function endedTask(
  event: HistoryEvent,
): { resourceType: string | undefined; resource: string | undefined } | undefined {
  switch (event.type) {
    case 'TaskSucceeded':
      return event.taskSucceededEventDetails;
    case 'TaskFailed':
      return event.taskFailedEventDetails;
    case 'TaskTimedOut':
      return event.taskTimedOutEventDetails;
    case 'TaskSubmitFailed':
      return event.taskSubmitFailedEventDetails;
    case 'TaskStartFailed':
      return event.taskStartFailedEventDetails;
    default:
      return undefined;
  }
}

/**
 * The task an operator is asked to answer: the latest `publish.waitForTaskToken` (SNS) or
 * `invoke.waitForTaskToken` (Lambda) task of a RUNNING execution, with no end after it.
 * Throws NothingWaitsError when there is none.
 */
export async function findWaitingTask(port: StepFunctionsPort, executionArn: string): Promise<WaitingTask> {
  const execution = await describeExisting(port, executionArn);
  if (execution.status !== 'RUNNING') {
    throw new NothingWaitsError(executionArn, `the execution is ${execution.status ?? 'not running'}`);
  }

  /** Ends seen so far (newer than the events still to come), by resource. */
  const ended = new Map<string, HistoryEventType>();
  for await (const event of newestFirst(port, executionArn)) {
    const end = endedTask(event);
    if (end) {
      const key = resourceKey(end.resourceType, end.resource);
      if (!ended.has(key)) ended.set(key, event.type as HistoryEventType);
      continue;
    }
    const scheduled = event.type === 'TaskScheduled' ? event.taskScheduledEventDetails : undefined;
    const resourceType = scheduled?.resourceType ?? '';
    const resource = WAITING_RESOURCES[resourceType];
    if (!scheduled || !resource || scheduled.resource !== resource) continue;

    const endedAs = ended.get(resourceKey(resourceType, resource));
    if (endedAs) {
      throw new NothingWaitsError(executionArn, `its last approval task already ended: ${endedAs}`);
    }
    const taskToken = tokenIn(resourceType, scheduled.parameters);
    if (!taskToken) {
      throw new TaskTokenNotFoundError(
        `the task waiting in ${executionArn} (${resourceType}:${resource}) carries no task token in its parameters`,
      );
    }
    return { executionArn, taskToken, resourceType, resource, scheduledEventId: event.id ?? 0 };
  }
  throw new NothingWaitsError(executionArn, 'no task in it waits for a task token');
}

/** The history, newest event first, page after page (stopping when the caller stops reading). */
async function* newestFirst(port: StepFunctionsPort, executionArn: string): AsyncGenerator<HistoryEvent> {
  let nextToken: string | undefined;
  do {
    const page = await port.getExecutionHistory({
      executionArn,
      reverseOrder: true,
      includeExecutionData: true,
      ...(nextToken ? { nextToken } : {}),
    });
    yield* page.events ?? [];
    nextToken = page.nextToken;
  } while (nextToken);
}

const resourceKey = (resourceType: string | undefined, resource: string | undefined): string =>
  `${resourceType ?? ''}:${resource ?? ''}`;

/** The token in a waiting task's parameters (the JSON string TaskScheduled records). */
export function tokenIn(resourceType: string, parameters: string | undefined): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(parameters ?? 'null');
  } catch {
    return undefined;
  }
  if (resourceType === 'sns') {
    const token = field(field(field(parsed, 'MessageAttributes'), 'taskToken'), 'StringValue');
    return typeof token === 'string' && token !== '' ? token : undefined;
  }
  if (resourceType === 'lambda') return tokenField(field(parsed, 'Payload'));
  return undefined;
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)[name]
    : undefined;
}

/** The first non-empty string field named `taskToken` or `token`, however deep in the payload. */
function tokenField(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const entries = Array.isArray(value)
    ? value.map((item: unknown) => ['', item] as const)
    : Object.entries(value as Record<string, unknown>);
  for (const [name, item] of entries) {
    if ((name === 'taskToken' || name === 'token') && typeof item === 'string' && item !== '') return item;
  }
  for (const [, item] of entries) {
    const found = tokenField(item);
    if (found) return found;
  }
  return undefined;
}
