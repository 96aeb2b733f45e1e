/**
 * The cell-traffic-shift runbook's Task states, as Step Functions runs them for the task tests:
 * which state invokes which task, the Payload it sends for a state input, the state output it makes
 * of the task's result, and what its Retry and Catch do with a task's error.
 */
import { join } from 'node:path';
import { expect } from 'vitest';
import {
  makeConfirmHandler,
  makeRecordRoutingHandler,
  makeRecoveryHandler,
  makeSafetyHandler,
  makeSetRoutingHandler,
  makeVerifyHandler,
} from '../../handlers/cell-shift-tasks.ts';
import type { CellShiftPorts } from '../../domain/cells/shift/ports.ts';
import { findState, loadDefinitionFile } from '../../engine/asl.ts';
import { STATEMACHINES_DIR } from '../../runbooks/catalogue.ts';
import { toJson, type JsonObject, type JsonValue } from '../../core/json.ts';
import { fillParameters, invocationError, invoke } from './support.ts';

/** The execution's name, as the context object gives it to the Payloads. */
export const EXECUTION_NAME = 'cell-traffic-shift-7f3a';

export const runbook = await loadDefinitionFile(join(STATEMACHINES_DIR, 'cell-traffic-shift.asl.json'));

export const STATES = {
  confirm: { id: 'confirm-grey-cell', make: makeConfirmHandler, state: 'Confirm the cell is still grey' },
  safety: { id: 'check-shift-safety', make: makeSafetyHandler, state: 'Check the safety rules' },
  recordBefore: {
    id: 'record-cell-routing',
    make: makeRecordRoutingHandler,
    state: 'Record the routing before the shift',
  },
  turnOff: {
    id: 'set-cell-routing',
    make: makeSetRoutingHandler,
    state: "Turn the cell's routing control off",
  },
  verifyOff: {
    id: 'verify-cell-routing',
    make: makeVerifyHandler,
    state: 'Verify traffic has left the cell',
  },
  recovery: {
    id: 'check-cell-recovery',
    make: makeRecoveryHandler,
    state: 'Check whether the cell has recovered',
  },
  turnOn: {
    id: 'set-cell-routing',
    make: makeSetRoutingHandler,
    state: "Turn the cell's routing control back on",
  },
  verifyOn: { id: 'verify-cell-routing', make: makeVerifyHandler, state: 'Verify the cell is back on' },
  putBack: {
    id: 'set-cell-routing',
    make: makeSetRoutingHandler,
    state: "Put the cell's routing control back on",
  },
  recordAfter: {
    id: 'record-cell-routing',
    make: makeRecordRoutingHandler,
    state: 'Record the routing after the failure',
  },
} as const;
export type StateKey = keyof typeof STATES;

export interface LambdaTaskState {
  Type: string;
  Parameters: { FunctionName: string; Payload: JsonObject; [key: string]: JsonValue };
  Retry?: { ErrorEquals: string[] }[];
  Catch?: { ErrorEquals: string[]; Next: string }[];
  ResultSelector?: JsonObject;
  ResultPath?: string | null;
  OutputPath?: string;
}

export function taskState(key: StateKey): LambdaTaskState {
  const state = findState(runbook, STATES[key].state);
  if (state?.Type !== 'Task') throw new Error(`cell-traffic-shift has no Task state "${STATES[key].state}"`);
  return state as unknown as LambdaTaskState;
}

/** The context object's one field these Payloads read. */
const CONTEXT: JsonValue = { Execution: { Name: EXECUTION_NAME } };

/** `States.Format('… {} …', $.a, $.b)`: the one intrinsic function these Payloads use. */
const FORMAT = /^States\.Format\('((?:[^'\\]|\\.)*)'((?:\s*,\s*\$[^,]*)*)\)$/;

function format(match: RegExpExecArray, input: JsonValue): string {
  const args = (match[2] ?? '')
    .split(',')
    .map((arg) => arg.trim())
    .filter((arg) => arg !== '')
    .map((path) => fillParameters({ 'value.$': path }, input, CONTEXT).value ?? null);
  let next = 0;
  return (match[1] ?? '').replace(/\\(.)/g, '$1').replace(/\{\}/g, () => {
    const value = args[next++] ?? null;
    return typeof value === 'string' ? value : JSON.stringify(value);
  });
}

/** The Lambda event a task's state sends, given the state's input (its Parameters' `Payload`). */
function payloadOf(key: StateKey, stateInput: unknown): JsonValue {
  const input = toJson(stateInput);
  const plain: JsonObject = {};
  const formatted: JsonObject = {};
  for (const [field, value] of Object.entries(taskState(key).Parameters.Payload)) {
    const match = field.endsWith('.$') && typeof value === 'string' ? FORMAT.exec(value) : null;
    if (match) formatted[field.slice(0, -2)] = format(match, input);
    else plain[field] = value;
  }
  return { ...fillParameters(plain, input, CONTEXT), ...formatted };
}

/**
 * The state's output, as Step Functions makes it from the task's result: its ResultSelector (which
 * fails, as Step Functions would, on a field the result lacks), ResultPath and OutputPath.
 */
export function outputOf(key: StateKey, stateInput: JsonObject, result: unknown): JsonObject {
  const state = taskState(key);
  const raw: JsonObject = { Payload: toJson(result) };
  const selected = state.ResultSelector ? fillParameters(state.ResultSelector, raw) : raw;
  if (state.OutputPath === '$.Payload') return selected.Payload as JsonObject;
  if (state.ResultPath === null) return stateInput;
  if (!state.ResultPath?.startsWith('$.')) throw new Error(`unsupported ResultPath ${state.ResultPath}`);
  return { ...stateInput, [state.ResultPath.slice(2)]: selected };
}

const retriedBy = (key: StateKey) => (taskState(key).Retry ?? []).flatMap((r) => r.ErrorEquals);

/** Where the state's first matching Catch sends an error of this name. */
function caughtBy(key: StateKey, errorName: string): string | undefined {
  const matches = (equals: string[]) => equals.includes(errorName) || equals.includes('States.ALL');
  return (taskState(key).Catch ?? []).find((c) => matches(c.ErrorEquals))?.Next;
}

/**
 * A task's failure as Step Functions sees it: its `errorType` (the error's name), whether the
 * state's Retry blocks retry it (exactly when the error says it is retryable), and, for an error
 * not retried, the state its Catch sends the run to.
 */
export async function failure(
  key: StateKey,
  promise: Promise<unknown>,
  expected: { errorType: string; retried: true } | { errorType: string; retried: false; caughtBy: string },
) {
  const error = await invocationError(promise);
  expect(error).toMatchObject({ name: expected.errorType, retryable: expected.retried });
  expect(retriedBy(key).includes(expected.errorType), `${STATES[key].state} retries it`).toBe(
    expected.retried,
  );
  if (!expected.retried) expect(caughtBy(key, expected.errorType)).toBe(expected.caughtBy);
  return error;
}

/** Invokes a state's task handler, with these ports, on its state's Payload for this state input. */
export function run<Result>(key: StateKey, ports: CellShiftPorts, stateInput: unknown): Promise<Result> {
  const { make, id } = STATES[key];
  return invoke(
    make(() => ports),
    id,
    payloadOf(key, stateInput),
  ) as Promise<Result>;
}
