import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeleteTableCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { statesEntered } from '../../engine/history.ts';
import type { ExecutionRecord, LocalEngine } from '../../engine/local-engine.ts';
import { TaskError } from '../../engine/bindings/task-error.ts';
import { DEFAULT_DISPATCH_TABLES } from '../../domain/dispatch/tables.ts';
import { readShardMap } from '../../domain/reshuffle/shard-map-store.ts';
import { readKeys, shardFor, shardKey } from '../../key-router/shard-map.ts';
import { useLocalDynamoDb } from '../support/local-dynamodb.ts';
import {
  createHotKeyTable,
  engineWithKeyDemand as keyDemandEngine,
  HOT_KEY,
  HOT_KEY_TABLE,
  sortKeyOf,
  keyInventory,
} from '../support/hot-key-table.ts';

const TABLE = HOT_KEY_TABLE;
const KEY = HOT_KEY;
const ITEMS = 1000;
const CONTROL = DEFAULT_DISPATCH_TABLES.control;

const dynamodb = useLocalDynamoDb();

beforeEach(() => createHotKeyTable(dynamodb(), ITEMS));

afterEach(async () => {
  for (const name of [TABLE, CONTROL, DEFAULT_DISPATCH_TABLES.ledger]) {
    await dynamodb()
      .send(new DeleteTableCommand({ TableName: name }))
      .catch(() => undefined);
  }
});

const engineWithKeyDemand = (perSecond: number) => keyDemandEngine(dynamodb(), perSecond);

async function itemsAt(key: string): Promise<string[]> {
  const sortKeys: string[] = [];
  let ExclusiveStartKey: Record<string, { S: string }> | undefined;
  do {
    const page = await dynamodb().send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: key } },
        ExclusiveStartKey,
      }),
    );
    sortKeys.push(...(page.Items ?? []).map((item) => item.sk?.S ?? ''));
    ExclusiveStartKey = page.LastEvaluatedKey as typeof ExclusiveStartKey;
  } while (ExclusiveStartKey);
  return sortKeys;
}

const request = (extra: object = {}, policy: object = {}) => ({
  tableName: TABLE,
  logicalKey: KEY,
  policy: { routerCacheSeconds: 30, batchSize: 100, ...policy },
  ...extra,
});

const EVERY_SORT_KEY = Array.from({ length: ITEMS }, (_, i) => sortKeyOf(i));
/** AWS fails a Standard execution at its 25,000th history event. */
const HISTORY_QUOTA = 25_000;

/** Count and checksum of the key's items, wherever they are (the logical key and `shards` shard keys). */
const inventory = (shards: number) => keyInventory(dynamodb(), shards);

/** Every item's sort key, at the logical key and at each of `shards` shards. */
const everyItem = async (shards: number) =>
  (await Promise.all(readKeys({ logicalKey: KEY, shards }).map((key) => itemsAt(key)))).flat().sort();

/** The runs of key-move-batches an engine started, in order. */
const moveRuns = (engine: LocalEngine): ExecutionRecord[] =>
  engine.executions().filter((e) => e.stateMachineArn.endsWith(':key-move-batches'));

const batchesOf = (run: ExecutionRecord): number =>
  (run.output as { batches?: number } | undefined)?.batches ?? Number.NaN;

/**
 * Moves virtual time on by `seconds` after every batch a run of key-move-batches moves. The
 * deadlines count from `$$.Execution.StartTime`, the execution's virtual start in the local engine
 * as in AWS, and the batch task reads the same virtual clock.
 */
function slowBatches(engine: LocalEngine, seconds: number): () => void {
  return engine.onHistoryEvent((executionArn, event) => {
    const result = event.taskSucceededEventDetails?.output ?? '';
    // A batch that moved items (one that found a deadline passed returns at once, reading nothing).
    const moved = event.type === 'TaskSucceeded' && !result.includes('"read":0,');
    if (executionArn.includes(':key-move-batches:') && moved) {
      void engine.clock.advance(seconds);
    }
  });
}

