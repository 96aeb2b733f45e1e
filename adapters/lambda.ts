/**
 * EventSourceMappingPort over the SDK v3 Lambda client: requests go out unchanged and `$metadata`
 * stays behind with the transport. Errors are the SDK's own (`ResourceNotFoundException`,
 * `ResourceInUseException` while a mapping is mid-change, `InvalidParameterValueException`, ...):
 * handlers classify them with `classifyAwsError`.
 */
import { GetEventSourceMappingCommand, UpdateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { EventSourceMappingPort } from '../domain/backpressure/ports.ts';

export function lambdaAdapter(client: LambdaClient): EventSourceMappingPort {
  return {
    async getEventSourceMapping(input) {
      const { $metadata: _metadata, ...mapping } = await client.send(new GetEventSourceMappingCommand(input));
      return mapping;
    },

    async updateEventSourceMapping(input) {
      const { $metadata: _metadata, ...mapping } = await client.send(
        new UpdateEventSourceMappingCommand(input),
      );
      return mapping;
    },
  };
}
