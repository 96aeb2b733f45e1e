/**
 * The runbook's first step, `inspect`: the mapping's original limit, recorded before anything
 * changes, the queue and the downstream read, and the first decision. On the simulated queue
 * world, through the ports the task is given.
 */
import { describe, expect, it } from 'vitest';
import { inspect } from '../../../domain/backpressure/runbook.ts';
import {
  DLQ_ARN,
  HALVE_AT_20_PERCENT,
  mappingOf,
  parsedRequest,
  queueWorldPorts,
  UNTOUCHED_AT_100,
  WORLD_HEALTH,
} from '../../support/queue-world-ports.ts';

describe('inspect (Read the mapping and the queue)', () => {
  it('records the original limit from the mapping, reads the queue and the downstream, and plans a multiplicative decrease', async () => {
    const world = await queueWorldPorts({ errorRate: 20 });

    const state = await inspect(world.ports, parsedRequest());

    expect(state.original).toEqual({ maximumConcurrency: 100, enabled: true, concurrency: 100 });
    expect(state.control).toMatchObject(UNTOUCHED_AT_100);
    expect(state.assessment).toMatchObject({
      ...HALVE_AT_20_PERCENT,
      urgent: false,
      retentionSeconds: 345_600,
      queue: {
        queueName: 'orders',
        visibilityTimeoutSeconds: 60,
        retentionSeconds: 345_600,
        redrivePolicy: { deadLetterTargetArn: DLQ_ARN, maxReceiveCount: 5 },
      },
    });
    // The mapping first (the original), then the queue and the metrics; nothing is changed.
    expect(world.calls[0]).toBe('GetEventSourceMapping');
    expect(new Set(world.calls)).toEqual(
      new Set(['GetEventSourceMapping', 'GetQueueAttributes', 'GetMetricData']),
    );
  });

  it.each([
    [
      'without MaximumConcurrency as none (null), counted as concurrency 1,000',
      { maximumConcurrency: null },
      { maximumConcurrency: null, enabled: true, concurrency: 1000 },
      { current: 1000 },
      'decrease',
    ],
    [
      'disabled as not enabled, concurrency 0, keeping its MaximumConcurrency',
      { enabled: false },
      { maximumConcurrency: 100, enabled: false, concurrency: 0 },
      { current: 0, settled: true, state: 'Disabled' },
      // Nothing runs to lower: a disabled mapping is already as throttled as it gets.
      'hold',
    ],
  ] as const)('records a mapping %s', async (_what, setup, original, control, decision) => {
    const world = await queueWorldPorts(setup);

    const state = await inspect(world.ports, parsedRequest());

    expect(state.original).toEqual(original);
    expect(state.control).toMatchObject(control);
    expect(state.assessment.decision).toBe(decision);
  });

  it('finds a healthy downstream at the original limit: nothing to throttle', async () => {
    const world = await queueWorldPorts({ errorRate: 1 });

    const state = await inspect(world.ports, parsedRequest());

    expect(state.assessment).toMatchObject({
      decision: 'restored',
      target: 100,
      healthy: true,
      errorRate: 1,
      reason: 'healthy at the original limit',
    });
  });

  it("reads the downstream's health as the world publishes it, 2 minutes late: healthy before a brownout, unhealthy once its minutes are published", async () => {
    // The brownout starts at minute 2; CloudWatch serves a minute 2 minutes after it ends.
    const before = await queueWorldPorts({ brownout: true, minutes: 4 });
    const during = await queueWorldPorts({ brownout: true, minutes: 7 });
    const input = parsedRequest({ health: WORLD_HEALTH });

    const calm = await inspect(before.ports, input);
    const brownout = await inspect(during.ports, input);

    expect(calm.assessment).toMatchObject({ decision: 'restored', healthy: true });
    expect(calm.assessment.errorRate).toBeLessThanOrEqual(5);
    expect(brownout.assessment).toMatchObject({ decision: 'decrease', healthy: false });
    expect(brownout.assessment.errorRate).toBeGreaterThan(5);
    expect(brownout.assessment.target).toBeLessThan(100);
    // The consumer falls behind: a backlog, its oldest message minutes old.
    expect(brownout.assessment.queue.approximateNumberOfMessages).toBeGreaterThan(1000);
    expect(brownout.assessment.oldestAgeSeconds).toBeGreaterThan(60);
  });

  it('plans an urgent notification, not more throttling, when the oldest message nears the retention period', async () => {
    // Ten minutes into a brownout the oldest message is over 270 s old: 30 % of 900 s.
    const world = await queueWorldPorts({ brownout: true, minutes: 12, retentionSeconds: 900 });

    const state = await inspect(world.ports, parsedRequest({ policy: { retentionGuardPercent: 30 } }));

    expect(state.assessment).toMatchObject({
      decision: 'urgent',
      target: 100,
      urgent: true,
      healthy: false,
      retentionSeconds: 900,
    });
    expect(state.assessment.oldestAgeSeconds).toBeGreaterThanOrEqual(270);
  });

  it('only reads: in a dry run it plans the first step and changes nothing', async () => {
    const world = await queueWorldPorts();

    const state = await inspect(world.ports, parsedRequest({ dryRun: true }));

    expect(state.assessment).toMatchObject({ decision: 'decrease', target: 50 });
    expect(world.updates).toEqual([]);
    expect(await mappingOf(world)).toMatchObject({
      State: 'Enabled',
      ScalingConfig: { MaximumConcurrency: 100 },
    });
  });
});
