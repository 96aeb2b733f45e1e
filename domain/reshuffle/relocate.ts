/**
 * Moving items from one physical key to others without losing or duplicating any, under crashes
 * and concurrent application writes. The mover (logical key -> shards) and the merge (each shard
 * -> logical key) are this, with a different source and target.
 *
 * A batch: Query the source key (consistent, `Limit` = batch size, from the checkpoint), journal
 * the content hashes of the copies it is about to write, then for each item (a few at a time):
 *
 * 1. Copy it to its target key with `attribute_not_exists(pk)`. If a copy is already there:
 *    - the same content: fine (an earlier run, or the same write by the application);
 *    - content whose hash is in the journal: a copy the mover wrote of an older version of the
 *      original (a run that crashed before its delete, then the original was updated): replaced
 *      by the current original, conditional on that old copy being unchanged;
 *    - anything else: the application wrote it through the key router, which already routes
 *      writes to the target: it is newer than the original and is kept, never overwritten.
 * 2. Delete the original on the condition that every attribute still has the value the mover
 *    copied (ReturnValues ALL_OLD catches an attribute added meanwhile: it is carried over). If
 *    the original changed after the copy, read it again and go back to 1 with the new content
 *    (which replaces the mover's own copy). If the original is gone (the application deleted it),
 *    the mover withdraws its own unchanged copy, so the delete holds.
 *
 * Every write is conditional and each step is idempotent, so a crash anywhere (between a copy and
 * its delete, mid-batch, after a write whose answer was lost) and a re-run from the last
 * checkpoint, or from scratch, end with each item exactly once. The journal (one control-table
 * item per source key, a string set of hashes) is what tells the mover's own stale copy from an
 * application write after a crash; a batch removes its hashes once all its items are through, and
 * the last (empty) batch deletes the journal.
 *
 * When both the original (in place, by a writer that does not route yet) and the copy (through the
 * router) changed, the copy wins: the router's layout is the authority once the key is sharding.
 *
 * What the rule asks of the application (the key router's side), and its one crash window:
 * - writes routed to the target while the item may still be at the source are whole items (a
 *   partial UpdateItem there creates a partial item, which wins as any routed write does);
 * - a delete goes to every read key, or an item the mover has not reached yet comes back;
 * - writers pick the map up before the move starts (the runbook waits out the router's cache): a
 *   write to the source of an item already moved is not merged, the copy wins;
 * - an attribute added to the original (nothing else changed) between the copy and the delete is
 *   carried over just after the delete; a crash exactly there loses that attribute (only).
 */
import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import * as z from 'zod';
import { TTL_ATTRIBUTE } from '../dispatch/tables.ts';
import { classifyAwsError } from '../errors.ts';
import { ReshuffleContentionError } from './errors.ts';
import {
  checkpointFromKey,
  contentHash,
  keyFromCheckpoint,
  primaryKey,
  unchangedCondition,
  withPartitionKey,
  type Checkpoint,
  type Item,
  type KeyAttributes,
} from './items.ts';
import { isConditionFailed } from './shard-map-store.ts';

/** What happened to one item. */
export const RELOCATE_OUTCOMES = [
  /** Copied to its target, original deleted. */
  'copied',
  /** The same content was already at the target (an earlier run); original deleted. */
  'already-copied',
  /** The mover's own older copy was at the target: replaced by the current content; original deleted. */
  'recopied',
  /** The application had written the item at the target (newer): kept; original deleted. */
  'kept-target',
  /** The application deleted the original during its move: the mover's copy withdrawn too. */
  'original-deleted',
] as const;
export type RelocateOutcome = (typeof RELOCATE_OUTCOMES)[number];

export interface BatchResult {
  sourceKey: string;
  /** Items the batch read from the source key. */
  read: number;
  outcomes: Record<RelocateOutcome, number>;
  /** Where the next batch starts; null: from the beginning (a new pass, to confirm it is empty). */
  checkpoint: Checkpoint | null;
  /** true once a pass from the beginning found the source key empty (the journal is deleted). */
  done: boolean;
}

export const DEFAULT_BATCH_SIZE = 100;
/**
 * Items in flight at once within a batch. Each item is a short chain of dependent round trips
 * (copy, then delete), so a batch's time is network latency, not CPU: 32 keeps a Lambda's few
 * sockets busy without queueing behind the SDK's connection pool (50 by default). Safety does not
 * depend on it: every item's rules hold whatever else is in flight (see the top of this file).
 */
