import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { GetQueueAttributesCommand, QueueDoesNotExist, SQSClient } from '@aws-sdk/client-sqs';
import type { GetQueueAttributesRequest } from '@aws-sdk/client-sqs';
import { sqsAdapter } from '../../adapters/sqs.ts';

const sqs = mockClient(SQSClient);
const adapter = sqsAdapter(new SQSClient({ region: 'us-east-1' }));
const metadata = { httpStatusCode: 200, requestId: 'req-1' };
const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/orders';

beforeEach(() => {
  sqs.reset();
});

describe('sqsAdapter.getQueueAttributes', () => {
  it('sends the request unchanged and returns the attributes without $metadata', async () => {
    const input: GetQueueAttributesRequest = {
      QueueUrl: QUEUE_URL,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'RedrivePolicy',
      ],
    };
    const attributes = {
      ApproximateNumberOfMessages: '120000',
      ApproximateNumberOfMessagesNotVisible: '640',
      RedrivePolicy:
        '{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:123456789012:orders-dlq","maxReceiveCount":5}',
    };
    sqs.on(GetQueueAttributesCommand, input).resolves({ $metadata: metadata, Attributes: attributes });

    const result = await adapter.getQueueAttributes(input);

    expect(sqs.commandCalls(GetQueueAttributesCommand).map((c) => c.args[0].input)).toStrictEqual([
      {
        QueueUrl: QUEUE_URL,
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'RedrivePolicy',
        ],
      },
    ]);
    expect(result).toStrictEqual({ Attributes: attributes });
  });

  it('returns an empty answer as SQS gives it when no attribute names are asked for', async () => {
    sqs.on(GetQueueAttributesCommand, { QueueUrl: QUEUE_URL }).resolves({ $metadata: metadata });

    await expect(adapter.getQueueAttributes({ QueueUrl: QUEUE_URL })).resolves.toStrictEqual({});
  });

  it('passes QueueDoesNotExist through by name', async () => {
    sqs
      .on(GetQueueAttributesCommand)
      .rejects(
        new QueueDoesNotExist({ $metadata: metadata, message: 'The specified queue does not exist.' }),
      );

    await expect(
      adapter.getQueueAttributes({ QueueUrl: QUEUE_URL, AttributeNames: ['All'] }),
    ).rejects.toMatchObject({ name: 'QueueDoesNotExist' });
  });
});
