import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { QueryCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { recordCommands, useLocalDynamoDb, type SentCommand } from '../support/local-dynamodb.ts';
import { shardFor, type ShardMapEntry } from '../../key-router/shard-map.ts';
import {
  InvalidQueryError,
  KeyRouter,
  query,
  shardKey,
  type ScatterGatherQueryInput,
  type ShardMapSource,
} from '../../key-router/index.ts';
import { createItemTable, entry, putItems, type Item } from './support.ts';

const TABLE = 'key-router-items';
const NUMBERS = 'key-router-numbers';
const client = useLocalDynamoDb();
let sent: SentCommand[];
let caseNumber = 0;
/** A logical key no other test uses: one table serves the whole file. */
let key: string;

beforeAll(async () => {
  await createItemTable(client(), TABLE, 'S');
  await createItemTable(client(), NUMBERS, 'N');
  sent = recordCommands(client());
});

beforeEach(() => {
  key = `customer#${++caseNumber}`;
});

const item = (pk: string, sk: string, extra: Item = {}): Item => ({ pk: { S: pk }, sk: { S: sk }, ...extra });
/** Where writeKey puts the item with sort key `sk` of a key with `shards` shards. */
const home = (sk: string, shards: number): string => shardKey(key, shardFor(sk, shards));

function run(
  shardMapEntry: ShardMapEntry | undefined,
  extra: Partial<ScatterGatherQueryInput> = {},
): ReturnType<typeof query> {
  sent.length = 0;
  return query(client(), {
    tableName: TABLE,
    partitionKeyName: 'pk',
    sortKeyName: 'sk',
    logicalKey: key,
    shardMapEntry,
    ...extra,
  });
}

const sortKeys = (items: Item[]): (string | undefined)[] => items.map((found) => found.sk?.S ?? found.sk?.N);
const queries = (): SentCommand[] => sent.filter(({ command }) => command === 'QueryCommand');

/** 30 items, sort keys sk-00..sk-29, each at its shard of 4; sk-00..sk-04 still at the logical key. */
async function spreadItems(shards = 4): Promise<string[]> {
  const sks = Array.from({ length: 30 }, (_, i) => `sk-${String(i).padStart(2, '0')}`);
  await putItems(
    client(),
    TABLE,
    sks.map((sk, i) => item(i < 5 ? key : home(sk, shards), sk, { n: { N: String(i) } })),
  );
  return sks;
}

describe('scatter-gather query', () => {
  it('queries every physical key, in parallel, and merges in sort-key order', async () => {
    const sks = await spreadItems();
    let inFlight = 0;
    let maxInFlight = 0;
    client().middlewareStack.add(
      (next) => async (args) => {
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        try {
          return await next(args);
        } finally {
          inFlight -= 1;
        }
      },
      { step: 'initialize', name: 'countInFlight' },
    );
    try {
      const result = await run(entry(TABLE, key, 4));
      expect(sortKeys(result.Items)).toEqual(sks);
      expect(result.Count).toBe(30);
      expect(result.ScannedCount).toBe(30);
      expect(result.LastEvaluatedKey).toBeUndefined();
      expect(result.requests).toBe(5);
      expect(
        queries().map(
          ({ input }) =>
            (input as { ExpressionAttributeValues: Item }).ExpressionAttributeValues[':keyRouterPk'],
        ),
      ).toEqual([key, ...[0, 1, 2, 3].map((i) => shardKey(key, i))].map((S) => ({ S })));
      expect(maxInFlight).toBe(5);
    } finally {
      client().middlewareStack.remove('countInFlight');
    }
  });

  it('merges in descending order when ScanIndexForward is false', async () => {
    const sks = await spreadItems();
    const result = await run(entry(TABLE, key, 4), { ScanIndexForward: false });
    expect(sortKeys(result.Items)).toEqual([...sks].reverse());
  });

  it('rewrites the partition key of every item to the logical key, and keeps the rest', async () => {
    await putItems(client(), TABLE, [
      item(home('a', 2), 'a', { payload: { M: { x: { L: [{ N: '1' }] } } } }),
      item(key, 'b', { payload: { S: 'old' } }),
    ]);
    const result = await run(entry(TABLE, key, 2));
    expect(result.Items).toEqual([
      item(key, 'a', { payload: { M: { x: { L: [{ N: '1' }] } } } }),
      item(key, 'b', { payload: { S: 'old' } }),
    ]);
  });

  it('applies a sort-key condition, ExpressionAttributeNames and values included', async () => {
    const sks = await spreadItems();
    const result = await run(entry(TABLE, key, 4), {
      KeyConditionExpression: '#sk BETWEEN :from AND :to',
      ExpressionAttributeNames: { '#sk': 'sk' },
      ExpressionAttributeValues: { ':from': { S: 'sk-03' }, ':to': { S: 'sk-12' } },
    });
    expect(sortKeys(result.Items)).toEqual(sks.slice(3, 13));
  });

  it('orders number sort keys by value', async () => {
    const numbers = ['-10', '-1.5', '0', '0.25', '2', '10', '100', '1e5'];
    await putItems(
      client(),
      NUMBERS,
      numbers.map((N, i) => ({ pk: { S: i % 2 ? key : shardKey(key, i % 3) }, sk: { N } })),
    );
    const result = await run(entry(NUMBERS, key, 3), { tableName: NUMBERS });
    expect(sortKeys(result.Items)).toEqual(['-10', '-1.5', '0', '0.25', '2', '10', '100', '100000']);
  });

  describe('Limit', () => {
    it('applies after the merge: the first Limit items over all keys, each key read once', async () => {
      const sks = await spreadItems();
      const result = await run(entry(TABLE, key, 4), { Limit: 7 });
      expect(sortKeys(result.Items)).toEqual(sks.slice(0, 7));
      expect(result.LastEvaluatedKey).toEqual({ pk: { S: key }, sk: { S: 'sk-06' } });
      expect(queries()).toHaveLength(5);
      for (const { input } of queries()) expect(input).toMatchObject({ Limit: 7 });
    });

    it('pages through everything, each item once, with LastEvaluatedKey as ExclusiveStartKey', async () => {
      const sks = await spreadItems();
      for (const ScanIndexForward of [true, false]) {
        const seen: (string | undefined)[] = [];
        let start: Record<string, AttributeValue> | undefined;
        let pages = 0;
        do {
          const result = await run(entry(TABLE, key, 4), {
            Limit: 4,
            ScanIndexForward,
            ...(start ? { ExclusiveStartKey: start } : {}),
          });
          expect(result.Count).toBeLessThanOrEqual(4);
          seen.push(...sortKeys(result.Items));
          start = result.LastEvaluatedKey;
          pages += 1;
        } while (start);
        expect(seen).toEqual(ScanIndexForward ? sks : [...sks].reverse());
        expect(pages).toBeGreaterThanOrEqual(8);
      }
    });

    it('gives no LastEvaluatedKey when every key was read to its end', async () => {
      const sks = await spreadItems();
      const result = await run(entry(TABLE, key, 4), { Limit: 30 });
      expect(sortKeys(result.Items)).toEqual(sks);
      expect(result.LastEvaluatedKey).toBeUndefined();
    });

    it.each([0, -1, 1.5])('rejects Limit %s', async (Limit) => {
      await expect(run(undefined, { Limit })).rejects.toThrow(InvalidQueryError);
    });
  });

  describe('de-duplication', () => {
    it.each(['sharding', 'active'] as const)(
      'returns an item at both the logical key and its shard once, the shard copy, while %s',
      async (state) => {
        await putItems(client(), TABLE, [
          item(key, 'a', { v: { S: 'stale' } }),
          item(home('a', 4), 'a', { v: { S: 'current' } }),
          item(key, 'b', { v: { S: 'not moved yet' } }),
        ]);
        const result = await run(entry(TABLE, key, 4, state));
        expect(result.Items).toEqual([
          item(key, 'a', { v: { S: 'current' } }),
          item(key, 'b', { v: { S: 'not moved yet' } }),
        ]);
        expect(result.ScannedCount).toBe(3);
      },
    );

    it('prefers the logical key copy while merging: writes go there again', async () => {
      await putItems(client(), TABLE, [
        item(key, 'a', { v: { S: 'current' } }),
        item(home('a', 4), 'a', { v: { S: 'stale' } }),
      ]);
      const result = await run(entry(TABLE, key, 4, 'merging'));
      expect(result.Items).toEqual([item(key, 'a', { v: { S: 'current' } })]);
    });

    it('does not return a stale copy whose current copy a FilterExpression drops', async () => {
      await putItems(client(), TABLE, [
        item(key, 'a', { v: { N: '1' } }),
        item(home('a', 4), 'a', { v: { N: '9' } }),
        item(key, 'b', { v: { N: '2' } }),
        item(home('c', 4), 'c', { v: { N: '3' } }),
      ]);
      const result = await run(entry(TABLE, key, 4), {
        FilterExpression: '#v < :max',
        ExpressionAttributeNames: { '#v': 'v' },
        ExpressionAttributeValues: { ':max': { N: '5' } },
      });
      expect(result.Items).toEqual([item(key, 'b', { v: { N: '2' } }), item(key, 'c', { v: { N: '3' } })]);
      // One BatchGetItem looked up the current copies of a and b (the items at the logical key).
      const lookups = sent.filter(({ command }) => command === 'BatchGetItemCommand');
      expect(lookups).toHaveLength(1);
      expect(result.requests).toBe(6);
    });
  });

  it('paginates each key until its end (1 MB pages)', async () => {
    const big = 'x'.repeat(100_000);
    await putItems(
      client(),
      TABLE,
      Array.from({ length: 24 }, (_, i) =>
        item(i % 2 ? key : shardKey(key, 0), `big-${String(i).padStart(2, '0')}`, { big: { S: big } }),
      ),
    );
    const result = await run(entry(TABLE, key, 2));
    expect(result.Count).toBe(24);
    expect(sortKeys(result.Items)).toEqual(
      Array.from({ length: 24 }, (_, i) => `big-${String(i).padStart(2, '0')}`),
    );
    expect(queries().length).toBeGreaterThan(3);
    expect(result.requests).toBe(queries().length);
  });

  it('reads the logical key alone, with one Query, when it is not sharded', async () => {
    await putItems(client(), TABLE, [item(key, 'b'), item(key, 'a'), item(shardKey(key, 0), 'c')]);
    const result = await run(undefined);
    expect(result.Items).toEqual([item(key, 'a'), item(key, 'b')]);
    expect(queries()).toHaveLength(1);
  });

  it('returns items without the partition key when the projection leaves it out', async () => {
    await putItems(client(), TABLE, [item(home('a', 2), 'a', { v: { S: '1' } })]);
    const result = await run(entry(TABLE, key, 2), {
      ProjectionExpression: 'sk, v',
    });
    expect(result.Items).toEqual([{ sk: { S: 'a' }, v: { S: '1' } }]);
  });

  it('needs the sort key in the projection, to merge', async () => {
    await putItems(client(), TABLE, [item(home('a', 2), 'a', { v: { S: '1' } })]);
    await expect(run(entry(TABLE, key, 2), { ProjectionExpression: 'v' })).rejects.toThrow(/sort key sk/);
  });

  it('sums the consumed capacity of every request when asked', async () => {
    await spreadItems();
    const result = await run(entry(TABLE, key, 4), { ReturnConsumedCapacity: 'TOTAL' });
    expect(result.ConsumedCapacity?.TableName).toBe(TABLE);
    expect(result.ConsumedCapacity?.CapacityUnits).toBeGreaterThanOrEqual(5 * 0.5);
    expect((await run(entry(TABLE, key, 4))).ConsumedCapacity).toBeUndefined();
  });

  it('rejects a start key of another logical key, and the router’s own placeholders', async () => {
    await expect(
      run(entry(TABLE, key, 2), { ExclusiveStartKey: { pk: { S: 'someone-else' }, sk: { S: 'a' } } }),
    ).rejects.toThrow(InvalidQueryError);
    await expect(
      run(entry(TABLE, key, 2), { ExpressionAttributeValues: { ':keyRouterPk': { S: 'x' } } }),
    ).rejects.toThrow(InvalidQueryError);
    await expect(run(entry(TABLE, 'another-key', 2))).rejects.toThrow(InvalidQueryError);
  });

  it('lets DynamoDB errors through (a partition key condition in KeyConditionExpression)', async () => {
    await expect(
      run(entry(TABLE, key, 2), {
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: key } },
      }),
    ).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('runs through KeyRouter.query with the router’s table and entry', async () => {
    const sks = await spreadItems(3);
    const shardMap: ShardMapSource = {
      get: async (tableName) => (tableName === TABLE ? entry(TABLE, key, 3) : undefined),
    };
    const router = new KeyRouter({ client: client(), tableName: TABLE, shardMap });
    const result = await router.query({
      partitionKeyName: 'pk',
      sortKeyName: 'sk',
      logicalKey: key,
      KeyConditionExpression: 'begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':prefix': { S: 'sk-1' } },
      ScanIndexForward: false,
      Limit: 3,
    });
    expect(sortKeys(result.Items)).toEqual(sks.slice(10, 20).reverse().slice(0, 3));
    // A plain Query of the logical key alone would have missed the moved items.
    const plain = await client().send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': { S: key }, ':prefix': { S: 'sk-1' } },
      }),
    );
    expect(plain.Items).toEqual([]);
  });
});
