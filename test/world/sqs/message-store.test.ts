import { describe, expect, it } from 'vitest';
import { MessageStore } from '../../../world/sqs/message-store.ts';

const store = (overrides: Partial<ConstructorParameters<typeof MessageStore>[0]> = {}) =>
  new MessageStore({
    retentionSeconds: 100,
    deadLetterRetentionSeconds: 1000,
    maxReceiveCount: 2,
    ...overrides,
  });

describe('MessageStore', () => {
  it('hands out the oldest visible messages first, one receive count higher', () => {
    const messages = store();
    messages.send(0, 5);
    messages.send(1, 5);
    messages.tick(2);

    const first = messages.receive(2, 7);
    expect(first).toEqual({
      received: [
        { sentAt: 0, receiveCount: 1, count: 5 },
        { sentAt: 1, receiveCount: 1, count: 2 },
      ],
      count: 7,
      movedToDeadLetter: 0,
    });
    expect(messages.visible).toBe(3);
  });

  it('returns failed messages after their visibility timeout, ahead of newer ones', () => {
    const messages = store();
    messages.send(0, 4);
    const { received } = messages.receive(0, 4);
    messages.startInvocations(1, [], received, 30);
    messages.send(5, 1);
    expect(messages.completeInvocations(1)).toEqual({ deleted: 0, returned: 4 });
    expect(messages).toMatchObject({ visible: 1, notVisible: 4, inFlight: 0 });

    messages.tick(29);
    expect(messages.visible).toBe(1);
    messages.tick(30);
    expect(messages.visible).toBe(5);
    expect(messages.receive(30, 4).received).toEqual([{ sentAt: 0, receiveCount: 2, count: 4 }]);
  });

  it('moves a message received maxReceiveCount times to the DLQ at its next receive, not before', () => {
    const messages = store({ maxReceiveCount: 1 });
    messages.send(0, 3);
    messages.returnLater(messages.receive(0, 3).received, 10);
    messages.tick(10);
    expect(messages).toMatchObject({ visible: 3, deadLetter: 0 });
    expect(messages.receiveCounts()).toEqual(new Map([[1, 3]]));

    messages.send(10, 2);
    const next = messages.receive(11, 10);
    expect(next.movedToDeadLetter).toBe(3);
    expect(next.received).toEqual([{ sentAt: 10, receiveCount: 1, count: 2 }]);
    expect(messages.deadLetter).toBe(3);
    expect(messages.deadLetterOldestMovedAt()).toBe(11);
  });

  it('expires messages past the retention period, in the DLQ by their original send time', () => {
    const messages = store({ maxReceiveCount: 1, retentionSeconds: 100, deadLetterRetentionSeconds: 150 });
    messages.send(0, 2);
    messages.send(50, 3);
    messages.returnLater(messages.receive(0, 2).received, 1);
    messages.tick(1);
    expect(messages.receive(2, 1)).toMatchObject({ movedToDeadLetter: 2, count: 1 });

    expect(messages.tick(100)).toEqual({ expired: 0, deadLetterExpired: 0 });
    expect(messages.tick(151)).toEqual({ expired: 2, deadLetterExpired: 2 });
    expect(messages).toMatchObject({ visible: 0, notVisible: 0, deadLetter: 0 });
  });

  it('tells the oldest message still in the queue, in flight or waiting included', () => {
    const messages = store();
    expect(messages.oldestSentAt()).toBeUndefined();
    messages.send(3, 1);
    messages.send(7, 1);
    const { received } = messages.receive(7, 1);
    messages.startInvocations(9, received, [], 40);
    expect(messages.oldestSentAt()).toBe(3);
    expect(messages.completeInvocations(9)).toEqual({ deleted: 1, returned: 0 });
    expect(messages.oldestSentAt()).toBe(7);
  });
});
