import { describe, expect, it } from 'vitest';
import type { QueueMinute, QueueTotals } from '../../../world/sqs/queue-world.ts';
import { metricValues, minutes, simulatedQueue, sum } from './support.ts';

/** Every message sent is somewhere, or deleted, expired or dead-lettered: none is lost unseen. */
function expectConserved(totals: QueueTotals) {
  expect(totals.sent).toBe(
    totals.deleted + totals.movedToDeadLetter + totals.expired + totals.visible + totals.notVisible,
  );
  expect(totals.movedToDeadLetter).toBe(totals.deadLetter + totals.deadLetterExpired);
}

const between = (timeline: QueueMinute[], from: number, to: number) =>
  timeline.filter((entry) => entry.minute >= from && entry.minute < to);

describe('a healthy consumer', () => {
  it('keeps up with steady traffic: messages wait seconds, none returns, none is lost', async () => {
    const { clock, world } = simulatedQueue();
    await clock.advance(minutes(15));

    const settled = world.timeline.slice(1);
    expect(settled).toHaveLength(14);
    for (const entry of settled) {
      expect(entry.processed).toBeGreaterThan(11_000);
      expect(entry.visible).toBeLessThan(300);
      expect(entry.oldestAgeSeconds).toBeLessThanOrEqual(2);
      expect(entry.errors + entry.returned + entry.throttles + entry.deadLetter + entry.expired).toBe(0);
      // 20 invocations a second of 200 ms each: about 4 running at once.
      expect(entry.concurrency).toBeGreaterThan(3);
      expect(entry.concurrency).toBeLessThan(6);
    }
    expectConserved(world.totals);
    expect(world.totals.sent - world.totals.deleted).toBeLessThan(300);
  });

  it('drains a backlog built while the mapping was disabled, pollers growing five a second', async () => {
    // 20 invocations of 200 ms at a time: 100 requests a second, what the downstream serves.
    const { clock, world } = simulatedQueue({ mapping: { enabled: false, maximumConcurrency: 20 } });
    await clock.advance(minutes(10));
    expect(world.timeline.at(-1)).toMatchObject({ visible: world.totals.sent, received: 0, pollers: 0 });
    expect(world.snapshot().receiveCounts).toEqual({ 0: world.totals.sent });

    await world.updateEventSourceMapping({ UUID: world.mappingUuid, Enabled: true });
    await clock.advance(minutes(10));

    const [first] = between(world.timeline, 10, 11);
    expect(first?.mappingState).toBe('Enabled');
    expect(first?.processed).toBeGreaterThan(first?.arrivals ?? Infinity);
    expect(first?.concurrency).toBeCloseTo(20, 0);
    const drained = world.timeline.slice(-3);
    expect(drained.every((entry) => entry.visible < 300 && entry.errors === 0)).toBe(true);
    expect(world.totals.deadLetter).toBe(0);
    expectConserved(world.totals);
  });
});

