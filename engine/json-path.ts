/**
 * A JSONPath query as the engine's own timing code reads a state's input (a Wait's SecondsPath, a
 * Task's TimeoutSecondsPath): one jsonpath-plus evaluator for the process, asked through
 * `evaluate`. Called as `JSONPath({...})` with `wrap: false`, jsonpath-plus returns a single value
 * by throwing and catching an Error, every time (the library is patched the same way: patches/).
 */
import { JSONPath } from 'jsonpath-plus';
import type { JsonValue } from '../core/json.ts';

let evaluator: ReturnType<typeof newEvaluator> | undefined;

const newEvaluator = () => JSONPath({ path: '$', json: null, autostart: false, wrap: false });

export function queryJsonPath(path: string, input: JsonValue): unknown {
  evaluator ??= newEvaluator();
  const options = { path, json: input, wrap: false, callback: undefined, otherTypeCallback: undefined };
  return evaluator.evaluate(options);
}
