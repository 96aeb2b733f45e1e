import { describe, expect, it } from 'vitest';
import { DeleteItemCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { useLocalDynamoDb } from '../../support/local-dynamodb.ts';
import { InvalidRequestError } from '../../../domain/errors.ts';
import { ShardMapStateError } from '../../../domain/reshuffle/errors.ts';
import { moveAll, moveBatch } from '../../../domain/reshuffle/move.ts';
import { advanceShardState, publishShardMap } from '../../../domain/reshuffle/shard-map-store.ts';
import { shardFor, shardKey, writeKey, type ShardMapEntry } from '../../../key-router/shard-map.ts';
import type { Checkpoint, Item } from '../../../domain/reshuffle/items.ts';
import type { BatchResult, RelocateOutcome } from '../../../domain/reshuffle/relocate.ts';
import { KEYS, LOGICAL_KEY, SHARDS, SOAK_ITEMS, soakLabel, TEN_THOUSAND_TIMEOUT } from './support.ts';
import { createTables, richItem, seedItem, seedItems, sortKey, contentWithoutKey } from './support.ts';
import { readLayout, duplicates, snapshotOf, expectSameItems, runTenThousand } from './support.ts';
import { putPayload, updateItem, setPayload, payloadContent } from './support.ts';
import { crashingClient, crashOf, random } from './support.ts';
import { interleavingClient, isItemCommand, type SentCommand } from './support.ts';

const client = useLocalDynamoDb();
type Client = ReturnType<typeof client>;

interface Seeded {
  table: string;
  control: string;
  entry: ShardMapEntry;
  /** Sort key -> the content each item must end with (without its partition key). */
  expected: Map<string, string>;
}

async function seeded(count: number, make: (i: number) => Item = seedItem): Promise<Seeded> {
  const { table, control } = await createTables(client());
  const items = Array.from({ length: count }, (_, i) => make(i));
  await seedItems(client(), table, items);
  const entry = await publishShardMap(client(), control, {
    tableName: table,
    logicalKey: LOGICAL_KEY,
    shards: SHARDS,
  });
  return {
    table,
    control,
    entry,
    expected: new Map(items.map((item) => [item.sk!.S!, contentWithoutKey(item)])),
  };
}

const snapshot = (table: string) => snapshotOf(client(), table);

/** The item `sk` stored at physical key `pk`, if any. */
const itemAt = (table: string, pk: string, sk: string) =>
  client()
    .send(
      new GetItemCommand({ TableName: table, Key: { pk: { S: pk }, sk: { S: sk } }, ConsistentRead: true }),
    )
    .then((result) => result.Item);

/** Every item exactly once, at the shard the layout gives it, with the expected content; none left. */
async function expectSharded(table: string, expected: Map<string, string>) {
  const layout = await readLayout(client(), table, SHARDS);
  expect(layout.perKey.get(LOGICAL_KEY)).toEqual([]);
  expect(duplicates(layout)).toEqual([]);
  expect(layout.copies.size).toBe(expected.size);
  expect(layout.content).toEqual(expected);
  for (let shard = 0; shard < SHARDS; shard++) {
    for (const item of layout.perKey.get(shardKey(LOGICAL_KEY, shard))!) {
      expect(shardFor(item.sk!.S!, SHARDS)).toBe(shard);
    }
  }
  return layout;
}

/** Where the runbook's loop is: the checkpoint it kept last, and what its batches did so far. */
interface Progress {
  checkpoint: Checkpoint | null;
  batches: number;
  outcomes: Record<string, number>;
}

const startingAt = (checkpoint: Checkpoint | null = null): Progress => ({
  checkpoint,
  batches: 0,
  outcomes: {},
});

/**
 * The runbook's loop: batches from `progress.checkpoint` until done. `progress` is updated after
 * every batch, so when a crash cuts the loop short it holds what the runbook had kept.
 */
async function runBatches(
  dynamodb: Client,
  { entry, control }: Pick<Seeded, 'entry' | 'control'>,
  progress: Progress = startingAt(),
  batchSize = 100,
): Promise<Progress> {
  for (;;) {
    const result: BatchResult = await moveBatch(dynamodb, {
      entry,
      controlTable: control,
      keys: KEYS,
      batchSize,
      checkpoint: progress.checkpoint,
    });
    // What the runbook keeps: the state's output, as JSON.
    progress.checkpoint = JSON.parse(JSON.stringify(result)).checkpoint;
    progress.batches += 1;
    for (const [outcome, n] of Object.entries(result.outcomes))
      progress.outcomes[outcome] = (progress.outcomes[outcome] ?? 0) + n;
    if (result.done) return progress;
  }
}

/** The runbook's loop on a client set to crash, until it does: where the loop was then. */
async function runUntilCrash(
  dynamodb: Client,
  seeded: Pick<Seeded, 'entry' | 'control'>,
  batchSize?: number,
): Promise<Progress> {
  const progress = startingAt();
  await crashOf(runBatches(dynamodb, seeded, progress, batchSize));
  return progress;
}

const NO_OUTCOMES: Record<RelocateOutcome, number> = {
  copied: 0,
  'already-copied': 0,
  recopied: 0,
  'kept-target': 0,
  'original-deleted': 0,
};

describe('moving a hot key to its shards', () => {
  it(
    `moves ${soakLabel} items: count and checksum equal, every item once at its shard, none left`,
    async () => {
      const { table, control, entry, expected } = await seeded(SOAK_ITEMS);
      const before = await snapshot(table);
      expect(before.count).toBe(SOAK_ITEMS);

      const summary = await runTenThousand('moved', (large) =>
        moveAll(client(), { entry, controlTable: control, keys: KEYS, ...large }),
      );

      expect(summary.read).toBe(SOAK_ITEMS);
      expect(summary.outcomes).toEqual({ ...NO_OUTCOMES, copied: SOAK_ITEMS });
      const after = await expectSameItems(client(), before, table);
      expect(after.perKey[LOGICAL_KEY]).toBe(0);
      const layout = await expectSharded(table, expected);
      for (let shard = 0; shard < SHARDS; shard++) {
        // sha256 of the sort key spreads them evenly: no shard near empty or near double its share.
        const count = layout.perKey.get(shardKey(LOGICAL_KEY, shard))!.length;
        expect(count).toBeGreaterThan((0.8 * SOAK_ITEMS) / SHARDS);
        expect(count).toBeLessThan((1.2 * SOAK_ITEMS) / SHARDS);
      }
      // The journal is gone once the move is done: the control table holds only the shard map.
      const journal = await client().send(
        new GetItemCommand({
          TableName: control,
          Key: { pk: { S: `reshuffle-journal#${table}#${LOGICAL_KEY}` } },
          ConsistentRead: true,
        }),
      );
      expect(journal.Item).toBeUndefined();
    },
    TEN_THOUSAND_TIMEOUT,
  );

  it('moves items with every attribute type unchanged', async () => {
    const { table, control, entry, expected } = await seeded(150, richItem);
    const before = await snapshot(table);
    await moveAll(client(), { entry, controlTable: control, keys: KEYS, batchSize: 40 });
    await expectSameItems(client(), before, table);
    await expectSharded(table, expected);
  });

  it('returns a JSON-safe result the next batch starts from', async () => {
    const { table, control, entry } = await seeded(250);
    const first = await moveBatch(client(), { entry, controlTable: control, keys: KEYS, batchSize: 100 });
    expect(JSON.parse(JSON.stringify(first))).toEqual(first);
    expect(first).toMatchObject({ sourceKey: LOGICAL_KEY, read: 100, done: false });
    expect(first.checkpoint).toEqual({ pk: { S: LOGICAL_KEY }, sk: { S: sortKey(99) } });
    const layout = await readLayout(client(), table, SHARDS);
    expect(layout.perKey.get(LOGICAL_KEY)!.map((item) => item.sk!.S)).toEqual(
      Array.from({ length: 150 }, (_, i) => sortKey(100 + i)),
    );
  });

  it('refuses a key that is not sharding, and a malformed request', async () => {
    const { control, entry } = await seeded(1);
    const { entry: active } = await advanceShardState(client(), control, entry);
    await expect(
      moveBatch(client(), { entry: active!, controlTable: control, keys: KEYS }),
    ).rejects.toBeInstanceOf(ShardMapStateError);
    await expect(
      moveBatch(client(), { entry, controlTable: control, keys: KEYS, batchSize: 5000 }),
    ).rejects.toBeInstanceOf(InvalidRequestError);
  });
});

describe('a crash and a re-run', () => {
  const COUNT = 1_000;
  const dataCommand = (table: string, operation: string) => (command: SentCommand) =>
    command.constructor.name === `${operation}Command` && command.input.TableName === table;

  it.each([
    { seed: 1, when: 'before' as const },
    { seed: 2, when: 'after' as const },
    { seed: 3, when: 'before' as const },
    { seed: 4, when: 'after' as const },
  ])(
    'crashes mid-batch after a random batch (seed $seed, $when a command) and resumes from its checkpoint',
    async ({ seed, when }) => {
      const { table, control, entry, expected } = await seeded(COUNT);
      const before = await snapshot(table);
      const next = random(seed);
      // Each batch of 100 sends ~200 data commands and 3 journal/query commands: a crash in batch 2..9.
      const crashAt = 250 + Math.floor(next() * 1600);
      const crashing = crashingClient(client(), crashAt, { when });

      const crashed = await runUntilCrash(crashing.client, { entry, control }, 100);
      expect(crashing.crashed()).toBe(true);
      expect(crashed.batches).toBeGreaterThan(0);

      // Mid-crash: nothing lost, though an item may be in two places.
      const torn = await readLayout(client(), table, SHARDS);
      expect(torn.copies.size).toBe(COUNT);

      const { outcomes } = await runBatches(client(), { entry, control }, startingAt(crashed.checkpoint));
      await expectSharded(table, expected);
      await expectSameItems(client(), before, table);
      expect(outcomes['kept-target'] ?? 0).toBe(0);
      expect(outcomes.recopied ?? 0).toBe(0);
    },
  );

  it('crashes at every single command in turn (before and after it is applied) and recovers from each', async () => {
    // 8 items in batches of 3: every command of the whole move is a crash point once.
    const clean = await seeded(8);
    const counting = crashingClient(client(), Number.POSITIVE_INFINITY);
    await runBatches(counting.client, clean, startingAt(), 3);
    const commands = counting.matched();
    expect(commands).toBeGreaterThan(20);

    for (const when of ['before', 'after'] as const) {
      for (let crashAt = 1; crashAt <= commands; crashAt++) {
        const { table, control, entry, expected } = await seeded(8);
        const crashing = crashingClient(client(), crashAt, { when });
        const crashed = await runUntilCrash(crashing.client, { entry, control }, 3);
        await runBatches(client(), { entry, control }, startingAt(crashed.checkpoint), 3);
        await expectSharded(table, expected);
      }
    }
  });

  it('crashes between copies and their deletes, and resumes from its checkpoint', async () => {
    const { table, control, entry, expected } = await seeded(COUNT);
    const before = await snapshot(table);
    // The 530th delete of an original: batch 6, its in-flight items copied but not deleted.
    const crashing = crashingClient(client(), 530, { matches: dataCommand(table, 'DeleteItem') });
    const { checkpoint } = await runUntilCrash(crashing.client, { entry, control });
    expect(checkpoint).toEqual({ pk: { S: LOGICAL_KEY }, sk: { S: sortKey(499) } });

    const torn = await readLayout(client(), table, SHARDS);
    const both = duplicates(torn);
    expect(both.length).toBeGreaterThan(0); // copied, original not deleted yet

    const { outcomes } = await runBatches(client(), { entry, control }, startingAt(checkpoint));
    expect(outcomes['already-copied']).toBe(both.length);
    await expectSharded(table, expected);
    await expectSameItems(client(), before, table);
  });

  it('crashes after a copy was written but before its answer came, and re-runs from scratch', async () => {
    const { table, control, entry, expected } = await seeded(COUNT);
    const before = await snapshot(table);
    const crashing = crashingClient(client(), 777, { when: 'after', matches: dataCommand(table, 'PutItem') });
    await crashOf(moveAll(crashing.client, { entry, controlTable: control, keys: KEYS, batchSize: 100 }));

    const { outcomes } = await runBatches(client(), { entry, control });
    expect(outcomes['already-copied']).toBeGreaterThan(0);
    await expectSharded(table, expected);
    await expectSameItems(client(), before, table);
  });

  /**
   * 300 items, the move crashed just before it deletes the original of item `i` (the victim): its
   * copy at `target` is written, the original stays, and nothing runs until the re-run.
   */
  async function crashedBeforeDeletingOriginal(i: number) {
    const ctx = await seeded(300);
    const victim = sortKey(i);
    const crashing = crashingClient(client(), 1, {
      matches: (command) => isItemCommand(command, 'DeleteItem', LOGICAL_KEY, victim),
    });
    await crashOf(
      moveAll(crashing.client, { entry: ctx.entry, controlTable: ctx.control, keys: KEYS, batchSize: 100 }),
    );
    return { ...ctx, victim, target: writeKey(ctx.entry, LOGICAL_KEY, victim) };
  }

  it('an original updated in place between the crash and the re-run: the re-run moves the update', async () => {
    const { table, control, entry, expected, victim, target } = await crashedBeforeDeletingOriginal(120);
    // A writer that does not route yet updates the original in place while nothing runs.
    await updateItem(
      client(),
      table,
      { pk: LOGICAL_KEY, sk: victim },
      setPayload('updated in place after the crash'),
    );
    expect((await itemAt(table, target, victim))?.payload?.S).toBe(`order 120 of ${LOGICAL_KEY}, version 1`);

    const { outcomes } = await runBatches(client(), { entry, control });
    expect(outcomes.recopied).toBe(1);
    expected.set(victim, payloadContent(victim, 'updated in place after the crash'));
    await expectSharded(table, expected);
  });

  it('a copy changed through the router between the crash and the re-run: the re-run keeps it', async () => {
    const { table, control, entry, expected, victim, target } = await crashedBeforeDeletingOriginal(40);
    await updateItem(client(), table, { pk: target, sk: victim }, setPayload('updated through the router'));

    const { outcomes } = await runBatches(client(), { entry, control });
    expect(outcomes['kept-target']).toBe(1);
    expected.set(victim, payloadContent(victim, 'updated through the router'));
    await expectSharded(table, expected);
  });
});

describe('application writes landing between the mover’s steps', () => {
  const VICTIM = sortKey(7);

  /** Moves 20 rich items with `action` run once just before the matching command of the victim. */
  async function moveWith(
    operation: 'PutItem' | 'DeleteItem',
    action: (ctx: { table: string; target: string }) => Promise<void>,
  ) {
    const ctx = await seeded(20, richItem);
    const target = writeKey(ctx.entry, LOGICAL_KEY, VICTIM);
    const key = operation === 'PutItem' ? target : LOGICAL_KEY;
    const hooked = interleavingClient(
      client(),
      (command) => isItemCommand(command, operation, key, VICTIM),
      () => action({ table: ctx.table, target }),
    );
    const summary = await moveAll(hooked.client, { entry: ctx.entry, controlTable: ctx.control, keys: KEYS });
    expect(hooked.ran()).toBe(1);
    return { ...ctx, target, summary };
  }

  const victimAt = (table: string, pk: string) => itemAt(table, pk, VICTIM);

  it('an in-place update of a nested attribute after the copy: the newer content is re-copied', async () => {
    const { table, target, summary, expected } = await moveWith('DeleteItem', ({ table }) =>
      updateItem(
        client(),
        table,
        { pk: LOGICAL_KEY, sk: VICTIM },
        { expression: 'SET detail.address.city = :c', values: { ':c': { S: 'Porto' } } },
      ),
    );
    expect(summary.outcomes).toEqual({ ...NO_OUTCOMES, copied: 19, recopied: 1 });
    const moved = await victimAt(table, target);
    expect(moved?.detail?.M?.address?.M?.city?.S).toBe('Porto');
    expected.set(VICTIM, contentWithoutKey(moved!));
    await expectSharded(table, expected);
  });

  it('an attribute added in place after the copy: carried over to the copy', async () => {
    const { table, target, expected } = await moveWith('DeleteItem', ({ table }) =>
      updateItem(
        client(),
        table,
        { pk: LOGICAL_KEY, sk: VICTIM },
        { expression: 'SET shippedAt = :t', values: { ':t': { S: '2026-01-01T12:00:00Z' } } },
      ),
    );
    const moved = await victimAt(table, target);
    expect(moved?.shippedAt?.S).toBe('2026-01-01T12:00:00Z');
    expect(contentWithoutKey({ ...moved! })).not.toBe(expected.get(VICTIM));
    expected.set(VICTIM, contentWithoutKey(moved!));
    await expectSharded(table, expected);
  });

  it('a write through the router after the copy: the original goes, the router’s write stays', async () => {
    const { table, target, summary, expected } = await moveWith('DeleteItem', ({ table, target }) =>
      putPayload(client(), table, { pk: target, sk: VICTIM }, 'written through the router'),
    );
    expect(summary.outcomes).toEqual({ ...NO_OUTCOMES, copied: 20 });
    expect((await victimAt(table, target))?.payload?.S).toBe('written through the router');
    expected.set(VICTIM, payloadContent(VICTIM, 'written through the router'));
    await expectSharded(table, expected);
  });

  it('a write through the router before the copy: it is not overwritten', async () => {
    const { table, target, summary, expected } = await moveWith('PutItem', ({ table, target }) =>
      putPayload(client(), table, { pk: target, sk: VICTIM }, 'written through the router first'),
    );
    expect(summary.outcomes).toEqual({ ...NO_OUTCOMES, copied: 19, 'kept-target': 1 });
    expected.set(VICTIM, payloadContent(VICTIM, 'written through the router first'));
    expect((await victimAt(table, target))?.payload?.S).toBe('written through the router first');
    await expectSharded(table, expected);
  });

  it('the original deleted after the copy: the delete holds, the copy is withdrawn', async () => {
    const { table, summary, expected } = await moveWith('DeleteItem', async ({ table }) => {
      await client().send(
        new DeleteItemCommand({ TableName: table, Key: { pk: { S: LOGICAL_KEY }, sk: { S: VICTIM } } }),
      );
    });
    expect(summary.outcomes).toEqual({ ...NO_OUTCOMES, copied: 19, 'original-deleted': 1 });
    expected.delete(VICTIM);
    await expectSharded(table, expected);
  });
});

describe('concurrent application writes during the move', () => {
  it('new items through the router, router updates and in-place updates all survive, latest content', async () => {
    const COUNT = 2_000;
    const { table, control, entry, expected } = await seeded(COUNT);
    const rng = random(42);
    /** Index of the first item the mover has not reached yet (from its checkpoints). */
    let frontier = 0;
    let moving = true;
    const tally = { created: 0, routed: 0, inPlace: 0, inPlaceFellBack: 0 };

    const routerPut = async (sk: string, payload: string) => {
      await putPayload(client(), table, { pk: writeKey(entry, LOGICAL_KEY, sk), sk }, payload);
      expected.set(sk, payloadContent(sk, payload));
    };
    /** A writer that has not picked up the shard map: updates the original where it is, else routes. */
    const inPlaceUpdate = async (sk: string, payload: string) => {
      try {
        await updateItem(
          client(),
          table,
          { pk: LOGICAL_KEY, sk },
          setPayload(payload, 'attribute_exists(pk)'),
        );
        tally.inPlace += 1;
      } catch (error) {
        if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
        await updateItem(client(), table, { pk: writeKey(entry, LOGICAL_KEY, sk), sk }, setPayload(payload));
        tally.inPlaceFellBack += 1;
      }
      expected.set(sk, payloadContent(sk, payload));
    };

    /** One application worker: items i ≡ worker (mod 4), so each item's writes are in order. */
    const application = async (worker: number) => {
      let version = 1;
      while (moving) {
        version += 1;
        // Items just ahead of the mover: updated in place (odd) or through the router (even).
        const base = frontier + Math.floor(rng() * 150);
        const i = base - (base % 4) + worker;
        if (i < COUNT) {
          if (i % 2 === 1) await inPlaceUpdate(sortKey(i), `in place, version ${version}`);
          else await routerPut(sortKey(i), `through the router, version ${version}`);
          tally.routed += i % 2 === 0 ? 1 : 0;
        }
        await routerPut(`new#${worker}#${String(version).padStart(6, '0')}`, `created during the move`);
        tally.created += 1;
      }
    };

    const writers = [0, 1, 2, 3].map(application);
    const summary = await moveAll(
      client(),
      { entry, controlTable: control, keys: KEYS, batchSize: 100, concurrency: 8 },
      (result) => {
        if (result.checkpoint)
          frontier = Number((result.checkpoint.sk as { S: string }).S.slice('order#'.length)) + 1;
      },
    );
    moving = false;
    await Promise.all(writers);

    expect(tally.created).toBeGreaterThan(100);
    expect(tally.routed).toBeGreaterThan(50);
    expect(tally.inPlace).toBeGreaterThan(50);
    expect(summary.outcomes['kept-target']).toBeGreaterThan(0);
    await expectSharded(table, expected);
    console.info(`concurrent writes during the move: ${JSON.stringify(tally)}; ${JSON.stringify(summary)}`);
  });
});
