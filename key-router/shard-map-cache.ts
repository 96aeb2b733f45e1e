/**
 * The shard map as the router sees it: entries read from the control table, cached per logical key
 * for a short time. A key with no entry (the common case: a key that is not hot) is cached too,
 * for a shorter time, so a key that becomes hot is picked up soon.
 *
 * Control-table item (one per sharded logical key): `pk` = `shardMapKey(tableName, logicalKey)`,
 * then `tableName` (S), `logicalKey` (S), `shards` (N), `state` (S), `since` (S), `version` (N).
 */
import { GetItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { shardMapEntrySchema, shardMapKey, type ShardMapEntry } from './shard-map.ts';
import { InvalidShardMapEntryError } from './errors.ts';

/** The control table's partition key attribute. */
export const CONTROL_TABLE_KEY = 'pk';

/** How long an entry read from the control table is used before it is read again. */
export const DEFAULT_SHARD_MAP_TTL_MS = 30_000;
/** How long "this key has no entry" is used before the control table is asked again. */
export const DEFAULT_NEGATIVE_TTL_MS = 10_000;
/** Logical keys cached at most; past this, the entry read from the control table first is dropped. */
export const DEFAULT_MAX_CACHED_KEYS = 10_000;

const ENTRY_ATTRIBUTES = ['tableName', 'logicalKey', 'shards', 'state', 'since', 'version'] as const;

/** Where the router gets entries from: a {@link ShardMapCache}, or a stand-in in tests. */
export interface ShardMapSource {
  /** The entry of `logicalKey` in `tableName`, or undefined when the key is not sharded. */
  get(tableName: string, logicalKey: string): Promise<ShardMapEntry | undefined>;
}

export interface ShardMapCacheOptions {
  client: DynamoDBClient;
  /** The control table holding the shard map (selfheal's `SELFHEAL_CONTROL_TABLE`). */
  controlTableName: string;
  /** Milliseconds an entry is cached (default 30 s). */
  ttlMs?: number;
  /** Milliseconds a missing entry is cached (default 10 s). */
  negativeTtlMs?: number;
  /** Logical keys cached at most (default 10,000). */
  maxEntries?: number;
  /** Strongly consistent reads of the control table (default true). */
  consistentRead?: boolean;
  /** Milliseconds since the epoch; injectable for tests. */
  now?: () => number;
}

interface Cached {
  entry: ShardMapEntry | undefined;
  expiresAt: number;
}

/**
 * Reads one entry from the control table, validated: undefined when there is none; an
 * {@link InvalidShardMapEntryError} when the item is not a valid entry of this key.
 */
export async function loadShardMapEntry(
  client: DynamoDBClient,
  controlTableName: string,
  tableName: string,
  logicalKey: string,
  consistentRead = true,
): Promise<ShardMapEntry | undefined> {
  const key = shardMapKey(tableName, logicalKey);
  const { Item } = await client.send(
    new GetItemCommand({
      TableName: controlTableName,
      Key: { [CONTROL_TABLE_KEY]: { S: key } },
      // Only the entry's own attributes: the mover may keep more on the item.
      ProjectionExpression: ENTRY_ATTRIBUTES.map((_, i) => `#a${i}`).join(', '),
      ExpressionAttributeNames: Object.fromEntries(ENTRY_ATTRIBUTES.map((name, i) => [`#a${i}`, name])),
      ConsistentRead: consistentRead,
    }),
  );
  if (!Item) return undefined;
  const parsed = shardMapEntrySchema.safeParse(plainItem(Item));
  if (!parsed.success) {
    throw new InvalidShardMapEntryError(
      key,
      parsed.error.issues.map((issue) => `${issue.path.join('.') || '(item)'}: ${issue.message}`),
    );
  }
  if (parsed.data.tableName !== tableName || parsed.data.logicalKey !== logicalKey) {
    throw new InvalidShardMapEntryError(key, [
      `it names ${parsed.data.tableName} / ${parsed.data.logicalKey}, not ${tableName} / ${logicalKey}`,
    ]);
  }
  return parsed.data;
}

/** Strings and numbers as themselves; any other attribute type is left for the schema to reject. */
function plainItem(item: Record<string, AttributeValue>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(item).map(([name, value]) => [
      name,
      value.S !== undefined ? value.S : value.N !== undefined ? Number(value.N) : value,
    ]),
  );
}

