/**
 * StepFunctionsPort over the local engine: DescribeExecution and GetExecutionHistory read its
 * execution records (the history is already in Step Functions' shapes), SendTaskSuccess and
 * SendTaskFailure answer its task tokens. Errors carry the names Step Functions gives them
 * (`ExecutionDoesNotExist`, `TaskDoesNotExist`, `InvalidToken`, `InvalidOutput`), so an operator's
 * answer runs the same code against a local run as against AWS.
 */
import {
  ExecutionDoesNotExist,
  HistoryEventType,
  InvalidOutput,
  InvalidToken,
  TaskDoesNotExist,
} from '@aws-sdk/client-sfn';
import type { HistoryEvent as SfnHistoryEvent } from '@aws-sdk/client-sfn';
import type { StepFunctionsPort } from '../domain/operator/ports.ts';
import { InvalidTaskTokenError, UnknownExecutionError } from './errors.ts';
import type { HistoryEvent } from './history.ts';
import type { JsonValue } from './json.ts';
import type { ExecutionRecord, LocalEngine } from './local-engine.ts';

/** GetExecutionHistory's page size when none is asked for, and the largest it allows. */
const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;

const $metadata = {};

const SDK_EVENT_TYPES: ReadonlySet<string> = new Set(Object.values(HistoryEventType));

export function localStepFunctions(engine: LocalEngine): StepFunctionsPort {
  const record = (executionArn: string | undefined): ExecutionRecord => {
    try {
      return engine.describe(executionArn ?? '');
    } catch (error) {
      if (error instanceof UnknownExecutionError) {
        throw new ExecutionDoesNotExist({
          $metadata,
          message: `Execution Does Not Exist: '${executionArn}'`,
        });
      }
      throw error;
    }
  };

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
    async describeExecution({ executionArn }) {
      const execution = record(executionArn);
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
      const events = record(executionArn).history.flatMap(toSdkEvent);
      if (reverseOrder) events.reverse();
      const size = maxResults && maxResults > 0 ? Math.min(maxResults, MAX_PAGE) : DEFAULT_PAGE;
      const from = nextToken === undefined ? 0 : pageStart(nextToken, events.length);
      const page = events.slice(from, from + size);
      return {
        events: page,
        ...(from + size < events.length ? { nextToken: pageToken(from + size) } : {}),
      };
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

/** The engine's event, as GetExecutionHistory returns it (events AWS has no type for are left out). */
function toSdkEvent(event: HistoryEvent): SfnHistoryEvent[] {
  if (!isSdkEventType(event.type)) return [];
  return [structuredClone({ ...event, type: event.type })];
}

function isSdkEventType(type: string): type is HistoryEventType {
  return SDK_EVENT_TYPES.has(type);
}

const pageToken = (offset: number): string => Buffer.from(`local-history:${offset}`).toString('base64');

function pageStart(nextToken: string, length: number): number {
  const match = /^local-history:(\d+)$/.exec(Buffer.from(nextToken, 'base64').toString());
  const offset = match ? Number(match[1]) : NaN;
  if (!Number.isSafeInteger(offset) || offset > length) {
    throw new InvalidToken({ $metadata, message: `Invalid Token: '${nextToken}'` });
  }
  return offset;
}

function parsedOutput(output: string | undefined): JsonValue {
  try {
    return JSON.parse(output ?? '') as JsonValue;
  } catch {
    throw new InvalidOutput({ $metadata, message: 'Invalid Output: the output is not valid JSON' });
  }
}
