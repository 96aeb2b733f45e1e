import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { recordCommands, useLocalDynamoDb, type SentCommand } from '../support/local-dynamodb.ts';
import { shardMapKey } from '../../key-router/shard-map.ts';
import {
  DEFAULT_NEGATIVE_TTL_MS,
  DEFAULT_SHARD_MAP_TTL_MS,
  InvalidShardMapEntryError,
  ShardMapCache,
  loadShardMapEntry,
} from '../../key-router/index.ts';
import {
  CONTROL_TABLE,
  FakeClock,
  createControlTable,
  deleteEntry,
  entry,
  entryItem,
  putEntry,
} from './support.ts';

const client = useLocalDynamoDb();
let sent: SentCommand[];
let clock: FakeClock;
let cache: ShardMapCache;
let caseNumber = 0;
/** A logical key no other test uses: one control table serves the whole file. */
let key: string;

const reads = (): number => sent.filter(({ command }) => command === 'GetItemCommand').length;

beforeAll(async () => {
  await createControlTable(client());
  sent = recordCommands(client());
});

beforeEach(() => {
  key = `customer#${++caseNumber}`;
  clock = new FakeClock();
  cache = new ShardMapCache({ client: client(), controlTableName: CONTROL_TABLE, now: clock.now });
  sent.length = 0;
});

