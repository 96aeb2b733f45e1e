/**
 * The shard map: which logical partition keys are spread over sharded keys, and how. One item per
 * hot key in the control table, changed only by conditional writes (the `version` attribute), and
 * read by the key router that applications import. Everything that turns a logical key into
 * physical keys lives here, so the router and the mover can never disagree.
 *
 * Layout: shard `i` of logical key `K` is the partition key `K#shard-<i>`, i in [0, shards). The
 * logical key itself stays readable in every state: items not moved yet (`sharding`), or moved
 * back (`merging`), live there.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';

export const SHARD_STATES = ['sharding', 'active', 'merging'] as const;
export type ShardState = (typeof SHARD_STATES)[number];

/** Past this, a scatter-gather read costs more than the hot key ever did. */
export const MAX_SHARDS = 64;

export const shardMapEntrySchema = z
  .object({
    tableName: z.string().min(3).max(255),
    logicalKey: z.string().min(1).max(1024),
    shards: z.number().int().min(2).max(MAX_SHARDS),
    state: z.enum(SHARD_STATES),
    /** ISO 8601: when the key entered this state. */
    since: z.iso.datetime(),
    /** Bumped by every change; each write is conditional on the version it read. */
    version: z.number().int().min(1),
  })
  .strict();
export type ShardMapEntry = z.infer<typeof shardMapEntrySchema>;

/** Control-table key of a logical key's entry. */
export function shardMapKey(tableName: string, logicalKey: string): string {
  return `shardmap#${tableName}#${logicalKey}`;
}

export function shardKey(logicalKey: string, shard: number): string {
  return `${logicalKey}#shard-${shard}`;
}

/** Every physical key a read of `logicalKey` must cover, the logical key first. */
export function readKeys(entry: Pick<ShardMapEntry, 'logicalKey' | 'shards'>): string[] {
  return [entry.logicalKey, ...Array.from({ length: entry.shards }, (_, i) => shardKey(entry.logicalKey, i))];
}

/**
 * The shard an item belongs to: a stable hash of its sort key (or, for a table without one, of
 * any stable item identity the caller passes), so writers and the mover agree without talking.
 */
export function shardFor(itemIdentity: string, shards: number): number {
  const digest = createHash('sha256').update(itemIdentity).digest();
  return digest.readUInt32BE(0) % shards;
}

/** Where a write of an item of `logicalKey` goes, given the key's entry (or none). */
export function writeKey(entry: ShardMapEntry | undefined, logicalKey: string, itemIdentity: string): string {
  if (!entry || entry.state === 'merging') return logicalKey;
  return shardKey(logicalKey, shardFor(itemIdentity, entry.shards));
}
