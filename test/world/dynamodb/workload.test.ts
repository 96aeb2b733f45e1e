import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../core/random.ts';
import {
  createWorkload,
  readUnitsPerRequest,
  uniformKeyName,
  workloadDuration,
  writeUnitsPerRequest,
  type WorkloadSpec,
} from '../../../world/dynamodb/workload.ts';

const surge: WorkloadSpec = {
  phases: [
    { name: 'baseline', durationSeconds: 60, readsPerSecond: 100, writesPerSecond: 50 },
    { name: 'ramp', durationSeconds: 60, readsPerSecond: [100, 700], writesPerSecond: [50, 350] },
    { name: 'surge', durationSeconds: 120, readsPerSecond: 700, writesPerSecond: 350 },
  ],
  itemSizeKb: 1,
  readConsistency: 'eventual',
  hotKeys: [{ key: 'tenant#hot', readShare: 0.5, writeShare: 0.2 }],
  uniformKeyCount: 1000,
};

describe('workload', () => {
  it('holds, ramps linearly and keeps the last phase rates after the script ends', () => {
    const workload = createWorkload(surge, seededRandom(1));
    expect(workload.ratesAt(30)).toEqual({ readsPerSecond: 100, writesPerSecond: 50 });
    expect(workload.ratesAt(90)).toEqual({ readsPerSecond: 400, writesPerSecond: 200 });
    expect(workload.ratesAt(10_000)).toEqual({ readsPerSecond: 700, writesPerSecond: 350 });
    expect(workload.phaseAt(90)).toBe('ramp');
    expect(workloadDuration(surge)).toBe(240);
  });

  it('charges reads per 4 KB (half for eventual consistency) and writes per 1 KB, rounding up', () => {
    expect(readUnitsPerRequest({ itemSizeKb: 6, readConsistency: 'eventual' })).toBe(1);
    expect(readUnitsPerRequest({ itemSizeKb: 6, readConsistency: 'strong' })).toBe(2);
    expect(readUnitsPerRequest({ itemSizeKb: 1, readConsistency: 'eventual' })).toBe(0.5);
    expect(writeUnitsPerRequest({ itemSizeKb: 1.5 })).toBe(2);
    expect(writeUnitsPerRequest({ itemSizeKb: 0.2 })).toBe(1);
  });

  it('sends each hot key its share and spreads the rest over the uniform keys', () => {
    const demand = createWorkload(surge, seededRandom(1)).demandAt(200);
    expect(demand.readRequests).toBe(700);
    expect(demand.hotKeys).toEqual([{ key: 'tenant#hot', readRequests: 350, writeRequests: 70 }]);
    expect(demand.uniform).toEqual({ keyCount: 1000, readRequests: 350, writeRequests: 280 });
    expect(demand.readUnitsPerRequest).toBe(0.5);
    expect(demand.writeUnitsPerRequest).toBe(1);
  });

  it('adds noise that is the same for the same seed and second, in any order of asking', () => {
    const noisy = { ...surge, noise: 0.05 };
    const a = createWorkload(noisy, seededRandom(7));
    const b = createWorkload(noisy, seededRandom(7));
    const forward = [10, 11, 12].map((s) => a.demandAt(s).readRequests);
    const backward = [12, 11, 10].map((s) => b.demandAt(s).readRequests).reverse();
    expect(forward).toEqual(backward);
    expect(new Set(forward).size).toBeGreaterThan(1);
    const other = createWorkload(noisy, seededRandom(8));
    expect([10, 11, 12].map((s) => other.demandAt(s).readRequests)).not.toEqual(forward);
  });

  it('names uniform keys with a fixed-width index', () => {
    expect(uniformKeyName({ uniformKeyCount: 1000 }, 7)).toBe('key#007');
    expect(uniformKeyName({ uniformKeyCount: 10, uniformKeyPrefix: 'user#' }, 3)).toBe('user#3');
  });

  it('rejects hot-key shares over 1 and traffic left without uniform keys', () => {
    expect(() =>
      createWorkload(
        {
          ...surge,
          hotKeys: [
            { key: 'a', readShare: 0.8, writeShare: 0.5 },
            { key: 'b', readShare: 0.3, writeShare: 0 },
          ],
        },
        seededRandom(1),
      ),
    ).toThrow(/more than 1/);
    expect(() => createWorkload({ ...surge, uniformKeyCount: 0 }, seededRandom(1))).toThrow(
      /uniformKeyCount/,
    );
  });
});
