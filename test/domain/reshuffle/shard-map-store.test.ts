import { describe, expect, it } from 'vitest';
import { useLocalDynamoDb } from '../../support/local-dynamodb.ts';
import { InvalidRequestError } from '../../../domain/errors.ts';
import { ShardMapConflictError } from '../../../domain/reshuffle/errors.ts';
import {
  advanceShardState,
  publishShardMap,
  readShardMap,
} from '../../../domain/reshuffle/shard-map-store.ts';
import { shardMapKey } from '../../../key-router/shard-map.ts';
import { createTables } from './support.ts';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';

const client = useLocalDynamoDb();
const T0 = new Date('2026-01-01T12:00:00Z');
const T1 = new Date('2026-01-01T12:05:00Z');
const T2 = new Date('2026-01-01T13:00:00Z');

async function published() {
  const { table, control } = await createTables(client());
  const entry = await publishShardMap(
    client(),
    control,
    { tableName: table, logicalKey: 'k1', shards: 4 },
    T0,
  );
  return { table, control, entry };
}

describe('the shard map entry', () => {
  it('is published in state sharding, version 1, under its control-table key', async () => {
    const { table, control, entry } = await published();
    expect(entry).toEqual({
      tableName: table,
      logicalKey: 'k1',
      shards: 4,
      state: 'sharding',
      since: T0.toISOString(),
      version: 1,
    });
    expect(await readShardMap(client(), control, { tableName: table, logicalKey: 'k1' })).toEqual(entry);
    const stored = await client().send(
      new GetItemCommand({ TableName: control, Key: { pk: { S: shardMapKey(table, 'k1') } } }),
    );
    expect(stored.Item?.version).toEqual({ N: '1' });
    expect(await readShardMap(client(), control, { tableName: table, logicalKey: 'other' })).toBeNull();
  });

  it('cannot be published twice: the second run gets a non-retryable conflict', async () => {
    const { table, control } = await published();
    const second = publishShardMap(client(), control, { tableName: table, logicalKey: 'k1', shards: 8 });
    await expect(second).rejects.toBeInstanceOf(ShardMapConflictError);
    await expect(second).rejects.toMatchObject({
      name: 'ShardMapConflictError',
      retryable: false,
      message: expect.stringMatching(/already has a shard map \(version 1 in state sharding/),
    });
    expect((await readShardMap(client(), control, { tableName: table, logicalKey: 'k1' }))?.shards).toBe(4);
  });

  it('rejects a shard count outside [2, 64]', async () => {
    const { table, control } = await createTables(client());
    for (const shards of [1, 65, 2.5]) {
      await expect(
        publishShardMap(client(), control, { tableName: table, logicalKey: 'k1', shards }),
      ).rejects.toBeInstanceOf(InvalidRequestError);
    }
  });

  it('moves sharding -> active -> merging -> deleted, one version at a time', async () => {
    const { table, control, entry } = await published();
    const active = await advanceShardState(client(), control, entry, T1);
    expect(active).toEqual({
      tableName: table,
      logicalKey: 'k1',
      from: 'sharding',
      to: 'active',
      entry: { ...entry, state: 'active', since: T1.toISOString(), version: 2 },
    });
    const merging = await advanceShardState(client(), control, active.entry!, T2);
    expect(merging.entry).toEqual({ ...entry, state: 'merging', since: T2.toISOString(), version: 3 });
    const deleted = await advanceShardState(client(), control, merging.entry!);
    expect(deleted).toEqual({
      tableName: table,
      logicalKey: 'k1',
      from: 'merging',
      to: 'deleted',
      entry: null,
    });
    expect(JSON.parse(JSON.stringify(deleted))).toEqual(deleted);
    expect(await readShardMap(client(), control, { tableName: table, logicalKey: 'k1' })).toBeNull();
    // The key can be sharded again afterwards.
    await expect(
      publishShardMap(client(), control, { tableName: table, logicalKey: 'k1', shards: 2 }),
    ).resolves.toMatchObject({ version: 1, state: 'sharding' });
  });

  it('refuses a step from a stale version, a wrong state or a deleted entry, changing nothing', async () => {
    const { table, control, entry } = await published();
    const { entry: active } = await advanceShardState(client(), control, entry, T1);

    // Stale: the caller still holds version 1.
    await expect(advanceShardState(client(), control, entry)).rejects.toMatchObject({
      name: 'ShardMapConflictError',
      retryable: false,
      message: expect.stringMatching(
        /expected version 1 in state sharding to move to active, found version 2 in state active/,
      ),
    });
    // The right version with the wrong state.
    await expect(
      advanceShardState(client(), control, { ...active!, state: 'merging' }),
    ).rejects.toBeInstanceOf(ShardMapConflictError);
    expect(await readShardMap(client(), control, { tableName: table, logicalKey: 'k1' })).toEqual(active);

    const { entry: merging } = await advanceShardState(client(), control, active!);
    await advanceShardState(client(), control, merging!);
    await expect(advanceShardState(client(), control, merging!)).rejects.toMatchObject({
      name: 'ShardMapConflictError',
      message: expect.stringMatching(/found no entry/),
    });
  });

  it('lets exactly one of two concurrent steps from the same version through', async () => {
    const { table, control, entry } = await published();
    const results = await Promise.allSettled([
      advanceShardState(client(), control, entry, T1),
      advanceShardState(client(), control, entry, T2),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.reason).toBeInstanceOf(ShardMapConflictError);
    expect(await readShardMap(client(), control, { tableName: table, logicalKey: 'k1' })).toMatchObject({
      state: 'active',
      version: 2,
    });
  });

  it('rejects a malformed version', async () => {
    const { control, entry } = await published();
    await expect(advanceShardState(client(), control, { ...entry, version: 0 })).rejects.toBeInstanceOf(
      InvalidRequestError,
    );
  });
});
