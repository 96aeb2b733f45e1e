/**
 * What StartExecution takes: any JSON document, its root `$` whatever its value (a falsy one too),
 * and what the local engine cannot take said by name. Found by the hostile-input fuzz (issue 17):
 * the engine's JSONPath once read `$` of `null`, `0`, `""` or `false` as "no value" and failed the
 * first state with States.Runtime, where Step Functions hands the value on (patches/).
 */
import { describe, expect, it } from 'vitest';
import { LocalEngine } from '../../engine/local-engine.ts';
import { ExecutionInputTooDeepError } from '../../engine/errors.ts';
import type { JsonValue } from '../../core/json.ts';
import { functionTable } from './lambda-functions.ts';

/** dispatch's first state, alone: the input held under one key, and the context's input beside it. */
const holder = () => {
  const engine = new LocalEngine({ functions: functionTable({}) });
  engine.register('holder', {
    StartAt: 'Hold it',
    States: {
      'Hold it': {
        Type: 'Pass',
        Parameters: { 'event.$': '$', 'input.$': '$$.Execution.Input' },
        End: true,
      },
    },
  });
  return engine;
};

/** A list nested `depth` deep: `[[[...]]]`. */
function nested(depth: number): JsonValue {
  let value: JsonValue = [];
  for (let i = 0; i < depth; i += 1) value = [value];
  return value;
}

describe('an execution input', () => {
  it.each([null, 0, '', false, [], {}, 'text', 42])(
    '%j is the value at $ in the first state',
    async (input) => {
      const run = await holder().run('holder', input);
      expect(run.status).toBe('SUCCEEDED');
      expect(run.output).toEqual({ event: input, input });
    },
  );

  it('nested deeper than the engine can write is refused by name before anything starts', () => {
    const engine = holder();
    expect(() => engine.start('holder', nested(20_000))).toThrow(ExecutionInputTooDeepError);
    expect(engine.executions()).toEqual([]);
  });

  it('nested a hundred deep runs as any other', async () => {
    const run = await holder().run('holder', nested(100));
    expect(run.status).toBe('SUCCEEDED');
  });
});
