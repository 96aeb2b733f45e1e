/**
 * Items moved per second by the reshuffle's mover (conditional copy, conditional delete, journal)
 * against raw BatchWriteItem throughput of the same items, side by side on the same dynalite in
 * one run. The ratio, not the absolute rate, is the figure: it says what the safety of each move
 * (no item lost or duplicated, whatever crashes) costs against writing blindly.
 */
import { BatchWriteItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { withLocalDynamoDb } from '../local/dynamodb-client.ts';
import { createTable } from '../world/dynamodb/create-table.ts';
import { createDispatchTables, DEFAULT_DISPATCH_TABLES } from '../domain/dispatch/tables.ts';
import { publishShardMap } from '../domain/reshuffle/shard-map-store.ts';
import { moveAll } from '../domain/reshuffle/move.ts';

type Item = Record<string, AttributeValue>;

const TABLE = 'bench-events';
const KEY = 'events#checkout';

export interface ThroughputResult {
  items: number;
  batchWriteItemsPerSecond: number;
  reshuffleItemsPerSecond: number;
  /** Reshuffle throughput per raw BatchWriteItem throughput. */
  ratio: number;
}

export async function measureReshuffleThroughput(items: number): Promise<ThroughputResult> {
  return withLocalDynamoDb(async (dynamodb) => {
    await createDispatchTables(dynamodb, DEFAULT_DISPATCH_TABLES);
    await createTable(dynamodb, { tableName: TABLE, billingMode: 'PAY_PER_REQUEST' });
    const item = (i: number, pk: string): Item => ({
      pk: { S: pk },
      sk: { S: `event#${String(i).padStart(7, '0')}` },
      payload: { S: `checkout event ${i}` },
    });
    // Raw: the same items written blindly, 25 to a request, as fast as one client goes.
    const raw = await timed(() =>
      batchWrite(
        dynamodb,
        Array.from({ length: items }, (_, i) => item(i, KEY)),
      ),
    );
    const entry = await publishShardMap(dynamodb, DEFAULT_DISPATCH_TABLES.control, {
      tableName: TABLE,
      logicalKey: KEY,
      shards: 4,
    });
    const moved = await timed(() =>
      moveAll(dynamodb, {
        entry,
        controlTable: DEFAULT_DISPATCH_TABLES.control,
        keys: { partitionKey: 'pk', sortKey: 'sk' },
        batchSize: 100,
      }),
    );
    const batchWriteItemsPerSecond = items / raw;
    const reshuffleItemsPerSecond = items / moved;
    return {
      items,
      batchWriteItemsPerSecond: Math.round(batchWriteItemsPerSecond),
      reshuffleItemsPerSecond: Math.round(reshuffleItemsPerSecond),
      ratio: Math.round((reshuffleItemsPerSecond / batchWriteItemsPerSecond) * 1000) / 1000,
    };
  });
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return (performance.now() - start) / 1000;
}

async function batchWrite(dynamodb: DynamoDBClient, items: Item[]): Promise<void> {
  for (let i = 0; i < items.length; i += 25) {
    let requests = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    while (requests.length > 0) {
      const result = await dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [TABLE]: requests } }));
      requests = (result.UnprocessedItems?.[TABLE] ?? []) as typeof requests;
    }
  }
}
