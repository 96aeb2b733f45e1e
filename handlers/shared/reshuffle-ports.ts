/** The ports the reshuffle tasks use in AWS: the shared clients, and the control table's name. */
import type { CloudWatchPort } from '../../domain/ports.ts';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dispatchTablesFromEnvironment } from '../../domain/dispatch/tables.ts';
import { productionCapacityPorts } from './capacity-ports.ts';

export interface ReshufflePorts {
  dynamodb: DynamoDBClient;
  cloudwatch: CloudWatchPort;
  now: () => number;
  /** Holds shard maps and the mover's journals (selfheal's control table). */
  controlTable: string;
}

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
