/**
 * Items moved per second by the reshuffle's mover (conditional copy, conditional delete, journal)
 * against raw BatchWriteItem throughput of the same items, side by side on the same dynalite in
 * one run. The ratio, not the absolute rate, is the figure: it says what the safety of each move
 * (no item lost or duplicated, whatever crashes) costs against writing blindly.
 *
 * Measured twice: as dynalite answers (in-process, a fraction of a millisecond away: CPU bounds
 * both sides, and the mover's two requests an item weigh against BatchWriteItem's 1/25th), and
 * with a network latency injected into every request of the client both sides use (an SDK
 * middleware that waits before each request is sent), as on AWS, where a round trip of a few
 * milliseconds, not CPU, bounds both: there the mover's items in flight (DEFAULT_CONCURRENCY)
 * are what it has against BatchWriteItem's 25 items a request.
 */
import { BatchWriteItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import { withLocalDynamoDb } from '../local/dynamodb-client.ts';
import { createTable } from '../world/dynamodb/create-table.ts';
import { createDispatchTables, DEFAULT_DISPATCH_TABLES } from '../domain/dispatch/tables.ts';
import { publishShardMap } from '../domain/reshuffle/shard-map-store.ts';
import { moveAll } from '../domain/reshuffle/move.ts';
import { DEFAULT_CONCURRENCY } from '../domain/reshuffle/relocate.ts';

type Item = Record<string, AttributeValue>;

const KEY_PREFIX = 'events#checkout';
/**
 * The mover's batches (Query `Limit`): the key-reshuffle runbook's default (100), and its largest
 * (1,000), which pays a batch's three serial round trips (query, journal, release) less often.
 */
export const BATCH_SIZES: readonly number[] = [100, 1000];
/** A network round trip within a region, as the goal puts it. */
export const DEFAULT_LATENCIES_MS: readonly number[] = [0, 10];

export interface ThroughputRow {
  /** Milliseconds every request waits before it is sent (0: none injected). */
  latencyMs: number;
  /** The mover's batch size (its concurrency is DEFAULT_CONCURRENCY). */
  batchSize: number;
  items: number;
  batchWriteItemsPerSecond: number;
  reshuffleItemsPerSecond: number;
  /** Reshuffle throughput per raw BatchWriteItem throughput. */
  ratio: number;
}

export interface ThroughputResult {
  items: number;
  /** Items the mover has in flight within a batch (its default). */
  concurrency: number;
  rows: ThroughputRow[];
}

/**
 * Injects `latencyMs` into every request the client sends, before it goes on the wire (the
 * `finalizeRequest` step, once per attempt, as a network round trip is paid per attempt). The
 * setter changes it for the requests that follow.
 */
export function injectLatency(dynamodb: DynamoDBClient): { set(ms: number): void } {
  let latencyMs = 0;
  dynamodb.middlewareStack.add(
    (next) => async (args) => {
      if (latencyMs > 0) await sleep(latencyMs);
      return next(args);
    },
    { step: 'finalizeRequest', name: 'benchInjectedLatency' },
  );
  return {
    set(ms) {
      latencyMs = ms;
    },
  };
}

export async function measureReshuffleThroughput(
  items: number,
  latenciesMs: readonly number[] = DEFAULT_LATENCIES_MS,
  progress: (row: ThroughputRow) => void = () => undefined,
): Promise<ThroughputResult> {
  return withLocalDynamoDb(async (dynamodb) => {
    await createDispatchTables(dynamodb, DEFAULT_DISPATCH_TABLES);
    const latency = injectLatency(dynamodb);
    const rows: ThroughputRow[] = [];
    for (const latencyMs of latenciesMs) {
      for (const batchSize of BATCH_SIZES) {
        // A table of its own for each row: each side starts from the same empty state.
        const table = `bench-events-${latencyMs}ms-${batchSize}`;
        const key = `${KEY_PREFIX}-${latencyMs}-${batchSize}`;
        await createTable(dynamodb, { tableName: table, billingMode: 'PAY_PER_REQUEST' });
        const item = (i: number): Item => ({
          pk: { S: key },
          sk: { S: `event#${String(i).padStart(7, '0')}` },
          payload: { S: `checkout event ${i}` },
        });
        latency.set(latencyMs);
        // Raw: the same items written blindly, 25 to a request, one request after another.
        const raw = await timed(() =>
          batchWrite(
            dynamodb,
            table,
            Array.from({ length: items }, (_, i) => item(i)),
          ),
        );
        latency.set(0);
        const entry = await publishShardMap(dynamodb, DEFAULT_DISPATCH_TABLES.control, {
          tableName: table,
          logicalKey: key,
          shards: 4,
        });
        latency.set(latencyMs);
        const moved = await timed(() =>
          moveAll(dynamodb, {
            entry,
            controlTable: DEFAULT_DISPATCH_TABLES.control,
            keys: { partitionKey: 'pk', sortKey: 'sk' },
            batchSize,
          }),
        );
        latency.set(0);
        const batchWriteItemsPerSecond = items / raw;
        const reshuffleItemsPerSecond = items / moved;
        const row: ThroughputRow = {
          latencyMs,
          batchSize,
          items,
          batchWriteItemsPerSecond: Math.round(batchWriteItemsPerSecond),
          reshuffleItemsPerSecond: Math.round(reshuffleItemsPerSecond),
          ratio: Math.round((reshuffleItemsPerSecond / batchWriteItemsPerSecond) * 1000) / 1000,
        };
        progress(row);
        rows.push(row);
      }
    }
    return { items, concurrency: DEFAULT_CONCURRENCY, rows };
  });
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return (performance.now() - start) / 1000;
}

async function batchWrite(dynamodb: DynamoDBClient, table: string, items: Item[]): Promise<void> {
  for (let i = 0; i < items.length; i += 25) {
    let requests = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    while (requests.length > 0) {
      const result = await dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [table]: requests } }));
      requests = (result.UnprocessedItems?.[table] ?? []) as typeof requests;
    }
  }
}
