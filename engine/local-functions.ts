/** The handler registry as the engine's function table, every handler built on the given ports. */
import type { CapacityPorts } from '../domain/ports.ts';
import type { LambdaFunctionTable, LocalLambdaHandler } from './bindings/lambda-invoke.ts';
import { TASK_FUNCTIONS, functionName } from '../handlers/registry.ts';

export function localFunctionTable(ports: CapacityPorts): LambdaFunctionTable {
  const handlers = new Map<string, LocalLambdaHandler>(
    TASK_FUNCTIONS.map((task) => [functionName(task.id), task.local(ports)]),
  );
  return { get: (name) => handlers.get(name), names: () => [...handlers.keys()] };
}
