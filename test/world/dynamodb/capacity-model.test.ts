import { describe, expect, it } from 'vitest';
import {
  applyTableSettings,
  BURST_SECONDS,
  burstUnits,
  initialCapacityState,
  stepSecond,
  type CapacityState,
} from '../../../world/dynamodb/capacity-model.ts';
import { partitionOf } from '../../../world/dynamodb/partitions.ts';
import type { SecondDemand } from '../../../world/dynamodb/workload.ts';

function provisioned(rcu: number, wcu: number, overrides: Partial<CapacityState> = {}): CapacityState {
  return {
    ...initialCapacityState({
      billingMode: 'PROVISIONED',
      provisionedRcu: rcu,
      provisionedWcu: wcu,
      sizeGb: 1,
    }),
    ...overrides,
  };
}

function writes(uniform: number, hot: Record<string, number> = {}, keyCount = 10_000): SecondDemand {
  const hotKeys = Object.entries(hot).map(([key, writeRequests]) => ({
    key,
    readRequests: 0,
    writeRequests,
  }));
  const hotTotal = hotKeys.reduce((sum, h) => sum + h.writeRequests, 0);
  return {
    readRequests: 0,
    writeRequests: uniform + hotTotal,
    readUnitsPerRequest: 0.5,
    writeUnitsPerRequest: 1,
    hotKeys,
    uniform: { keyCount, readRequests: 0, writeRequests: uniform },
  };
}

function reads(uniform: number, unitsPerRequest = 1): SecondDemand {
  return {
    readRequests: uniform,
    writeRequests: 0,
    readUnitsPerRequest: unitsPerRequest,
    writeUnitsPerRequest: 1,
    hotKeys: [],
    uniform: { keyCount: 10_000, readRequests: uniform, writeRequests: 0 },
  };
}

