import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../../world/sqs/circuit-breaker.ts';
import { simulatedQueue, minutes, paymentsThrough } from './support.ts';

/** Opens once at least half the calls of the last 10 s fail (20 calls at least), and stays open 30 s. */
const SETTINGS = { errorThresholdPercent: 50, windowSeconds: 10, minimumRequests: 20, openSeconds: 30 };

describe('the circuit breaker in front of the downstream', () => {
  const breaker = () => new CircuitBreaker(SETTINGS);

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
      downstream: paymentsThrough({ fromMinute: 1, durationMinutes: 10, capacity: 5 }),
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

  it('refuses an unknown action when open', () => {
    expect(() => new CircuitBreaker({ whenOpen: 'drop' as never })).toThrow(
      /whenOpen must be fail-fast or pause-mapping/,
    );
  });
});

describe('a circuit breaker that pauses the mapping instead of answering 429', () => {
  // payments is down for three minutes from minute 2: every call fails, whoever makes it.
  const world = (whenOpen?: 'fail-fast' | 'pause-mapping') =>
    simulatedQueue({
      queue: { name: 'orders', visibilityTimeoutSeconds: 30, maxReceiveCount: 5 },
      downstream: paymentsThrough({ fromMinute: 2, durationMinutes: 3, capacity: 0 }),
      ...(whenOpen ? { circuitBreaker: { ...SETTINGS, whenOpen } } : {}),
    });

  it('disables the mapping when it opens and enables it when the open time is over, receiving nothing meanwhile', async () => {
    const { clock, world: paused } = world('pause-mapping');
    const seconds: { second: number; state: string; received: number }[] = [];
    for (let second = 0; second < minutes(8); second++) {
      await clock.advance(1);
      seconds.push({
        second,
        state: paused.snapshot().mappingState,
        received: paused.totals.received,
      });
    }
    const changes = paused.mappingChanges;
    expect(changes.length).toBeGreaterThanOrEqual(4);
    expect(changes.every((c) => c.by === 'circuit-breaker')).toBe(true);
    // Off, on, off, on…: each pause is asked when the breaker opens, each resume when it half-opens.
    changes.forEach((change, i) => {
      expect(change.after.enabled, `change ${i}`).toBe(i % 2 === 1);
    });
    expect(paused.breakerOpenings).toBe(Math.ceil(changes.length / 2));
    for (const [i, change] of changes.entries()) {
      const next = changes[i + 1];
      if (change.after.enabled || !next) continue;
      // Resumed once the breaker's open time is over, not before.
      expect(next.second - change.second).toBeGreaterThanOrEqual(30);
    }
    // While the mapping is Disabled no message is received: no receive count moves.
    for (let i = 1; i < seconds.length; i++) {
      const [before, now] = [seconds[i - 1], seconds[i]];
      if (before?.state === 'Disabled' && now?.state === 'Disabled') {
        expect(now.received, `second ${now.second}`).toBe(before.received);
      }
    }
    expect(seconds.some((s) => s.state === 'Disabled')).toBe(true);
  });

  it('sends no message to the DLQ by itself: it fails no batch, where the 429 breaker burns the backlog’s receives', async () => {
    const run = async (whenOpen?: 'fail-fast' | 'pause-mapping') => {
      const { clock, world: w } = world(whenOpen);
      await clock.advance(minutes(15));
      return { totals: w.totals, openings: w.breakerOpenings };
    };
    const [paused, failFast, none] = await Promise.all([run('pause-mapping'), run('fail-fast'), run()]);
    // Both breakers opened.
    expect(paused.openings).toBeGreaterThan(0);
    expect(failFast.openings).toBeGreaterThan(0);
    // The pausing breaker answered nothing itself: every failed batch is a call payments failed.
    expect(paused.totals.shedRequests).toBe(0);
    expect(paused.totals.errors).toBe(paused.totals.downstreamErrors);
    expect(paused.totals.movedToDeadLetter).toBe(0);
    // The 429 breaker failed batches the service never saw, five receives a message in minutes.
    expect(failFast.totals.shedRequests).toBeGreaterThan(paused.totals.errors);
    expect(failFast.totals.movedToDeadLetter).toBeGreaterThan(10_000);
    // Without a breaker, payments' own failures (Lambda backing off) send a few.
    expect(none.totals.movedToDeadLetter).toBeGreaterThan(0);
    for (const { totals } of [paused, failFast, none]) {
      expect(totals.sent).toBe(
        totals.deleted + totals.movedToDeadLetter + totals.expired + totals.visible + totals.notVisible,
      );
    }
  });
});
