import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../../world/sqs/circuit-breaker.ts';
import { simulatedQueue, minutes } from './support.ts';

describe('the circuit breaker in front of the downstream', () => {
  const breaker = () =>
    new CircuitBreaker({
      errorThresholdPercent: 50,
      windowSeconds: 10,
      minimumRequests: 20,
      openSeconds: 30,
    });

  it('stays closed while the window holds fewer calls than the minimum, however many fail', () => {
    const b = breaker();
    for (let second = 0; second < 10; second++) b.record(second, 1, 1);
    expect(b.stateAt(10)).toBe('closed');
  });

  it('opens when the failed share of the window reaches the threshold, and refuses calls for openSeconds', () => {
    const b = breaker();
    b.record(0, 10, 4);
    expect(b.allows(1)).toBe(true);
    b.record(1, 10, 6);
    expect(b.stateAt(2)).toBe('open');
    expect(b.allows(31)).toBe(false);
    expect(b.stateAt(32)).toBe('half-open');
    expect(b.opened).toBe(1);
  });

  it('forgets calls older than the window', () => {
    const b = breaker();
    b.record(0, 30, 30);
    const fresh = breaker();
    fresh.record(0, 19, 19);
    fresh.record(10, 19, 0);
    expect(fresh.stateAt(11)).toBe('closed');
    expect(b.stateAt(1)).toBe('open');
  });

  it('closes after a healthy trial second, and opens again after a failing one', () => {
    const healthy = breaker();
    healthy.record(0, 20, 20);
    expect(healthy.stateAt(31)).toBe('half-open');
    healthy.record(31, 5, 0);
    expect(healthy.stateAt(32)).toBe('closed');

    const failing = breaker();
    failing.record(0, 20, 20);
    failing.record(31, 5, 5);
    expect(failing.stateAt(32)).toBe('open');
    expect(failing.stateAt(61)).toBe('open');
    expect(failing.stateAt(62)).toBe('half-open');
    expect(failing.opened).toBe(2);
  });

  it('refuses invalid settings with every problem named', () => {
    expect(
      () => new CircuitBreaker({ errorThresholdPercent: 0, windowSeconds: 0.5, openSeconds: 0 }),
    ).toThrow(
      /errorThresholdPercent must be within \(0, 100\]; windowSeconds must be a whole number of seconds, at least 1; openSeconds/,
    );
  });

  it('in the queue world: answers 429 during a brownout, sparing the service but returning the batches until the DLQ', async () => {
    const { clock, world } = simulatedQueue({
      queue: { name: 'orders', visibilityTimeoutSeconds: 30, maxReceiveCount: 3 },
      downstream: {
        name: 'payments',
        capacity: 100,
        latencyMs: 200,
        brownouts: [{ fromMinute: 1, durationMinutes: 10, capacity: 5 }],
      },
      circuitBreaker: {},
    });
    await clock.advance(minutes(8));
    const totals = world.totals;
    expect(totals.shedRequests).toBeGreaterThan(0);
    // Every 429 is an error response the consumer saw, and a failed invocation.
    expect(totals.downstreamErrors).toBeGreaterThanOrEqual(totals.shedRequests);
    expect(totals.errors).toBeGreaterThanOrEqual(totals.shedRequests);
    expect(totals.movedToDeadLetter).toBeGreaterThan(0);
    // While open, the service behind it serves only the trial seconds' calls.
    const brownout = world.timeline.slice(3, 8);
    for (const minute of brownout) {
      expect(minute.downstreamRequests - minute.shedRequests).toBeLessThan(minute.shedRequests);
    }
  });
});