describe('capacity model', () => {
  it('throttles a hot key by key range while the table is far below its capacity', () => {
    const state = provisioned(20_000, 10_000);
    expect(state.partitions).toBe(17);
    const result = stepSecond(state, writes(1000, { 'tenant#hot': 2500 }));

    const [hot] = result.hotKeys;
    expect(hot?.servedWrites).toBeLessThanOrEqual(1000);
    expect(hot?.servedWrites).toBeGreaterThan(900);
    expect(result.write.throttled.keyRange).toBe(hot?.throttledWrites);
    expect(result.write.throttled.provisioned).toBe(0);
    expect(result.uniform.throttledWrites).toBe(0);
    expect(result.write.consumedUnits).toBeLessThan(10_000 / 4);
  });

  it('lets two hot keys in one partition share that partition’s 1,000 WCU', () => {
    const state = provisioned(1000, 10_000, { partitions: 4 });
    const names = Array.from({ length: 50 }, (_, i) => `k${i}`);
    const first = names[0] as string;
    const neighbour = names.find((k) => k !== first && partitionOf(k, 4) === partitionOf(first, 4)) as string;
    const result = stepSecond(state, writes(0, { [first]: 600, [neighbour]: 600 }));
    expect(result.write.servedRequests).toBe(1000);
    expect(result.write.throttled.keyRange).toBe(200);
    expect(result.hotKeys.map((k) => k.servedWrites)).toEqual([500, 500]);
  });

  it('throttles a table-wide surge by provisioned capacity once burst is spent', () => {
    const state = provisioned(1000, 1000, { partitions: 4, writeBurst: [] });
    const result = stepSecond(state, writes(2000));
    expect(result.write.servedRequests).toBe(1000);
    expect(result.write.throttled).toEqual({ keyRange: 0, provisioned: 1000, onDemandMax: 0 });
    expect(result.uniform.throttledWrites).toBe(1000);
  });

  it('applies key limits before the table limit and counts each request under one cause', () => {
    const state = provisioned(1000, 1000, { partitions: 4, writeBurst: [] });
    const result = stepSecond(state, writes(1000, { 'tenant#hot': 1500 }));
    const { keyRange, provisioned: table } = result.write.throttled;
    expect(keyRange).toBeGreaterThanOrEqual(500);
    expect(table).toBeGreaterThan(0);
    expect(result.write.servedRequests + keyRange + table).toBe(2500);
    expect(result.write.consumedUnits).toBeLessThanOrEqual(1000);
  });

  it('absorbs a spike from the last 300 seconds of unused capacity, then throttles', () => {
    let state = provisioned(1000, 1000, { partitions: 4 });
    expect(burstUnits(state.writeBurst)).toBe(1000 * BURST_SECONDS);
    let firstThrottledSecond: number | undefined;
    for (let second = 0; second < 700 && firstThrottledSecond === undefined; second++) {
      const result = stepSecond(state, writes(1500));
      if (result.write.throttled.provisioned > 0) firstThrottledSecond = second;
      state = result.state;
    }
    // Each second spends 500 units of the oldest saving and the rest of it expires with it: five
    // minutes of idling buy five minutes of a 50 % overrun, not ten.
    expect(firstThrottledSecond).toBe(BURST_SECONDS);
    expect(burstUnits(state.writeBurst)).toBe(0);
  });

  it('saves unused capacity, and forgets what was unused more than 300 seconds ago', () => {
    let state = provisioned(1000, 1000, { partitions: 4, writeBurst: [] });
    state = stepSecond(state, writes(400)).state;
    expect(burstUnits(state.writeBurst)).toBe(600);
    for (let i = 0; i < BURST_SECONDS - 1; i++) state = stepSecond(state, writes(1000)).state;
    expect(burstUnits(state.writeBurst)).toBe(600);
    state = stepSecond(state, writes(1000)).state;
    expect(burstUnits(state.writeBurst)).toBe(0);
  });

  it('at 70 % utilisation holds 90 seconds of capacity, however long it ran', () => {
    let state = provisioned(1000, 1000, { partitions: 4 });
    for (let i = 0; i < 3 * BURST_SECONDS; i++) state = stepSecond(state, writes(700)).state;
    expect(burstUnits(state.writeBurst)).toBe(300 * BURST_SECONDS);
  });

  it('keeps its partitions when capacity is lowered', () => {
    const big = provisioned(30_000, 10_000);
    expect(big.partitions).toBe(20);
    const lowered = applyTableSettings(big, {
      billingMode: 'PROVISIONED',
      provisionedRcu: 100,
      provisionedWcu: 100,
      sizeGb: 1,
    });
    expect(lowered.partitions).toBe(20);
    expect(burstUnits(lowered.writeBurst)).toBe(100 * BURST_SECONDS);
  });

  describe('on demand', () => {
    const ON_DEMAND = {
      billingMode: 'PAY_PER_REQUEST',
      provisionedRcu: 0,
      provisionedWcu: 0,
      sizeGb: 1,
    } as const;
    const onDemand = (peakRcu: number, peakWcu: number): CapacityState => ({
      ...initialCapacityState(ON_DEMAND),
      partitions: 20,
      onDemandPeakRcu: peakRcu,
      onDemandPeakWcu: peakWcu,
    });

    it('serves up to double the previous peak at once and throttles the rest as on-demand max', () => {
      const state = onDemand(6000, 1000);
      expect(stepSecond(state, writes(1900)).write.throttled.onDemandMax).toBe(0);
      const surge = stepSecond(state, writes(3000));
      expect(surge.write.servedRequests).toBe(2000);
      expect(surge.write.throttled).toEqual({ keyRange: 0, provisioned: 0, onDemandMax: 1000 });
    });

    it('never serves past the 40,000 RCU per-table quota', () => {
      const result = stepSecond(onDemand(30_000, 2000), reads(50_000));
      expect(result.read.consumedUnits).toBe(40_000);
      expect(result.read.throttled.onDemandMax).toBe(10_000);
    });

    it('raises its previous peak with served traffic, doubling at most every 30 minutes', () => {
      let state = onDemand(6000, 1000);
      let throttledAt1800 = -1;
      for (let second = 0; second < 1800; second++) {
        const result = stepSecond(state, writes(3000));
        state = result.state;
        throttledAt1800 = result.write.throttled.onDemandMax;
      }
      expect(state.onDemandPeakWcu).toBeCloseTo(2000, 0);
      expect(throttledAt1800).toBe(0);
    });

    it('still throttles a hot key by key range: on-demand does not lift partition limits', () => {
      const result = stepSecond(onDemand(6000, 5000), writes(0, { 'tenant#hot': 1800 }));
      expect(result.write.throttled.keyRange).toBe(800);
      expect(result.write.throttled.onDemandMax).toBe(0);
    });

    it('switching from provisioned keeps at least half the provisioned capacity as previous peak', () => {
      const table = provisioned(1000, 10_000);
      const switched = applyTableSettings(table, ON_DEMAND);
      expect(switched.onDemandPeakWcu).toBe(5000);
      expect(switched.onDemandPeakRcu).toBe(6000);
    });
  });
});