/**
 * Shard map entries, cached per logical key. Concurrent reads of a key whose entry is not cached
 * share one control-table read. Errors are not cached: the next read tries again.
 */
export class ShardMapCache implements ShardMapSource {
  readonly ttlMs: number;
  readonly negativeTtlMs: number;
  private readonly client: DynamoDBClient;
  private readonly controlTableName: string;
  private readonly maxEntries: number;
  private readonly consistentRead: boolean;
  private readonly now: () => number;
  private readonly cached = new Map<string, Cached>();
  private readonly loading = new Map<string, Promise<ShardMapEntry | undefined>>();

  constructor(options: ShardMapCacheOptions) {
    this.client = options.client;
    this.controlTableName = options.controlTableName;
    this.ttlMs = nonNegative('ttlMs', options.ttlMs ?? DEFAULT_SHARD_MAP_TTL_MS);
    this.negativeTtlMs = nonNegative('negativeTtlMs', options.negativeTtlMs ?? DEFAULT_NEGATIVE_TTL_MS);
    this.maxEntries = Math.max(1, options.maxEntries ?? DEFAULT_MAX_CACHED_KEYS);
    this.consistentRead = options.consistentRead ?? true;
    this.now = options.now ?? Date.now;
  }

  /**
   * The longest a change to the shard map can go unseen by this cache: whoever changes an entry
   * (the mover) waits at least this long before relying on every router seeing the change.
   */
  get maxStalenessMs(): number {
    return Math.max(this.ttlMs, this.negativeTtlMs);
  }

  async get(tableName: string, logicalKey: string): Promise<ShardMapEntry | undefined> {
    const key = shardMapKey(tableName, logicalKey);
    const cached = this.cached.get(key);
    if (cached && cached.expiresAt > this.now()) return cached.entry;
    return this.loading.get(key) ?? this.load(key, tableName, logicalKey);
  }

  /** Forgets one key's entry, or every entry: the next read goes to the control table. */
  invalidate(tableName?: string, logicalKey?: string): void {
    if (tableName === undefined || logicalKey === undefined) {
      this.cached.clear();
      this.loading.clear();
      return;
    }
    const key = shardMapKey(tableName, logicalKey);
    this.cached.delete(key);
    this.loading.delete(key);
  }

  /** How many keys are cached (expired ones included until they are read again or evicted). */
  get size(): number {
    return this.cached.size;
  }

  private load(key: string, tableName: string, logicalKey: string): Promise<ShardMapEntry | undefined> {
    // Staleness counts from before the read: the entry may change while it is in flight.
    const readAt = this.now();
    const loading = loadShardMapEntry(
      this.client,
      this.controlTableName,
      tableName,
      logicalKey,
      this.consistentRead,
    ).then(
      (entry) => {
        // A read overtaken by invalidate() is returned to its callers but not cached.
        if (this.loading.get(key) === loading) {
          this.loading.delete(key);
          this.store(key, { entry, expiresAt: readAt + (entry ? this.ttlMs : this.negativeTtlMs) });
        }
        return entry;
      },
      (error: unknown) => {
        if (this.loading.get(key) === loading) this.loading.delete(key);
        throw error;
      },
    );
    this.loading.set(key, loading);
    return loading;
  }

  private store(key: string, cached: Cached): void {
    this.cached.delete(key);
    this.cached.set(key, cached);
    while (this.cached.size > this.maxEntries) {
      const oldest = this.cached.keys().next().value;
      if (oldest === undefined) break;
      this.cached.delete(oldest);
    }
  }
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a number >= 0`);
  return value;
}