export const DEFAULT_CONCURRENCY = 32;
/** Conditional writes an item may lose to application writes before the batch gives up. */
const MAX_ATTEMPTS = 6;

const checkpointValueSchema = z.union([
  z.object({ S: z.string() }).strict(),
  z.object({ N: z.string() }).strict(),
  z.object({ B: z.string() }).strict(),
]);

/** The inputs every batch takes (a Step Functions state passes them on unchanged). */
export const batchOptionsSchema = z.object({
  controlTable: z.string().min(3).max(255),
  keys: z.object({ partitionKey: z.string().min(1), sortKey: z.string().min(1) }),
  batchSize: z.number().int().min(1).max(1000).default(DEFAULT_BATCH_SIZE),
  concurrency: z.number().int().min(1).max(64).default(DEFAULT_CONCURRENCY),
  checkpoint: z.record(z.string(), checkpointValueSchema).nullable().default(null),
});

export interface RelocateBatchInput {
  tableName: string;
  controlTable: string;
  keys: KeyAttributes;
  sourceKey: string;
  targetKeyOf: (item: Item) => string;
  batchSize: number;
  concurrency: number;
  checkpoint: Checkpoint | null;
}

export async function relocateBatch(
  dynamodb: DynamoDBClient,
  input: RelocateBatchInput,
): Promise<BatchResult> {
  const table = new ItemStore(dynamodb, input.tableName, input.keys);
  const journal = new Journal(
    dynamodb,
    input.controlTable,
    `reshuffle-journal#${input.tableName}#${input.sourceKey}`,
  );
  const outcomes = Object.fromEntries(RELOCATE_OUTCOMES.map((o) => [o, 0])) as Record<
    RelocateOutcome,
    number
  >;
  const page = await table.query(input.sourceKey, input.batchSize, input.checkpoint);
  const result = { sourceKey: input.sourceKey, read: page.items.length, outcomes };

  if (page.items.length === 0) {
    if (page.lastKey) return { ...result, checkpoint: checkpointFromKey(page.lastKey), done: false };
    if (input.checkpoint) return { ...result, checkpoint: null, done: false };
    await journal.clear();
    return { ...result, checkpoint: null, done: true };
  }

  const planned = page.items.map((item) => {
    const target = withPartitionKey(item, input.keys.partitionKey, input.targetKeyOf(item));
    return { original: item, copy: target };
  });
  await journal.open(planned.map(({ copy }) => contentHash(copy)));
  await forEachLimited(planned, input.concurrency, async ({ original, copy }) => {
    outcomes[await relocateItem(table, journal, original, copy)] += 1;
  });
  await journal.release();
  return { ...result, checkpoint: checkpointFromKey(page.lastKey), done: false };
}

async function relocateItem(
  table: ItemStore,
  journal: Journal,
  read: Item,
  firstCopy: Item,
): Promise<RelocateOutcome> {
  const targetKey = firstCopy[table.keys.partitionKey]!.S!;
  let original = read;
  let copy = firstCopy;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const placed = await placeCopy(table, journal, copy);
    if (placed === 'retry') continue;

    const removal = await table.deleteIfUnchanged(original);
    if (removal.kind === 'changed') {
      const current = await table.get(original);
      if (!current) {
        if (placed !== 'kept-target') await withdraw(table, copy);
        return 'original-deleted';
      }
      original = current;
      copy = withPartitionKey(current, table.keys.partitionKey, targetKey);
      continue;
    }
    if (placed !== 'kept-target' && contentHash(removal.old) !== contentHash(original)) {
      // An attribute was added to the original between the copy and the delete: carry it over,
      // unless the application changed the copy meanwhile (then that write is the newer).
      const newer = withPartitionKey(removal.old, table.keys.partitionKey, targetKey);
      await journal.record(contentHash(newer));
      await replace(table, newer, copy);
    }
    return placed;
  }
  throw new ReshuffleContentionError(
    `${table.describe(read)} changed under every one of ${MAX_ATTEMPTS} attempts to move it; run the batch again`,
  );
}

type Placement = Exclude<RelocateOutcome, 'original-deleted'> | 'retry';

