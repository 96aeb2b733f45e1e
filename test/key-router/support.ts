/**
 * Tables and items for the key router's tests: an application table keyed (pk, sk), the control
 * table holding the shard map, and writers for both.
 */
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteItemCommand,
  PutItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type ScalarAttributeType,
} from '@aws-sdk/client-dynamodb';
import { controlTableDefinition } from '../../domain/dispatch/tables.ts';
import { shardMapKey, type ShardMapEntry, type ShardState } from '../../key-router/shard-map.ts';

export type Item = Record<string, AttributeValue>;

export const CONTROL_TABLE = 'key-router-control';

/** An application table: partition key `pk` (S), sort key `sk` of type `sortKeyType`. */
export async function createItemTable(
  client: DynamoDBClient,
  name: string,
  sortKeyType: ScalarAttributeType = 'S',
): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: sortKeyType },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    }),
  );
}

export async function createControlTable(client: DynamoDBClient, name = CONTROL_TABLE): Promise<void> {
  await client.send(new CreateTableCommand(controlTableDefinition(name)));
}

/** Writes items 25 at a time (BatchWriteItem), retrying what DynamoDB leaves unprocessed. */
export async function putItems(client: DynamoDBClient, tableName: string, items: Item[]): Promise<void> {
  for (let i = 0; i < items.length; i += 25) {
    let requests = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    while (requests.length > 0) {
      const { UnprocessedItems } = await client.send(
        new BatchWriteItemCommand({ RequestItems: { [tableName]: requests } }),
      );
      requests = (UnprocessedItems?.[tableName] ?? []).flatMap((request) =>
        request.PutRequest?.Item ? [{ PutRequest: { Item: request.PutRequest.Item } }] : [],
      );
    }
  }
}

export function entry(
  tableName: string,
  logicalKey: string,
  shards: number,
  state: ShardState = 'active',
  version = 1,
): ShardMapEntry {
  return { tableName, logicalKey, shards, state, since: '2026-01-05T09:00:00.000Z', version };
}

/** The control-table item of an entry, as the mover writes it. */
export function entryItem(value: ShardMapEntry): Item {
  return {
    pk: { S: shardMapKey(value.tableName, value.logicalKey) },
    tableName: { S: value.tableName },
    logicalKey: { S: value.logicalKey },
    shards: { N: String(value.shards) },
    state: { S: value.state },
    since: { S: value.since },
    version: { N: String(value.version) },
  };
}

export async function putEntry(
  client: DynamoDBClient,
  value: ShardMapEntry,
  controlTable = CONTROL_TABLE,
): Promise<void> {
  await client.send(new PutItemCommand({ TableName: controlTable, Item: entryItem(value) }));
}

export async function deleteEntry(
  client: DynamoDBClient,
  tableName: string,
  logicalKey: string,
  controlTable = CONTROL_TABLE,
): Promise<void> {
  await client.send(
    new DeleteItemCommand({
      TableName: controlTable,
      Key: { pk: { S: shardMapKey(tableName, logicalKey) } },
    }),
  );
}

/** A clock the test moves by hand. */
export class FakeClock {
  private nowMs = Date.parse('2026-01-05T09:00:00.000Z');

  now = (): number => this.nowMs;

  advance(ms: number): void {
    this.nowMs += ms;
  }
}
