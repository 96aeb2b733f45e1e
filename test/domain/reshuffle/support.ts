/**
 * Shared by the reshuffle tests: a `pk`/`sk` table, items seeded with BatchWriteItem, every item
 * of a logical key read back, and a client that crashes on its Nth command.
 */
import { expect } from 'vitest';
import {
  BatchWriteItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { createDispatchTables } from '../../../domain/dispatch/tables.ts';
import { canonicalJson, type Item, type KeyAttributes } from '../../../domain/reshuffle/items.ts';
import { snapshotLogicalKey, verifyReshuffle, type KeySnapshot } from '../../../domain/reshuffle/verify.ts';
import { readKeys } from '../../../key-router/shard-map.ts';
import { createTable } from '../../../world/dynamodb/create-table.ts';

export const KEYS: KeyAttributes = { partitionKey: 'pk', sortKey: 'sk' };
export const LOGICAL_KEY = 'customer#42';
/** How many shards the move and merge tests spread the logical key over. */
export const SHARDS = 8;
/** 20,000 conditional writes through the SDK to an in-process dynalite: ~2 ms each on a small box. */
export const TEN_THOUSAND_TIMEOUT = 180_000;

/**
 * How many items the soak tests move and merge: 1,000 in `npm test`, 10,000 in `npm run test:long`
 * (vitest.long.config.ts sets SELFHEAL_SOAK_ITEMS), where the slow proofs live.
 */
export const SOAK_ITEMS = Number(process.env.SELFHEAL_SOAK_ITEMS ?? 1_000);
export const soakLabel = SOAK_ITEMS.toLocaleString('en-US');

let tables = 0;

/** A fresh data table (`pk`, `sk`) and control table, with names unique in the dynalite. */
export async function createTables(client: DynamoDBClient): Promise<{ table: string; control: string }> {
  tables += 1;
  const table = `orders-${tables}`;
  const control = `selfheal-control-${tables}`;
  await createTable(client, { tableName: table, billingMode: 'PAY_PER_REQUEST' });
  await createDispatchTables(client, { control, ledger: `selfheal-ledger-${tables}` });
  return { table, control };
}

export const sortKey = (i: number): string => `order#${String(i).padStart(6, '0')}`;

/** Item `i` of the logical key, as the tests' table holds them: `pk`, `sk`, `payload`. */
export function seedItem(i: number, pk: string = LOGICAL_KEY): Item {
  return { pk: { S: pk }, sk: { S: sortKey(i) }, payload: { S: `order ${i} of ${LOGICAL_KEY}, version 1` } };
}

/** Item `i` with attributes of every type DynamoDB has (the conditions and checksums cover them all). */
export function richItem(i: number, pk: string = LOGICAL_KEY): Item {
  return {
    ...seedItem(i, pk),
    amount: { N: String((i * 37) % 1000) },
    tags: { SS: [...new Set([`t${i % 3}`, `t${i % 5}`, 'all'])] },
    sizes: { NS: ['1', String(i + 2)] },
    blobs: { BS: [Buffer.from([i % 256, 1]), Buffer.from('z')] },
    raw: { B: Buffer.from(`raw ${i}`) },
    paid: { BOOL: i % 2 === 0 },
    note: { NULL: true },
    detail: {
      M: {
        lines: { L: [{ N: String(i % 7) }, { S: 'x' }, { M: { qty: { N: '2' } } }, { L: [] }] },
        address: { M: { city: { S: 'Lisbon' }, zip: { S: String(1000 + i) } } },
        empty: { M: {} },
      },
    },
  };
}

/** Writes `items` (unconditionally: seeding needs no condition) 25 to a request, 8 requests at once. */
export async function seedItems(client: DynamoDBClient, table: string, items: Item[]): Promise<void> {
  const chunks: Item[][] = [];
  for (let i = 0; i < items.length; i += 25) chunks.push(items.slice(i, i + 25));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < chunks.length) {
      let requests = chunks[next++]!.map((item) => ({ PutRequest: { Item: item } }));
      while (requests.length > 0) {
        const result = await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: requests } }));
        requests = (result.UnprocessedItems?.[table] ?? []) as typeof requests;
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

