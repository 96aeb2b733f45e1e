/**
 * Scatter-gather: one logical Query over every physical key of a sharded logical key. A Query per
 * physical key, in parallel, each paginated; the items merged in sort-key order, each sort key once
 * (the copy at the key writes go to now wins), the partition key rewritten to the logical key.
 *
 * The result is what a Query of the logical key would return had it never been sharded. `Limit`
 * and pagination keep DynamoDB's meaning: with a Limit, each physical key is read once, at most
 * `Limit` items; the merged page holds at most `Limit` items; `LastEvaluatedKey` (on the logical
 * key) says where the next page starts, and is passed back as `ExclusiveStartKey`.
 */
import {
  BatchGetItemCommand,
  QueryCommand,
  type AttributeValue,
  type BatchGetItemCommandOutput,
  type ConsumedCapacity,
  type DynamoDBClient,
  type QueryCommandInput,
} from '@aws-sdk/client-dynamodb';
import { readKeys, writeKey, type ShardMapEntry } from './shard-map.ts';
import { InvalidQueryError, RetryLaterError } from './errors.ts';
import { compareKeyValues, keyValue, keyValueId, sortKeyIdentity, type KeyValue } from './sort-key.ts';

type Item = Record<string, AttributeValue>;

/** QueryCommandInput's options that mean the same on a scatter-gather query. */
type PassedThrough = Omit<
  QueryCommandInput,
  | 'TableName'
  | 'IndexName'
  | 'Select'
  | 'AttributesToGet'
  | 'KeyConditions'
  | 'QueryFilter'
  | 'ConditionalOperator'
  | 'KeyConditionExpression'
  | 'ExclusiveStartKey'
>;

export interface ScatterGatherQueryInput extends PassedThrough {
  tableName: string;
  /** The table's partition key attribute (type S). */
  partitionKeyName: string;
  /** The table's sort key attribute (S, N or B): the order of the merge and the identity of items. */
  sortKeyName: string;
  logicalKey: string;
  /** The logical key's shard map entry; undefined when the key is not sharded. */
  shardMapEntry: ShardMapEntry | undefined;
  /**
   * A condition on the sort key only (`#sk BETWEEN :a AND :b`, `begins_with(#sk, :p)`, ...): the
   * router adds the partition key's.
   */
  KeyConditionExpression?: string;
  /** A previous page's `LastEvaluatedKey` (partition key = the logical key). */
  ExclusiveStartKey?: Item;
}

export interface ScatterGatherQueryOutput {
  /** In sort-key order (descending when ScanIndexForward is false), partition key = logical key. */
  Items: Item[];
  Count: number;
  /** Items DynamoDB evaluated over all physical keys, before filtering and de-duplication. */
  ScannedCount: number;
  /** Present when more items may follow: pass it back as ExclusiveStartKey. */
  LastEvaluatedKey?: Item;
  /** The capacity of every request summed, when ReturnConsumedCapacity asked for it. */
  ConsumedCapacity?: ConsumedCapacity;
  /** DynamoDB requests made: Query pages, plus any BatchGetItem (see FilterExpression). */
  requests: number;
}

/** Placeholders the router adds to the expression; the caller's must not use them. */
const PK_NAME = '#keyRouterPk';
const PK_VALUE = ':keyRouterPk';
const SK_NAME = '#keyRouterSk';
const BATCH_GET_MAX_KEYS = 100;
const BATCH_GET_MAX_ATTEMPTS = 8;

interface KeyRead {
  key: string;
  items: Item[];
  /** With a Limit: the sort key this key was read up to, when it has more items. */
  readUpTo?: AttributeValue;
  scanned: number;
  capacityUnits: number | undefined;
  requests: number;
}

interface Candidate {
  item: Item;
  sortKey: AttributeValue;
  parsed: KeyValue;
  /** Found at the key writes go to now (so the current copy, if the item is at two keys). */
  preferred: boolean;
}

/** Where an item's current copy lives, and which keys hold copies that lose to it. */
interface Route {
  keys: string[];
  /** Whether a copy found at `key` is the current one (true) or may be a not-yet-moved one. */
  preferred(key: string): boolean;
  /** The key the current copy of an item with this sort key would be at. */
  home(sortKey: AttributeValue): string;
}

function routeOf(entry: ShardMapEntry | undefined, logicalKey: string, sortKeyName: string): Route {
  if (!entry) return { keys: [logicalKey], preferred: () => true, home: () => logicalKey };
  if (entry.logicalKey !== logicalKey) {
    throw new InvalidQueryError(`The shard map entry is for ${entry.logicalKey}, not ${logicalKey}`);
  }
  // While merging, writes go to the logical key again: a copy there is newer than one on a shard.
  const merging = entry.state === 'merging';
  return {
    keys: readKeys(entry),
    preferred: (key) => (key === logicalKey) === merging,
    home: (sortKey) =>
      merging ? logicalKey : writeKey(entry, logicalKey, sortKeyIdentity(sortKey, sortKeyName)),
  };
}