/** Step 1: make the target hold the item (or keep the application's newer write there). */
async function placeCopy(table: ItemStore, journal: Journal, copy: Item): Promise<Placement> {
  const copyHash = contentHash(copy);
  await journal.record(copyHash);
  if (await table.putIfAbsent(copy)) return 'copied';
  const existing = await table.get(copy);
  if (!existing) return 'retry';
  const existingHash = contentHash(existing);
  if (existingHash === copyHash) return 'already-copied';
  if (!journal.has(existingHash)) return 'kept-target';
  const write = await table.putIfUnchanged(copy, existing);
  if (write.kind === 'changed') return 'retry';
  if (contentHash(write.old) !== existingHash) {
    // The application added to the old copy between the read and the write: its write wins.
    await replace(table, write.old, copy);
    return 'kept-target';
  }
  return 'recopied';
}

/**
 * Puts `item` in place of `expected` if that is still there unchanged; else leaves the newer write.
 * If what it replaced had an attribute more (added since it was read), that was an application
 * write: it is put back, conditional in turn on `item` being unchanged.
 */
async function replace(table: ItemStore, item: Item, expected: Item, depth = 0): Promise<void> {
  const write = await table.putIfUnchanged(item, expected);
  if (write.kind === 'written' && contentHash(write.old) !== contentHash(expected)) {
    if (depth >= 3)
      throw new ReshuffleContentionError(`${table.describe(item)} keeps changing under the mover`);
    await replace(table, write.old, item, depth + 1);
  }
}

/** Deletes the mover's copy if it is still exactly that (an application write there stays). */
async function withdraw(table: ItemStore, copy: Item): Promise<void> {
  const removal = await table.deleteIfUnchanged(copy);
  if (removal.kind === 'deleted' && contentHash(removal.old) !== contentHash(copy)) {
    await table.putIfAbsent(removal.old);
  }
}

/** Runs `fn` over `items`, `limit` at a time; on a failure starts no more and rethrows the first. */
async function forEachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const failures: unknown[] = [];
  const worker = async (): Promise<void> => {
    while (failures.length === 0 && next < items.length) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (error) {
        failures.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failures.length > 0) throw failures[0];
}

type Removal = { kind: 'deleted'; old: Item } | { kind: 'changed' };
type Write = { kind: 'written'; old: Item } | { kind: 'changed' };

/** The data table's single-item operations, each conditional where it writes. */
class ItemStore {
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
  readonly keys: KeyAttributes;

  constructor(dynamodb: DynamoDBClient, tableName: string, keys: KeyAttributes) {
    this.dynamodb = dynamodb;
    this.tableName = tableName;
    this.keys = keys;
  }

  describe(item: Item): string {
    const key = primaryKey(item, this.keys);
    return `${this.tableName} item ${JSON.stringify(Object.values(key).map((v) => v.S ?? v.N ?? 'binary'))}`;
  }

  async query(
    key: string,
    limit: number,
    checkpoint: Checkpoint | null,
  ): Promise<{ items: Item[]; lastKey: Item | undefined }> {
    try {
      const result = await this.dynamodb.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': this.keys.partitionKey },
          ExpressionAttributeValues: { ':pk': { S: key } },
          ConsistentRead: true,
          Limit: limit,
          ExclusiveStartKey: keyFromCheckpoint(checkpoint),
        }),
      );
      return { items: result.Items ?? [], lastKey: result.LastEvaluatedKey };
    } catch (error) {
      throw classifyAwsError(error, `Querying ${key} in ${this.tableName}`);
    }
  }

  /** The item stored under `item`'s key now, or undefined. */
  async get(item: Item): Promise<Item | undefined> {
    try {
      const result = await this.dynamodb.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: primaryKey(item, this.keys),
          ConsistentRead: true,
        }),
      );
      return result.Item;
    } catch (error) {
      throw classifyAwsError(error, `Reading ${this.describe(item)}`);
    }
  }

  /** true: written; false: an item with that key exists. */
  async putIfAbsent(item: Item): Promise<boolean> {
    try {
      await this.dynamodb.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': this.keys.partitionKey },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw classifyAwsError(error, `Copying ${this.describe(item)}`);
    }
  }

  /** Writes `item` over `expected` if every attribute of `expected` is still as it was. */
  async putIfUnchanged(item: Item, expected: Item): Promise<Write> {
    try {
      const result = await this.dynamodb.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: item,
          ...unchangedCondition(expected),
          ReturnValues: 'ALL_OLD',
        }),
      );
      return { kind: 'written', old: result.Attributes ?? {} };
    } catch (error) {
      if (isConditionFailed(error)) return { kind: 'changed' };
      throw classifyAwsError(error, `Replacing ${this.describe(item)}`);
    }
  }

  /** Deletes `expected` if every attribute of it is still as it was. */
  async deleteIfUnchanged(expected: Item): Promise<Removal> {
    try {
      const result = await this.dynamodb.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: primaryKey(expected, this.keys),
          ...unchangedCondition(expected),
          ReturnValues: 'ALL_OLD',
        }),
      );
      return { kind: 'deleted', old: result.Attributes ?? {} };
    } catch (error) {
      if (isConditionFailed(error)) return { kind: 'changed' };
      throw classifyAwsError(error, `Deleting ${this.describe(expected)}`);
    }
  }
}

