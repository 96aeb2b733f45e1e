/**
 * The mover's concurrency: at most that many item requests in flight at once within a batch (32
 * unless told), and every item still moved exactly once.
 */
import { describe, expect, it } from 'vitest';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import { useLocalDynamoDb } from '../../support/local-dynamodb.ts';
import { moveBatch } from '../../../domain/reshuffle/move.ts';
import { DEFAULT_CONCURRENCY } from '../../../domain/reshuffle/relocate.ts';
import { publishShardMap } from '../../../domain/reshuffle/shard-map-store.ts';
import { KEYS, LOGICAL_KEY, SHARDS, createTables, seedItem, seedItems } from './support.ts';

const client = useLocalDynamoDb();

/**
 * A client that counts the requests in flight and holds each one a few milliseconds (a network
 * round trip), so requests that can overlap do.
 */
function inFlightCounter(real: DynamoDBClient) {
  let inFlight = 0;
  let most = 0;
  const send = async (command: Parameters<DynamoDBClient['send']>[0]) => {
    inFlight += 1;
    most = Math.max(most, inFlight);
    try {
      await sleep(2);
      return await real.send(command);
    } finally {
      inFlight -= 1;
    }
  };
  return { client: { send } as unknown as DynamoDBClient, most: () => most };
}

async function seededKey(count: number) {
  const { table, control } = await createTables(client());
  await seedItems(
    client(),
    table,
    Array.from({ length: count }, (_, i) => seedItem(i)),
  );
  const entry = await publishShardMap(client(), control, {
    tableName: table,
    logicalKey: LOGICAL_KEY,
    shards: SHARDS,
  });
  return { table, control, entry };
}

describe('the mover’s concurrency', () => {
  it('is 32 items in flight unless told', () => {
    expect(DEFAULT_CONCURRENCY).toBe(32);
  });

  it.each([
    [1, 1],
    [4, 4],
    [undefined, DEFAULT_CONCURRENCY],
  ])('with concurrency %s, has at most %i requests in flight and moves every item', async (asked, bound) => {
    const { control, entry } = await seededKey(100);
    const counter = inFlightCounter(client());

    const result = await moveBatch(counter.client, {
      entry,
      controlTable: control,
      keys: KEYS,
      batchSize: 100,
      ...(asked === undefined ? {} : { concurrency: asked }),
    });

    expect(result.read).toBe(100);
    expect(result.outcomes.copied).toBe(100);
    // Bounded, and used: the items' requests do overlap up to the bound.
    expect(counter.most()).toBe(bound);
  });

  it('refuses a concurrency outside 1..64', async () => {
    const { control, entry } = await seededKey(1);

    for (const concurrency of [0, 65]) {
      await expect(
        moveBatch(client(), { entry, controlTable: control, keys: KEYS, batchSize: 10, concurrency }),
      ).rejects.toThrow(/concurrency/);
    }
  });
});
