/**
 * The yardstick for the engine: a bare aws-local-stepfunctions state machine of the same size as a
 * runbook's run — as many states entered, as many of them Tasks — in one straight line, every
 * Task a no-op local handler. What the local engine adds on top (bindings, the JSON boundary,
 * history, virtual time, task tokens, nested executions) is the difference.
 */
import { StateMachine } from 'aws-local-stepfunctions';
import type { AslDefinition } from '../engine/asl.ts';
import type { JsonValue } from '../core/json.ts';

/** A resource ARN the library accepts; never called, every Task has a local handler. */
const NO_OP_RESOURCE = 'arn:aws:lambda:us-east-1:000000000000:function:bench-no-op';

/** The kinds of the states a run entered, in order (`TaskStateEntered` -> `Task`). */
export function enteredKinds(history: readonly { type: string }[]): string[] {
  return history.flatMap((event) =>
    event.type.endsWith('StateEntered') ? [event.type.slice(0, -'StateEntered'.length)] : [],
  );
}

/**
 * A straight line of `kinds.length` states: a Task for each Task entered, a Pass for anything else
 * (a Choice, a Wait run in no time, a Pass, a Succeed, a Map's own entry).
 */
export function bareDefinition(kinds: readonly string[]): AslDefinition {
  if (kinds.length === 0) throw new RangeError('a bare machine needs at least one state');
  const name = (i: number) => `State ${i + 1}`;
  const states: Record<string, unknown> = {};
  kinds.forEach((kind, i) => {
    const next = i + 1 < kinds.length ? { Next: name(i + 1) } : { End: true };
    states[name(i)] =
      kind === 'Task' ? { Type: 'Task', Resource: NO_OP_RESOURCE, ...next } : { Type: 'Pass', ...next };
  });
  return { StartAt: name(0), States: states } as unknown as AslDefinition;
}

/** The Task states of a definition, each answered by a no-op handler that passes its input on. */
export function noOpHandlers(
  definition: AslDefinition,
): Record<string, (input: JsonValue) => Promise<JsonValue>> {
  return Object.fromEntries(
    Object.entries(definition.States)
      .filter(([, state]) => state.Type === 'Task')
      .map(([name]) => [name, async (input: JsonValue) => input]),
  );
}

export interface BareMachine {
  definition: AslDefinition;
  /** One execution to its end. */
  run(input: JsonValue): Promise<unknown>;
}

export function bareMachine(kinds: readonly string[]): BareMachine {
  const definition = bareDefinition(kinds);
  const machine = new StateMachine(definition);
  const taskResourceLocalHandlers = noOpHandlers(definition);
  return {
    definition,
    run: (input) => machine.run(input, { overrides: { taskResourceLocalHandlers } }).result,
  };
}
