import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BatchWriteItemCommand, DeleteTableCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { VirtualClock } from '../../engine/virtual-clock.ts';
import { startRunbookEngine } from '../../engine/runbooks.ts';
import { statesEntered } from '../../engine/history.ts';
import { createDispatchTables, DEFAULT_DISPATCH_TABLES } from '../../domain/dispatch/tables.ts';
import { readShardMap } from '../../domain/reshuffle/shard-map-store.ts';
import { readKeys, shardFor, shardKey } from '../../domain/reshuffle/shard-map.ts';
import { MetricStore } from '../../world/metric-store.ts';
import { contributorRuleNames, registerContributorRules } from '../../world/dynamodb/table-metrics.ts';
import { SimulatedAutoScaling } from '../../world/dynamodb/auto-scaling.ts';
import { createTable } from '../../world/dynamodb/table-world.ts';
import { useLocalDynamoDb } from '../support/local-dynamodb.ts';

const TABLE = 'events';
const KEY = 'events#checkout';
const ITEMS = 1000;
const CONTROL = DEFAULT_DISPATCH_TABLES.control;
const START = Date.UTC(2026, 0, 1, 12, 0, 0);

const dynamodb = useLocalDynamoDb();

beforeEach(async () => {
  await createDispatchTables(dynamodb(), DEFAULT_DISPATCH_TABLES);
  await createTable(dynamodb(), { tableName: TABLE, readCapacityUnits: 1000, writeCapacityUnits: 4000 });
  for (let i = 0; i < ITEMS; i += 25) {
    const batch = Array.from({ length: 25 }, (_, j) => ({
      PutRequest: {
        Item: {
          pk: { S: KEY },
          sk: { S: `event#${String(i + j).padStart(5, '0')}` },
          total: { N: String(i + j) },
        },
      },
    }));
    await dynamodb().send(new BatchWriteItemCommand({ RequestItems: { [TABLE]: batch } }));
  }
});

afterEach(async () => {
  for (const name of [TABLE, CONTROL, DEFAULT_DISPATCH_TABLES.ledger]) {
    await dynamodb()
      .send(new DeleteTableCommand({ TableName: name }))
      .catch(() => undefined);
  }
});

/** An engine whose CloudWatch shows the key asked `perSecond` requests a second for the last half hour. */
async function engineWithKeyDemand(perSecond: number) {
  const clock = new VirtualClock(START);
  const metrics = new MetricStore();
  const rules = contributorRuleNames(TABLE, START - 3_600_000);
  registerContributorRules(metrics, rules, TABLE, 'pk');
  for (let minute = 1; minute <= 30; minute++) {
    metrics.putContributors(rules.accessed, START - minute * 60_000, {
      keys: new Map([[KEY, perSecond * 60]]),
    });
  }
  const autoScaling = new SimulatedAutoScaling({
    dynamodb: dynamodb(),
    cloudwatch: metrics,
    now: () => clock.now(),
  });
  const ports = { dynamodb: dynamodb(), cloudwatch: metrics, autoScaling, now: () => clock.now() };
  return startRunbookEngine({ clock, ports, dynamodb: dynamodb(), seed: 1 });
}

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

const request = (extra: object = {}) => ({
  tableName: TABLE,
  logicalKey: KEY,
  policy: { routerCacheSeconds: 30, batchSize: 100 },
  ...extra,
});

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
