/**
 * selfheal's key router, for applications whose hot partition keys selfheal reshuffles: where to
 * write an item of a logical key, which keys to read, and a Query over all of them that returns
 * what the unsharded key would. See README.md in this folder.
 *
 * Import it as `selfheal/key-router`. Its only AWS dependency is `@aws-sdk/client-dynamodb`.
 */
export {
  KeyRouter,
  createKeyRouter,
  type CreateKeyRouterOptions,
  type KeyRouterOptions,
  type KeyRouterQueryInput,
} from './router.ts';
export {
  ShardMapCache,
  loadShardMapEntry,
  CONTROL_TABLE_KEY,
  DEFAULT_SHARD_MAP_TTL_MS,
  DEFAULT_NEGATIVE_TTL_MS,
  DEFAULT_MAX_CACHED_KEYS,
  type ShardMapCacheOptions,
  type ShardMapSource,
} from './shard-map-cache.ts';
export { query, type ScatterGatherQueryInput, type ScatterGatherQueryOutput } from './scatter-gather.ts';
export { compareSortKeys, sortKeyIdentity } from './sort-key.ts';
export { KeyRouterError, InvalidShardMapEntryError, InvalidQueryError, RetryLaterError } from './errors.ts';
export {
  MAX_SHARDS,
  SHARD_STATES,
  shardKey,
  shardMapKey,
  type ShardMapEntry,
  type ShardState,
} from './shard-map.ts';
