/**
 * EventsPort over the SDK v3 client: one PutEvents call per call, the answer as EventBridge gives
 * it (failed entries included: the caller judges them), with `$metadata` left with the transport.
 */
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { EventsPort } from '../domain/cells/ports.ts';

export function eventBridgeAdapter(client: EventBridgeClient): EventsPort {
  return {
    async putEvents(input) {
      const { $metadata: _metadata, ...result } = await client.send(new PutEventsCommand(input));
      return result;
    },
  };
}
