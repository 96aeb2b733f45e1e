/**
 * SNS for the local engine: a topic that keeps what is published to it, so the CLI can print the
 * notifications a run sent and tests can read them. Bound to `arn:aws:states:::sns:publish`.
 */
export interface MessageAttribute {
  DataType: string;
  StringValue?: string;
}

export interface PublishedMessage {
  TopicArn: string;
  Subject?: string;
  Message: string;
  MessageAttributes?: Record<string, MessageAttribute>;
  MessageId: string;
}

export class LocalTopic {
  readonly messages: PublishedMessage[] = [];

  /** Named like the API action, so `portService` can bind it. */
  async publish(input: {
    TopicArn?: string;
    Subject?: string;
    Message?: string;
    MessageAttributes?: Record<string, MessageAttribute>;
  }): Promise<{ MessageId: string }> {
    if (!input.TopicArn || typeof input.Message !== 'string' || input.Message.length === 0) {
      throw Object.assign(new Error('TopicArn and a non-empty Message are required'), {
        name: 'InvalidParameterException',
      });
    }
    const MessageId = `local-${String(this.messages.length + 1).padStart(6, '0')}`;
    this.messages.push({
      TopicArn: input.TopicArn,
      ...(input.Subject ? { Subject: input.Subject } : {}),
      Message: input.Message,
      ...(input.MessageAttributes ? { MessageAttributes: input.MessageAttributes } : {}),
      MessageId,
    });
    return { MessageId };
  }
}
