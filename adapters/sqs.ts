/**
 * QueuePort over the SDK v3 SQS client: requests go out unchanged and `$metadata` stays behind
 * with the transport. A missing queue is the SDK's `QueueDoesNotExist`.
 */
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { QueuePort } from '../domain/backpressure/ports.ts';

export function sqsAdapter(client: SQSClient): QueuePort {
  return {
    async getQueueAttributes(input) {
      const { $metadata: _metadata, ...result } = await client.send(new GetQueueAttributesCommand(input));
      return result;
    },
  };
}
