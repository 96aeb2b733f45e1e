/** The handler registry as the engine's function table, every handler built on the given ports. */
import type { LambdaFunctionTable, LocalLambdaHandler } from './bindings/lambda-invoke.ts';
import { TASK_FUNCTIONS, functionName, type LocalPorts } from '../handlers/registry.ts';

export function localFunctionTable(ports: LocalPorts): LambdaFunctionTable {
  const handlers = new Map<string, LocalLambdaHandler>(
    TASK_FUNCTIONS.map((task) => [functionName(task.id), task.local(ports)]),
  );
  return { get: (name) => handlers.get(name), names: () => [...handlers.keys()] };
}