/** Runs the query over every physical key of `input.logicalKey` and merges the results. */
export async function query(
  client: DynamoDBClient,
  input: ScatterGatherQueryInput,
): Promise<ScatterGatherQueryOutput> {
  const {
    tableName,
    partitionKeyName,
    sortKeyName,
    logicalKey,
    shardMapEntry,
    KeyConditionExpression,
    ExpressionAttributeNames,
    ExpressionAttributeValues,
    ExclusiveStartKey,
    Limit,
    ...passedThrough
  } = input;
  if (Limit !== undefined && (!Number.isInteger(Limit) || Limit < 1)) {
    throw new InvalidQueryError(`Limit must be an integer >= 1, not ${Limit}`);
  }
  if (
    ExpressionAttributeNames?.[PK_NAME] !== undefined ||
    ExpressionAttributeValues?.[PK_VALUE] !== undefined
  ) {
    throw new InvalidQueryError(`${PK_NAME} and ${PK_VALUE} are the router's own placeholders`);
  }
  const route = routeOf(shardMapEntry, logicalKey, sortKeyName);
  const descending = passedThrough.ScanIndexForward === false;
  const order = (a: KeyValue, b: KeyValue): number =>
    (descending ? -1 : 1) * compareKeyValues(a, b, sortKeyName);
  const startAfter = ExclusiveStartKey && startSortKey(ExclusiveStartKey, input);

  const request = (key: string, exclusiveStart: Item | undefined): QueryCommandInput => ({
    ...passedThrough,
    TableName: tableName,
    KeyConditionExpression: KeyConditionExpression
      ? `${PK_NAME} = ${PK_VALUE} AND ${KeyConditionExpression}`
      : `${PK_NAME} = ${PK_VALUE}`,
    ExpressionAttributeNames: { ...ExpressionAttributeNames, [PK_NAME]: partitionKeyName },
    ExpressionAttributeValues: { ...ExpressionAttributeValues, [PK_VALUE]: { S: key } },
    ...(Limit !== undefined ? { Limit } : {}),
    ...(exclusiveStart ? { ExclusiveStartKey: exclusiveStart } : {}),
  });

  const reads = await Promise.all(
    route.keys.map((key) =>
      readKey(client, key, request, {
        limited: Limit !== undefined,
        sortKeyName,
        start: startAfter && { [partitionKeyName]: { S: key }, [sortKeyName]: startAfter },
      }),
    ),
  );

  // With a Limit, every key is known up to the earliest point any key was read up to; past it,
  // an item seen at one key may have a newer copy, or a sort-key predecessor, unread at another.
  let frontier: { value: AttributeValue; parsed: KeyValue } | undefined;
  for (const { readUpTo } of reads) {
    if (!readUpTo) continue;
    const parsed = keyValue(readUpTo, sortKeyName);
    if (!frontier || order(parsed, frontier.parsed) < 0) frontier = { value: readUpTo, parsed };
  }

  const chosen = new Map<string, Candidate>();
  for (const { key, items } of reads) {
    const preferred = route.preferred(key);
    for (const item of items) {
      const sortKey = item[sortKeyName];
      if (!sortKey) {
        throw new InvalidQueryError(
          `Items must include the sort key ${sortKeyName} to be merged: add it to the ProjectionExpression`,
        );
      }
      const parsed = keyValue(sortKey, sortKeyName);
      if (frontier && order(parsed, frontier.parsed) > 0) continue;
      const id = keyValueId(parsed);
      const existing = chosen.get(id);
      if (!existing || (preferred && !existing.preferred)) {
        chosen.set(id, { item, sortKey, parsed, preferred });
      }
    }
  }

  let requests = reads.reduce((sum, read) => sum + read.requests, 0);
  const capacity = reads.map((read) => read.capacityUnits);
  if (passedThrough.FilterExpression !== undefined) {
    const shadowed = await dropShadowedCopies(client, chosen, route, input);
    requests += shadowed.requests;
    capacity.push(shadowed.capacityUnits);
  }

  const merged = [...chosen.values()].sort((a, b) => order(a.parsed, b.parsed));
  const page = Limit === undefined ? merged : merged.slice(0, Limit);
  const last = page.at(-1);
  const lastEvaluated = Limit !== undefined && merged.length > Limit && last ? last.sortKey : frontier?.value;

  const Items = page.map(({ item }) =>
    item[partitionKeyName] ? { ...item, [partitionKeyName]: { S: logicalKey } } : item,
  );
  const consumed = capacity.filter((units): units is number => units !== undefined);
  return {
    Items,
    Count: Items.length,
    ScannedCount: reads.reduce((sum, read) => sum + read.scanned, 0),
    ...(lastEvaluated
      ? { LastEvaluatedKey: { [partitionKeyName]: { S: logicalKey }, [sortKeyName]: lastEvaluated } }
      : {}),
    ...(consumed.length > 0
      ? { ConsumedCapacity: { TableName: tableName, CapacityUnits: consumed.reduce((a, b) => a + b, 0) } }
      : {}),
    requests,
  };
}

