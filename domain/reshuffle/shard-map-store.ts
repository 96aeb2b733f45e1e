/**
 * The shard map entry's life in the control table, one conditional write per step:
 *
 *   (none) --publish--> sharding --> active --> merging --> (deleted)
 *
 * Publishing creates the entry only if the key has none; every later step is conditional on the
 * version and state the caller read, so two runs (or a run and an operator) can never both move a
 * key on: the loser gets a ShardMapConflictError and nothing changes.
 */
import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import * as z from 'zod';
import { classifyAwsError } from '../errors.ts';
import { parseOrThrow } from '../validation.ts';
import { ShardMapConflictError } from './errors.ts';
import {
  shardMapEntrySchema,
  shardMapKey,
  type ShardMapEntry,
  type ShardState,
} from '../../key-router/shard-map.ts';

/** What each step moves a key to; `deleted` removes the entry (the key is whole again). */
export const NEXT_SHARD_STATE: Record<ShardState, ShardState | 'deleted'> = {
  sharding: 'active',
  active: 'merging',
  merging: 'deleted',
};

export interface ShardMapRequest {
  tableName: string;
  logicalKey: string;
  shards: number;
}

/** The entry as the caller read it: the step is conditional on this version and state. */
export type ShardMapVersion = Pick<ShardMapEntry, 'tableName' | 'logicalKey' | 'state' | 'version'>;

export interface ShardMapAdvance {
  tableName: string;
  logicalKey: string;
  from: ShardState;
  to: ShardState | 'deleted';
  /** The entry after the step; null once deleted. */
  entry: ShardMapEntry | null;
}

const requestSchema = shardMapEntrySchema.pick({ tableName: true, logicalKey: true, shards: true });
/** The whole entry is the natural input: what it has besides these is left out. */
const versionSchema = z.object(
  shardMapEntrySchema.pick({ tableName: true, logicalKey: true, state: true, version: true }).shape,
);

/** Creates the key's entry in state `sharding`, version 1, if the key has none. */
export async function publishShardMap(
  dynamodb: DynamoDBClient,
  controlTable: string,
  request: ShardMapRequest,
  now: Date = new Date(),
): Promise<ShardMapEntry> {
  const { tableName, logicalKey, shards } = parseOrThrow(requestSchema, request, 'Shard map request');
  const entry = parseOrThrow(
    shardMapEntrySchema,
    { tableName, logicalKey, shards, state: 'sharding', since: now.toISOString(), version: 1 },
    'Shard map entry',
  );
  const pk = shardMapKey(tableName, logicalKey);
  try {
    await dynamodb.send(
      new PutItemCommand({
        TableName: controlTable,
        Item: itemFromEntry(pk, entry),
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  } catch (error) {
    if (isConditionFailed(error)) {
      const found = await readShardMap(dynamodb, controlTable, { tableName, logicalKey });
      throw new ShardMapConflictError(
        `${pk} already has a shard map (${describe(found)}): another run owns the key`,
        { cause: error },
      );
    }
    throw classifyAwsError(error, `Publishing ${pk} in ${controlTable}`);
  }
  return entry;
}

/** The key's entry (a strongly consistent read), or null when the key is not sharded. */
export async function readShardMap(
  dynamodb: DynamoDBClient,
  controlTable: string,
  key: { tableName: string; logicalKey: string },
): Promise<ShardMapEntry | null> {
  const pk = shardMapKey(key.tableName, key.logicalKey);
  let item: Record<string, AttributeValue> | undefined;
  try {
    const result = await dynamodb.send(
      new GetItemCommand({ TableName: controlTable, Key: { pk: { S: pk } }, ConsistentRead: true }),
    );
    item = result.Item;
  } catch (error) {
    throw classifyAwsError(error, `Reading ${pk} in ${controlTable}`);
  }
  return item ? entryFromItem(pk, item) : null;
}

/**
 * Moves the entry one step on (`sharding -> active`, `active -> merging`, `merging -> deleted`),
 * conditional on `current`'s version and state. Throws ShardMapConflictError when the stored entry
 * is not `current` (or is gone).
 */
export async function advanceShardState(
  dynamodb: DynamoDBClient,
  controlTable: string,
  current: ShardMapVersion,
  now: Date = new Date(),
): Promise<ShardMapAdvance> {
  const { tableName, logicalKey, state, version } = parseOrThrow(versionSchema, current, 'Shard map version');
  const pk = shardMapKey(tableName, logicalKey);
  const to = NEXT_SHARD_STATE[state];
  const condition = {
    ConditionExpression: '#version = :version AND #state = :state',
    ExpressionAttributeNames: { '#version': 'version', '#state': 'state' },
  };
  const expected = { ':version': { N: String(version) }, ':state': { S: state } };
  try {
    if (to === 'deleted') {
      await dynamodb.send(
        new DeleteItemCommand({
          TableName: controlTable,
          Key: { pk: { S: pk } },
          ...condition,
          ExpressionAttributeValues: expected,
        }),
      );
      return { tableName, logicalKey, from: state, to, entry: null };
    }
    const result = await dynamodb.send(
      new UpdateItemCommand({
        TableName: controlTable,
        Key: { pk: { S: pk } },
        UpdateExpression: 'SET #state = :to, #since = :since, #version = :next',
        ...condition,
        ExpressionAttributeNames: { ...condition.ExpressionAttributeNames, '#since': 'since' },
        ExpressionAttributeValues: {
          ...expected,
          ':to': { S: to },
          ':since': { S: now.toISOString() },
          ':next': { N: String(version + 1) },
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return { tableName, logicalKey, from: state, to, entry: entryFromItem(pk, result.Attributes ?? {}) };
  } catch (error) {
    if (isConditionFailed(error)) {
      const found = await readShardMap(dynamodb, controlTable, { tableName, logicalKey });
      throw new ShardMapConflictError(
        `${pk}: expected version ${version} in state ${state} to move to ${to}, found ${describe(found)}`,
        { cause: error },
      );
    }
    throw classifyAwsError(error, `Moving ${pk} in ${controlTable} from ${state} to ${to}`);
  }
}

export function isConditionFailed(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

function describe(entry: ShardMapEntry | null): string {
  return entry ? `version ${entry.version} in state ${entry.state} since ${entry.since}` : 'no entry';
}

function itemFromEntry(pk: string, entry: ShardMapEntry): Record<string, AttributeValue> {
  return {
    pk: { S: pk },
    tableName: { S: entry.tableName },
    logicalKey: { S: entry.logicalKey },
    shards: { N: String(entry.shards) },
    state: { S: entry.state },
    since: { S: entry.since },
    version: { N: String(entry.version) },
  };
}

function entryFromItem(pk: string, item: Record<string, AttributeValue>): ShardMapEntry {
  return parseOrThrow(
    shardMapEntrySchema,
    {
      tableName: item.tableName?.S,
      logicalKey: item.logicalKey?.S,
      shards: item.shards?.N === undefined ? undefined : Number(item.shards.N),
      state: item.state?.S,
      since: item.since?.S,
      version: item.version?.N === undefined ? undefined : Number(item.version.N),
    },
    `Shard map entry ${pk}`,
  );
}
