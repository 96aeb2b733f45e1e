/**
 * The mover: a sharding key's items, from the logical key to their shards, one batch per call
 * (a Lambda task in a loop of the runbook, carrying the checkpoint). See relocate.ts for the
 * rules that make a crash or a concurrent write lose and duplicate nothing.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { parseOrThrow } from '../validation.ts';
import { ShardMapStateError } from './errors.ts';
import { itemIdentity, type Checkpoint, type KeyAttributes } from './items.ts';
import {
  batchOptionsSchema,
  relocateBatch,
  RELOCATE_OUTCOMES,
  type BatchResult,
  type RelocateOutcome,
} from './relocate.ts';
import { shardMapEntrySchema, writeKey, type ShardMapEntry } from '../../key-router/shard-map.ts';

export interface MoveBatchInput {
  /** The key's entry, in state `sharding` (as publishShardMap returned it). Names the table. */
  entry: ShardMapEntry;
  /** Holds the mover's journal (the dispatch control table). */
  controlTable: string;
  keys: KeyAttributes;
  /** Items per batch (Query `Limit`), 1..1000; 100 unless told. */
  batchSize?: number;
  /** Items moved at once within a batch, 1..64; DEFAULT_CONCURRENCY (32) unless told. */
  concurrency?: number;
  /** The previous batch's checkpoint; none (or null) starts from the beginning. */
  checkpoint?: Checkpoint | null;
}

const moveInputSchema = batchOptionsSchema.extend({ entry: shardMapEntrySchema });

/** Moves one batch of the logical key's items to their shards. Loop until `done`. */
export async function moveBatch(dynamodb: DynamoDBClient, input: MoveBatchInput): Promise<BatchResult> {
  const { entry, ...options } = parseOrThrow(moveInputSchema, input, 'Move batch request');
  if (entry.state !== 'sharding') {
    throw new ShardMapStateError(
      `${entry.tableName} key ${entry.logicalKey} is ${entry.state}: items move to shards only while it is sharding`,
    );
  }
  return relocateBatch(dynamodb, {
    ...options,
    tableName: entry.tableName,
    sourceKey: entry.logicalKey,
    targetKeyOf: (item) => writeKey(entry, entry.logicalKey, itemIdentity(item, options.keys.sortKey)),
  });
}

export interface RelocationSummary {
  batches: number;
  read: number;
  outcomes: Record<RelocateOutcome, number>;
}

/** Runs batches until done (a whole move in one call: for tests, tools and small keys). */
export async function moveAll(
  dynamodb: DynamoDBClient,
  input: Omit<MoveBatchInput, 'checkpoint'>,
  onBatch?: (result: BatchResult) => void,
): Promise<RelocationSummary> {
  return untilDone((checkpoint) => moveBatch(dynamodb, { ...input, checkpoint }), onBatch);
}

export async function untilDone(
  batch: (checkpoint: Checkpoint | null) => Promise<BatchResult>,
  onBatch?: (result: BatchResult) => void,
): Promise<RelocationSummary> {
  const summary = emptySummary();
  let checkpoint: Checkpoint | null = null;
  for (;;) {
    const result = await batch(checkpoint);
    onBatch?.(result);
    addBatch(summary, result);
    if (result.done) return summary;
    checkpoint = result.checkpoint;
  }
}

export function emptySummary(): RelocationSummary {
  return {
    batches: 0,
    read: 0,
    outcomes: Object.fromEntries(RELOCATE_OUTCOMES.map((o) => [o, 0])) as Record<RelocateOutcome, number>,
  };
}

export function addBatch(summary: RelocationSummary, result: BatchResult): void {
  summary.batches += 1;
  summary.read += result.read;
  for (const outcome of RELOCATE_OUTCOMES) summary.outcomes[outcome] += result.outcomes[outcome];
}
