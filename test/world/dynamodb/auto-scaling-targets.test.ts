/**
 * Target tracking at a lower target scales out earlier on the same traffic: the scale-out alarm
 * fires after 2 minutes above the target ("Managing throughput capacity automatically with DynamoDB
 * auto scaling"; AWS allows targets of 20-90 %), so a 50 % target starts climbing while a 70 % one
 * still waits, and sizes for consumed / target, which is more capacity for the same consumption.
 */
import { describe, expect, it } from 'vitest';
import type { ScalingActivity } from '../../../world/dynamodb/auto-scaling.ts';
import type { WorkloadSpec } from '../../../world/dynamodb/workload.ts';
import { simulatedTable, useHarness, withAutoScaling } from './harness.ts';

const harness = useHarness();

/** 40 writes/s on 100 WCU, then a steady climb to 600 over ten minutes, then held. */
const RAMP: WorkloadSpec = {
  phases: [
    { name: 'baseline', durationSeconds: 300, readsPerSecond: 0, writesPerSecond: 40 },
    { name: 'ramp', durationSeconds: 600, readsPerSecond: 0, writesPerSecond: [40, 600] },
    { name: 'surge', durationSeconds: 900, readsPerSecond: 0, writesPerSecond: 600 },
  ],
  itemSizeKb: 1,
  readConsistency: 'eventual',
  hotKeys: [],
  uniformKeyCount: 10_000,
  noise: 0.03,
};

async function run(targetPercent: number) {
  const table = await simulatedTable(harness(), { rcu: 100, wcu: 100, workload: RAMP, seed: 7 });
  const autoScaling = await withAutoScaling(harness(), table, { min: 100, max: 4000, target: targetPercent });
  await table.clock.advance(1800);
  table.world.detach();
  const minute = (a: ScalingActivity) => Math.round((a.timeMs - table.clock.startMs) / 60_000);
  return {
    scaleOuts: autoScaling.activities
      .filter((a) => a.to > a.from)
      .map((a) => ({ minute: minute(a), to: a.to })),
    throttled: table.world.timeline.reduce((sum, m) => sum + m.throttledRequests.total, 0),
    timeline: table.world.timeline,
  };
}

describe('target tracking at 50 % and at 70 %, on the same traffic and seed', () => {
  it('scales out earlier at 50 %, to more capacity, and throttles less', async () => {
    const at70 = await run(70);
    const at50 = await run(50);
    const [first70] = at70.scaleOuts;
    const [first50] = at50.scaleOuts;
    expect(first70).toBeDefined();
    expect(first50?.minute).toBeLessThan(first70?.minute ?? 0);
    // When the 70 % target first moves, the 50 % one is already above where it moves to.
    const at50When70Moves = at50.timeline[first70?.minute ?? 0]?.provisionedWcu ?? 0;
    expect(at50When70Moves).toBeGreaterThan(at70.timeline[first70?.minute ?? 0]?.provisionedWcu ?? 0);
    expect(at50.throttled).toBeLessThan(at70.throttled);
  });
});
