import { describe, expect, it } from 'vitest';
import { nextPartitionCount, partitionOf, partitionsFor } from '../../../world/dynamodb/partitions.ts';

describe('partition count', () => {
  it('is max(ceil(RCU/3000 + WCU/1000), ceil(sizeGB/10), 1)', () => {
    expect(partitionsFor({ rcu: 0, wcu: 0, sizeGb: 0 })).toBe(1);
    expect(partitionsFor({ rcu: 3000, wcu: 1000, sizeGb: 1 })).toBe(2);
    expect(partitionsFor({ rcu: 4500, wcu: 500, sizeGb: 1 })).toBe(2);
    expect(partitionsFor({ rcu: 100, wcu: 100, sizeGb: 25 })).toBe(3);
    expect(partitionsFor({ rcu: 30_000, wcu: 10_000, sizeGb: 5 })).toBe(20);
  });

  it('never decreases: splits are permanent', () => {
    expect(nextPartitionCount(20, { rcu: 100, wcu: 100, sizeGb: 1 })).toBe(20);
    expect(nextPartitionCount(2, { rcu: 9000, wcu: 0, sizeGb: 1 })).toBe(3);
  });

  it('places a key in the same partition every time', () => {
    expect(partitionOf('tenant#42', 8)).toBe(partitionOf('tenant#42', 8));
    expect(partitionOf('tenant#42', 1)).toBe(0);
  });
});
