/**
 * The Step Functions quotas the local engine enforces, with AWS's numbers for a Standard workflow
 * (../shared/aws-facts.md, "Step Functions"), and the errors an execution fails with when it
 * reaches one, as AWS reports them. A runbook that would hit a quota in AWS hits it here first,
 * instead of passing every local test and failing in production.
 */
import type { AslState } from './asl.ts';
import { TaskError } from './bindings/task-error.ts';

export interface StepFunctionsQuotas {
  /** Events in one execution's history ("Maximum execution history size"; a hard quota). */
  maxHistoryEvents: number;
  /**
   * UTF-8 bytes of the JSON an execution starts with, a state enters or leaves with, a task is
   * scheduled with (after Parameters) or returns ("Maximum input or output size for a task,
   * state, or execution"; a hard quota).
   */
  maxPayloadBytes: number;
  /** Longest an execution runs before it times out, whatever its TimeoutSeconds ("Maximum execution time"). */
  maxExecutionSeconds: number;
}

/** AWS's quotas for a Standard workflow (Step Functions service quotas page). */
export const STANDARD_WORKFLOW_QUOTAS: Readonly<StepFunctionsQuotas> = Object.freeze({
  maxHistoryEvents: 25_000,
  maxPayloadBytes: 256 * 1024,
  maxExecutionSeconds: 365 * 24 * 60 * 60,
});

/**
 * AWS's quotas, or lower ones for a test that cannot afford to reach AWS's. Never higher: a run
 * that passes locally must not fail in AWS on a quota.
 */
export function resolveQuotas(lowered: Partial<StepFunctionsQuotas> = {}): StepFunctionsQuotas {
  const quotas: StepFunctionsQuotas = { ...STANDARD_WORKFLOW_QUOTAS };
  for (const key of Object.keys(STANDARD_WORKFLOW_QUOTAS) as (keyof StepFunctionsQuotas)[]) {
    const value = lowered[key];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < 1 || value > STANDARD_WORKFLOW_QUOTAS[key]) {
      throw new RangeError(
        `quotas.${key} must be a whole number from 1 to AWS's ${STANDARD_WORKFLOW_QUOTAS[key]}, got ${value}`,
      );
    }
    quotas[key] = value;
  }
  return quotas;
}

/** Size of a payload as Step Functions measures it: its JSON as a UTF-8 string. */
export function payloadBytes(json: string): number {
  return Buffer.byteLength(json, 'utf8');
}

/**
 * Reaching the history quota: AWS records ExecutionFailed as event number 25,000 (unless that
 * event is ExecutionSucceeded) with this error and cause, and no Retry or Catch sees it.
 */
export const HISTORY_LIMIT_ERROR = 'States.Runtime';
export const historyLimitCause = (maxEvents: number): string =>
  `The execution reached the maximum number of history events (${maxEvents}).`;

/** A payload over the quota: a terminal error that States.ALL does not catch. */
export const DATA_LIMIT_ERROR = 'States.DataLimitExceeded';

/**
 * AWS's cause when a task's result (named by its resource type, e.g. `lambda`, `aws-sdk:s3`) or a
 * state's output (named by the state) is over the quota.
 */
export const resultTooLargeCause = (name: string): string =>
  `The state/task '${name}' returned a result with a size exceeding the maximum number of bytes service limit.`;

/** The same for an input (no AWS wording for this case was found; worded after the one above). */
export const inputTooLargeCause = (name: string): string =>
  `The state/task '${name}' received an input with a size exceeding the maximum number of bytes service limit.`;

/** A Task state exceeded its TimeoutSeconds: AWS reports this error, with no cause. */
export const TIMEOUT_ERROR = 'States.Timeout';

/**
 * Whether one retrier's or catcher's ErrorEquals matches an error, by AWS's rules: a name matches
 * itself; `States.ALL` matches every error but the terminal ones (States.DataLimitExceeded,
 * States.Runtime); `States.TaskFailed` every error but States.Timeout (and, taken here as
 * terminal too, the terminal ones).
 */
export function awsMatches(errorEquals: readonly string[], error: string): boolean {
  if (errorEquals.includes(error)) return true;
  if (error === DATA_LIMIT_ERROR || error === HISTORY_LIMIT_ERROR) return false;
  if (errorEquals.includes('States.ALL')) return true;
  return errorEquals.includes('States.TaskFailed') && error !== TIMEOUT_ERROR;
}

/** The errors aws-local-stepfunctions would route differently from AWS (see withAwsMatching). */
const ROUTED_AS_AWS = new Set([TIMEOUT_ERROR, DATA_LIMIT_ERROR]);

/**
 * Has aws-local-stepfunctions route a Task state's error through its Retry and Catch as AWS does.
 * On its own the library matches States.Timeout under States.TaskFailed (it spares only its own,
 * unexported timeout class) and States.DataLimitExceeded under States.ALL. It asks the error
 * `isRetryable` once per retrier and `isCatchable` once per catcher, in order, before comparing
 * names (StateExecutor.shouldRetry / catchError, 3.0.0; test/engine/quotas.test.ts pins it), so
 * each answer is AWS's rule for that retrier or catcher. Past the state's own lists (an enclosing
 * Map or Parallel state sees the error next) a terminal error stays uncaught and the others are
 * left to the library. Other errors are returned as they are.
 */
export function withAwsMatching(error: unknown, state: AslState): unknown {
  if (!(error instanceof TaskError) || !ROUTED_AS_AWS.has(error.name)) return error;
  const retriers = state.Type === 'Task' ? (state.Retry ?? []) : [];
  const catchers = state.Type === 'Task' ? (state.Catch ?? []) : [];
  const terminal = error.name === DATA_LIMIT_ERROR;
  let retrierAsked = 0;
  let catcherAsked = 0;
  Object.defineProperties(error, {
    isRetryable: {
      get: () => {
        const retrier = retriers[retrierAsked++];
        return retrier ? awsMatches(retrier.ErrorEquals, error.name) : !terminal;
      },
    },
    isCatchable: {
      get: () => {
        const catcher = catchers[catcherAsked++];
        return catcher ? awsMatches(catcher.ErrorEquals, error.name) : !terminal;
      },
    },
  });
  return error;
}
