import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { minutes, simulatedQueue } from './support.ts';

const worlds = fc.record({
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  rate: fc.integer({ min: 0, max: 400 }),
  visibilityTimeoutSeconds: fc.integer({ min: 3, max: 90 }),
  messageRetentionPeriodSeconds: fc.integer({ min: 60, max: 600 }),
  maxReceiveCount: fc.integer({ min: 1, max: 6 }),
  batchSize: fc.integer({ min: 1, max: 10 }),
  maximumConcurrency: fc.option(fc.integer({ min: 2, max: 200 }), { nil: undefined }),
  reservedConcurrency: fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }),
  capacity: fc.integer({ min: 0, max: 300 }),
  latencyMs: fc.integer({ min: 20, max: 2500 }),
  errorRate: fc.double({ min: 0, max: 0.3, noNaN: true }),
  brownout: fc.option(
    fc.record({
      fromMinute: fc.integer({ min: 0, max: 6 }),
      durationMinutes: fc.integer({ min: 1, max: 4 }),
      capacity: fc.integer({ min: 0, max: 20 }),
    }),
    { nil: undefined },
  ),
  newLimit: fc.option(fc.integer({ min: 2, max: 20 }), { nil: undefined }),
});

describe('QueueWorld invariants', () => {
  it('loses no message unaccounted, and respects its limits, whatever the settings', async () => {
    await fc.assert(
      fc.asyncProperty(worlds, async (w) => {
        const { clock, world } = simulatedQueue({
          seed: w.seed,
          arrivals: {
            phases: [{ name: 'steady', durationSeconds: 600, messagesPerSecond: w.rate }],
            noise: 0.1,
          },
          queue: {
            name: 'orders',
            visibilityTimeoutSeconds: w.visibilityTimeoutSeconds,
            messageRetentionPeriodSeconds: w.messageRetentionPeriodSeconds,
            maxReceiveCount: w.maxReceiveCount,
          },
          mapping: {
            batchSize: w.batchSize,
            transitionSeconds: 5,
            ...(w.maximumConcurrency === undefined ? {} : { maximumConcurrency: w.maximumConcurrency }),
          },
          function: {
            name: 'orders-consumer',
            ...(w.reservedConcurrency === undefined ? {} : { reservedConcurrency: w.reservedConcurrency }),
          },
          downstream: {
            name: 'payments',
            capacity: w.capacity,
            latencyMs: w.latencyMs,
            errorRate: w.errorRate,
            brownouts: w.brownout ? [w.brownout] : [],
          },
        });
        await clock.advance(minutes(4));
        if (w.newLimit !== undefined) {
          await world.updateEventSourceMapping({
            UUID: world.mappingUuid,
            ScalingConfig: { MaximumConcurrency: w.newLimit },
          });
        }
        await clock.advance(minutes(4));

        const t = world.totals;
        expect(t.sent).toBe(t.deleted + t.movedToDeadLetter + t.expired + t.visible + t.notVisible);
        expect(t.movedToDeadLetter).toBe(t.deadLetter + t.deadLetterExpired);
        expect(t.downstreamErrors).toBeLessThanOrEqual(t.invocations);
        const snapshot = world.snapshot();
        const inQueue = Object.values(snapshot.receiveCounts).reduce((a, b) => a + b, 0);
        expect(inQueue).toBe(t.visible + t.notVisible);

        const reserved = w.reservedConcurrency ?? Infinity;
        const before = Math.min(w.maximumConcurrency ?? 1000, reserved);
        const after = w.newLimit === undefined ? before : Math.min(w.newLimit, reserved);
        for (const entry of world.timeline) {
          // The update is made at minute 4's start and takes effect seconds later.
          const cap = entry.minute < 4 ? before : entry.minute === 4 ? Math.max(before, after) : after;
          expect(entry.concurrency).toBeLessThanOrEqual(cap);
          expect(entry.oldestAgeSeconds).toBeLessThanOrEqual(
            w.messageRetentionPeriodSeconds + w.visibilityTimeoutSeconds + 1,
          );
        }
        // Throttling needs more pollers than reserved concurrency; lowering MaximumConcurrency never throttles.
        if (w.reservedConcurrency === undefined) expect(t.throttles).toBe(0);
        // Without failures or throttles, receive counts never reach the redrive limit.
        if (t.errors === 0 && t.throttles === 0) expect(t.movedToDeadLetter).toBe(0);
      }),
      { numRuns: 40 },
    );
  });
});
