/**
 * The key router: for one table, turns a logical partition key into the physical key a write goes
 * to and the physical keys a read covers, from the key's shard map entry (cached).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { readKeys, shardFor, shardKey, writeKey, type ShardMapEntry } from './shard-map.ts';
import { query, type ScatterGatherQueryInput, type ScatterGatherQueryOutput } from './scatter-gather.ts';
import { ShardMapCache, type ShardMapCacheOptions, type ShardMapSource } from './shard-map-cache.ts';

export interface KeyRouterOptions {
  /** The client queries go through. */
  client: DynamoDBClient;
  /** The application table whose keys are routed. */
  tableName: string;
  /** Where entries come from: usually a {@link ShardMapCache}, which may serve several routers. */
  shardMap: ShardMapSource;
  /** A number in [0, 1), for {@link KeyRouter.writeKeyRandom}; Math.random unless told. */
  random?: () => number;
}

/** A scatter-gather query through the router: the table and the shard map entry are the router's. */
export type KeyRouterQueryInput = Omit<ScatterGatherQueryInput, 'tableName' | 'shardMapEntry'>;

export class KeyRouter {
  readonly tableName: string;
  private readonly client: DynamoDBClient;
  private readonly shardMap: ShardMapSource;
  private readonly random: () => number;

  constructor(options: KeyRouterOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.shardMap = options.shardMap;
    this.random = options.random ?? Math.random;
  }

  /** The logical key's shard map entry (cached), or undefined when it is not sharded. */
  entry(logicalKey: string): Promise<ShardMapEntry | undefined> {
    return this.shardMap.get(this.tableName, logicalKey);
  }

  /**
   * The partition key to write an item of `logicalKey` to. `itemIdentity` is stable for the item
   * (its sort key: `sortKeyIdentity(item.sk)`), so every write of the item, and the mover, agree
   * on its shard. Not sharded, or merging: the logical key itself.
   */
  async writeKey(logicalKey: string, itemIdentity: string): Promise<string> {
    return writeKey(await this.entry(logicalKey), logicalKey, itemIdentity);
  }

  /**
   * The partition key for a new item that is never written again (append-only: events, log
   * lines): a random shard, which spreads writes evenly whatever their sort keys. Not for items
   * that are updated later: an update must find the item where {@link writeKey} puts it.
   */
  async writeKeyRandom(logicalKey: string): Promise<string> {
    const entry = await this.entry(logicalKey);
    if (!entry || entry.state === 'merging') return logicalKey;
    const drawn = this.random();
    if (!(drawn >= 0 && drawn < 1))
      throw new RangeError(`random() must return a number in [0, 1), not ${drawn}`);
    return shardKey(logicalKey, Math.min(entry.shards - 1, Math.floor(drawn * entry.shards)));
  }

  /**
   * Every partition key an item written by {@link writeKey} may be at, the key writes go to now
   * first: while a key is sharding or merging, an item may not have moved yet. A delete goes to
   * all of them (else a copy not moved yet would reappear); a point read takes the first it finds.
   */
  async itemKeys(logicalKey: string, itemIdentity: string): Promise<string[]> {
    const entry = await this.entry(logicalKey);
    if (!entry) return [logicalKey];
    const shard = shardKey(logicalKey, shardFor(itemIdentity, entry.shards));
    return entry.state === 'merging' ? [logicalKey, shard] : [shard, logicalKey];
  }

  /** Every partition key a read of `logicalKey` must cover: the logical key first, then its shards. */
  async readKeys(logicalKey: string): Promise<string[]> {
    const entry = await this.entry(logicalKey);
    return entry ? readKeys(entry) : [logicalKey];
  }

  /** A Query of the logical key as if it were not sharded (see `scatter-gather.ts`). */
  async query(input: KeyRouterQueryInput): Promise<ScatterGatherQueryOutput> {
    const shardMapEntry = await this.entry(input.logicalKey);
    return query(this.client, { ...input, tableName: this.tableName, shardMapEntry });
  }
}

export interface CreateKeyRouterOptions extends ShardMapCacheOptions {
  tableName: string;
  random?: () => number;
}

/** A router with its own shard map cache over `controlTableName` (read through `client`). */
export function createKeyRouter(options: CreateKeyRouterOptions): KeyRouter {
  const { tableName, random, ...cacheOptions } = options;
  return new KeyRouter({
    client: options.client,
    tableName,
    shardMap: new ShardMapCache(cacheOptions),
    ...(random ? { random } : {}),
  });
}
