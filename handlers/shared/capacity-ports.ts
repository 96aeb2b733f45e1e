/**
 * The ports the capacity tasks use in AWS: built once per Lambda process, on first use (so merely
 * importing a handler, as the local engine and tests do, creates no AWS client).
 */
import type { CapacityPorts } from '../../domain/capacity/ports.ts';
import {
  createAutoScalingClient,
  createCloudWatchClient,
  createDynamoDbClient,
} from '../../adapters/aws-clients.ts';
import { cloudWatchAdapter } from '../../adapters/cloudwatch.ts';
import { autoScalingAdapter } from '../../adapters/application-auto-scaling.ts';

let ports: CapacityPorts | undefined;

export function productionCapacityPorts(): CapacityPorts {
  ports ??= {
    dynamodb: createDynamoDbClient(),
    cloudwatch: cloudWatchAdapter(createCloudWatchClient()),
    autoScaling: autoScalingAdapter(createAutoScalingClient()),
    now: () => Date.now(),
  };
  return ports;
}
