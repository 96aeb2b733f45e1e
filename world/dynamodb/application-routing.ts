/**
 * The simulated application's side of a reshuffle: once a hot key's shard map is published, the
 * application (through the key router) writes each new item to one of the key's shards and reads
 * the key by querying all of its physical keys. This turns one second of demand on logical keys
 * into demand on physical keys, which is what partitions, throttling and metrics see.
 *
 * Simplifications: writes are append-only items spread at random over the shards, so a second's
 * writes are split evenly (the expectation of the random choice); every read of a sharded key
 * becomes one query per physical key, each costing a whole read (a scatter-gather read is that
 * much dearer, which the planner's shard cap keeps in bounds).
 */
import { readKeys, shardKey, type ShardState } from '../../key-router/shard-map.ts';
import type { SecondDemand } from './workload.ts';

export interface RoutedKey {
  shards: number;
  state: ShardState;
}

/** What the application believes about each sharded logical key (its cached shard map). */
export type ApplicationShardMap = ReadonlyMap<string, RoutedKey>;

export function routeDemand(demand: SecondDemand, shardMap: ApplicationShardMap): SecondDemand {
  if (shardMap.size === 0) return demand;
  const hotKeys: SecondDemand['hotKeys'] = [];
  let readRequests = demand.uniform.readRequests;
  for (const hot of demand.hotKeys) {
    const routed = shardMap.get(hot.key);
    if (!routed) {
      hotKeys.push(hot);
      readRequests += hot.readRequests;
      continue;
    }
    const physicalReads = readKeys({ logicalKey: hot.key, shards: routed.shards });
    // While merging, writes go back to the logical key; otherwise to the shards.
    const writeTargets =
      routed.state === 'merging'
        ? [hot.key]
        : Array.from({ length: routed.shards }, (_, i) => shardKey(hot.key, i));
    const writes = split(hot.writeRequests, writeTargets.length);
    for (const key of physicalReads) {
      const w = writeTargets.indexOf(key);
      hotKeys.push({ key, readRequests: hot.readRequests, writeRequests: w >= 0 ? (writes[w] ?? 0) : 0 });
      readRequests += hot.readRequests;
    }
  }
  return {
    ...demand,
    readRequests,
    writeRequests: demand.writeRequests,
    hotKeys,
  };
}

/** `total` whole requests over `parts`, as evenly as whole numbers allow. */
function split(total: number, parts: number): number[] {
  const base = Math.floor(total / parts);
  return Array.from({ length: parts }, (_, i) => base + (i < total - base * parts ? 1 : 0));
}
