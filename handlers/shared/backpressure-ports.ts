/**
 * The ports the SQS-backpressure tasks use in AWS: built once per Lambda process, on first use (so
 * merely importing a handler, as the local engine and tests do, creates no AWS client).
 */
import type { BackpressurePorts } from '../../domain/backpressure/ports.ts';
import { createLambdaClient, createSqsClient } from '../../adapters/aws-clients.ts';
import { lambdaAdapter } from '../../adapters/lambda.ts';
import { sqsAdapter } from '../../adapters/sqs.ts';
import { productionCapacityPorts } from './capacity-ports.ts';

let ports: BackpressurePorts | undefined;

export function productionBackpressurePorts(): BackpressurePorts {
  ports ??= {
    mappings: lambdaAdapter(createLambdaClient()),
    queues: sqsAdapter(createSqsClient()),
    cloudwatch: productionCapacityPorts().cloudwatch,
    now: () => Date.now(),
  };
  return ports;
}