describe('a downstream brownout (capacity 100 → 10 requests a second for ten minutes)', () => {
  const brownout = { fromMinute: 10, durationMinutes: 10, capacity: 10 };

  it('with MaximumConcurrency high, Lambda backs off: five pollers, a third of the calls fail, a few messages reach the DLQ', async () => {
    const { clock, world } = simulatedQueue({
      mapping: { maximumConcurrency: 100 },
      downstream: { name: 'payments', capacity: 100, latencyMs: 200, brownouts: [brownout] },
    });
    await clock.advance(minutes(30));

    const during = between(world.timeline, 11, 20);
    for (const entry of during) {
      // Backed off to the floor: five invocations at once offer the service ~16 calls a second.
      expect(entry.pollers).toBe(5);
      expect(entry.concurrency).toBeLessThanOrEqual(5);
      expect(entry.errors / entry.invocations).toBeGreaterThan(0.3);
      expect(entry.errors / entry.invocations).toBeLessThan(0.5);
    }
    // A message fails a receive about one time in three: a few fail five in a row.
    expect(world.totals.deadLetter).toBeGreaterThan(0);
    expect(world.totals.deadLetter).toBeLessThan(1000);
    // After the brownout the pollers climb again and the backlog drains.
    expect(Math.max(...between(world.timeline, 20, 22).map((entry) => entry.concurrency))).toBeGreaterThan(
      20,
    );
    expect(between(world.timeline, 25, 30).every((entry) => entry.errors === 0 && entry.visible < 300)).toBe(
      true,
    );
    expectConserved(world.totals);
  });

  it('with MaximumConcurrency high and no backoff: concurrency climbs, errors pile up, messages reach the DLQ', async () => {
    const { clock, world, metrics } = simulatedQueue({
      mapping: { maximumConcurrency: 100, backoffOnErrors: false },
      downstream: { name: 'payments', capacity: 100, latencyMs: 200, brownouts: [brownout] },
    });
    await clock.advance(minutes(30));

    const before = between(world.timeline, 0, 10);
    const during = between(world.timeline, 13, 20);
    const after = between(world.timeline, 22, 30);
    expect(before.every((entry) => entry.errors === 0 && entry.deadLetter === 0)).toBe(true);
    for (const entry of during) {
      expect(entry.concurrency).toBeGreaterThan(90);
      expect(entry.errors / entry.invocations).toBeGreaterThan(0.8);
      expect(entry.downstreamErrors).toBeGreaterThan(3000);
      expect(entry.processed).toBeLessThanOrEqual(10 * 10 * 60);
      expect(entry.movedToDeadLetter).toBeGreaterThan(3000);
    }
    expect(world.timeline.at(19)?.deadLetter).toBeGreaterThan(30_000);
    // After the brownout the consumer recovers; messages it had already failed five times still
    // move to the DLQ at their next receive, and what reached the DLQ stays there.
    expect(after.every((entry) => entry.errors === 0 && entry.visible < 300)).toBe(true);
    expect(world.timeline.at(20)?.movedToDeadLetter).toBeGreaterThan(0);
    expect(world.totals.deadLetter).toBe(world.timeline.at(21)?.deadLetter);
    expectConserved(world.totals);

    await clock.advance(metrics.publicationDelaySeconds);
    const errorRate = await metricValues(
      metrics,
      { namespace: 'Downstream', name: 'ErrorRate', dimension: ['Service', 'payments'] },
      clock.startMs + minutes(13) * 1000,
      clock.startMs + minutes(20) * 1000,
    );
    expect(errorRate).toHaveLength(7);
    expect(Math.min(...errorRate)).toBeGreaterThan(80);
  });

  it('with MaximumConcurrency lowered to 2 during it: the DLQ stays empty, messages wait, and drain after', async () => {
    const { clock, world } = simulatedQueue({
      mapping: { maximumConcurrency: 100 },
      downstream: { name: 'payments', capacity: 100, latencyMs: 200, brownouts: [brownout] },
    });
    const uuid = world.mappingUuid;
    await clock.advance(minutes(11));
    await world.updateEventSourceMapping({ UUID: uuid, ScalingConfig: { MaximumConcurrency: 2 } });
    await clock.advance(minutes(9));
    const throttled = between(world.timeline, 12, 20);
    const waiting = world.snapshot();
    await world.updateEventSourceMapping({ UUID: uuid, ScalingConfig: { MaximumConcurrency: 10 } });
    await clock.advance(minutes(10));

    for (const entry of throttled) {
      expect(entry.maximumConcurrency).toBe(2);
      expect(entry.concurrency).toBeLessThanOrEqual(2);
      // Two invocations of 200 ms at a time: 10 requests a second, what the downstream can serve.
      expect(entry.errors).toBe(0);
      expect(entry.returned).toBe(0);
      expect(entry.processed).toBe(10 * 10 * 60);
    }
    // The backlog grows, but with its receive counts unchanged: nothing nears maxReceiveCount.
    expect(throttled.at(-1)?.visible).toBeGreaterThan(40_000);
    const counts = Object.entries(waiting.receiveCounts).map(([count, messages]) => [
      Number(count),
      messages,
    ]);
    expect(Math.max(...counts.map(([count]) => count as number))).toBeLessThan(5);
    expect(waiting.receiveCounts[0]).toBeGreaterThan(0.9 * waiting.visible);

    const drained = between(world.timeline, 25, 30);
    expect(drained.every((entry) => entry.visible < 300 && entry.errors === 0)).toBe(true);
    expect(world.totals.deadLetter).toBe(0);
    expect(world.totals.movedToDeadLetter).toBe(0);
    expect(world.totals.expired).toBe(0);
    expectConserved(world.totals);
    expect(world.totals.sent - world.totals.deleted).toBeLessThan(300);
  });
});

