/**
 * StepFunctionsPort over the local engine: DescribeExecution, GetExecutionHistory, ListExecutions
 * and ListStateMachines read its execution records (the history is already in Step Functions'
 * shapes), StartExecution and StopExecution start and stop its runs, SendTaskSuccess and
 * SendTaskFailure answer its task tokens. Errors carry the names Step Functions gives them
 * (`ExecutionDoesNotExist`, `StateMachineDoesNotExist`, `ExecutionAlreadyExists`, `InvalidName`,
 * `InvalidExecutionInput`, `TaskDoesNotExist`, `InvalidToken`, `InvalidOutput`), so an operator's
 * command runs the same code against a local run as against AWS.
 *
 * `savedStepFunctions` serves the same reads over the runs a local deployment saved in its state
 * file: the engine that ran them has ended, so they have all ended too.
 */
import {
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  HistoryEventType,
  InvalidExecutionInput,
  InvalidName,
  InvalidOutput,
  InvalidToken,
  StateMachineDoesNotExist,
  TaskDoesNotExist,
  ValidationException,
} from '@aws-sdk/client-sfn';
import type { HistoryEvent as SfnHistoryEvent } from '@aws-sdk/client-sfn';
import type { StepFunctionsPort } from '../domain/operator/ports.ts';
import { isExecutionName } from '../domain/operator/execution-name.ts';
import {
  InvalidTaskTokenError,
  LocalEngineNotRunningError,
  UnknownExecutionError,
} from '../engine/errors.ts';
import type { HistoryEvent } from '../engine/history.ts';
import type { JsonValue } from '../core/json.ts';
import type { ExecutionRecord, LocalEngine } from '../engine/local-engine.ts';

/** Page sizes when none is asked for, and the largest the API allows. */
const DEFAULT_HISTORY_PAGE = 100;
const DEFAULT_LIST_PAGE = 100;
const MAX_PAGE = 1000;

const $metadata = {};

const SDK_EVENT_TYPES: ReadonlySet<string> = new Set(Object.values(HistoryEventType));

/** What the reads read: the engine's executions, or the ones a local deployment saved. */
export interface LocalExecutions {
  stateMachines(): { name: string; arn: string }[];
  executions(): ExecutionRecord[];
  /** Throws UnknownExecutionError for an execution it does not know. */
  describe(executionArn: string): ExecutionRecord;
}

type ReadCalls = Pick<
  StepFunctionsPort,
  'describeExecution' | 'getExecutionHistory' | 'listStateMachines' | 'listExecutions'
>;

export function localStepFunctions(engine: LocalEngine): StepFunctionsPort {
  const reads = readCalls(engine);

  const answer = (taskToken: string | undefined, send: (token: string) => void): Record<string, never> => {
    if (!taskToken) throw new InvalidToken({ $metadata, message: 'Invalid Token: the task token is empty' });
    try {
      send(taskToken);
    } catch (error) {
      if (error instanceof InvalidTaskTokenError) {
        // A token this engine could have issued is one whose task has ended (or never waited).
        throw taskToken.startsWith('local-token-')
          ? new TaskDoesNotExist({ $metadata, message: 'Task does not exist anymore' })
          : new InvalidToken({ $metadata, message: `Invalid Token: '${taskToken}'` });
      }
      throw error;
    }
    return {};
  };

  return {
    ...reads,

    async startExecution({ stateMachineArn, name, input }) {
      const machine = engine.stateMachines().find((m) => m.arn === stateMachineArn);
      if (!machine) {
        throw new StateMachineDoesNotExist({
          $metadata,
          message: `State Machine Does Not Exist: '${stateMachineArn}'`,
        });
      }
      if (name !== undefined && !isExecutionName(name)) {
        throw new InvalidName({ $metadata, message: `Invalid Name: '${name}'` });
      }
      if (
        name !== undefined &&
        engine.executions().some((e) => e.stateMachineArn === machine.arn && e.name === name)
      ) {
        throw new ExecutionAlreadyExists({ $metadata, message: `Execution Already Exists: '${name}'` });
      }
      const handle = engine.start(machine.name, parsedInput(input), name === undefined ? {} : { name });
      return { executionArn: handle.executionArn, startDate: engine.describe(handle.executionArn).startDate };
    },

    async stopExecution({ executionArn, error, cause }) {
      const execution = record(engine, executionArn);
      // Stopping an execution that has ended changes nothing: StopExecution has no error for it.
      const stopped =
        execution.status === 'RUNNING' ? await engine.stop(execution.executionArn, error, cause) : execution;
      return { stopDate: stopped.stopDate };
    },

    async sendTaskSuccess({ taskToken, output }) {
      const result = parsedOutput(output);
      return answer(taskToken, (token) => engine.tokens.succeed(token, result));
    },

    async sendTaskFailure({ taskToken, error, cause }) {
      return answer(taskToken, (token) => engine.tokens.fail(token, error ?? '', cause ?? ''));
    },
  };
}

/** The reads over saved runs; starting, stopping and answering need the engine, which has ended. */
export function savedStepFunctions(saved: LocalExecutions): StepFunctionsPort {
  return {
    ...readCalls(saved),
    async startExecution() {
      throw new LocalEngineNotRunningError('Starting an execution');
    },
    async stopExecution({ executionArn }) {
      // Every saved run has ended, and stopping one that has ended changes nothing.
      return { stopDate: record(saved, executionArn).stopDate };
    },
    async sendTaskSuccess() {
      throw new TaskDoesNotExist({ $metadata, message: 'Task does not exist anymore' });
    },
    async sendTaskFailure() {
      throw new TaskDoesNotExist({ $metadata, message: 'Task does not exist anymore' });
    },
  };
}