describe('the key-reshuffle runbook', () => {
  it('spreads a hot key over shards sized to its demand, moving every item exactly once', async () => {
    const engine = await engineWithKeyDemand(1700);
    const run = await engine.run('key-reshuffle', request());

    expect(run.cause ?? '').toBe('');
    expect(run.status).toBe('SUCCEEDED');
    // 1,700 requests/s × 1.3 headroom over 1,000 WCU a partition: 3 shards.
    expect(run.output).toMatchObject({ outcome: 'reshuffled', shards: 3, items: ITEMS });
    expect(await readShardMap(dynamodb(), CONTROL, { tableName: TABLE, logicalKey: KEY })).toMatchObject({
      shards: 3,
      state: 'active',
    });
    expect(await itemsAt(KEY)).toEqual([]);
    const placed = await Promise.all([0, 1, 2].map((shard) => itemsAt(shardKey(KEY, shard))));
    expect(placed.flat().sort()).toEqual(
      Array.from({ length: ITEMS }, (_, i) => `event#${String(i).padStart(5, '0')}`),
    );
    placed.forEach((sortKeys, shard) => {
      expect(sortKeys.length).toBeGreaterThan(ITEMS / 6);
      expect(sortKeys.every((sk) => shardFor(sk, 3) === shard)).toBe(true);
    });
    expect(statesEntered(run.history)).toContain('Give the applications time to see the shard map');
  });

  it('in dry-run, plans and moves nothing', async () => {
    const engine = await engineWithKeyDemand(1700);
    const run = await engine.run('key-reshuffle', request({ dryRun: true }));

    expect(run.output).toMatchObject({ outcome: 'dry-run', plan: { shards: 3 } });
    expect(await itemsAt(KEY)).toHaveLength(ITEMS);
    expect(await readShardMap(dynamodb(), CONTROL, { tableName: TABLE, logicalKey: KEY })).toBeNull();
  });

  it('refuses a key another run already owns, changing nothing', async () => {
    const engine = await engineWithKeyDemand(1700);
    await engine.run('key-reshuffle', request());
    const again = await engine.run('key-reshuffle', request());

    expect(again).toMatchObject({ status: 'FAILED', error: 'ShardMapConflictError' });
  });

  it('rejects an invalid request by name', async () => {
    const engine = await engineWithKeyDemand(1700);
    const run = await engine.run('key-reshuffle', { tableName: TABLE, logicalKey: '', shards: 9 });

    expect(run).toMatchObject({ status: 'FAILED', error: 'InvalidRequestError' });
  });
});

describe('the key-merge runbook', () => {
  it('merges a key that cooled down back to its original layout, and forgets the shard map', async () => {
    const hot = await engineWithKeyDemand(1700);
    await hot.run('key-reshuffle', request());
    const cool = await engineWithKeyDemand(200);
    const run = await cool.run('key-merge', request());

    expect(run.cause ?? '').toBe('');
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toMatchObject({ outcome: 'merged', items: ITEMS });
    expect(await itemsAt(KEY)).toHaveLength(ITEMS);
    for (const key of readKeys({ logicalKey: KEY, shards: 3 }).slice(1))
      expect(await itemsAt(key)).toEqual([]);
    expect(await readShardMap(dynamodb(), CONTROL, { tableName: TABLE, logicalKey: KEY })).toBeNull();
  });

  it('keeps the shards while the key is still hot', async () => {
    const hot = await engineWithKeyDemand(1700);
    await hot.run('key-reshuffle', request());
    const run = await hot.run('key-merge', request());

    expect(run.cause ?? '').toBe('');
    expect(run.output).toMatchObject({ outcome: 'still-hot' });
    expect(await itemsAt(KEY)).toEqual([]);
  });
});

