/**
 * The reshuffle tests' world (`world/dynamodb/hot-key-table.ts`) with dispatch's tables, every
 * runbook on the local engine, and the key's count and checksum wherever its items are.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { VirtualClock } from '../../core/virtual-clock.ts';
import { startRunbookEngine } from '../../local/runbooks.ts';
import type { LocalEngine } from '../../engine/local-engine.ts';
import { createDispatchTables, DEFAULT_DISPATCH_TABLES } from '../../domain/dispatch/tables.ts';
import { snapshotLogicalKey } from '../../domain/reshuffle/verify.ts';
import {
  HOT_KEY,
  HOT_KEY_TABLE,
  keyDemandPorts,
  seedHotKeyTable,
} from '../../world/dynamodb/hot-key-table.ts';

export { HOT_KEY, HOT_KEY_TABLE, sortKeyOf } from '../../world/dynamodb/hot-key-table.ts';
export const HOT_KEY_START = Date.UTC(2026, 0, 1, 12, 0, 0);

/** Dispatch's tables, and the table with `items` items under the hot key. */
export async function createHotKeyTable(dynamodb: DynamoDBClient, items: number): Promise<void> {
  await createDispatchTables(dynamodb, DEFAULT_DISPATCH_TABLES);
  await seedHotKeyTable(dynamodb, items);
}

/** Every runbook on the local engine, its CloudWatch showing the key's demand for the last half hour. */
export async function engineWithKeyDemand(dynamodb: DynamoDBClient, perSecond: number): Promise<LocalEngine> {
  const clock = new VirtualClock(HOT_KEY_START);
  return startRunbookEngine({ clock, ports: keyDemandPorts(dynamodb, clock, perSecond), dynamodb, seed: 1 });
}

/** Count and checksum of the key's items, wherever they are (the logical key and `shards` shard keys). */
export async function keyInventory(dynamodb: DynamoDBClient, shards: number) {
  const snapshot = await snapshotLogicalKey(dynamodb, {
    tableName: HOT_KEY_TABLE,
    keys: { partitionKey: 'pk', sortKey: 'sk' },
    logicalKey: HOT_KEY,
    shards,
  });
  return { count: snapshot.count, checksum: snapshot.checksum };
}
