/**
 * The merge back: a merging key's items, from each shard to the logical key, one batch of one
 * shard per call (a Map iteration per shard, each looping on its checkpoint), then the entry is
 * deleted once no shard holds anything. The same rules as the mover (relocate.ts), reversed: the
 * router already sends a merging key's writes to the logical key, so a write found there wins.
 */
import { QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import * as z from 'zod';
import { classifyAwsError } from '../errors.ts';
import { parseOrThrow } from '../validation.ts';
import { ShardMapStateError } from './errors.ts';
import type { Checkpoint, KeyAttributes } from './items.ts';
import { addBatch, emptySummary, untilDone, type RelocationSummary } from './move.ts';
import { batchOptionsSchema, relocateBatch, type BatchResult } from './relocate.ts';
import {
  MAX_SHARDS,
  shardKey,
  shardMapEntrySchema,
  writeKey,
  type ShardMapEntry,
} from '../../key-router/shard-map.ts';
import { advanceShardState, type ShardMapAdvance } from './shard-map-store.ts';

export interface MergeBatchInput {
  /** The key's entry, in state `merging` (as advanceShardState returned it). Names the table. */
  entry: ShardMapEntry;
  /** Which shard this call empties, in [0, entry.shards). */
  shard: number;
  controlTable: string;
  keys: KeyAttributes;
  batchSize?: number;
  concurrency?: number;
  checkpoint?: Checkpoint | null;
}

const mergeInputSchema = batchOptionsSchema.extend({
  entry: shardMapEntrySchema,
  shard: z
    .number()
    .int()
    .min(0)
    .max(MAX_SHARDS - 1),
});

/** Moves one batch of one shard's items back to the logical key. Loop until `done`. */
export async function mergeBatch(dynamodb: DynamoDBClient, input: MergeBatchInput): Promise<BatchResult> {
  const { entry, shard, ...options } = parseOrThrow(mergeInputSchema, input, 'Merge batch request');
  requireMerging(entry);
  if (shard >= entry.shards) {
    throw new ShardMapStateError(
      `${entry.logicalKey} has ${entry.shards} shards: there is no shard ${shard}`,
    );
  }
  return relocateBatch(dynamodb, {
    ...options,
    tableName: entry.tableName,
    sourceKey: shardKey(entry.logicalKey, shard),
    // A merging key's writes go to the logical key: where the router sends them is where they go.
    targetKeyOf: () => writeKey(entry, entry.logicalKey, ''),
  });
}

/** Empties every shard, one after the other (a whole merge in one call). */
export async function mergeAll(
  dynamodb: DynamoDBClient,
  input: Omit<MergeBatchInput, 'shard' | 'checkpoint'>,
  onBatch?: (result: BatchResult) => void,
): Promise<RelocationSummary> {
  const summary = emptySummary();
  for (let shard = 0; shard < input.entry.shards; shard++) {
    await untilDone(
      (checkpoint) => mergeBatch(dynamodb, { ...input, shard, checkpoint }),
      (result) => {
        onBatch?.(result);
        addBatch(summary, result);
      },
    );
  }
  return summary;
}

/**
 * Deletes the entry (merging -> deleted, conditional on its version) once every shard key is
 * empty; a shard still holding an item fails with ShardMapStateError and deletes nothing.
 */
export async function finishMerge(
  dynamodb: DynamoDBClient,
  input: { entry: ShardMapEntry; controlTable: string; keys: KeyAttributes },
  now: Date = new Date(),
): Promise<ShardMapAdvance> {
  const entry = parseOrThrow(shardMapEntrySchema, input.entry, 'Shard map entry');
  requireMerging(entry);
  for (let shard = 0; shard < entry.shards; shard++) {
    const key = shardKey(entry.logicalKey, shard);
    let count: number;
    try {
      const result = await dynamodb.send(
        new QueryCommand({
          TableName: entry.tableName,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': input.keys.partitionKey },
          ExpressionAttributeValues: { ':pk': { S: key } },
          ConsistentRead: true,
          Limit: 1,
        }),
      );
      count = result.Items?.length ?? 0;
    } catch (error) {
      throw classifyAwsError(error, `Querying ${key} in ${entry.tableName}`);
    }
    if (count > 0) {
      throw new ShardMapStateError(`${key} still holds items: merge it before deleting the shard map`);
    }
  }
  const { tableName, logicalKey, state, version } = entry;
  return advanceShardState(dynamodb, input.controlTable, { tableName, logicalKey, state, version }, now);
}

function requireMerging(entry: ShardMapEntry): void {
  if (entry.state !== 'merging') {
    throw new ShardMapStateError(
      `${entry.tableName} key ${entry.logicalKey} is ${entry.state}: items merge back only while it is merging`,
    );
  }
}
