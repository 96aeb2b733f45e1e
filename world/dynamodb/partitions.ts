/**
 * How many partitions a table has. DynamoDB does not publish this; the widely used derivation
 * from its per-partition limits is kept here so every part of the world agrees on it.
 */

/** What one partition can serve per second, whatever the table's settings (aws-facts.md). */
export const PARTITION_MAX_RCU = 3000;
export const PARTITION_MAX_WCU = 1000;
/** Storage a partition holds before it splits. */
export const PARTITION_MAX_GB = 10;

export interface PartitionSizing {
  /** Capacity the table must be able to serve per second (provisioned, or on-demand's allowance). */
  rcu: number;
  wcu: number;
  sizeGb: number;
}

/** `max(ceil(RCU/3000 + WCU/1000), ceil(sizeGB/10), 1)`. */
export function partitionsFor(sizing: PartitionSizing): number {
  const forThroughput = Math.ceil(sizing.rcu / PARTITION_MAX_RCU + sizing.wcu / PARTITION_MAX_WCU);
  const forStorage = Math.ceil(sizing.sizeGb / PARTITION_MAX_GB);
  return Math.max(forThroughput, forStorage, 1);
}

/**
 * Splits are permanent: lowering capacity never merges partitions back.
 * Simplification: only capacity and size cause splits; DynamoDB's split-for-heat (splitting a
 * hot partition between keys) is not modelled, so a hot partition stays hot until capacity or
 * size splits it, and a single hot key can never be split at all (true in DynamoDB as well).
 */
export function nextPartitionCount(current: number, sizing: PartitionSizing): number {
  return Math.max(current, partitionsFor(sizing));
}

/** Which partition a partition-key value hashes to (FNV-1a: stable across runs and platforms). */
export function partitionOf(key: string, partitions: number): number {
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return (h >>> 0) % partitions;
}
