import { describe, expect, it } from 'vitest';
import { routeDemand } from '../../../world/dynamodb/application-routing.ts';
import type { SecondDemand } from '../../../world/dynamodb/workload.ts';

const demand: SecondDemand = {
  readRequests: 110,
  writeRequests: 1_510,
  readUnitsPerRequest: 0.5,
  writeUnitsPerRequest: 1,
  hotKeys: [{ key: 'events#today', readRequests: 10, writeRequests: 1_501 }],
  uniform: { keyCount: 1000, readRequests: 100, writeRequests: 9 },
};

describe('the application routing demand through the shard map', () => {
  it('leaves keys without a shard map entry as they are', () => {
    expect(routeDemand(demand, new Map())).toBe(demand);
    expect(routeDemand(demand, new Map([['other', { shards: 4, state: 'active' }]]))).toEqual(demand);
  });

  it('spreads a sharded key’s writes evenly over its shards and reads every physical key', () => {
    const routed = routeDemand(demand, new Map([['events#today', { shards: 4, state: 'active' }]]));
    expect(routed.hotKeys).toEqual([
      { key: 'events#today', readRequests: 10, writeRequests: 0 },
      { key: 'events#today#shard-0', readRequests: 10, writeRequests: 376 },
      { key: 'events#today#shard-1', readRequests: 10, writeRequests: 375 },
      { key: 'events#today#shard-2', readRequests: 10, writeRequests: 375 },
      { key: 'events#today#shard-3', readRequests: 10, writeRequests: 375 },
    ]);
    expect(routed.writeRequests).toBe(1_510);
    // A scatter-gather read is one query per physical key.
    expect(routed.readRequests).toBe(100 + 5 * 10);
  });

  it('writes to the logical key again while the shards merge back', () => {
    const routed = routeDemand(demand, new Map([['events#today', { shards: 2, state: 'merging' }]]));
    expect(routed.hotKeys.map((k) => [k.key, k.writeRequests])).toEqual([
      ['events#today', 1_501],
      ['events#today#shard-0', 0],
      ['events#today#shard-1', 0],
    ]);
  });
});