describe('retention', () => {
  it('deletes messages older than MessageRetentionPeriod: expired, counted, never dead-lettered', async () => {
    const { clock, world } = simulatedQueue({
      arrivals: { phases: [{ name: 'steady', durationSeconds: 3600, messagesPerSecond: 50 }] },
      queue: { name: 'orders', maxReceiveCount: 5, messageRetentionPeriodSeconds: 300 },
      mapping: { enabled: false },
    });
    await clock.advance(minutes(12));

    expect(between(world.timeline, 0, 5).every((entry) => entry.expired === 0)).toBe(true);
    for (const entry of between(world.timeline, 6, 12)) {
      expect(entry.expired).toBe(50 * 60);
      // Retention is checked each second: at a minute's end the oldest message is 301 s old and
      // goes in the next second.
      expect(entry.visible).toBe(50 * 301);
      expect(entry.oldestAgeSeconds).toBe(301);
    }
    expect(world.totals.expired).toBe(50 * (720 - 301));
    expect(world.totals.deadLetter).toBe(0);
    expectConserved(world.totals);
  });

  it('expires returned messages too, once their visibility timeout ends', async () => {
    const { clock, world } = simulatedQueue({
      queue: {
        name: 'orders',
        maxReceiveCount: 1000,
        messageRetentionPeriodSeconds: 120,
        visibilityTimeoutSeconds: 30,
      },
      downstream: { name: 'payments', capacity: 0, latencyMs: 200 },
    });
    await clock.advance(minutes(6));

    expect(world.totals.deleted).toBe(0);
    expect(world.totals.expired).toBeGreaterThan(0);
    expect(world.totals.deadLetter).toBe(0);
    expect(Math.max(...world.timeline.map((entry) => entry.oldestAgeSeconds))).toBeLessThanOrEqual(150);
    expectConserved(world.totals);
  });
});

describe('reserved concurrency', () => {
  // Two invocations at a time serve 100 messages a second; 200 arrive.
  const reserved = { name: 'orders-consumer', reservedConcurrency: 2 };

  it('throttles pollers beyond it: messages return after the visibility timeout, counting toward the DLQ', async () => {
    const { clock, world, metrics } = simulatedQueue({ function: reserved, mapping: {} });
    await clock.advance(minutes(2));
    const early = world.snapshot();
    await clock.advance(minutes(8));

    expect(world.timeline.every((entry) => entry.concurrency <= 2)).toBe(true);
    expect(sum(world.timeline.map((entry) => entry.throttles))).toBeGreaterThan(1000);
    // Read once CloudWatch has published every minute so far.
    const end = clock.now();
    const thrown = world.totals.throttles;
    await clock.advance(metrics.publicationDelaySeconds);
    const throttles = await metricValues(
      metrics,
      { namespace: 'AWS/Lambda', name: 'Throttles', dimension: ['FunctionName', 'orders-consumer'] },
      clock.startMs,
      end,
    );
    expect(sum(throttles)).toBe(thrown);
    // Throttled receives raise receive counts even though no invocation failed.
    expect(world.totals.errors).toBe(0);
    expect(
      Object.keys(early.receiveCounts)
        .map(Number)
        .some((count) => count >= 2),
    ).toBe(true);
    expect(world.totals.deadLetter).toBeGreaterThan(10_000);
    expectConserved(world.totals);
  });

  it('with MaximumConcurrency at it, nothing is throttled: messages wait with receive counts unchanged', async () => {
    const { clock, world } = simulatedQueue({ function: reserved, mapping: { maximumConcurrency: 2 } });
    await clock.advance(minutes(10));

    const snapshot = world.snapshot();
    expect(world.totals.throttles).toBe(0);
    expect(world.totals.deadLetter).toBe(0);
    expect(snapshot.visible).toBeGreaterThan(50_000);
    // Only the messages inside the two running invocations have been received.
    expect(Object.keys(snapshot.receiveCounts).map(Number)).toEqual(snapshot.inFlight > 0 ? [0, 1] : [0]);
    expect(snapshot.receiveCounts[1] ?? 0).toBe(snapshot.inFlight);
    expectConserved(world.totals);
  });
});

