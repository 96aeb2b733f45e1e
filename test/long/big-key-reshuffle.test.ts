/**
 * A key whose batches could not fit in one Standard execution (25,000 history events, enforced by
 * the local engine at AWS's number): 4,000 items moved one a batch would need some 36,000 events
 * in a single execution. key-reshuffle moves them in runs of key-move-batches from checkpoint to
 * checkpoint, and every item arrives exactly once. Slow (about a minute), so it runs in
 * `npm run test:long`, which CI runs after `npm test`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchWriteItemCommand, DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { VirtualClock } from '../../engine/virtual-clock.ts';
import { startRunbookEngine } from '../../engine/runbooks.ts';
import { createDispatchTables, DEFAULT_DISPATCH_TABLES } from '../../domain/dispatch/tables.ts';
import { snapshotLogicalKey } from '../../domain/reshuffle/verify.ts';
import { MetricStore } from '../../world/metric-store.ts';
import { contributorRuleNames, registerContributorRules } from '../../world/dynamodb/table-metrics.ts';
import { SimulatedAutoScaling } from '../../world/dynamodb/auto-scaling.ts';
import { createTable } from '../../world/dynamodb/table-world.ts';
import { STANDARD_WORKFLOW_QUOTAS } from '../../engine/quotas.ts';
import { useLocalDynamoDb } from '../support/local-dynamodb.ts';

const TABLE = 'events';
const KEY = 'events#checkout';
const ITEMS = 4000;
const START = Date.UTC(2026, 0, 1, 12, 0, 0);
/** Events a batch adds to a loop's history at the least (Task entered, scheduled, started, succeeded, exited; Choice entered, exited). */
const EVENTS_PER_BATCH = 7;

const dynamodb = useLocalDynamoDb();

beforeAll(async () => {
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
}, 120_000);

afterAll(async () => {
  for (const name of [TABLE, DEFAULT_DISPATCH_TABLES.control, DEFAULT_DISPATCH_TABLES.ledger]) {
    await dynamodb()
      .send(new DeleteTableCommand({ TableName: name }))
      .catch(() => undefined);
  }
});

const inventory = async (shards: number) => {
  const snapshot = await snapshotLogicalKey(dynamodb(), {
    tableName: TABLE,
    keys: { partitionKey: 'pk', sortKey: 'sk' },
    logicalKey: KEY,
    shards,
  });
  return { count: snapshot.count, checksum: snapshot.checksum };
};

describe('a key too big for one execution', () => {
  it('is reshuffled across executions under the 25,000-event quota, losing and duplicating nothing', async () => {
    expect(ITEMS * EVENTS_PER_BATCH).toBeGreaterThan(STANDARD_WORKFLOW_QUOTAS.maxHistoryEvents);
    const clock = new VirtualClock(START);
    const metrics = new MetricStore();
    const rules = contributorRuleNames(TABLE, START - 3_600_000);
    registerContributorRules(metrics, rules, TABLE, 'pk');
    for (let minute = 1; minute <= 30; minute++) {
      metrics.putContributors(rules.accessed, START - minute * 60_000, { keys: new Map([[KEY, 1700 * 60]]) });
    }
    const autoScaling = new SimulatedAutoScaling({
      dynamodb: dynamodb(),
      cloudwatch: metrics,
      now: () => clock.now(),
    });
    const ports = { dynamodb: dynamodb(), cloudwatch: metrics, autoScaling, now: () => clock.now() };
    const engine = await startRunbookEngine({ clock, ports, dynamodb: dynamodb(), seed: 1 });
    const before = await inventory(3);

    const run = await engine.run('key-reshuffle', {
      tableName: TABLE,
      logicalKey: KEY,
      policy: { routerCacheSeconds: 30, batchSize: 1 },
    });

    expect(run.cause ?? '').toBe('');
    expect(run.output).toMatchObject({ outcome: 'reshuffled', shards: 3, items: ITEMS });
    expect(await inventory(3)).toEqual(before);
    const moves = engine.executions().filter((e) => e.stateMachineArn.endsWith(':key-move-batches'));
    const events = moves.reduce((sum, e) => sum + e.history.length, 0);
    // What one execution would have needed, had the loop stayed in it.
    expect(events).toBeGreaterThan(STANDARD_WORKFLOW_QUOTAS.maxHistoryEvents);
    for (const execution of engine.executions()) {
      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.history.length).toBeLessThan(STANDARD_WORKFLOW_QUOTAS.maxHistoryEvents);
    }
  }, 300_000);
});
