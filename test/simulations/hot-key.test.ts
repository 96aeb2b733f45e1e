import { beforeAll, describe, expect, it } from 'vitest';
import { runHotKey, type HotKeyVariant } from '../../simulations/hot-key.ts';
import type { VariantResult } from '../../simulations/outcome.ts';
import { HOT_KEY_INCIDENT } from '../../simulations/hot-key-incident.ts';

describe('the hot-key incident, simulated end to end', () => {
  const results = {} as Record<HotKeyVariant, VariantResult>;

  beforeAll(async () => {
    for (const variant of ['selfheal', 'auto-scaling', 'capacity-raise'] as const) {
      results[variant] = await runHotKey({ seed: 1, variant });
    }
  }, 120_000);

  it('heals by reshuffling the key: hot-shard sees a hot key and starts key-reshuffle, which moves every item', () => {
    const { healed, runs, actions } = results.selfheal;
    expect(healed).toBe(true);
    expect(runs).toEqual([expect.objectContaining({ status: 'SUCCEEDED', outcome: 'hot-key-reshuffled' })]);
    expect(runs[0]?.states.map((s) => s.name)).toContain('Reshuffle the hot key');
    expect(actions).toEqual([
      expect.objectContaining({
        by: 'selfheal',
        what: `key ${HOT_KEY_INCIDENT.hotKey} spread over 2 shards, ${HOT_KEY_INCIDENT.existingItems} items moved`,
      }),
    ]);
    // No capacity was added: the table stays as provisioned.
    expect(
      results.selfheal.timeline.every((m) => m.provisionedWcu === HOT_KEY_INCIDENT.writeCapacityUnits),
    ).toBe(true);
  });

  it('does not heal with auto scaling alone: the table is far below its target utilisation', () => {
    expect(results['auto-scaling']).toMatchObject({ healed: false, healedAtSeconds: null });
  });

  it('does not heal by raising capacity: more partitions, but one key still lives in one', () => {
    const raised = results['capacity-raise'];
    expect(raised.healed).toBe(false);
    expect(raised.actions[0]).toMatchObject({ by: 'operator', what: expect.stringMatching(/4000 -> 8000/) });
    const surge = raised.timeline.filter(
      (m) => m.phase === 'surge' && m.minute * 60 > (raised.detectedAtSeconds ?? 0) + 120,
    );
    expect(
      surge.every((m) => m.throttledRequests.keyRange > 0 && m.throttledRequests.provisioned === 0),
    ).toBe(true);
  });

  it('throttles an order of magnitude less with the reshuffle', () => {
    expect(results.selfheal.throttledRequests * 10).toBeLessThan(results['capacity-raise'].throttledRequests);
  });
});