describe('a key bigger than one execution can move', () => {
  it('is moved across several executions, each within its budget, every item exactly once', async () => {
    const before = await inventory(3);
    const engine = await engineWithKeyDemand(1700);
    // 1,000 items 25 a batch, 4 batches an execution.
    const run = await engine.run('key-reshuffle', request({}, { batchSize: 25, batchesPerExecution: 4 }));

    expect(run.cause ?? '').toBe('');
    expect(run.output).toMatchObject({ outcome: 'reshuffled', shards: 3, items: ITEMS });
    const runs = moveRuns(engine);
    expect(runs.length).toBe(11);
    expect(runs.every((r) => r.status === 'SUCCEEDED' && batchesOf(r) <= 4)).toBe(true);
    // 40 batches of items, one that finds nothing past the last checkpoint, one pass from the first
    // item that finds the key empty.
    expect(runs.reduce((sum, r) => sum + batchesOf(r), 0)).toBe(42);
    expect(await itemsAt(KEY)).toEqual([]);
    expect(await everyItem(3)).toEqual(EVERY_SORT_KEY);
    expect(await inventory(3)).toEqual(before);
    for (const execution of engine.executions()) expect(execution.history.length).toBeLessThan(HISTORY_QUOTA);
  }, 120_000);

  it('ends cleanly at the move deadline, keeping its checkpoint, and a run with resume goes on', async () => {
    const before = await inventory(3);
    const engine = await engineWithKeyDemand(1700);
    // Each batch takes 100 s of virtual time: a run stops after 240 s, the move after 780 s.
    const stop = slowBatches(engine, 100);
    const first = await engine.run('key-reshuffle', request({}, { batchSize: 25, batchesPerExecution: 4 }));
    stop();
    expect(first).toMatchObject({ status: 'FAILED', error: 'ReshuffleIncomplete' });
    expect(first.cause).toMatch(/^Moved \d+ batches in \d+ runs of key-move-batches, .* checkpoint \{"pk":/);
    expect(statesEntered(first.history)).not.toContain("Count the key's items after");
    // No timeout raced the deadline: every run of batches ended by itself.
    expect(moveRuns(engine).every((r) => r.status === 'SUCCEEDED')).toBe(true);
    expect(engine.executions().some((e) => e.status === 'TIMED_OUT')).toBe(false);
    const moved = ITEMS - (await itemsAt(KEY)).length;
    expect(moved).toBeGreaterThan(0);
    expect(moved).toBeLessThan(ITEMS);
    expect(await everyItem(3)).toEqual(EVERY_SORT_KEY);
    expect(await readShardMap(dynamodb(), CONTROL, { tableName: TABLE, logicalKey: KEY })).toMatchObject({
      state: 'sharding',
    });

    const resumed = await engine.run(
      'key-reshuffle',
      request({ resume: true }, { batchSize: 25, batchesPerExecution: 4 }),
    );

    expect(resumed.cause ?? '').toBe('');
    expect(resumed.output).toMatchObject({ outcome: 'reshuffled', shards: 3, items: ITEMS });
    expect(await itemsAt(KEY)).toEqual([]);
    expect(await everyItem(3)).toEqual(EVERY_SORT_KEY);
    expect(await inventory(3)).toEqual(before);
    expect(await readShardMap(dynamodb(), CONTROL, { tableName: TABLE, logicalKey: KEY })).toMatchObject({
      state: 'active',
    });
  }, 120_000);

  it('retries a run of batches Step Functions refused to start, and only that', async () => {
    const engine = await engineWithKeyDemand(1700);
    const start = engine.start.bind(engine);
    let refused = 0;
    engine.start = (reference, input, options) => {
      if (reference.endsWith(':key-move-batches') && refused === 0) {
        refused += 1;
        throw new TaskError(
          'StepFunctions.ExecutionLimitExceeded',
          'Maximum open executions reached (injected)',
        );
      }
      return start(reference, input, options);
    };
    const run = await engine.run('key-reshuffle', request());

    expect(run.cause ?? '').toBe('');
    expect(run.status).toBe('SUCCEEDED');
    expect(refused).toBe(1);
    const failed = run.history.filter((e) => e.type === 'TaskFailed');
    expect(failed.map((e) => e.taskFailedEventDetails?.error)).toEqual([
      'StepFunctions.ExecutionLimitExceeded',
    ]);
    expect(await everyItem(3)).toEqual(EVERY_SORT_KEY);
  }, 120_000);

  it('is merged back across several executions per shard', async () => {
    const before = await inventory(3);
    const hot = await engineWithKeyDemand(1700);
    await hot.run('key-reshuffle', request());
    const cool = await engineWithKeyDemand(200);
    const run = await cool.run('key-merge', request({}, { batchSize: 25, batchesPerExecution: 4 }));

    expect(run.cause ?? '').toBe('');
    expect(run.output).toMatchObject({ outcome: 'merged', items: ITEMS });
    const runs = moveRuns(cool);
    // About 333 items a shard, 25 a batch: 14 batches and the last pass, 4 an execution.
    expect(runs.length).toBeGreaterThanOrEqual(3 * 4);
    expect(runs.every((r) => r.status === 'SUCCEEDED' && batchesOf(r) <= 4)).toBe(true);
    expect((await itemsAt(KEY)).sort()).toEqual(EVERY_SORT_KEY);
    expect(await inventory(3)).toEqual(before);
    expect(await readShardMap(dynamodb(), CONTROL, { tableName: TABLE, logicalKey: KEY })).toBeNull();
    for (const execution of cool.executions()) expect(execution.history.length).toBeLessThan(HISTORY_QUOTA);
  }, 120_000);

  it('ends a merge cleanly at the move deadline, and a merge with resume goes on', async () => {
    const before = await inventory(3);
    const hot = await engineWithKeyDemand(1700);
    await hot.run('key-reshuffle', request());
    const cool = await engineWithKeyDemand(200);
    // Three shards move at once, each batch 100 s: the move deadline (1,500 s) comes first.
    const stop = slowBatches(cool, 100);
    const first = await cool.run('key-merge', request({}, { batchSize: 25, batchesPerExecution: 4 }));
    stop();

    expect(first).toMatchObject({ status: 'FAILED', error: 'MergeIncomplete' });
    expect(cool.executions().some((e) => e.status === 'TIMED_OUT')).toBe(false);
    expect(await everyItem(3)).toEqual(EVERY_SORT_KEY);
    expect(await readShardMap(dynamodb(), CONTROL, { tableName: TABLE, logicalKey: KEY })).toMatchObject({
      state: 'merging',
    });

    const resumed = await cool.run('key-merge', request({ resume: true }, { batchSize: 25 }));

    expect(resumed.cause ?? '').toBe('');
    expect(resumed.output).toMatchObject({ outcome: 'merged', items: ITEMS });
    expect((await itemsAt(KEY)).sort()).toEqual(EVERY_SORT_KEY);
    expect(await inventory(3)).toEqual(before);
    expect(await readShardMap(dynamodb(), CONTROL, { tableName: TABLE, logicalKey: KEY })).toBeNull();
  }, 120_000);
});
