import { describe, expect, it } from 'vitest';
import { classifyAwsError, ResourceBusyError, ResourceNotFoundError } from '../../../domain/errors.ts';
import { minutes, simulatedQueue } from './support.ts';

const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/orders';
const DLQ_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/orders-dlq';

describe('the world as EventSourceMappingPort', () => {
  it('answers GetEventSourceMapping in the SDK shape of an SQS mapping', async () => {
    const { clock, world } = simulatedQueue({
      mapping: { uuid: 'a1b2c3d4-5678-4abc-9def-111111111111', maximumConcurrency: 100 },
    });

    await expect(world.getEventSourceMapping({ UUID: world.mappingUuid })).resolves.toStrictEqual({
      UUID: 'a1b2c3d4-5678-4abc-9def-111111111111',
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 0,
      EventSourceArn: 'arn:aws:sqs:us-east-1:123456789012:orders',
      FunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:orders-consumer',
      LastModified: new Date(clock.startMs),
      State: 'Enabled',
      StateTransitionReason: 'USER_INITIATED',
      FunctionResponseTypes: [],
      ScalingConfig: { MaximumConcurrency: 100 },
      EventSourceMappingArn:
        'arn:aws:lambda:us-east-1:123456789012:event-source-mapping:a1b2c3d4-5678-4abc-9def-111111111111',
    });
  });

  it('goes Updating, then Enabled, and only then applies a lower MaximumConcurrency', async () => {
    const { clock, world } = simulatedQueue({
      mapping: { maximumConcurrency: 100, transitionSeconds: 20 },
      downstream: { name: 'payments', capacity: 100, latencyMs: 2000 },
    });
    await clock.advance(minutes(3));
    expect(world.timeline.at(-1)?.concurrency).toBeGreaterThan(30);

    const answer = await world.updateEventSourceMapping({
      UUID: world.mappingUuid,
      ScalingConfig: { MaximumConcurrency: 5 },
    });
    expect(answer).toMatchObject({
      State: 'Updating',
      ScalingConfig: { MaximumConcurrency: 5 },
      LastModified: new Date(clock.now()),
    });
    // A second change while the first is in progress is refused, as Lambda does.
    const busy = await world
      .updateEventSourceMapping({ UUID: world.mappingUuid, ScalingConfig: { MaximumConcurrency: 3 } })
      .catch((e: unknown) => e);
    expect(busy).toMatchObject({ name: 'ResourceInUseException' });
    expect(classifyAwsError(busy, 'UpdateEventSourceMapping')).toBeInstanceOf(ResourceBusyError);

    await clock.advance(19);
    expect(await world.getEventSourceMapping({ UUID: world.mappingUuid })).toMatchObject({
      State: 'Updating',
    });
    expect(world.snapshot().pollers).toBeGreaterThan(5);
    await clock.advance(1);
    expect(await world.getEventSourceMapping({ UUID: world.mappingUuid })).toMatchObject({
      State: 'Enabled',
      ScalingConfig: { MaximumConcurrency: 5 },
    });
    await clock.advance(40);
    expect(world.snapshot().pollers).toBe(5);
    await clock.advance(minutes(1));
    expect(world.timeline.at(-1)).toMatchObject({ maximumConcurrency: 5, mappingState: 'Enabled' });
    expect(world.timeline.at(-1)?.concurrency).toBeLessThanOrEqual(5);
  });

  it('disables with Enabled: false (Disabling, then Disabled): messages wait, unreceived', async () => {
    const { clock, world } = simulatedQueue({ mapping: { transitionSeconds: 10 } });
    await clock.advance(minutes(1));
    await expect(
      world.updateEventSourceMapping({ UUID: world.mappingUuid, Enabled: false }),
    ).resolves.toMatchObject({ State: 'Disabling' });
    await clock.advance(10);
    await expect(world.getEventSourceMapping({ UUID: world.mappingUuid })).resolves.toMatchObject({
      State: 'Disabled',
    });
    await clock.advance(minutes(3) - 10);

    const stopped = world.timeline.slice(-2);
    expect(stopped.every((entry) => entry.received === 0 && entry.invocations === 0)).toBe(true);
    const { visible, receiveCounts } = world.snapshot();
    expect(receiveCounts).toEqual({ 0: visible });

    await expect(
      world.updateEventSourceMapping({ UUID: world.mappingUuid, Enabled: true }),
    ).resolves.toMatchObject({ State: 'Enabling' });
    await clock.advance(minutes(2));
    expect(world.timeline.at(-1)?.processed).toBeGreaterThan(0);
    await expect(world.getEventSourceMapping({ UUID: world.mappingUuid })).resolves.toMatchObject({
      State: 'Enabled',
    });
  });

  describe('validates MaximumConcurrency as Lambda does: 2 to 1,000', () => {
    it.each([
      [1, 'Member must have value greater than or equal to 2'],
      [0, 'Member must have value greater than or equal to 2'],
      [1001, 'Member must have value less than or equal to 1000'],
      [2.5, 'Member must be an integer'],
    ])('refuses %s with ValidationException, changing nothing', async (value, constraint) => {
      const { world } = simulatedQueue({ mapping: { maximumConcurrency: 100, transitionSeconds: 0 } });
      const error = await world
        .updateEventSourceMapping({ UUID: world.mappingUuid, ScalingConfig: { MaximumConcurrency: value } })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({
        name: 'ValidationException',
        $fault: 'client',
        message: `1 validation error detected: Value '${value}' at 'scalingConfig.maximumConcurrency' failed to satisfy constraint: ${constraint}`,
      });
      await expect(world.getEventSourceMapping({ UUID: world.mappingUuid })).resolves.toMatchObject({
        State: 'Enabled',
        ScalingConfig: { MaximumConcurrency: 100 },
      });
    });

    it.each([2, 1000])('accepts %s', async (value) => {
      const { world } = simulatedQueue({ mapping: { transitionSeconds: 0 } });
      await expect(
        world.updateEventSourceMapping({
          UUID: world.mappingUuid,
          ScalingConfig: { MaximumConcurrency: value },
        }),
      ).resolves.toMatchObject({ State: 'Enabled', ScalingConfig: { MaximumConcurrency: value } });
    });

    it('removes the limit with an empty ScalingConfig', async () => {
      const { world } = simulatedQueue({ mapping: { maximumConcurrency: 10, transitionSeconds: 0 } });
      const answer = await world.updateEventSourceMapping({ UUID: world.mappingUuid, ScalingConfig: {} });
      expect(answer.ScalingConfig).toBeUndefined();
    });

    it('refuses a world built with a limit out of range', () => {
      expect(() => simulatedQueue({ mapping: { maximumConcurrency: 1 } })).toThrow(
        expect.objectContaining({ name: 'ValidationException' }),
      );
    });
  });

  it('refuses other bad updates by AWS error name', async () => {
    const { world } = simulatedQueue();
    const uuid = world.mappingUuid;
    const failure = (input: Parameters<typeof world.updateEventSourceMapping>[0]) =>
      world.updateEventSourceMapping(input).catch((e: unknown) => e);

    const missing = await failure({ UUID: '00000000-0000-4000-8000-000000000000', Enabled: false });
    expect(missing).toMatchObject({ name: 'ResourceNotFoundException' });
    expect(classifyAwsError(missing, 'UpdateEventSourceMapping')).toBeInstanceOf(ResourceNotFoundError);
    await expect(world.getEventSourceMapping({ UUID: 'nope' })).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    expect(await failure({ UUID: uuid, BatchSize: 100 })).toMatchObject({
      name: 'InvalidParameterValueException',
      message:
        'Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10',
    });
    expect(await failure({ UUID: uuid, BatchSize: 0 })).toMatchObject({ name: 'ValidationException' });
    expect(await failure({ UUID: uuid, MaximumRetryAttempts: 3 })).toMatchObject({
      name: 'InvalidParameterValueException',
    });
    expect(await failure({ UUID: uuid, FunctionName: 'another-function' })).toMatchObject({
      name: 'InvalidParameterValueException',
    });
    await expect(
      world.updateEventSourceMapping({ UUID: uuid, BatchSize: 100, MaximumBatchingWindowInSeconds: 1 }),
    ).resolves.toMatchObject({ BatchSize: 100, MaximumBatchingWindowInSeconds: 1, State: 'Updating' });
  });
});