/** Every item stored under one physical key. */
export async function itemsAt(client: DynamoDBClient, table: string, key: string): Promise<Item[]> {
  const items: Item[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: key } },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

export interface Layout {
  /** Items per physical key (the logical key first). */
  perKey: Map<string, Item[]>;
  /** Sort key -> how many physical keys hold it. */
  copies: Map<string, number>;
  /** Sort key -> canonical JSON of the item without its partition key (the last one found). */
  content: Map<string, string>;
}

/** Where every item of the logical key is, over the logical key and `shards` shard keys. */
export async function readLayout(client: DynamoDBClient, table: string, shards: number): Promise<Layout> {
  const layout: Layout = { perKey: new Map(), copies: new Map(), content: new Map() };
  for (const key of readKeys({ logicalKey: LOGICAL_KEY, shards })) {
    const items = await itemsAt(client, table, key);
    layout.perKey.set(key, items);
    for (const item of items) {
      const sk = item.sk!.S!;
      layout.copies.set(sk, (layout.copies.get(sk) ?? 0) + 1);
      layout.content.set(sk, contentWithoutKey(item));
    }
  }
  return layout;
}

export function contentWithoutKey(item: Item): string {
  const { pk: _pk, ...rest } = item;
  return canonicalJson(rest);
}

/** The content of an item an application wrote with only a sort key and a payload. */
export const payloadContent = (sk: string, payload: string): string =>
  contentWithoutKey({ sk: { S: sk }, payload: { S: payload } });

/** An application's PutItem of `sk` (with only a payload) at physical key `pk`. */
export async function putPayload(
  client: DynamoDBClient,
  table: string,
  { pk, sk }: { pk: string; sk: string },
  payload: string,
): Promise<void> {
  await client.send(
    new PutItemCommand({ TableName: table, Item: { pk: { S: pk }, sk: { S: sk }, payload: { S: payload } } }),
  );
}

/** An application's UpdateItem of `sk` at physical key `pk`: `update` with its `:name` `values`. */
export async function updateItem(
  client: DynamoDBClient,
  table: string,
  { pk, sk }: { pk: string; sk: string },
  update: { expression: string; values: Record<string, AttributeValue>; condition?: string },
): Promise<void> {
  await client.send(
    new UpdateItemCommand({
      TableName: table,
      Key: { pk: { S: pk }, sk: { S: sk } },
      UpdateExpression: update.expression,
      ConditionExpression: update.condition,
      ExpressionAttributeValues: update.values,
    }),
  );
}

/** `SET payload = :p`: how the tests' writers change an item. */
export const setPayload = (payload: string, condition?: string) => ({
  expression: 'SET payload = :p',
  values: { ':p': { S: payload } },
  condition,
});

/** The logical key's count and checksum over all its physical keys. */
export const snapshotOf = (client: DynamoDBClient, table: string): Promise<KeySnapshot> =>
  snapshotLogicalKey(client, { tableName: table, keys: KEYS, logicalKey: LOGICAL_KEY, shards: SHARDS });

/** Asserts the logical key holds the same items as at `before` (count and checksum); the snapshot now. */
export async function expectSameItems(
  client: DynamoDBClient,
  before: KeySnapshot,
  table: string,
): Promise<KeySnapshot> {
  const after = await snapshotOf(client, table);
  expect(verifyReshuffle(before, after).equal).toBe(true);
  return after;
}

/**
 * Runs a 10,000-item move or merge as the runbook's Map does (batches of 500, 16 at once) and
 * logs how long it took, so a slowdown shows in the test output before it hits the timeout.
 */
