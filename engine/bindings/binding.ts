/**
 * What a bound Task is and what it is given when it runs: the contract between the engine and
 * each kind of binding (kept apart so that the bindings need not import the resolver that
 * imports them).
 */
import type { ExecutionRecord } from '../executions.ts';
import type { HistoryRecorder } from '../history.ts';
import type { JsonValue } from '../../core/json.ts';
import type { TaskTokens } from '../task-tokens.ts';

export interface InvocationContext {
  stateName: string;
  history: HistoryRecorder;
  execution: ExecutionRecord;
  tokens: TaskTokens;
  /** Waits until the token is answered (or the state times out, in virtual time). */
  waitForToken(token: string): Promise<JsonValue>;
  /**
   * Aborted when this attempt ends before its call does: the Task's TimeoutSeconds ran out, or the
   * execution ended. The attempt's end is recorded already; the call records nothing more.
   */
  signal: AbortSignal;
  /** The payload quota a task's result must keep to (UTF-8 bytes of its JSON). */
  maxPayloadBytes: number;
  /** The Task's parameters as JSON text, as the engine wrote them to check their size. */
  parametersJson: string;
}

/**
 * JSON text a binding wrote for a result it built (a Lambda task's, around the payload text it
 * had already), so the history need not write the same object again. Only for a fresh object the
 * binding returns at once and nobody changes.
 */
const writtenJson = new WeakMap<object, string>();

export function withJsonText<T extends object>(value: T, json: string): T {
  writtenJson.set(value, json);
  return value;
}

/** A result as JSON text: the binding's own, or written now. */
export function jsonTextOf(value: JsonValue): string {
  return (typeof value === 'object' && value !== null && writtenJson.get(value)) || JSON.stringify(value);
}

export interface TaskBinding {
  resourceType: string;
  resource: string;
  invoke(parameters: JsonValue, context: InvocationContext): Promise<JsonValue>;
}

/**
 * Around every Task's call (between its TaskStarted and its end in the history): `call` makes the
 * real one. Not used by selfheal; a test passes one to fail one state's call as the service would
 * (throw a TaskError named as Step Functions names it), before or after the real call.
 */
export type TaskCallHook = (
  call: () => Promise<JsonValue>,
  parameters: JsonValue,
  context: InvocationContext,
) => Promise<JsonValue>;
