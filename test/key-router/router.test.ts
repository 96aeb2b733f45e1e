import { beforeAll, describe, expect, it } from 'vitest';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { useLocalDynamoDb } from '../support/local-dynamodb.ts';
import { shardFor, type ShardMapEntry } from '../../key-router/shard-map.ts';
import {
  KeyRouter,
  createKeyRouter,
  shardKey,
  sortKeyIdentity,
  type ShardMapSource,
} from '../../key-router/index.ts';
import { CONTROL_TABLE, FakeClock, createControlTable, entry, putEntry } from './support.ts';

/** Entries by logical key, as a shard map source that never caches. */
function source(...entries: ShardMapEntry[]): ShardMapSource & { set(value: ShardMapEntry): void } {
  const byKey = new Map(entries.map((value) => [value.logicalKey, value]));
  return {
    get: async (tableName, logicalKey) => {
      const value = byKey.get(logicalKey);
      return value?.tableName === tableName ? value : undefined;
    },
    set: (value) => byKey.set(value.logicalKey, value),
  };
}

/** Routers that never query: writeKey and readKeys need no client. */
const NO_CLIENT = {} as DynamoDBClient;

function router(shardMap: ShardMapSource, random?: () => number): KeyRouter {
  return new KeyRouter({ client: NO_CLIENT, tableName: 'orders', shardMap, ...(random ? { random } : {}) });
}

const ORDER_IDS = Array.from({ length: 200 }, (_, i) => `order-${String(i).padStart(4, '0')}`);

describe('KeyRouter.writeKey', () => {
  it('writes to the logical key while the key is not sharded', async () => {
    await expect(router(source()).writeKey('customer#1', 'order-1')).resolves.toBe('customer#1');
  });

  it.each(['sharding', 'active'] as const)(
    'spreads writes over the shards while %s, by a stable hash of the item identity',
    async (state) => {
      const keyRouter = router(source(entry('orders', 'customer#1', 8, state)));
      const keys = await Promise.all(ORDER_IDS.map((id) => keyRouter.writeKey('customer#1', id)));

      // Every shard gets some of 200 items, and only shards.
      expect(new Set(keys)).toEqual(new Set(Array.from({ length: 8 }, (_, i) => shardKey('customer#1', i))));
      // The same item always goes to the same shard: its own, by shard-map.ts's hash.
      const again = await Promise.all(ORDER_IDS.map((id) => keyRouter.writeKey('customer#1', id)));
      expect(again).toEqual(keys);
      ORDER_IDS.forEach((id, i) => expect(keys[i]).toBe(shardKey('customer#1', shardFor(id, 8))));
    },
  );

  it('keeps an item on its shard across routers and states sharding -> active', async () => {
    const shardMap = source(entry('orders', 'customer#1', 4, 'sharding'));
    const before = await router(shardMap).writeKey('customer#1', 'order-17');
    shardMap.set(entry('orders', 'customer#1', 4, 'active', 2));
    await expect(router(shardMap).writeKey('customer#1', 'order-17')).resolves.toBe(before);
  });

  it('writes to the logical key again while merging', async () => {
    const keyRouter = router(source(entry('orders', 'customer#1', 4, 'merging')));
    await expect(keyRouter.writeKey('customer#1', 'order-1')).resolves.toBe('customer#1');
  });

  it('routes only the sharded logical key, and only in its own table', async () => {
    const shardMap = source(entry('invoices', 'customer#1', 4), entry('orders', 'customer#2', 4));
    await expect(router(shardMap).writeKey('customer#1', 'order-1')).resolves.toBe('customer#1');
    await expect(router(shardMap).writeKey('customer#2', 'order-1')).resolves.toMatch(
      /^customer#2#shard-\d$/,
    );
  });

  it('takes the identity of a number sort key as DynamoDB stores it', () => {
    expect(sortKeyIdentity({ N: '1.50' })).toBe('1.5');
    expect(sortKeyIdentity({ N: '1e3' })).toBe('1000');
    expect(sortKeyIdentity({ N: '-0.00100' })).toBe('-0.001');
    expect(sortKeyIdentity({ S: 'order-1' })).toBe('order-1');
    expect(sortKeyIdentity({ B: Uint8Array.from([1, 2, 255]) })).toBe('AQL/');
  });
});