describe('determinism', () => {
  const run = async (seed: number) => {
    const { clock, world } = simulatedQueue({
      seed,
      downstream: {
        name: 'payments',
        capacity: 100,
        latencyMs: 200,
        errorRate: 0.01,
        brownouts: [{ fromMinute: 3, durationMinutes: 3, capacity: 10 }],
      },
    });
    await clock.advance(minutes(10));
    return { timeline: world.timeline, totals: world.totals, uuid: world.mappingUuid };
  };

  it('gives the same world for the same seed, and another for another seed', async () => {
    const [first, again, other] = await Promise.all([run(7), run(7), run(8)]);
    expect(again).toStrictEqual(first);
    expect(other.timeline).not.toStrictEqual(first.timeline);
    expect(other.uuid).not.toBe(first.uuid);
    expect(first.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('CloudWatch metrics', () => {
  it('publishes each minute under AWS/SQS, AWS/Lambda and Downstream with their dimensions', async () => {
    const { clock, world, metrics } = simulatedQueue({
      downstream: {
        name: 'payments',
        capacity: 100,
        latencyMs: 200,
        brownouts: [{ fromMinute: 2, durationMinutes: 2, capacity: 10 }],
      },
    });
    await clock.advance(minutes(5));
    const range = [clock.startMs, clock.now()] as const;
    // Read once CloudWatch has published the five minutes.
    await clock.advance(metrics.publicationDelaySeconds);
    const timeline = world.timeline.slice(0, 5);
    const sqs = (name: string, queue = 'orders') => ({
      namespace: 'AWS/SQS',
      name,
      dimension: ['QueueName', queue] as [string, string],
    });
    const lambda = (name: string) => ({
      namespace: 'AWS/Lambda',
      name,
      dimension: ['FunctionName', 'orders-consumer'] as [string, string],
    });
    const column = (key: keyof QueueMinute) => timeline.map((entry) => entry[key]);

    expect(await metricValues(metrics, sqs('NumberOfMessagesSent'), ...range)).toEqual(column('arrivals'));
    expect(await metricValues(metrics, sqs('NumberOfMessagesReceived'), ...range)).toEqual(
      column('received'),
    );
    expect(await metricValues(metrics, sqs('NumberOfMessagesDeleted'), ...range)).toEqual(
      column('processed'),
    );
    expect(
      await metricValues(metrics, sqs('ApproximateNumberOfMessagesVisible'), ...range, 'Maximum'),
    ).toEqual(column('visible'));
    expect(await metricValues(metrics, sqs('ApproximateAgeOfOldestMessage'), ...range, 'Maximum')).toEqual(
      column('oldestAgeSeconds'),
    );
    expect(
      await metricValues(
        metrics,
        sqs('ApproximateNumberOfMessagesVisible', 'orders-dlq'),
        ...range,
        'Maximum',
      ),
    ).toEqual(column('deadLetter'));
    expect(await metricValues(metrics, lambda('Invocations'), ...range)).toEqual(column('invocations'));
    expect(await metricValues(metrics, lambda('Errors'), ...range)).toEqual(column('errors'));
    expect(await metricValues(metrics, lambda('ConcurrentExecutions'), ...range, 'Maximum')).toEqual(
      timeline.map((entry) => expect.closeTo(entry.concurrency, 1)),
    );
    const downstreamErrors = await metricValues(
      metrics,
      { namespace: 'Downstream', name: 'Errors', dimension: ['Service', 'payments'] },
      ...range,
    );
    expect(downstreamErrors).toEqual(column('downstreamErrors'));
    expect(downstreamErrors[3]).toBeGreaterThan(0);
    const p99 = await metricValues(
      metrics,
      { namespace: 'Downstream', name: 'LatencyP99', dimension: ['Service', 'payments'] },
      ...range,
      'Maximum',
    );
    expect(p99[0]).toBeCloseTo(600, 0);
    // Slower while overloaded (Lambda's backoff keeps the overload, and the slowdown, small).
    expect(p99[3]).toBeGreaterThan(p99[0] ?? Infinity);
  });
});
