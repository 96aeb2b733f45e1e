/** The ports the reshuffle tasks use in AWS: the shared clients, and the control table's name. */
import type { ReshufflePorts } from '../../domain/reshuffle/ports.ts';
import { dispatchTablesFromEnvironment } from '../../domain/dispatch/tables.ts';
import { productionCapacityPorts } from './capacity-ports.ts';

let ports: ReshufflePorts | undefined;

export function productionReshufflePorts(): ReshufflePorts {
  const capacity = productionCapacityPorts();
  ports ??= {
    dynamodb: capacity.dynamodb,
    cloudwatch: capacity.cloudwatch,
    now: () => Date.now(),
    controlTable: dispatchTablesFromEnvironment().control,
  };
  return ports;
}
