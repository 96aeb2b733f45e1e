import { describe, expect, it } from 'vitest';
import {
  INITIAL_POLLERS,
  nextPollers,
  POLLERS_ADDED_PER_SECOND,
} from '../../../world/sqs/event-source-mapping.ts';
import { minutes, simulatedQueue } from './support.ts';

/**
 * Lambda's documented backoff of an SQS mapping when invocations fail ("Handling errors for an SQS
 * event source in Lambda"): it reduces the mapping's concurrency gradually, and scales again once
 * they succeed. The pace and the floor are the model's assumptions (`nextPollers`).
 */
describe('the backoff of an SQS mapping on failed invocations', () => {
  const open = { maximumConcurrency: 100, enabled: true };
  const backlog = { backlogLeft: true, busySlots: 40 };

  it('adds pollers while invocations succeed and messages remain', () => {
    expect(nextPollers(40, open, { ...backlog, outcomes: { attempts: 200, failed: 0 } })).toBe(
      40 + POLLERS_ADDED_PER_SECOND,
    );
  });

  it('adds none in a second whose invocations failed, and takes away the failed share of the scale-up pace', () => {
    // All failed: five fewer; three in ten: 1.5, a whole poller up: two fewer; one in a thousand: one.
    expect(nextPollers(40, open, { ...backlog, outcomes: { attempts: 200, failed: 200 } })).toBe(35);
    expect(nextPollers(40, open, { ...backlog, outcomes: { attempts: 10, failed: 3 } })).toBe(38);
    expect(nextPollers(40, open, { ...backlog, outcomes: { attempts: 1000, failed: 1 } })).toBe(39);
  });

  it('backs off no lower than the five batches Lambda starts with, or the cap if lower', () => {
    const failing = { ...backlog, outcomes: { attempts: 10, failed: 10 } };
    expect(nextPollers(7, open, failing)).toBe(INITIAL_POLLERS);
    expect(nextPollers(5, open, failing)).toBe(INITIAL_POLLERS);
    expect(nextPollers(3, { maximumConcurrency: 3, enabled: true }, failing)).toBe(3);
    expect(nextPollers(40, { maximumConcurrency: 20, enabled: true }, failing)).toBe(20);
  });

  it('does not back off when told not to (a mapping that never scales down on errors)', () => {
    expect(nextPollers(40, open, { ...backlog, outcomes: { attempts: 10, failed: 10 } }, false)).toBe(45);
  });

  /** payments down to a tenth from minute 3 to minute 5; the pollers second by second. */
  async function brownout(backoffOnErrors: boolean) {
    const { clock, world } = simulatedQueue({
      mapping: { maximumConcurrency: 100, backoffOnErrors },
      downstream: {
        name: 'payments',
        capacity: 100,
        latencyMs: 200,
        brownouts: [{ fromMinute: 3, durationMinutes: 2, capacity: 10 }],
      },
    });
    const pollers: number[] = [];
    for (let second = 0; second < minutes(7); second++) {
      await clock.advance(1);
      pollers.push(world.snapshot().pollers);
    }
    return pollers;
  }
  const during = (pollers: readonly number[]) => pollers.slice(minutes(3), minutes(5));

  it('in the queue world: never adds a poller while payments fails calls, and scales again after', async () => {
    const pollers = await brownout(true);
    const brownoutSeconds = during(pollers);
    for (let i = 1; i < brownoutSeconds.length; i++) {
      const change = (brownoutSeconds[i] ?? NaN) - (brownoutSeconds[i - 1] ?? NaN);
      expect(change, `second ${minutes(3) + i}`).toBeLessThanOrEqual(0);
      expect(change, `second ${minutes(3) + i}`).toBeGreaterThanOrEqual(-POLLERS_ADDED_PER_SECOND);
    }
    expect(Math.max(...brownoutSeconds)).toBe(INITIAL_POLLERS);
    // After it, a backlog to drain and calls that succeed: the pollers climb again.
    expect(Math.max(...pollers.slice(minutes(5), minutes(6)))).toBeGreaterThan(INITIAL_POLLERS);
  });

  it('in the queue world: without the backoff, the pollers climb far above the floor during the brownout', async () => {
    const pollers = await brownout(false);
    expect(Math.max(...during(pollers))).toBeGreaterThan(8 * INITIAL_POLLERS);
  });
});
