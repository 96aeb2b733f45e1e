import { describe, expect, it } from 'vitest';
import {
  DeleteItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { useLocalDynamoDb } from '../../support/local-dynamodb.ts';
import { ReshuffleVerificationError } from '../../../domain/reshuffle/errors.ts';
import {
  canonicalJson,
  checkpointFromKey,
  contentHash,
  itemIdentity,
  keyFromCheckpoint,
  unchangedCondition,
  type Item,
} from '../../../domain/reshuffle/items.ts';
import { shardFor, shardKey } from '../../../key-router/shard-map.ts';
import {
  combineSnapshots,
  compareSnapshots,
  itemDigest,
  snapshotLogicalKey,
  verifyReshuffle,
  type PhysicalKeySnapshot,
} from '../../../domain/reshuffle/verify.ts';
import { KEYS, LOGICAL_KEY, createTables, richItem, seedItem, seedItems } from './support.ts';

const client = useLocalDynamoDb();

describe('item content', () => {
  it('is canonical: attribute order and set member order do not matter, values do', () => {
    const a: Item = {
      pk: { S: 'k' },
      sk: { S: 's' },
      tags: { SS: ['b', 'a'] },
      m: { M: { y: { N: '1' }, x: { S: 'v' } } },
    };
    const b: Item = {
      m: { M: { x: { S: 'v' }, y: { N: '1' } } },
      tags: { SS: ['a', 'b'] },
      sk: { S: 's' },
      pk: { S: 'k' },
    };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(contentHash(a)).toBe(contentHash(b));
    expect(contentHash({ ...a, tags: { SS: ['a', 'c'] } })).not.toBe(contentHash(a));
    expect(contentHash({ ...a, pk: { S: 'k#shard-1' } })).not.toBe(contentHash(a));
    // A list keeps its order; a string is not a number.
    expect(contentHash({ l: { L: [{ S: '1' }, { S: '2' }] } })).not.toBe(
      contentHash({ l: { L: [{ S: '2' }, { S: '1' }] } }),
    );
    expect(contentHash({ v: { S: '1' } })).not.toBe(contentHash({ v: { N: '1' } }));
  });

  it('identifies an item by its sort key, as the shard layout hashes it', () => {
    expect(itemIdentity(seedItem(5), 'sk')).toBe('order#000005');
    expect(itemIdentity({ n: { N: '42' } }, 'n')).toBe('42');
    expect(itemIdentity({ b: { B: Buffer.from('hi') } }, 'b')).toBe(Buffer.from('hi').toString('base64'));
    expect(() => itemIdentity({ pk: { S: 'k' } }, 'sk')).toThrow(/no usable sort key/);
  });

  it('carries a checkpoint through JSON, binary keys included', () => {
    const key: Record<string, AttributeValue> = { pk: { S: 'k' }, sk: { B: Buffer.from([0, 255, 7]) } };
    const checkpoint = JSON.parse(JSON.stringify(checkpointFromKey(key)));
    expect(checkpoint).toEqual({ pk: { S: 'k' }, sk: { B: 'AP8H' } });
    expect(keyFromCheckpoint(checkpoint)).toEqual({ pk: { S: 'k' }, sk: { B: Buffer.from([0, 255, 7]) } });
    expect(checkpointFromKey(undefined)).toBeNull();
    expect(keyFromCheckpoint(null)).toBeUndefined();
  });
});

describe('the "unchanged" condition, on dynalite', () => {
  const item = richItem(3);
  const key = { pk: item.pk!, sk: item.sk! };

  async function deleteIfUnchanged(table: string, change?: string, values?: Record<string, AttributeValue>) {
    await client().send(new PutItemCommand({ TableName: table, Item: item }));
    if (change) {
      await client().send(
        new UpdateItemCommand({
          TableName: table,
          Key: key,
          UpdateExpression: change,
          // `lines` and `empty` are reserved words.
          ...(change.includes('#')
            ? {
                ExpressionAttributeNames: Object.fromEntries(
                  ['lines', 'empty'].filter((n) => change.includes(`#${n}`)).map((n) => [`#${n}`, n]),
                ),
              }
            : {}),
          ...(values ? { ExpressionAttributeValues: values } : {}),
        }),
      );
    }
    return client()
      .send(
        new DeleteItemCommand({
          TableName: table,
          Key: key,
          ...unchangedCondition(item),
          ReturnValues: 'ALL_OLD',
        }),
      )
      .then(
        (result) => result.Attributes,
        (error: Error) => error.name,
      );
  }

  it('holds for the item as it was, with every attribute type', async () => {
    const { table } = await createTables(client());
    expect(contentHash((await deleteIfUnchanged(table)) as Item)).toBe(contentHash(item));
  });

  it.each([
    ['a top-level value', 'SET payload = :v', { ':v': { S: 'changed' } }],
    ['a removed attribute', 'REMOVE amount', undefined],
    ['a nested map value', 'SET detail.address.city = :v', { ':v': { S: 'Porto' } }],
    ['an entry added to a nested map', 'SET detail.address.floor = :v', { ':v': { N: '3' } }],
    ['an entry removed from a nested map', 'REMOVE detail.address.zip', undefined],
    ['a list element', 'SET detail.#lines[0] = :v', { ':v': { N: '99' } }],
    [
      'an element appended to a list',
      'SET detail.#lines = list_append(detail.#lines, :v)',
      { ':v': { L: [{ S: 'y' }] } },
    ],
    ['a set member added', 'ADD tags :v', { ':v': { SS: ['new'] } }],
    ['a map replaced by a list of the same size', 'SET detail.#empty = :v', { ':v': { L: [] } }],
  ] as const)('fails on %s', async (_what, change, values) => {
    const { table } = await createTables(client());
    expect(await deleteIfUnchanged(table, change, values as Record<string, AttributeValue> | undefined)).toBe(
      'ConditionalCheckFailedException',
    );
  });

  it('does not see an attribute added at the top level: the old item (ALL_OLD) shows it', async () => {
    const { table } = await createTables(client());
    const old = (await deleteIfUnchanged(table, 'SET extra = :v', { ':v': { S: 'x' } })) as Item;
    expect(old.extra).toEqual({ S: 'x' });
    expect(contentHash(old)).not.toBe(contentHash(item));
  });
});

describe('snapshots and verification', () => {
  const part = (physicalKey: string, items: Item[]): PhysicalKeySnapshot => {
    const sum = items.reduce((acc, item) => (acc + itemDigest(item, 'pk', LOGICAL_KEY)) % (1n << 256n), 0n);
    return { physicalKey, count: items.length, checksum: sum.toString(16).padStart(64, '0') };
  };
  const items = Array.from({ length: 20 }, (_, i) => seedItem(i));
  const atShards = items.map((item) => ({
    ...item,
    pk: { S: shardKey(LOGICAL_KEY, shardFor(item.sk!.S!, 4)) },
  }));

  it('gives the same checksum in any layout and order', () => {
    const logical = combineSnapshots(LOGICAL_KEY, [part(LOGICAL_KEY, items)]);
    const sharded = combineSnapshots(LOGICAL_KEY, [
      part(LOGICAL_KEY, []),
      part('a', atShards.slice(0, 7).reverse()),
      part('b', atShards.slice(7)),
    ]);
    expect(sharded.count).toBe(20);
    expect(sharded.checksum).toBe(logical.checksum);
    expect(sharded.perKey).toEqual({ [LOGICAL_KEY]: 0, a: 7, b: 13 });
    expect(verifyReshuffle(logical, sharded)).toMatchObject({ equal: true, reasons: [] });
  });

  it('changes with an item lost, duplicated, or altered (a duplicate does not cancel out)', () => {
    const logical = combineSnapshots(LOGICAL_KEY, [part(LOGICAL_KEY, items)]);
    const lost = combineSnapshots(LOGICAL_KEY, [part(LOGICAL_KEY, items.slice(1))]);
    const duplicated = combineSnapshots(LOGICAL_KEY, [part(LOGICAL_KEY, items), part('s', [atShards[3]!])]);
    const lostAndDuplicated = combineSnapshots(LOGICAL_KEY, [
      part(LOGICAL_KEY, [...items.slice(1), items[3]!]),
    ]);
    const altered = combineSnapshots(LOGICAL_KEY, [
      part(LOGICAL_KEY, [...items.slice(1), { ...items[0]!, payload: { S: 'other' } }]),
    ]);
    for (const after of [lost, duplicated, lostAndDuplicated, altered]) {
      expect(compareSnapshots(logical, after).equal).toBe(false);
      expect(() => verifyReshuffle(logical, after)).toThrow(ReshuffleVerificationError);
    }
    expect(compareSnapshots(logical, lostAndDuplicated).reasons).toEqual(['the content checksums differ']);
    expect(compareSnapshots(logical, lost).reasons).toEqual([
      '20 items before, 19 after',
      'the content checksums differ',
    ]);
  });

  it('reads the logical key and its shard keys from the table', async () => {
    const { table } = await createTables(client());
    await seedItems(client(), table, [...atShards.slice(0, 12), ...items.slice(12)]);
    const snapshot = await snapshotLogicalKey(client(), {
      tableName: table,
      keys: KEYS,
      logicalKey: LOGICAL_KEY,
      shards: 4,
    });
    // The same checksum as all 20 items at the logical key.
    expect(snapshot.checksum).toBe(combineSnapshots(LOGICAL_KEY, [part(LOGICAL_KEY, items)]).checksum);
    expect(snapshot.count).toBe(20);
    expect(snapshot.perKey[LOGICAL_KEY]).toBe(8);
    expect(Object.keys(snapshot.perKey)).toEqual([
      LOGICAL_KEY,
      ...[0, 1, 2, 3].map((i) => shardKey(LOGICAL_KEY, i)),
    ]);
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
  });
});
