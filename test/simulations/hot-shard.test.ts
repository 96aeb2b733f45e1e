import { beforeAll, describe, expect, it } from 'vitest';
import { runHotShard } from '../../simulations/hot-shard.ts';
import type { VariantResult } from '../../simulations/outcome.ts';
import { HOT_SHARD_INCIDENT, incidentEndSeconds } from '../../simulations/hot-shard-incident.ts';

describe('the hot-shard incident, simulated end to end', () => {
  const results = {} as Record<VariantResult['variant'], VariantResult>;

  beforeAll(async () => {
    for (const variant of ['selfheal', 'auto-scaling', 'none'] as const) {
      results[variant] = await runHotShard({ seed: 1, variant });
    }
  }, 60_000);

  it('is detected by the throttling alarm while the surge is on', () => {
    const detected = results.selfheal?.detectedAtSeconds;
    expect(detected).not.toBeNull();
    expect(detected).toBeLessThan(incidentEndSeconds(HOT_SHARD_INCIDENT));
  });

  it('heals with selfheal: throttling stops during the surge and stays stopped', () => {
    const { healed, healedAtSeconds, detectedAtSeconds, timeline } = results.selfheal as VariantResult;
    expect(healed).toBe(true);
    expect(healedAtSeconds).toBeGreaterThanOrEqual(detectedAtSeconds ?? Infinity);
    const after = timeline.filter((m) => m.minute * 60 >= (healedAtSeconds ?? 0));
    expect(after.every((m) => m.throttledRequests.total === 0)).toBe(true);
    expect(after.some((m) => m.phase === 'surge')).toBe(true);
  });

  it('heals through the runbook: one run, which raised the auto scaling range and reported healed', () => {
    const { runs, actions, stateTransitions } = results.selfheal as VariantResult;
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'SUCCEEDED', outcome: 'healed' });
    expect(runs[0]?.states.map((s) => s.name)).toContain('Apply the capacity change');
    expect(actions.filter((a) => a.by === 'selfheal')).toEqual([
      expect.objectContaining({
        what: expect.stringMatching(/^write capacity \d+ -> \d+ \(auto scaling range raised\)$/),
      }),
    ]);
    // Standard workflows bill each state entered (and each retry): no retries in this run.
    expect(stateTransitions).toBe(runs[0]?.states.length);
  });

  it('throttles fewer requests than auto scaling alone, which throttles fewer than doing nothing', () => {
    const { selfheal, 'auto-scaling': autoScaling, none } = results;
    expect(autoScaling?.healed).toBe(true);
    expect(selfheal?.throttledRequests).toBeLessThan(autoScaling?.throttledRequests ?? 0);
    expect(autoScaling?.throttledRequests).toBeLessThan(none?.throttledRequests ?? 0);
    expect(selfheal?.healedAtSeconds).toBeLessThan(autoScaling?.healedAtSeconds ?? 0);
  });

  it('does not heal without remediation: the table throttles until the surge ends', () => {
    expect(results.none).toMatchObject({
      healed: false,
      healedAtSeconds: null,
      actions: [],
      stateTransitions: 0,
    });
  });

  it('gives the same run for the same seed, and a different one for another seed', async () => {
    const again = await runHotShard({ seed: 1, variant: 'selfheal' });
    const other = await runHotShard({ seed: 2, variant: 'selfheal' });
    expect(again).toEqual(results.selfheal);
    expect(other.throttledRequests).not.toBe(results.selfheal?.throttledRequests);
  }, 30_000);
});
