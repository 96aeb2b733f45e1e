import { describe, expect, it } from 'vitest';
import { useLocalDynamoDb } from '../../support/local-dynamodb.ts';
import { ShardMapStateError } from '../../../domain/reshuffle/errors.ts';
import { finishMerge, mergeAll, mergeBatch } from '../../../domain/reshuffle/merge.ts';
import { moveAll } from '../../../domain/reshuffle/move.ts';
import {
  advanceShardState,
  publishShardMap,
  readShardMap,
} from '../../../domain/reshuffle/shard-map-store.ts';
import { readKeys, shardFor, shardKey, writeKey, type ShardMapEntry } from '../../../key-router/shard-map.ts';
import { canonicalJson, type Checkpoint, type Item } from '../../../domain/reshuffle/items.ts';
import { KEYS, LOGICAL_KEY, SHARDS, SOAK_ITEMS, soakLabel, TEN_THOUSAND_TIMEOUT } from './support.ts';
import { createTables, richItem, seedItem, seedItems, sortKey, contentWithoutKey } from './support.ts';
import { readLayout, duplicates, snapshotOf, expectSameItems, runTenThousand } from './support.ts';
import { putPayload, updateItem, setPayload, payloadContent } from './support.ts';
import { crashingClient, crashOf, random } from './support.ts';

const client = useLocalDynamoDb();
const NOW = new Date('2026-01-01T12:00:00Z');

const snapshot = (table: string) => snapshotOf(client(), table);

/** Canonical JSON of each item, in key order: a layout compared attribute for attribute. */
const exactly = (items: Item[]) => items.map(canonicalJson).sort();

/**
 * A key whose items are already spread over its shards, as a finished move leaves them (written
 * directly: the move itself is move.test.ts's), with its entry moved on to `merging`.
 */
async function sharded(count: number, make: (i: number) => Item = seedItem) {
  const { table, control } = await createTables(client());
  const originals = Array.from({ length: count }, (_, i) => make(i));
  await seedItems(
    client(),
    table,
    originals.map((item) => ({
      ...item,
      pk: { S: shardKey(LOGICAL_KEY, shardFor(item.sk!.S!, SHARDS)) },
    })),
  );
  const published = await publishShardMap(
    client(),
    control,
    { tableName: table, logicalKey: LOGICAL_KEY, shards: SHARDS },
    NOW,
  );
  const active = await advanceShardState(client(), control, published, NOW);
  const merging = await advanceShardState(client(), control, active.entry!, NOW);
  return { table, control, originals, entry: merging.entry! };
}

/** The original layout: every item at the logical key, exactly as it was; no shard key holds one. */
async function expectMerged(table: string, originals: Item[]) {
  const layout = await readLayout(client(), table, SHARDS);
  for (const key of readKeys({ logicalKey: LOGICAL_KEY, shards: SHARDS }).slice(1)) {
    expect(layout.perKey.get(key)).toEqual([]);
  }
  expect(duplicates(layout)).toEqual([]);
  expect(exactly(layout.perKey.get(LOGICAL_KEY)!)).toEqual(exactly(originals));
}