describe('the world as QueuePort', () => {
  it('answers GetQueueAttributes for the queue, its redrive policy included', async () => {
    const { clock, world } = simulatedQueue({ mapping: { enabled: false } });
    await clock.advance(10);
    const created = String(clock.startMs / 1000);

    await expect(
      world.getQueueAttributes({ QueueUrl: QUEUE_URL, AttributeNames: ['All'] }),
    ).resolves.toStrictEqual({
      Attributes: {
        QueueArn: 'arn:aws:sqs:us-east-1:123456789012:orders',
        ApproximateNumberOfMessages: String(world.totals.sent),
        ApproximateNumberOfMessagesNotVisible: '0',
        ApproximateNumberOfMessagesDelayed: '0',
        CreatedTimestamp: created,
        LastModifiedTimestamp: created,
        VisibilityTimeout: '30',
        MessageRetentionPeriod: '345600',
        DelaySeconds: '0',
        ReceiveMessageWaitTimeSeconds: '0',
        RedrivePolicy:
          '{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:123456789012:orders-dlq","maxReceiveCount":5}',
      },
    });
    await expect(
      world.getQueueAttributes({
        QueueUrl: QUEUE_URL,
        AttributeNames: ['ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessages', 'Policy'],
      }),
    ).resolves.toStrictEqual({
      Attributes: {
        ApproximateNumberOfMessagesNotVisible: '0',
        ApproximateNumberOfMessages: String(world.totals.sent),
      },
    });
    await expect(world.getQueueAttributes({ QueueUrl: QUEUE_URL })).resolves.toStrictEqual({});
  });

  it('answers for the dead-letter queue, whose depth is what reached it', async () => {
    const { clock, world } = simulatedQueue({
      queue: { name: 'orders', maxReceiveCount: 1 },
      downstream: { name: 'payments', capacity: 0, latencyMs: 200 },
    });
    await clock.advance(minutes(2));

    const { Attributes } = await world.getQueueAttributes({
      QueueUrl: DLQ_URL,
      AttributeNames: ['ApproximateNumberOfMessages', 'QueueArn', 'RedrivePolicy', 'MessageRetentionPeriod'],
    });
    expect(Attributes).toStrictEqual({
      ApproximateNumberOfMessages: String(world.totals.deadLetter),
      QueueArn: 'arn:aws:sqs:us-east-1:123456789012:orders-dlq',
      MessageRetentionPeriod: '1209600',
    });
    expect(world.totals.deadLetter).toBeGreaterThan(0);
  });

  it('refuses unknown queues and attribute names as SQS does', async () => {
    const { world } = simulatedQueue();
    await expect(
      world.getQueueAttributes({ QueueUrl: `${QUEUE_URL}-typo`, AttributeNames: ['All'] }),
    ).rejects.toMatchObject({ name: 'QueueDoesNotExist' });
    await expect(
      world.getQueueAttributes({
        QueueUrl: QUEUE_URL,
        AttributeNames: ['ApproximateAgeOfOldestMessage' as 'All'],
      }),
    ).rejects.toMatchObject({ name: 'InvalidAttributeName' });
  });
});

describe('building the world', () => {
  it('gives a runbook its ports: the world, the metric store and virtual time', async () => {
    const { clock, world, metrics } = simulatedQueue();
    const ports = world.ports();
    expect(ports.mappings).toBe(world);
    expect(ports.queues).toBe(world);
    expect(ports.cloudwatch).toBe(metrics);
    await clock.advance(90);
    expect(ports.now()).toBe(clock.now());
  });

  it('refuses a visibility timeout shorter than the function timeout, as CreateEventSourceMapping does', () => {
    expect(() =>
      simulatedQueue({
        queue: { name: 'orders', maxReceiveCount: 5, visibilityTimeoutSeconds: 30 },
        function: { name: 'orders-consumer', timeoutSeconds: 60 },
      }),
    ).toThrow(
      expect.objectContaining({
        name: 'InvalidParameterValueException',
        message: 'Queue visibility timeout: 30 seconds is less than Function timeout: 60 seconds',
      }),
    );
  });
});
