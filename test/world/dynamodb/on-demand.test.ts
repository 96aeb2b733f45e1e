/**
 * On-demand capacity as AWS documents it ("DynamoDB on-demand capacity mode", "Initial throughput
 * and scaling properties"): up to double the previous peak is served at once, whatever the traffic
 * did before; beyond it, requests may be throttled (as MaxOnDemand throttles here) while the peak
 * grows. A table created on-demand starts with a previous peak of 2,000 WRU / 6,000 RRU.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { VirtualClock } from '../../../core/virtual-clock.ts';
import { MetricStore } from '../../../world/metric-store.ts';
import { seededRandom } from '../../../core/random.ts';
import {
  initialCapacityState,
  ON_DEMAND_INITIAL_PEAK_WCU,
  ON_DEMAND_TABLE_QUOTA_RCU,
  ON_DEMAND_TABLE_QUOTA_WCU,
  stepSecond,
  type CapacityState,
} from '../../../world/dynamodb/capacity-model.ts';
import { createTable, TableWorld } from '../../../world/dynamodb/table-world.ts';
import type { SecondDemand } from '../../../world/dynamodb/workload.ts';
import { startHarness, type Harness } from './harness.ts';

const KEYS = 1_000_000;

/** Uniform demand over many keys: only the table's limit can throttle it. */
function demand(reads: number, writes: number): SecondDemand {
  return {
    readRequests: reads,
    writeRequests: writes,
    readUnitsPerRequest: 1,
    writeUnitsPerRequest: 1,
    hotKeys: [],
    uniform: { keyCount: KEYS, readRequests: reads, writeRequests: writes },
  };
}

function onDemand(peakRcu: number, peakWcu: number): CapacityState {
  return {
    ...initialCapacityState({
      billingMode: 'PAY_PER_REQUEST',
      provisionedRcu: 0,
      provisionedWcu: 0,
      sizeGb: 1,
    }),
    // Partitions enough for the quota, so that no partition limit stands in for the table's.
    partitions: 40,
    onDemandPeakRcu: peakRcu,
    onDemandPeakWcu: peakWcu,
  };
}

describe('on-demand capacity', () => {
  it('never throttles traffic at or below double the previous peak, and the peak never falls', () => {
    const peak = fc.integer({ min: 1, max: ON_DEMAND_TABLE_QUOTA_WCU / 2 });
    // Each second asks a share (0..1) of what double the peak allows at that second.
    const seconds = fc.array(
      fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })),
      {
        minLength: 1,
        maxLength: 400,
      },
    );
    fc.assert(
      fc.property(peak, peak, seconds, (peakRcu, peakWcu, shares) => {
        let state = onDemand(peakRcu, peakWcu);
        for (const [readShare, writeShare] of shares) {
          const reads = Math.floor(
            readShare * Math.min(2 * state.onDemandPeakRcu, ON_DEMAND_TABLE_QUOTA_RCU),
          );
          const writes = Math.floor(
            writeShare * Math.min(2 * state.onDemandPeakWcu, ON_DEMAND_TABLE_QUOTA_WCU),
          );
          const step = stepSecond(state, demand(reads, writes));
          expect(step.read.throttled.onDemandMax + step.write.throttled.onDemandMax).toBe(0);
          expect(step.read.servedRequests + step.write.servedRequests).toBe(reads + writes);
          expect(step.state.onDemandPeakRcu).toBeGreaterThanOrEqual(state.onDemandPeakRcu);
          expect(step.state.onDemandPeakWcu).toBeGreaterThanOrEqual(state.onDemandPeakWcu);
          state = step.state;
        }
      }),
    );
  });

  it('throttles what exceeds double the previous peak, as MaxOnDemand throttles', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 5_000 }), (peak, excess) => {
        const asked = 2 * peak + excess;
        const step = stepSecond(onDemand(6000, peak), demand(0, asked));
        // Served is double the peak, give or take the one request a floating-point floor may drop.
        expect(step.write.servedRequests).toBeLessThanOrEqual(2 * peak);
        expect(step.write.servedRequests).toBeGreaterThanOrEqual(2 * peak - 1);
        expect(step.write.throttled).toEqual({
          keyRange: 0,
          provisioned: 0,
          onDemandMax: asked - step.write.servedRequests,
        });
      }),
    );
  });
});

describe('a table created on-demand, in the world', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(async () => {
    await harness.close();
  });

  async function onDemandTable(tableName: string, surgeWritesPerSecond: number) {
    await createTable(harness.dynamodb, { tableName, billingMode: 'PAY_PER_REQUEST' });
    const clock = new VirtualClock();
    const world = new TableWorld({
      clock,
      dynamodb: harness.dynamodb,
      tableName,
      metrics: new MetricStore(),
      random: seededRandom(1),
      workload: {
        phases: [
          { name: 'baseline', durationSeconds: 120, readsPerSecond: 0, writesPerSecond: 70 },
          { name: 'surge', durationSeconds: 240, readsPerSecond: 0, writesPerSecond: surgeWritesPerSecond },
        ],
        itemSizeKb: 1,
        readConsistency: 'eventual',
        hotKeys: [],
        uniformKeyCount: 50_000,
      },
    });
    await clock.advance(360);
    world.detach();
    return world.timeline;
  }

  it('serves a surge from 70 to double a new table’s previous peak (4,000 writes/s) without a throttle', async () => {
    const timeline = await onDemandTable('on-demand-at-double', 2 * ON_DEMAND_INITIAL_PEAK_WCU);
    expect(timeline.map((m) => m.billingMode)).toEqual(new Array(6).fill('PAY_PER_REQUEST'));
    expect(timeline.map((m) => m.throttledRequests.total)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(timeline.at(-1)?.consumedWcuPerSecond).toBe(2 * ON_DEMAND_INITIAL_PEAK_WCU);
  });

  it('throttles a surge past double the previous peak until the peak has grown', async () => {
    const timeline = await onDemandTable('on-demand-past-double', 5000);
    const surge = timeline.filter((m) => m.phase === 'surge');
    expect(surge[0]?.throttledRequests.onDemandMax).toBeGreaterThan(0);
    expect(
      surge.every((m) => m.throttledRequests.provisioned === 0 && m.throttledRequests.keyRange === 0),
    ).toBe(true);
  });
});