export async function runTenThousand<T>(
  label: string,
  run: (large: { batchSize: number; concurrency: number }) => Promise<T>,
): Promise<T> {
  const started = performance.now();
  const result = await run({ batchSize: 500, concurrency: 16 });
  console.info(`${label} ${soakLabel} items in ${Math.round(performance.now() - started)} ms`);
  return result;
}

/** Sort keys held more than once. */
export function duplicates(layout: Layout): string[] {
  return [...layout.copies].filter(([, n]) => n > 1).map(([sk]) => sk);
}

export class InjectedCrash extends Error {
  override readonly name = 'InjectedCrash';
}

export interface CrashingClient {
  client: DynamoDBClient;
  /** Commands matched so far. */
  matched(): number;
  crashed(): boolean;
}

/**
 * A client that dies on the `crashAt`th command `matches` accepts (every command unless told):
 * `before` throws without sending it, `after` sends it and throws instead of the answer (the write
 * is applied, its caller never knows). Once crashed, every later command throws too, as a dead
 * process sends nothing more.
 */
export function crashingClient(
  client: DynamoDBClient,
  crashAt: number,
  options: { when?: 'before' | 'after'; matches?: (command: SentCommand) => boolean } = {},
): CrashingClient {
  let matched = 0;
  let crashed = false;
  const send = async (command: SentCommand): Promise<unknown> => {
    if (crashed) throw new InjectedCrash('the process is gone');
    if (options.matches?.(command) ?? true) {
      matched += 1;
      if (matched === crashAt) {
        crashed = true;
        if (options.when === 'after') await (client.send as (c: object) => Promise<unknown>)(command);
        throw new InjectedCrash(`crashed on command ${matched} (${command.constructor.name})`);
      }
    }
    return (client.send as (c: object) => Promise<unknown>)(command);
  };
  const proxy = new Proxy(client, {
    get: (target, property, receiver) =>
      property === 'send' ? send : Reflect.get(target, property, receiver),
  });
  return { client: proxy, matched: () => matched, crashed: () => crashed };
}

/** A small seeded PRNG (mulberry32), so a failing crash point can be replayed. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A command as the SDK holds it: its class names the operation. */
export interface SentCommand {
  input: Record<string, unknown>;
  constructor: { name: string };
}

/**
 * A client that runs `action` (with the plain client) just before it sends each of the first
 * `times` commands `matches` accepts: an application write landing exactly between two of the
 * mover's steps.
 */
export function interleavingClient(
  client: DynamoDBClient,
  matches: (command: SentCommand) => boolean,
  action: (command: SentCommand) => Promise<void>,
  times = 1,
): { client: DynamoDBClient; ran(): number } {
  let ran = 0;
  const send = async (command: SentCommand): Promise<unknown> => {
    if (ran < times && matches(command)) {
      ran += 1;
      await action(command);
    }
    return (client.send as (c: object) => Promise<unknown>)(command);
  };
  const proxy = new Proxy(client, {
    get: (target, property, receiver) =>
      property === 'send' ? send : Reflect.get(target, property, receiver),
  });
  return { client: proxy, ran: () => ran };
}

/** Whether `command` is `operation` (e.g. 'DeleteItem') on the item `sk` at physical key `pk`. */
export function isItemCommand(command: SentCommand, operation: string, pk: string, sk: string): boolean {
  if (command.constructor.name !== `${operation}Command`) return false;
  const key = (command.input.Key ?? command.input.Item) as Item | undefined;
  return key?.pk?.S === pk && key?.sk?.S === sk;
}

/** Resolves when `work` fails with the injected crash (as is, or wrapped by classifyAwsError). */
export async function crashOf(work: Promise<unknown>): Promise<InjectedCrash> {
  const error: unknown = await work.then(
    () => undefined,
    (failure: unknown) => failure,
  );
  const crash = error instanceof InjectedCrash ? error : (error as { cause?: unknown } | undefined)?.cause;
  if (!(crash instanceof InjectedCrash)) throw new Error(`expected the injected crash, got ${String(error)}`);
  return crash;
}
