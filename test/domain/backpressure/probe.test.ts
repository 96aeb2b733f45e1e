/**
 * `probe`: after a change has settled and the probe interval passed, the downstream's health and
 * the retention guard read again, and the next step decided — lower further, hold, raise the alarm,
 * raise by a step, done, or give up. Each case starts from a mapping the run already lowered.
 */
import { describe, expect, it } from 'vitest';
import { inspect, probe } from '../../../domain/backpressure/runbook.ts';
import { DEFAULT_PUBLICATION_DELAY_SECONDS as DELAY } from '../../../world/cloudwatch-publication.ts';
import {
  changedEarlier,
  parsedRequest,
  queueWorldPorts,
  withControl,
  type QueueWorldPorts,
} from '../../support/queue-world-ports.ts';

/** A state after the run lowered the mapping (from 100) to `current` and it settled. */
async function lowered(world: QueueWorldPorts, current: number, extra: Record<string, unknown> = {}) {
  const inspected = await inspect(world.ports, parsedRequest(extra));
  await changedEarlier(world, { ScalingConfig: { MaximumConcurrency: current } });
  return withControl(inspected, { current, changes: 1, settled: true });
}

describe('probe (Probe the downstream)', () => {
  it('judges the downstream unhealthy above the threshold and lowers further (50 -> 25), changing nothing itself', async () => {
    const world = await queueWorldPorts({ errorRate: 20 });
    const state = await lowered(world, 50);
    await world.clock.advance(120);

    const probed = await probe(world.ports, state);

    expect(probed.control).toMatchObject({ probes: 1, current: 50 });
    expect(probed.assessment).toMatchObject({
      decision: 'decrease',
      target: 25,
      healthy: false,
      errorRate: 20,
      reason: 'unhealthy (20 > 5)',
    });
    expect(world.updates).toEqual([]);
  });

  it('judges the downstream healthy once it recovers, and raises by a step (50 -> 60)', async () => {
    const world = await queueWorldPorts({ errorRate: 20 });
    const state = await lowered(world, 50);
    world.setErrorRate(1);
    // The probe interval, and CloudWatch's publication delay before the minute can be read.
    await world.clock.advance(120 + DELAY);

    const probed = await probe(world.ports, state);

    expect(probed.assessment).toMatchObject({
      decision: 'increase',
      target: 60,
      healthy: true,
      errorRate: 1,
      reason: 'healthy',
    });
  });

  it('raises no further than the original, and healthy there it is done (restored)', async () => {
    const world = await queueWorldPorts({ errorRate: 1 });
    const state = await lowered(world, 95);

    const probed = await probe(world.ports, state);
    expect(probed.assessment).toMatchObject({ decision: 'increase', target: 100 });

    const atOriginal = await probe(world.ports, withControl(probed, { current: 100 }));
    expect(atOriginal.assessment).toMatchObject({ decision: 'restored', target: 100 });
    expect(atOriginal.control.probes).toBe(2);
  });

  it.each([
    [4.9, 'healthy', 'increase'],
    [5, 'healthy', 'increase'],
    [5.1, 'unhealthy', 'decrease'],
    [null, 'not-yet-known', 'hold'],
  ] as const)(
    'judges an ErrorRate of %s %% against a 5 %% threshold as %s, and decides %s (no data: not known, so no change)',
    async (errorRate, health, decision) => {
      const world = await queueWorldPorts({ errorRate });

      const probed = await probe(world.ports, await lowered(world, 50));

      expect(probed.assessment).toMatchObject({
        health,
        healthy: health === 'healthy',
        decision,
        errorRate,
        thresholdPercent: 5,
      });
    },
  );

  it.each([
    [90, 2, true, 'increase'],
    [2, 90, false, 'decrease'],
  ] as const)(
    'reads only the latest minute: %s %% then %s %% is healthy: %s',
    async (earlier, latest, healthy, decision) => {
      const world = await queueWorldPorts({ errorRate: earlier });
      const state = await lowered(world, 50);
      world.setErrorRate(latest);
      await world.clock.advance(60 + DELAY);

      const probed = await probe(world.ports, state);

      expect(probed.assessment).toMatchObject({ healthy, decision, errorRate: latest });
    },
  );

  it('does not count a metric silent for the whole lookback as healthy, nor as sick: unpublished and quiet look alike, so it holds', async () => {
    const world = await queueWorldPorts({ errorRate: 90 });
    const state = await lowered(world, 50);
    world.setErrorRate(null);
    await world.clock.advance(4 * 60 + DELAY);

    const probed = await probe(world.ports, state);

    expect(probed.assessment).toMatchObject({
      health: 'not-yet-known',
      healthy: false,
      errorRate: null,
      judgedMinute: null,
      decision: 'hold',
      target: 50,
    });
    expect(world.updates).toEqual([]);
  });

  describe('after a change, only on minutes after it took effect', () => {
    /**
     * The state once the run changed the limit to `current` on a verdict (a cut on an unhealthy
     * minute, a raise on a healthy one) and noted when that took effect.
     */
    async function changed(world: QueueWorldPorts, current: number, verdict: 'healthy' | 'unhealthy') {
      const state = await lowered(world, current);
      const tookEffectAt = new Date(world.clock.now()).toISOString();
      return withControl(state, { lastChange: { tookEffectAt, verdict } });
    }
    /** The first whole minute after the change: when it has ended and CloudWatch has published it. */
    const publishedAfter = (tookEffectAt: string) =>
      (Math.floor(Date.parse(tookEffectAt) / 60_000) + 2) * 60_000 + DELAY * 1000;

    it('holds while no minute since the lowering is published, though the minutes before it fail: no lowering again on the old limit’s errors', async () => {
      const world = await queueWorldPorts({ errorRate: 20 });
      const state = await changed(world, 50, 'unhealthy');
      world.setErrorRate(1);
      await world.clock.advance(60);

      const probed = await probe(world.ports, state);

      expect(probed.assessment).toMatchObject({
        decision: 'hold',
        target: 50,
        health: 'not-yet-known',
        judgedMinute: null,
      });
      expect(probed.assessment.reason).toMatch(/not yet known/);
      // The limit stays, and the next probe reads from the same change.
      expect(probed.control).toMatchObject({ current: 50, lastChange: state.control.lastChange });
      expect(world.updates).toEqual([]);
    });

    it('holds while no minute since the raise is published, though the minutes before it were healthy: no raising again, no calling it restored', async () => {
      const world = await queueWorldPorts({ errorRate: 1 });
      const raised = await changed(world, 100, 'healthy');
      world.setErrorRate(20);
      await world.clock.advance(60);

      const atOriginal = await probe(world.ports, raised);
      expect(atOriginal.assessment).toMatchObject({ decision: 'hold', target: 100, health: 'not-yet-known' });

      const below = await probe(world.ports, withControl(raised, { current: 60 }));
      expect(below.assessment).toMatchObject({ decision: 'hold', target: 60, health: 'not-yet-known' });
    });

    it('judges the first minute after the change once CloudWatch has published it', async () => {
      const world = await queueWorldPorts({ errorRate: 20 });
      const state = await changed(world, 50, 'unhealthy');
      world.setErrorRate(1);
      const tookEffectAt = state.control.lastChange!.tookEffectAt;
      await world.clock.advance((publishedAfter(tookEffectAt) - world.clock.now()) / 1000 - 1);
      expect((await probe(world.ports, state)).assessment.decision).toBe('hold');
      await world.clock.advance(1);

      const probed = await probe(world.ports, state);

      const firstAfter = (Math.floor(Date.parse(tookEffectAt) / 60_000) + 1) * 60_000;
      expect(probed.assessment).toMatchObject({
        decision: 'increase',
        target: 60,
        health: 'healthy',
        errorRate: 1,
        judgedMinute: new Date(firstAfter).toISOString(),
      });
    });
  });

  it('holds at the floor while the downstream stays unhealthy', async () => {
    const world = await queueWorldPorts();
    const state = await lowered(world, 2);

    const probed = await probe(world.ports, state);

    expect(probed.assessment).toMatchObject({ decision: 'hold', target: 2, reason: 'at the floor' });
  });

  it('raises the alarm once (urgent), then holds, when throttling further would let messages expire', async () => {
    const world = await queueWorldPorts({ retentionSeconds: 900 });
    const state = await lowered(world, 25, { policy: { retentionGuardPercent: 30 } });
    // Seven more minutes of backlog: the oldest message passes 30 % of the 900 s retention.
    await world.clock.advance(7 * 60);

    const probed = await probe(world.ports, state);
    expect(probed.assessment).toMatchObject({ decision: 'urgent', target: 25, urgent: true });
    expect(probed.assessment.oldestAgeSeconds).toBeGreaterThanOrEqual(270);

    const afterNotifying = await probe(world.ports, withControl(probed, { notified: true }));
    expect(afterNotifying.assessment).toMatchObject({ decision: 'hold', target: 25 });
  });

  it("gives up, aiming back at the original, on the policy's last probe", async () => {
    const world = await queueWorldPorts();
    const state = await lowered(world, 2, { policy: { maxProbes: 3 } });

    const second = await probe(world.ports, withControl(state, { probes: 1 }));
    expect(second.assessment.decision).toBe('hold');

    const last = await probe(world.ports, second);
    expect(last.control.probes).toBe(3);
    expect(last.assessment).toMatchObject({
      decision: 'give-up',
      target: 100,
      reason: 'still unhealthy after 3 probes',
    });
  });
});