/** The sort key a page starts after, from a LastEvaluatedKey of this logical key. */
function startSortKey(start: Item, input: ScatterGatherQueryInput): AttributeValue {
  const partition = start[input.partitionKeyName];
  const sortKey = start[input.sortKeyName];
  if (partition?.S !== input.logicalKey || !sortKey) {
    throw new InvalidQueryError(
      `ExclusiveStartKey must hold ${input.partitionKeyName} = ${input.logicalKey} and ${input.sortKeyName}`,
    );
  }
  return sortKey;
}

/** One physical key: every page without a Limit; with one, a single page of at most Limit items. */
async function readKey(
  client: DynamoDBClient,
  key: string,
  request: (key: string, exclusiveStart: Item | undefined) => QueryCommandInput,
  options: { limited: boolean; sortKeyName: string; start: Item | undefined },
): Promise<KeyRead> {
  const read: KeyRead = { key, items: [], scanned: 0, capacityUnits: undefined, requests: 0 };
  let exclusiveStart = options.start;
  do {
    const page = await client.send(new QueryCommand(request(key, exclusiveStart)));
    read.requests += 1;
    read.items.push(...(page.Items ?? []));
    read.scanned += page.ScannedCount ?? 0;
    read.capacityUnits = addCapacity(read.capacityUnits, page.ConsumedCapacity);
    exclusiveStart = page.LastEvaluatedKey;
  } while (exclusiveStart && !options.limited);
  if (exclusiveStart) read.readUpTo = exclusiveStart[options.sortKeyName];
  return read;
}

/**
 * With a FilterExpression, the current copy of an item may be filtered out while a stale copy (at
 * the key it is moving from) passes: such a stale copy must not be returned. For each copy found
 * only at a non-preferred key, look up its current copy (keys only, BatchGetItem) and drop the
 * stale one if the current copy exists. That is one key lookup per item read from the side items
 * are moving away from (the logical key while sharding, the shards while merging): none once a
 * move is done, and none without a FilterExpression.
 */
async function dropShadowedCopies(
  client: DynamoDBClient,
  chosen: Map<string, Candidate>,
  route: Route,
  input: ScatterGatherQueryInput,
): Promise<{ requests: number; capacityUnits: number | undefined }> {
  const suspects = [...chosen.values()].filter((candidate) => !candidate.preferred);
  let requests = 0;
  let capacityUnits: number | undefined;
  for (let i = 0; i < suspects.length; i += BATCH_GET_MAX_KEYS) {
    const batch = suspects.slice(i, i + BATCH_GET_MAX_KEYS);
    let keys: Item[] | undefined = batch.map(({ sortKey }) => ({
      [input.partitionKeyName]: { S: route.home(sortKey) },
      [input.sortKeyName]: sortKey,
    }));
    for (let attempt = 0; keys && keys.length > 0; attempt++) {
      if (attempt >= BATCH_GET_MAX_ATTEMPTS) {
        throw new RetryLaterError(`DynamoDB left ${keys.length} key lookups unprocessed; try again later`);
      }
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** attempt));
      const response: BatchGetItemCommandOutput = await client.send(
        new BatchGetItemCommand({
          RequestItems: {
            [input.tableName]: {
              Keys: keys,
              ProjectionExpression: SK_NAME,
              ExpressionAttributeNames: { [SK_NAME]: input.sortKeyName },
              ...(input.ConsistentRead !== undefined ? { ConsistentRead: input.ConsistentRead } : {}),
            },
          },
          ...(input.ReturnConsumedCapacity ? { ReturnConsumedCapacity: input.ReturnConsumedCapacity } : {}),
        }),
      );
      requests += 1;
      for (const consumed of response.ConsumedCapacity ?? []) {
        capacityUnits = addCapacity(capacityUnits, consumed);
      }
      // Each suspect is the only candidate of its sort key: a current copy found shadows it.
      for (const found of response.Responses?.[input.tableName] ?? []) {
        const sortKey = found[input.sortKeyName];
        if (sortKey) chosen.delete(keyValueId(keyValue(sortKey, input.sortKeyName)));
      }
      keys = response.UnprocessedKeys?.[input.tableName]?.Keys;
    }
  }
  return { requests, capacityUnits };
}

function addCapacity(total: number | undefined, consumed: ConsumedCapacity | undefined): number | undefined {
  if (consumed?.CapacityUnits === undefined) return total;
  return (total ?? 0) + consumed.CapacityUnits;
}