describe('KeyRouter.writeKeyRandom', () => {
  it('picks the shard from random(), over all shards', async () => {
    const draws = [0, 0.249, 0.25, 0.5, 0.999999];
    const keyRouter = router(source(entry('orders', 'events', 4)), () => draws.shift() ?? 0);
    const keys = [];
    for (let i = 0; i < 5; i++) keys.push(await keyRouter.writeKeyRandom('events'));
    expect(keys).toEqual([0, 0, 1, 2, 3].map((shard) => shardKey('events', shard)));
  });

  it('writes to the logical key when the key is not sharded, or merging', async () => {
    const keyRouter = router(source(entry('orders', 'merging-events', 4, 'merging')), () => 0.5);
    await expect(keyRouter.writeKeyRandom('events')).resolves.toBe('events');
    await expect(keyRouter.writeKeyRandom('merging-events')).resolves.toBe('merging-events');
  });

  it('rejects a random source outside [0, 1)', async () => {
    const keyRouter = router(source(entry('orders', 'events', 4)), () => 1);
    await expect(keyRouter.writeKeyRandom('events')).rejects.toThrow(RangeError);
  });

  it('uses Math.random by default', async () => {
    const keyRouter = router(source(entry('orders', 'events', 4)));
    const keys = new Set<string>();
    for (let i = 0; i < 100; i++) keys.add(await keyRouter.writeKeyRandom('events'));
    expect(keys.size).toBeGreaterThan(1);
    for (const key of keys) expect(key).toMatch(/^events#shard-[0-3]$/);
  });
});

describe('KeyRouter.readKeys', () => {
  it('reads the logical key alone while the key is not sharded', async () => {
    await expect(router(source()).readKeys('customer#1')).resolves.toEqual(['customer#1']);
  });

  it.each(['sharding', 'active', 'merging'] as const)(
    'reads the logical key and every shard while %s',
    async (state) => {
      const keyRouter = router(source(entry('orders', 'customer#1', 3, state)));
      await expect(keyRouter.readKeys('customer#1')).resolves.toEqual([
        'customer#1',
        'customer#1#shard-0',
        'customer#1#shard-1',
        'customer#1#shard-2',
      ]);
    },
  );

  it('covers every key writeKey and writeKeyRandom can return', async () => {
    const keyRouter = router(source(entry('orders', 'customer#1', 16)));
    const reads = new Set(await keyRouter.readKeys('customer#1'));
    for (const id of ORDER_IDS) expect(reads).toContain(await keyRouter.writeKey('customer#1', id));
    expect(reads).toContain(await keyRouter.writeKeyRandom('customer#1'));
  });
});

describe('KeyRouter.itemKeys', () => {
  it('is the logical key alone while the key is not sharded', async () => {
    await expect(router(source()).itemKeys('customer#1', 'order-1')).resolves.toEqual(['customer#1']);
  });

  it.each(['sharding', 'active'] as const)(
    'is the item’s shard, then the logical key, while %s',
    async (state) => {
      const keyRouter = router(source(entry('orders', 'customer#1', 8, state)));
      for (const id of ORDER_IDS.slice(0, 20)) {
        const keys = await keyRouter.itemKeys('customer#1', id);
        expect(keys).toEqual([await keyRouter.writeKey('customer#1', id), 'customer#1']);
      }
    },
  );

  it('is the logical key, then the item’s shard, while merging', async () => {
    const keyRouter = router(source(entry('orders', 'customer#1', 8, 'merging')));
    await expect(keyRouter.itemKeys('customer#1', 'order-3')).resolves.toEqual([
      'customer#1',
      shardKey('customer#1', shardFor('order-3', 8)),
    ]);
  });
});

describe('createKeyRouter', () => {
  const client = useLocalDynamoDb();

  beforeAll(async () => {
    await createControlTable(client());
  });

  it('routes by the control table, through a cache with a TTL', async () => {
    const clock = new FakeClock();
    const keyRouter = createKeyRouter({
      client: client(),
      controlTableName: CONTROL_TABLE,
      tableName: 'orders',
      now: clock.now,
      ttlMs: 1_000,
      negativeTtlMs: 500,
    });
    await expect(keyRouter.readKeys('customer#9')).resolves.toEqual(['customer#9']);

    await putEntry(client(), entry('orders', 'customer#9', 2, 'sharding'));
    await expect(keyRouter.writeKey('customer#9', 'order-1')).resolves.toBe('customer#9');
    clock.advance(500);
    await expect(keyRouter.readKeys('customer#9')).resolves.toEqual([
      'customer#9',
      'customer#9#shard-0',
      'customer#9#shard-1',
    ]);
    await expect(keyRouter.writeKey('customer#9', 'order-1')).resolves.toBe(
      shardKey('customer#9', shardFor('order-1', 2)),
    );

    await putEntry(client(), entry('orders', 'customer#9', 2, 'merging', 2));
    clock.advance(999);
    await expect(keyRouter.writeKey('customer#9', 'order-1')).resolves.not.toBe('customer#9');
    clock.advance(1);
    await expect(keyRouter.writeKey('customer#9', 'order-1')).resolves.toBe('customer#9');
  });
});
