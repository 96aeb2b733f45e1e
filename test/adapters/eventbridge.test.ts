import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { EventBridgeClient, InternalException, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { PutEventsRequest } from '@aws-sdk/client-eventbridge';
import { eventBridgeAdapter } from '../../adapters/eventbridge.ts';

const eventBridge = mockClient(EventBridgeClient);
const adapter = eventBridgeAdapter(new EventBridgeClient({ region: 'us-east-1' }));
const metadata = { httpStatusCode: 200, requestId: 'req-1' };

beforeEach(() => {
  eventBridge.reset();
});

const request: PutEventsRequest = {
  Entries: [
    {
      Source: 'selfheal.detectors',
      DetailType: 'Cell Grey Failure Detected',
      Detail: '{"id":"cell-grey-failure/checkout-cell-2/2026-01-01T12:20:00.000Z"}',
      EventBusName: 'selfheal',
      Resources: [],
      Time: new Date('2026-01-01T12:20:00.000Z'),
    },
    {
      Source: 'selfheal.detectors',
      DetailType: 'Cell Grey Failure Detected',
      Detail: '{"id":"cell-grey-failure/checkout-cell-4/2026-01-01T12:20:00.000Z"}',
      EventBusName: 'selfheal',
      Resources: [],
      Time: new Date('2026-01-01T12:20:00.000Z'),
    },
  ],
};

describe('eventBridgeAdapter.putEvents', () => {
  it('sends the request exactly as given, in one call, and returns the answer without $metadata', async () => {
    eventBridge.on(PutEventsCommand).resolves({
      $metadata: metadata,
      FailedEntryCount: 0,
      Entries: [{ EventId: 'event-1' }, { EventId: 'event-2' }],
    });

    const result = await adapter.putEvents(request);

    expect(eventBridge.commandCalls(PutEventsCommand).map((call) => call.args[0].input)).toStrictEqual([
      request,
    ]);
    expect(result).toStrictEqual({
      FailedEntryCount: 0,
      Entries: [{ EventId: 'event-1' }, { EventId: 'event-2' }],
    });
  });

  it('returns failed entries as EventBridge answers them, for the caller to judge', async () => {
    eventBridge.on(PutEventsCommand).resolves({
      $metadata: metadata,
      FailedEntryCount: 1,
      Entries: [{ EventId: 'event-1' }, { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }],
    });

    await expect(adapter.putEvents(request)).resolves.toStrictEqual({
      FailedEntryCount: 1,
      Entries: [{ EventId: 'event-1' }, { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }],
    });
  });

  it('lets the SDK’s error through unchanged', async () => {
    const failure = new InternalException({ message: 'Internal', $metadata: {} });
    eventBridge.on(PutEventsCommand).rejects(failure);

    await expect(adapter.putEvents(request)).rejects.toBe(failure);
  });
});