describe('ShardMapCache', () => {
  it('reads an entry from the control table, validated, with a strongly consistent GetItem', async () => {
    await putEntry(client(), entry('orders', key, 4, 'sharding', 3));
    sent.length = 0;

    await expect(cache.get('orders', key)).resolves.toEqual(entry('orders', key, 4, 'sharding', 3));
    expect(sent).toEqual([
      {
        command: 'GetItemCommand',
        input: expect.objectContaining({
          TableName: CONTROL_TABLE,
          Key: { pk: { S: shardMapKey('orders', key) } },
          ConsistentRead: true,
        }),
      },
    ]);
  });

  it('serves an entry from the cache until its TTL (30 s by default) is over, then reads it again', async () => {
    expect(cache.ttlMs).toBe(DEFAULT_SHARD_MAP_TTL_MS);
    expect(DEFAULT_SHARD_MAP_TTL_MS).toBe(30_000);
    await putEntry(client(), entry('orders', key, 4, 'sharding', 1));
    sent.length = 0;
    await cache.get('orders', key);

    await putEntry(client(), entry('orders', key, 4, 'active', 2));
    sent.length = 0;
    clock.advance(DEFAULT_SHARD_MAP_TTL_MS - 1);
    await expect(cache.get('orders', key)).resolves.toMatchObject({ state: 'sharding', version: 1 });
    expect(reads()).toBe(0);

    clock.advance(1);
    await expect(cache.get('orders', key)).resolves.toMatchObject({ state: 'active', version: 2 });
    expect(reads()).toBe(1);
  });

  it('caches a missing entry too, for the shorter negative TTL', async () => {
    expect(cache.negativeTtlMs).toBe(DEFAULT_NEGATIVE_TTL_MS);
    expect(DEFAULT_NEGATIVE_TTL_MS).toBeLessThan(DEFAULT_SHARD_MAP_TTL_MS);
    expect(cache.maxStalenessMs).toBe(DEFAULT_SHARD_MAP_TTL_MS);

    await expect(cache.get('orders', key)).resolves.toBeUndefined();
    await putEntry(client(), entry('orders', key, 8, 'sharding'));
    sent.length = 0;

    clock.advance(DEFAULT_NEGATIVE_TTL_MS - 1);
    await expect(cache.get('orders', key)).resolves.toBeUndefined();
    expect(reads()).toBe(0);

    clock.advance(1);
    await expect(cache.get('orders', key)).resolves.toMatchObject({ shards: 8 });
    expect(reads()).toBe(1);
  });

  it('sees a deleted entry (the key merged back) once the entry expires', async () => {
    await putEntry(client(), entry('orders', key, 4, 'merging'));
    await cache.get('orders', key);
    await deleteEntry(client(), 'orders', key);

    clock.advance(DEFAULT_SHARD_MAP_TTL_MS);
    await expect(cache.get('orders', key)).resolves.toBeUndefined();
  });

  it('takes its TTLs from the options', async () => {
    cache = new ShardMapCache({
      client: client(),
      controlTableName: CONTROL_TABLE,
      now: clock.now,
      ttlMs: 1_000,
      negativeTtlMs: 200,
    });
    expect(cache.maxStalenessMs).toBe(1_000);
    await cache.get('orders', key);
    clock.advance(200);
    await cache.get('orders', key);
    await putEntry(client(), entry('orders', key, 2));
    clock.advance(200);
    await cache.get('orders', key);
    clock.advance(999);
    await cache.get('orders', key);
    clock.advance(1);
    await cache.get('orders', key);
    expect(reads()).toBe(4);
  });

  it('caches per table and logical key', async () => {
    await putEntry(client(), entry('orders', key, 4));
    await expect(cache.get('orders', key)).resolves.toMatchObject({ shards: 4 });
    await expect(cache.get('invoices', key)).resolves.toBeUndefined();
    await expect(cache.get('orders', `${key}x`)).resolves.toBeUndefined();
    await expect(cache.get('orders', key)).resolves.toMatchObject({ shards: 4 });
    expect(cache.size).toBe(3);
  });

  it('shares one control-table read between concurrent reads of a key', async () => {
    await putEntry(client(), entry('orders', key, 4));
    sent.length = 0;
    const results = await Promise.all(Array.from({ length: 20 }, () => cache.get('orders', key)));
    expect(new Set(results.map((result) => result?.shards))).toEqual(new Set([4]));
    expect(reads()).toBe(1);
  });

  it('reads again after invalidate(), for one key or all', async () => {
    await cache.get('orders', key);
    await putEntry(client(), entry('orders', key, 4));
    cache.invalidate('orders', key);
    await expect(cache.get('orders', key)).resolves.toMatchObject({ shards: 4 });
    await putEntry(client(), entry('orders', key, 6, 'active', 2));
    cache.invalidate();
    await expect(cache.get('orders', key)).resolves.toMatchObject({ shards: 6 });
    expect(reads()).toBe(3);
  });

  it('keeps at most maxEntries keys, dropping the one read first', async () => {
    cache = new ShardMapCache({
      client: client(),
      controlTableName: CONTROL_TABLE,
      now: clock.now,
      maxEntries: 2,
    });
    await cache.get('orders', `${key}-a`);
    await cache.get('orders', `${key}-b`);
    await cache.get('orders', `${key}-c`);
    expect(cache.size).toBe(2);
    sent.length = 0;
    await cache.get('orders', `${key}-c`);
    await cache.get('orders', `${key}-b`);
    expect(reads()).toBe(0);
    await cache.get('orders', `${key}-a`);
    expect(reads()).toBe(1);
  });

  it('ignores attributes of the item that are not the entry (the mover may keep more)', async () => {
    await client().send(
      new PutItemCommand({
        TableName: CONTROL_TABLE,
        Item: { ...entryItem(entry('orders', key, 4)), movedItems: { N: '120' } },
      }),
    );
    await expect(cache.get('orders', key)).resolves.toEqual(entry('orders', key, 4));
  });

  it.each([
    ['a shard count out of range', { shards: { N: '1' } }, 'shards'],
    ['an unknown state', { state: { S: 'moving' } }, 'state'],
    ['a number stored as a string', { version: { S: '1' } }, 'version'],
    ['no since', { since: undefined }, 'since'],
    ['another logical key', { logicalKey: { S: 'someone-else' } }, 'someone-else'],
  ])('fails closed on an invalid entry: %s', async (_, change, mentioned) => {
    const item = Object.fromEntries(
      Object.entries({ ...entryItem(entry('orders', key, 4)), ...change }).filter(([, value]) => value),
    );
    await client().send(new PutItemCommand({ TableName: CONTROL_TABLE, Item: item as never }));

    const error = await cache.get('orders', key).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidShardMapEntryError);
    expect((error as Error).name).toBe('InvalidShardMapEntryError');
    expect((error as Error).message).toContain(mentioned);
    // Not cached: the next read asks the control table again.
    sent.length = 0;
    await cache.get('orders', key).catch(() => undefined);
    expect(reads()).toBe(1);
  });

  it('lets DynamoDB errors through, uncached', async () => {
    cache = new ShardMapCache({ client: client(), controlTableName: 'no-such-table', now: clock.now });
    await expect(cache.get('orders', key)).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(cache.get('orders', key)).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    expect(reads()).toBe(2);
  });

  it('reads eventually consistently when told', async () => {
    await loadShardMapEntry(client(), CONTROL_TABLE, 'orders', key, false);
    expect(sent[0]?.input).toMatchObject({ ConsistentRead: false });
  });

  it('rejects negative TTLs', () => {
    expect(() => new ShardMapCache({ client: client(), controlTableName: CONTROL_TABLE, ttlMs: -1 })).toThrow(
      RangeError,
    );
  });
});
