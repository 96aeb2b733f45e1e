/** What the capacity (hot-shard) runbook's tasks touch: the table, its metrics, its auto scaling. */
import type { AutoScalingPort, CloudWatchPort, DynamoDbPort } from '../ports.ts';

export interface CapacityPorts {
  dynamodb: DynamoDbPort;
  cloudwatch: CloudWatchPort;
  autoScaling: AutoScalingPort;
  /** Epoch milliseconds: wall time in Lambda, virtual time in the local engine. */
  now: () => number;
}
