/** The ports the dispatch tasks use in AWS, built on first use (see capacity-ports.ts). */
import type { GuardrailPorts } from '../../domain/dispatch/guardrails.ts';
import { dispatchTablesFromEnvironment } from '../../domain/dispatch/tables.ts';
import { productionCapacityPorts } from './capacity-ports.ts';

let ports: GuardrailPorts | undefined;

export function productionDispatchPorts(): GuardrailPorts {
  // The same DynamoDB client as the capacity tasks: one client per service per process.
  ports ??= {
    dynamodb: productionCapacityPorts().dynamodb,
    now: () => Date.now(),
    tables: dispatchTablesFromEnvironment(),
  };
  return ports;
}
