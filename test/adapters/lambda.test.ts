import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  GetEventSourceMappingCommand,
  LambdaClient,
  ResourceInUseException,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import type { EventSourceMappingConfiguration } from '@aws-sdk/client-lambda';
import { lambdaAdapter } from '../../adapters/lambda.ts';
import { classifyAwsError, ResourceBusyError } from '../../domain/errors.ts';

const lambda = mockClient(LambdaClient);
const adapter = lambdaAdapter(new LambdaClient({ region: 'us-east-1' }));
const metadata = { httpStatusCode: 200, requestId: 'req-1' };
const UUID = '6d9bce8e-836b-442c-8070-74e77903c815';

const mapping = (
  overrides: Partial<EventSourceMappingConfiguration> = {},
): EventSourceMappingConfiguration => ({
  UUID,
  BatchSize: 10,
  MaximumBatchingWindowInSeconds: 0,
  EventSourceArn: 'arn:aws:sqs:us-east-1:123456789012:orders',
  FunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:orders-consumer',
  LastModified: new Date(Date.UTC(2026, 0, 1, 0, 5)),
  State: 'Enabled',
  StateTransitionReason: 'USER_INITIATED',
  FunctionResponseTypes: [],
  ScalingConfig: { MaximumConcurrency: 100 },
  EventSourceMappingArn: `arn:aws:lambda:us-east-1:123456789012:event-source-mapping:${UUID}`,
  ...overrides,
});

beforeEach(() => {
  lambda.reset();
});

describe('lambdaAdapter.getEventSourceMapping', () => {
  it('sends the UUID unchanged and returns the mapping without $metadata', async () => {
    lambda.on(GetEventSourceMappingCommand, { UUID }).resolves({ $metadata: metadata, ...mapping() });

    const result = await adapter.getEventSourceMapping({ UUID });

    expect(lambda.commandCalls(GetEventSourceMappingCommand).map((c) => c.args[0].input)).toStrictEqual([
      { UUID },
    ]);
    expect(result).toStrictEqual(mapping());
  });
});

describe('lambdaAdapter.updateEventSourceMapping', () => {
  it('lowers MaximumConcurrency with exactly the ScalingConfig asked for', async () => {
    const input = { UUID, ScalingConfig: { MaximumConcurrency: 2 } };
    lambda.on(UpdateEventSourceMappingCommand, input).resolves({
      $metadata: metadata,
      ...mapping({ State: 'Updating', ScalingConfig: { MaximumConcurrency: 2 } }),
    });

    const result = await adapter.updateEventSourceMapping(input);

    expect(lambda.commandCalls(UpdateEventSourceMappingCommand).map((c) => c.args[0].input)).toStrictEqual([
      { UUID, ScalingConfig: { MaximumConcurrency: 2 } },
    ]);
    expect(result).toStrictEqual(mapping({ State: 'Updating', ScalingConfig: { MaximumConcurrency: 2 } }));
  });

  it('disables the mapping with Enabled: false and nothing else', async () => {
    const input = { UUID, Enabled: false };
    lambda.on(UpdateEventSourceMappingCommand, input).resolves({
      $metadata: metadata,
      ...mapping({ State: 'Disabling' }),
    });

    const result = await adapter.updateEventSourceMapping(input);

    expect(lambda.commandCalls(UpdateEventSourceMappingCommand).map((c) => c.args[0].input)).toStrictEqual([
      { UUID, Enabled: false },
    ]);
    expect(result).toStrictEqual(mapping({ State: 'Disabling' }));
  });

  it('passes the SDK error through, so handlers classify a mapping mid-change as busy', async () => {
    lambda
      .on(UpdateEventSourceMappingCommand)
      .rejects(new ResourceInUseException({ $metadata: metadata, message: 'The mapping is being updated.' }));

    const error = await adapter
      .updateEventSourceMapping({ UUID, ScalingConfig: { MaximumConcurrency: 5 } })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ResourceInUseException);
    expect(classifyAwsError(error, 'UpdateEventSourceMapping')).toBeInstanceOf(ResourceBusyError);
  });
});