describe('merging a key back', () => {
  it(
    `merges ${soakLabel} items from 8 shards: the logical key holds them all again, checksum equal`,
    async () => {
      const { table, control, originals, entry } = await sharded(SOAK_ITEMS);
      const before = await snapshot(table);
      expect(before.perKey[LOGICAL_KEY]).toBe(0);

      const summary = await runTenThousand('merged', (large) =>
        mergeAll(client(), { entry, controlTable: control, keys: KEYS, ...large }),
      );

      expect(summary.read).toBe(SOAK_ITEMS);
      expect(summary.outcomes.copied).toBe(SOAK_ITEMS);
      const after = await expectSameItems(client(), before, table);
      expect(after.perKey[LOGICAL_KEY]).toBe(SOAK_ITEMS);
      await expectMerged(table, originals);
      expect((await finishMerge(client(), { entry, controlTable: control, keys: KEYS })).entry).toBeNull();
      expect(await readShardMap(client(), control, { tableName: table, logicalKey: LOGICAL_KEY })).toBeNull();
    },
    TEN_THOUSAND_TIMEOUT,
  );

  it('round trip: publish, move, active, merging, merge, delete: the original layout exactly', async () => {
    const { table, control } = await createTables(client());
    const originals = Array.from({ length: 600 }, (_, i) => richItem(i));
    await seedItems(client(), table, originals);
    const original = await snapshot(table);

    const published = await publishShardMap(client(), control, {
      tableName: table,
      logicalKey: LOGICAL_KEY,
      shards: SHARDS,
    });
    await moveAll(client(), { entry: published, controlTable: control, keys: KEYS, batchSize: 100 });
    const moved = await expectSameItems(client(), original, table);
    expect(moved.perKey[LOGICAL_KEY]).toBe(0);

    const { entry: active } = await advanceShardState(client(), control, published);
    const { entry: merging } = await advanceShardState(client(), control, active!);
    await mergeAll(client(), { entry: merging!, controlTable: control, keys: KEYS, batchSize: 100 });
    const finished = await finishMerge(client(), { entry: merging!, controlTable: control, keys: KEYS });
    expect(finished).toMatchObject({ from: 'merging', to: 'deleted', entry: null });

    const merged = await snapshot(table);
    expect(merged).toEqual(original);
    await expectMerged(table, originals);
  });

  it('merges one shard per call (a Map iteration each), crashes, and resumes each from its checkpoint', async () => {
    const { table, control, originals, entry } = await sharded(1_000);
    const before = await snapshot(table);
    const checkpoints = new Map<number, Checkpoint | null>();
    const done = new Set<number>();
    const crashAt = 200 + Math.floor(random(7)() * 1500);
    const crashing = crashingClient(client(), crashAt, { when: 'after' });

    const runShards = async (dynamodb: ReturnType<typeof client>) => {
      for (let shard = 0; shard < SHARDS; shard++) {
        while (!done.has(shard)) {
          const result = await mergeBatch(dynamodb, {
            entry,
            shard,
            controlTable: control,
            keys: KEYS,
            batchSize: 50,
            checkpoint: checkpoints.get(shard) ?? null,
          });
          checkpoints.set(shard, result.checkpoint);
          if (result.done) done.add(shard);
        }
      }
    };
    await crashOf(runShards(crashing.client));
    expect(done.size).toBeLessThan(SHARDS);

    await runShards(client());
    await expectSameItems(client(), before, table);
    await expectMerged(table, originals);
  });

  it('keeps application writes made during the merge, which the router sends to the logical key', async () => {
    const COUNT = 1_500;
    const { table, control, originals, entry } = await sharded(COUNT);
    const expected = new Map(originals.map((item) => [item.sk!.S!, contentWithoutKey(item)]));
    const rng = random(11);
    let merging = true;
    const tally = { routed: 0, inPlace: 0, created: 0 };

    const application = async (worker: number) => {
      let version = 1;
      while (merging) {
        version += 1;
        const i = Math.floor(rng() * (COUNT / 4)) * 4 + worker;
        const sk = sortKey(i);
        const payload = `version ${version}`;
        if (i % 2 === 0) {
          // Through the router: a merging key's writes go to the logical key.
          await putPayload(client(), table, { pk: writeKey(entry, LOGICAL_KEY, sk), sk }, payload);
          tally.routed += 1;
        } else {
          // A writer still on the shard layout: updates the item at its shard while it is there.
          const shard = shardKey(LOGICAL_KEY, shardFor(sk, SHARDS));
          const at = await updateItem(
            client(),
            table,
            { pk: shard, sk },
            setPayload(payload, 'attribute_exists(pk)'),
          ).then(
            () => shard,
            () => LOGICAL_KEY,
          );
          if (at === LOGICAL_KEY) {
            await updateItem(client(), table, { pk: LOGICAL_KEY, sk }, setPayload(payload));
          } else tally.inPlace += 1;
        }
        expected.set(sk, payloadContent(sk, payload));
        const created = `new#${worker}#${String(version).padStart(6, '0')}`;
        await putPayload(client(), table, { pk: writeKey(entry, LOGICAL_KEY, created), sk: created }, 'new');
        expected.set(created, payloadContent(created, 'new'));
        tally.created += 1;
      }
    };

    const writers = [0, 1, 2, 3].map(application);
    const summary = await mergeAll(client(), { entry, controlTable: control, keys: KEYS, batchSize: 50 });
    merging = false;
    await Promise.all(writers);

    expect(tally.routed).toBeGreaterThan(20);
    expect(tally.inPlace).toBeGreaterThan(20);
    expect(summary.outcomes['kept-target']).toBeGreaterThan(0);
    const layout = await readLayout(client(), table, SHARDS);
    for (const key of readKeys({ logicalKey: LOGICAL_KEY, shards: SHARDS }).slice(1)) {
      expect(layout.perKey.get(key)).toEqual([]);
    }
    expect(duplicates(layout)).toEqual([]);
    expect(layout.content).toEqual(expected);
  });
});

describe('the merge’s guards', () => {
  it('deletes the shard map only once every shard is empty', async () => {
    const { table, control, entry } = await sharded(40);
    await mergeAll(client(), { entry, controlTable: control, keys: KEYS });
    // A write to a shard after it was merged (a writer still on the old layout).
    await putPayload(client(), table, { pk: shardKey(LOGICAL_KEY, 3), sk: 'late' }, 'late');
    await expect(finishMerge(client(), { entry, controlTable: control, keys: KEYS })).rejects.toBeInstanceOf(
      ShardMapStateError,
    );
    expect(await readShardMap(client(), control, { tableName: table, logicalKey: LOGICAL_KEY })).toEqual(
      entry,
    );

    // Merging that shard again picks it up; then the entry goes.
    await mergeAll(client(), { entry, controlTable: control, keys: KEYS });
    expect((await readLayout(client(), table, SHARDS)).copies.get('late')).toBe(1);
    await finishMerge(client(), { entry, controlTable: control, keys: KEYS });
    expect(await readShardMap(client(), control, { tableName: table, logicalKey: LOGICAL_KEY })).toBeNull();
  });

  it('refuses a key that is not merging, and a shard the key does not have', async () => {
    const { control, entry } = await sharded(1);
    const sharding: ShardMapEntry = { ...entry, state: 'sharding', version: 1 };
    await expect(
      mergeBatch(client(), { entry: sharding, shard: 0, controlTable: control, keys: KEYS }),
    ).rejects.toBeInstanceOf(ShardMapStateError);
    await expect(
      finishMerge(client(), { entry: sharding, controlTable: control, keys: KEYS }),
    ).rejects.toBeInstanceOf(ShardMapStateError);
    await expect(
      mergeBatch(client(), { entry, shard: SHARDS, controlTable: control, keys: KEYS }),
    ).rejects.toBeInstanceOf(ShardMapStateError);
  });
});
