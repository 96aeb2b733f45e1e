/**
 * A key whose batches could not fit in one Standard execution (25,000 history events, enforced by
 * the local engine at AWS's number): 4,000 items moved one a batch would need at least 28,000 events
 * in a single execution. key-reshuffle moves them in runs of key-move-batches from checkpoint to
 * checkpoint, and every item arrives exactly once. Slow (about a minute), so it runs in
 * `npm run test:long`, which CI runs after `npm test`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { DEFAULT_DISPATCH_TABLES } from '../../domain/dispatch/tables.ts';
import { STANDARD_WORKFLOW_QUOTAS } from '../../engine/quotas.ts';
import { useLocalDynamoDb } from '../support/local-dynamodb.ts';
import {
  createHotKeyTable,
  engineWithKeyDemand,
  HOT_KEY,
  HOT_KEY_TABLE,
  keyInventory,
} from '../support/hot-key-table.ts';

const ITEMS = 4000;
/** Events a batch adds to a loop's history at the least (Task entered, scheduled, started, succeeded, exited; Choice entered, exited). */
const EVENTS_PER_BATCH = 7;

const dynamodb = useLocalDynamoDb();

beforeAll(() => createHotKeyTable(dynamodb(), ITEMS), 120_000);

afterAll(async () => {
  for (const name of [HOT_KEY_TABLE, DEFAULT_DISPATCH_TABLES.control, DEFAULT_DISPATCH_TABLES.ledger]) {
    await dynamodb()
      .send(new DeleteTableCommand({ TableName: name }))
      .catch(() => undefined);
  }
});

const inventory = (shards: number) => keyInventory(dynamodb(), shards);

describe('a key too big for one execution', () => {
  it('is reshuffled across executions under the 25,000-event quota, losing and duplicating nothing', async () => {
    expect(ITEMS * EVENTS_PER_BATCH).toBeGreaterThan(STANDARD_WORKFLOW_QUOTAS.maxHistoryEvents);
    const engine = await engineWithKeyDemand(dynamodb(), 1700);
    const before = await inventory(3);

    const run = await engine.run('key-reshuffle', {
      tableName: HOT_KEY_TABLE,
      logicalKey: HOT_KEY,
      policy: { routerCacheSeconds: 30, batchSize: 1 },
    });

    expect(run.cause ?? '').toBe('');
    expect(run.output).toMatchObject({ outcome: 'reshuffled', shards: 3, items: ITEMS });
    expect(await inventory(3)).toEqual(before);
    const moves = engine.executions().filter((e) => e.stateMachineArn.endsWith(':key-move-batches'));
    // At most 200 batches a run (the default budget), and one more that finds the key empty.
    expect(moves.length).toBeGreaterThanOrEqual(ITEMS / 200);
    const events = moves.reduce((sum, e) => sum + e.history.length, 0);
    // What one execution would have needed, had the loop stayed in it.
    expect(events).toBeGreaterThan(STANDARD_WORKFLOW_QUOTAS.maxHistoryEvents);
    for (const execution of engine.executions()) {
      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.history.length).toBeLessThan(STANDARD_WORKFLOW_QUOTAS.maxHistoryEvents);
    }
  }, 300_000);
});