function readCalls(source: LocalExecutions): ReadCalls {
  return {
    async describeExecution({ executionArn }) {
      const execution = record(source, executionArn);
      return {
        executionArn: execution.executionArn,
        stateMachineArn: execution.stateMachineArn,
        name: execution.name,
        status: execution.status,
        startDate: execution.startDate,
        input: JSON.stringify(execution.input),
        inputDetails: { included: true },
        ...(execution.stopDate ? { stopDate: execution.stopDate } : {}),
        ...(execution.output !== undefined
          ? { output: JSON.stringify(execution.output), outputDetails: { included: true } }
          : {}),
        ...(execution.error !== undefined ? { error: execution.error } : {}),
        ...(execution.cause !== undefined ? { cause: execution.cause } : {}),
      };
    },

    async getExecutionHistory({ executionArn, maxResults, reverseOrder, nextToken }) {
      const events = record(source, executionArn).history.flatMap(toSdkEvent);
      if (reverseOrder) events.reverse();
      const { items, next } = page(events, 'history', maxResults, nextToken, DEFAULT_HISTORY_PAGE);
      return { events: items, ...next };
    },

    async listStateMachines({ maxResults, nextToken }) {
      const machines = source
        .stateMachines()
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((m) => ({
          stateMachineArn: m.arn,
          name: m.name,
          type: 'STANDARD' as const,
          creationDate: undefined,
        }));
      const { items, next } = page(machines, 'machines', maxResults, nextToken, DEFAULT_LIST_PAGE);
      return { stateMachines: items, ...next };
    },

    async listExecutions({ stateMachineArn, statusFilter, maxResults, nextToken }) {
      if (!stateMachineArn) {
        throw new ValidationException({ $metadata, message: 'stateMachineArn or mapRunArn is required' });
      }
      if (!source.stateMachines().some((m) => m.arn === stateMachineArn)) {
        throw new StateMachineDoesNotExist({
          $metadata,
          message: `State Machine Does Not Exist: '${stateMachineArn}'`,
        });
      }
      const executions = source
        .executions()
        .filter((e) => e.stateMachineArn === stateMachineArn && (!statusFilter || e.status === statusFilter))
        // Newest first, as ListExecutions; of two started at the same (virtual) time, the later one.
        .map((e, order) => ({ e, order }))
        .sort((a, b) => b.e.startDate.getTime() - a.e.startDate.getTime() || b.order - a.order)
        .map(({ e }) => ({
          executionArn: e.executionArn,
          stateMachineArn: e.stateMachineArn,
          name: e.name,
          status: e.status,
          startDate: e.startDate,
          ...(e.stopDate ? { stopDate: e.stopDate } : {}),
        }));
      const { items, next } = page(executions, 'executions', maxResults, nextToken, DEFAULT_LIST_PAGE);
      return { executions: items, ...next };
    },
  };
}

function record(source: LocalExecutions, executionArn: string | undefined): ExecutionRecord {
  try {
    return source.describe(executionArn ?? '');
  } catch (error) {
    if (error instanceof UnknownExecutionError) {
      throw new ExecutionDoesNotExist({ $metadata, message: `Execution Does Not Exist: '${executionArn}'` });
    }
    throw error;
  }
}

/** The engine's event, as GetExecutionHistory returns it (events AWS has no type for are left out). */
export function toSdkEvent(event: HistoryEvent): SfnHistoryEvent[] {
  if (!isSdkEventType(event.type)) return [];
  return [structuredClone({ ...event, type: event.type })];
}

function isSdkEventType(type: string): type is HistoryEventType {
  return SDK_EVENT_TYPES.has(type);
}

/** One page of `items` from the offset `nextToken` names, and the token of the next page if any. */
function page<T>(
  items: T[],
  kind: string,
  maxResults: number | undefined,
  nextToken: string | undefined,
  defaultSize: number,
): { items: T[]; next: { nextToken?: string } } {
  const size = maxResults && maxResults > 0 ? Math.min(maxResults, MAX_PAGE) : defaultSize;
  const from = nextToken === undefined ? 0 : pageStart(kind, nextToken, items.length);
  return {
    items: items.slice(from, from + size),
    next: from + size < items.length ? { nextToken: pageToken(kind, from + size) } : {},
  };
}

const pageToken = (kind: string, offset: number): string =>
  Buffer.from(`local-${kind}:${offset}`).toString('base64');

function pageStart(kind: string, nextToken: string, length: number): number {
  const match = new RegExp(`^local-${kind}:(\\d+)$`).exec(Buffer.from(nextToken, 'base64').toString());
  const offset = match ? Number(match[1]) : NaN;
  if (!Number.isSafeInteger(offset) || offset > length) {
    throw new InvalidToken({ $metadata, message: `Invalid Token: '${nextToken}'` });
  }
  return offset;
}

function parsedInput(input: string | undefined): JsonValue {
  try {
    return JSON.parse(input ?? '{}') as JsonValue;
  } catch {
    throw new InvalidExecutionInput({ $metadata, message: 'Invalid Execution Input: the input is not JSON' });
  }
}

function parsedOutput(output: string | undefined): JsonValue {
  try {
    return JSON.parse(output ?? '') as JsonValue;
  } catch {
    throw new InvalidOutput({ $metadata, message: 'Invalid Output: the output is not valid JSON' });
  }
}
