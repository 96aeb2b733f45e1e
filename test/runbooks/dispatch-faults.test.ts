import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { DeleteTableCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { LocalEngine } from '../../engine/local-engine.ts';
import { statesEntered } from '../../engine/history.ts';
import type { JsonValue } from '../../core/json.ts';
import { createDispatchTables, DEFAULT_DISPATCH_TABLES } from '../../domain/dispatch/tables.ts';
import { queryLedger } from '../../domain/dispatch/ledger.ts';
import { GLOBAL_SWITCH_KEY, writeRunbookSwitch } from '../../domain/dispatch/switches.ts';
import type { Routing } from '../../detectors/routing/routes.ts';
import { steadyDemandEngine } from '../support/runbook-engine.ts';
import { createProvisionedTable, useLocalDynamoDb } from '../support/local-dynamodb.ts';

/**
 * Dispatch when DynamoDB or selfheal itself misbehaves: lost responses, throttling, a cooldown
 * that begins while a run waits, a broken routing, an unreadable switch.
 */
const TABLES = DEFAULT_DISPATCH_TABLES;
const ALARM = JSON.parse(
  readFileSync(new URL('../../contracts/examples/cloudwatch-alarm-metric.json', import.meta.url), 'utf8'),
) as JsonValue;
const LOCK = 'lock#dynamodb-table/orders';

const dynamodb = useLocalDynamoDb();

/** A fault for the next command `matches` selects: thrown before it is sent, or after it succeeded. */
interface Fault {
  matches(command: string, input: Record<string, unknown>): boolean;
  when: 'before' | 'after';
  error?: Error;
  /** Runs instead of (or beside) failing, once, before the command is sent. */
  sideEffect?: () => Promise<void>;
}
let faults: Fault[] = [];

beforeAll(() => {
  dynamodb().middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as Record<string, unknown>;
      const index = faults.findIndex((f) => f.matches(context.commandName as string, input));
      const fault = index >= 0 ? faults.splice(index, 1)[0] : undefined;
      if (fault?.sideEffect) await fault.sideEffect();
      if (fault?.error && fault.when === 'before') throw fault.error;
      const output = await next(args);
      if (fault?.error && fault.when === 'after') throw fault.error;
      return output;
    },
    { step: 'initialize', name: 'injectFaults' },
  );
});

beforeEach(async () => {
  faults = [];
  await createDispatchTables(dynamodb(), TABLES);
  await createProvisionedTable(dynamodb(), 'orders');
  await writeRunbookSwitch(dynamodb(), TABLES.control, 'hot-shard', { live: true });
});

afterEach(async () => {
  faults = [];
  for (const name of [TABLES.control, TABLES.ledger, 'orders']) {
    await dynamodb()
      .send(new DeleteTableCommand({ TableName: name }))
      .catch(() => undefined);
  }
});

const engineFor = (routing?: Routing) =>
  steadyDemandEngine(dynamodb(), {
    tableName: 'orders',
    demand: { read: 100, write: 500 },
    ...(routing ? { routing } : {}),
  });
const awsError = (name: string, fault: 'client' | 'server') =>
  Object.assign(new Error(`${name} (injected)`), { name, $fault: fault, $metadata: {} });
const onLock = (command: string) => (name: string, input: Record<string, unknown>) =>
  name === command && JSON.stringify(input.Item ?? input.Key ?? {}).includes(LOCK);
const controlItem = async (pk: string) =>
  (await dynamodb().send(new GetItemCommand({ TableName: TABLES.control, Key: { pk: { S: pk } } }))).Item;
const ledger = (resource: string) => queryLedger(dynamodb(), TABLES.ledger, { resource });
const runbookRuns = (engine: LocalEngine) =>
  engine.executions().filter((e) => e.stateMachineArn.endsWith(':hot-shard'));

describe('dispatch under faults', () => {
  it('does not suppress its own run when the lock was written but the response was lost', async () => {
    faults.push({
      matches: onLock('PutItemCommand'),
      when: 'after',
      error: awsError('InternalServerError', 'server'),
    });
    const { engine } = await engineFor();
    const run = await engine.run('dispatch', ALARM);

    expect(run.status).toBe('SUCCEEDED');
    expect(statesEntered(run.history)).not.toContain('Record: already remediating');
    expect(runbookRuns(engine)).toHaveLength(1);
    expect(await controlItem(LOCK)).toBeUndefined();
  });

  it('suppresses the run when a cooldown began while it waited for the lock, and gives the lock back', async () => {
    faults.push({
      matches: onLock('PutItemCommand'),
      when: 'before',
      // Another run ends just before this one takes the lock, and starts the table's cooldown.
      sideEffect: async () => {
        await dynamodb().send(
          new PutItemCommand({
            TableName: TABLES.control,
            Item: { pk: { S: 'cooldown#dynamodb-table/orders' }, until: { S: '2026-01-01T12:15:00.000Z' } },
          }),
        );
      },
    });
    const { engine } = await engineFor();
    const run = await engine.run('dispatch', ALARM);

    expect(run.status).toBe('SUCCEEDED');
    expect(statesEntered(run.history)).toContain('Record: cooling down');
    expect(runbookRuns(engine)).toEqual([]);
    expect(await controlItem(LOCK)).toBeUndefined();
    expect((await ledger('dynamodb-table/orders')).map((r) => r.reason)).toEqual([
      'dynamodb-table/orders began a cooldown while this incident waited for its lock',
    ]);
  });

  it('retries a throttled lock release, so the lock is not held until its lease ends', async () => {
    faults.push({
      matches: onLock('DeleteItemCommand'),
      when: 'before',
      error: awsError('ProvisionedThroughputExceededException', 'client'),
    });
    const { engine } = await engineFor();
    const run = await engine.run('dispatch', ALARM);

    expect(run.status).toBe('SUCCEEDED');
    expect(await controlItem(LOCK)).toBeUndefined();
    expect(engine.notifications.messages).toHaveLength(1);
  });

  it('records a fault in reading the signal (a broken routing) instead of losing the alarm', async () => {
    const broken = {
      get alarms(): never {
        throw new TypeError('routing is broken');
      },
      runbooks: {},
    } as unknown as Routing;
    const { engine } = await engineFor(broken);
    const run = await engine.run('dispatch', ALARM);

    expect(run).toMatchObject({ status: 'FAILED', error: 'DispatchFailed' });
    expect(await ledger('unrouted')).toEqual([
      expect.objectContaining({
        decision: 'failed',
        // The error's type and its one-line message: its stack stays in the task's logs.
        reason: 'reading the signal failed: TypeError: routing is broken',
      }),
    ]);
  });

  it('treats a kill switch it cannot read as on: it fails closed', async () => {
    await dynamodb().send(
      new PutItemCommand({
        TableName: TABLES.control,
        Item: { pk: { S: GLOBAL_SWITCH_KEY }, enabled: { S: 'false' } },
      }),
    );
    const { engine } = await engineFor();
    await engine.run('dispatch', ALARM);

    expect(runbookRuns(engine)).toEqual([]);
    expect((await ledger('dynamodb-table/orders'))[0]).toMatchObject({
      decision: 'suppressed',
      reason: 'the global kill switch is on: selfheal changes nothing',
    });
  });
});
