/**
 * The slices of the Lambda and SQS APIs the SQS-backpressure remediation talks to, in the SDK's
 * own request/response shapes (as the other ports in `domain/ports.ts`): production binds them to
 * the SDK clients (`adapters/lambda.ts`, `adapters/sqs.ts`), the local engine to the simulated
 * queue world (`world/sqs/`). Responses carry no `$metadata`.
 */
import type {
  EventSourceMappingConfiguration,
  GetEventSourceMappingRequest,
  UpdateEventSourceMappingRequest,
} from '@aws-sdk/client-lambda';
import type { GetQueueAttributesRequest, GetQueueAttributesResult } from '@aws-sdk/client-sqs';
import type { CloudWatchPort } from '../ports.ts';

/**
 * An event-source mapping (the Lambda pollers reading a queue). Throttling the consumer is an
 * UpdateEventSourceMapping with `ScalingConfig: { MaximumConcurrency }` (2..1,000 for SQS) or
 * `Enabled: false`; the answer shows the mapping `Updating` (or `Disabling`/`Enabling`) until the
 * change has taken effect, so callers poll GetEventSourceMapping until it settles.
 */
export interface EventSourceMappingPort {
  getEventSourceMapping(input: GetEventSourceMappingRequest): Promise<EventSourceMappingConfiguration>;
  updateEventSourceMapping(input: UpdateEventSourceMappingRequest): Promise<EventSourceMappingConfiguration>;
}

/** Queue attributes: depth (`ApproximateNumberOfMessages…`), settings and the redrive policy. */
export interface QueuePort {
  getQueueAttributes(input: GetQueueAttributesRequest): Promise<GetQueueAttributesResult>;
}

/** Everything the SQS-backpressure runbook's tasks touch. */
export interface BackpressurePorts {
  mappings: EventSourceMappingPort;
  queues: QueuePort;
  cloudwatch: CloudWatchPort;
  /** Epoch milliseconds: wall time in Lambda, virtual time in the local engine. */
  now: () => number;
}