/**
 * A journal outlives a crashed run long enough for an operator to re-run it; an abandoned one is
 * swept by the control table's TTL.
 */
const JOURNAL_TTL_SECONDS = 14 * 24 * 3600;
const expiresAt = (): number => Math.floor(Date.now() / 1000) + JOURNAL_TTL_SECONDS;

/**
 * The content hashes of the copies the mover wrote (or was about to) from one source key, kept
 * in the control table until the items are through: after a crash, a copy at the target whose
 * hash is here is the mover's own, one whose hash is not is the application's.
 */
class Journal {
  private readonly dynamodb: DynamoDBClient;
  private readonly controlTable: string;
  private readonly pk: string;
  /** Every hash in the stored journal (as of the batch's start, plus this batch's). */
  private readonly known = new Set<string>();
  /** The hashes this batch added, removed once the batch is through. */
  private readonly added = new Set<string>();

  constructor(dynamodb: DynamoDBClient, controlTable: string, pk: string) {
    this.dynamodb = dynamodb;
    this.controlTable = controlTable;
    this.pk = pk;
  }

  has(hash: string): boolean {
    return this.known.has(hash);
  }

  /** Adds the batch's hashes and reads what earlier (crashed) runs left there. */
  async open(hashes: string[]): Promise<void> {
    const stored = await this.update('ADD', hashes);
    for (const hash of hashes) this.added.add(hash);
    for (const hash of stored) this.known.add(hash);
  }

  /** Adds one hash before the copy it stands for is written. */
  async record(hash: string): Promise<void> {
    if (this.known.has(hash)) return;
    await this.update('ADD', [hash]);
    this.added.add(hash);
    this.known.add(hash);
  }

  /** Removes this batch's hashes: its items are all through. */
  async release(): Promise<void> {
    if (this.added.size > 0) await this.update('DELETE', [...this.added]);
  }

  async clear(): Promise<void> {
    try {
      await this.dynamodb.send(
        new DeleteItemCommand({ TableName: this.controlTable, Key: { pk: { S: this.pk } } }),
      );
    } catch (error) {
      throw classifyAwsError(error, `Deleting ${this.pk} in ${this.controlTable}`);
    }
  }

  private async update(action: 'ADD' | 'DELETE', hashes: string[]): Promise<string[]> {
    try {
      const result = await this.dynamodb.send(
        new UpdateItemCommand({
          TableName: this.controlTable,
          Key: { pk: { S: this.pk } },
          UpdateExpression:
            action === 'ADD' ? 'SET #expires = :expires ADD copies :hashes' : 'DELETE copies :hashes',
          ...(action === 'ADD'
            ? {
                ExpressionAttributeNames: { '#expires': TTL_ATTRIBUTE },
                ExpressionAttributeValues: {
                  ':hashes': { SS: hashes },
                  ':expires': { N: String(expiresAt()) },
                },
              }
            : { ExpressionAttributeValues: { ':hashes': { SS: hashes } } }),
          ReturnValues: action === 'ADD' ? 'ALL_NEW' : 'NONE',
        }),
      );
      return result.Attributes?.copies?.SS ?? [];
    } catch (error) {
      throw classifyAwsError(error, `Journaling copies of ${this.pk} in ${this.controlTable}`);
    }
  }
}
