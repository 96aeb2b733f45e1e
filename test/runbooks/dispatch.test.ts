import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import {
  DeleteTableCommand,
  DescribeTableCommand,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { LocalEngine, ExecutionRecord } from '../../engine/local-engine.ts';
import { statesEntered } from '../../engine/history.ts';
import { createDispatchTables, DEFAULT_DISPATCH_TABLES } from '../../domain/dispatch/tables.ts';
import { queryLedger } from '../../domain/dispatch/ledger.ts';
import { writeGlobalSwitch, writeRunbookSwitch } from '../../domain/dispatch/switches.ts';
import { steadyDemandEngine } from '../support/runbook-engine.ts';
import { createProvisionedTable, useLocalDynamoDb } from '../support/local-dynamodb.ts';
import type { JsonValue } from '../../core/json.ts';
import { DEFAULT_ROUTING } from '../../detectors/routing/routes.ts';

const TABLES = DEFAULT_DISPATCH_TABLES;
const ALARM = JSON.parse(
  readFileSync(new URL('../../contracts/examples/cloudwatch-alarm-metric.json', import.meta.url), 'utf8'),
) as Record<string, unknown> & { detail: Record<string, unknown> };

const dynamodb = useLocalDynamoDb();
const createTable = (name: string) => createProvisionedTable(dynamodb(), name);

beforeEach(async () => {
  await createDispatchTables(dynamodb(), TABLES);
  for (const name of ['orders', 'carts']) await createTable(name);
});

afterEach(async () => {
  for (const name of [TABLES.control, TABLES.ledger, 'orders', 'carts']) {
    await dynamodb()
      .send(new DeleteTableCommand({ TableName: name }))
      .catch(() => undefined);
  }
});

// Every table asks for 500 WCU/s: more than its 100, so the hot-shard runbook raises it.
const dispatchEngine = () =>
  steadyDemandEngine(dynamodb(), { tableName: 'orders', demand: { read: 100, write: 500 } });

/** The fixture alarm (WriteThrottleEvents on a table), in `state` at `minute` past midnight. */
function alarmEvent(
  options: { table?: string; state?: string; minute?: number; metric?: string } = {},
): JsonValue {
  const event = structuredClone(ALARM);
  const detail = event.detail as {
    alarmName: string;
    state: { value: string; timestamp: string };
    configuration: {
      metrics: { metricStat: { metric: { name: string; dimensions: Record<string, string> } } }[];
    };
  };
  const minute = String(options.minute ?? 5).padStart(2, '0');
  detail.alarmName = `throttling-${options.table ?? 'orders'}`;
  detail.state.value = options.state ?? 'ALARM';
  detail.state.timestamp = `2026-01-01T00:${minute}:40.989+0000`;
  const metric = detail.configuration.metrics[0]!.metricStat.metric;
  metric.dimensions = { TableName: options.table ?? 'orders' };
  if (options.metric) metric.name = options.metric;
  return event as JsonValue;
}

const live = (runbook = 'hot-shard', change = {}) =>
  writeRunbookSwitch(dynamodb(), TABLES.control, runbook, { live: true, ...change });
const ledger = (resource: string) => queryLedger(dynamodb(), TABLES.ledger, { resource });
const decisions = async (resource: string) => (await ledger(resource)).map((r) => r.decision);
const controlItem = async (pk: string) =>
  (await dynamodb().send(new GetItemCommand({ TableName: TABLES.control, Key: { pk: { S: pk } } }))).Item;
const writeCapacity = async (table: string) =>
  (await dynamodb().send(new DescribeTableCommand({ TableName: table }))).Table?.ProvisionedThroughput
    ?.WriteCapacityUnits;
const runbookRuns = (engine: LocalEngine) =>
  engine.executions().filter((e: ExecutionRecord) => e.stateMachineArn.endsWith(':hot-shard'));

describe('the dispatch state machine', () => {
  it('hands the hot-shard runbook the table policy the routing names for the table', async () => {
    await live();
    const policy = { maxWriteCapacityUnits: 600, headroomPercent: 10 };
    const routing = { ...DEFAULT_ROUTING, tables: { orders: { policy } } };
    const { engine } = await steadyDemandEngine(dynamodb(), {
      tableName: 'orders',
      demand: { read: 100, write: 500 },
      routing,
    });
    const run = await engine.run('dispatch', alarmEvent());

    expect(run.status).toBe('SUCCEEDED');
    expect(runbookRuns(engine)[0]?.input).toMatchObject({ tableName: 'orders', policy });
    // 500 writes/s and 10 % headroom would ask for 550; the table's own cap of 600 holds.
    expect(await writeCapacity('orders')).toBe(550);
  });

  it('starts the hot-shard runbook for a throttling alarm, records it, releases the lock and tells the operators', async () => {
    await live();
    const { engine } = await dispatchEngine();
    const run = await engine.run('dispatch', alarmEvent());

    expect(run.status).toBe('SUCCEEDED');
    expect(statesEntered(run.history)).toEqual([
      'Take the event as delivered',
      'Read the signal',
      'Is there work to do?',
      'Check the guardrails',
      'May it run?',
      'Take the resource lock',
      'Read the cooldown under the lock',
      'Is it still cooling down?',
      'Is it a dry run?',
      "Count the action against the runbook's hourly limit",
      'Count the action against the global hourly limit',
      'Record the start',
      'Which runbook?',
      'Run the hot-shard runbook',
      'Did it change anything?',
      'Start the cooldown',
      'Summarise the outcome',
      'Record the outcome',
      'Release the resource lock',
      'Tell the operators',
      'Did the runbook succeed?',
      'Remediation done',
    ]);
    expect(runbookRuns(engine)).toHaveLength(1);
    expect(runbookRuns(engine)[0]?.parentExecutionArn).toBe(run.executionArn);
    expect(await writeCapacity('orders')).toBe(650);
    expect(await decisions('dynamodb-table/orders')).toEqual(['started', 'succeeded']);
    const outcome = (await ledger('dynamodb-table/orders'))[1];
    expect(JSON.parse(outcome?.actions ?? '[]')).toEqual([
      expect.objectContaining({
        changes: [expect.objectContaining({ dimension: 'write', before: 100, after: 650 })],
      }),
    ]);
    expect(await controlItem('lock#dynamodb-table/orders')).toBeUndefined();
    expect(await controlItem('cooldown#dynamodb-table/orders')).toMatchObject({
      until: { S: '2026-01-01T12:15:00.000Z' },
    });
    expect(engine.notifications.messages).toEqual([
      expect.objectContaining({ Subject: 'selfheal: hot-shard on dynamodb-table/orders: healed' }),
    ]);
  });

  it('runs a runbook that is not live yet as a dry run: plans, changes nothing, counts nothing', async () => {
    const { engine } = await dispatchEngine();
    const run = await engine.run('dispatch', alarmEvent());

    expect(run.status).toBe('SUCCEEDED');
    expect(runbookRuns(engine)[0]?.input).toMatchObject({ tableName: 'orders', dryRun: true });
    expect(await writeCapacity('orders')).toBe(100);
    expect(await decisions('dynamodb-table/orders')).toEqual(['dry-run', 'succeeded']);
    expect(await controlItem('cooldown#dynamodb-table/orders')).toBeUndefined();
    expect(await controlItem('rate#global#2026-01-01T12')).toBeUndefined();
  });

  it('records an alarm going back to OK and does nothing', async () => {
    const { engine } = await dispatchEngine();
    const run = await engine.run('dispatch', alarmEvent({ state: 'OK' }));

    expect(run.status).toBe('SUCCEEDED');
    expect(statesEntered(run.history)).toEqual([
      'Take the event as delivered',
      'Read the signal',
      'Is there work to do?',
      'Record the signal without acting',
      'Nothing to do',
    ]);
    expect(runbookRuns(engine)).toEqual([]);
    expect(await ledger('dynamodb-table/orders')).toEqual([
      expect.objectContaining({
        decision: 'ignored',
        reason: 'alarm throttling-orders went to OK: nothing to do',
      }),
    ]);
  });

  it('records an alarm no route matches as unhandled, with the reason', async () => {
    const { engine } = await dispatchEngine();
    const event = alarmEvent({ metric: 'ConsumedWriteCapacityUnits' });
    const run = await engine.run('dispatch', event);

    expect(run.status).toBe('SUCCEEDED');
    expect(runbookRuns(engine)).toEqual([]);
    expect(await ledger('unrouted')).toEqual([
      expect.objectContaining({
        decision: 'unhandled',
        reason: 'no route matches alarm throttling-orders (AWS/DynamoDB ConsumedWriteCapacityUnits)',
      }),
    ]);
  });

  it('rejects an event it cannot read: the run fails by name, the ledger keeps why, nothing starts', async () => {
    const { engine } = await dispatchEngine();
    const run = await engine.run('dispatch', { source: 'aws.cloudwatch', detail: {} });

    expect(run).toMatchObject({ status: 'FAILED', error: 'InvalidSignalError' });
    expect(runbookRuns(engine)).toEqual([]);
    expect(await decisions('unrouted')).toEqual(['rejected']);
    // The error's type and its one-line message, never Lambda's JSON with a trace.
    expect((await ledger('unrouted'))[0]?.reason).toMatch(
      /^InvalidSignalError: The event is not an EventBridge event: [^\n{}]+$/,
    );
  });

  it.each([
    ['an array', [], 'expected object, received array'],
    ['a string', 'ALARM', 'expected object, received string'],
    ['a number', 42, 'expected object, received number'],
  ])('rejects %s as the execution input, and keeps why in the ledger', async (_, input, why) => {
    const { engine } = await dispatchEngine();
    const run = await engine.run('dispatch', input);

    expect(run).toMatchObject({ status: 'FAILED', error: 'InvalidSignalError' });
    expect(runbookRuns(engine)).toEqual([]);
    expect(await ledger('unrouted')).toEqual([
      expect.objectContaining({
        decision: 'rejected',
        reason: `InvalidSignalError: The event is not an EventBridge event: (event): Invalid input: ${why}`,
      }),
    ]);
  });

  it('runs one remediation when two alarms for one table arrive at once, and suppresses the other', async () => {
    await live();
    const { engine } = await dispatchEngine();
    const [first, second] = await Promise.all([
      engine.run('dispatch', alarmEvent({ minute: 5 })),
      engine.run('dispatch', alarmEvent({ minute: 6 })),
    ]);

    expect([first?.status, second?.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(runbookRuns(engine)).toHaveLength(1);
    const entered = [first, second].map((run) => statesEntered(run!.history));
    expect(entered.filter((states) => states.includes('Record: already remediating'))).toHaveLength(1);
    expect((await decisions('dynamodb-table/orders')).sort()).toEqual(['started', 'succeeded', 'suppressed']);
    expect((await ledger('dynamodb-table/orders')).find((r) => r.decision === 'suppressed')?.reason).toBe(
      'already remediating dynamodb-table/orders: another run holds its lock',
    );
  });

  it('suppresses a new alarm for a table in its cooldown', async () => {
    await live();
    const { engine, clock } = await dispatchEngine();
    await engine.run('dispatch', alarmEvent({ minute: 5 }));
    await clock.advance(60);
    const again = await engine.run('dispatch', alarmEvent({ minute: 9 }));

    expect(statesEntered(again.history)).toContain('Record the suppressed incident');
    expect(runbookRuns(engine)).toHaveLength(1);
    expect((await ledger('dynamodb-table/orders')).at(-1)).toMatchObject({
      decision: 'suppressed',
      reason: 'dynamodb-table/orders is cooling down until 2026-01-01T12:15:00.000Z',
    });
  });

  it('holds the hourly rate limit, even for two tables dispatched at once', async () => {
    await live('hot-shard', { actionsPerHour: 1 });
    const { engine } = await dispatchEngine();
    await Promise.all([
      engine.run('dispatch', alarmEvent({ table: 'orders' })),
      engine.run('dispatch', alarmEvent({ table: 'carts' })),
    ]);
    const third = await engine.run('dispatch', alarmEvent({ table: 'carts', minute: 30 }));

    expect(runbookRuns(engine)).toHaveLength(1);
    const all = [...(await ledger('dynamodb-table/orders')), ...(await ledger('dynamodb-table/carts'))];
    expect(all.filter((r) => r.decision === 'started')).toHaveLength(1);
    expect(
      all.filter((r) => r.reason === 'rate limit reached for hot-shard or selfheal this hour'),
    ).toHaveLength(1);
    expect(statesEntered(third.history)).toContain('Record the suppressed incident');
    expect(all.at(-1)?.reason).toBe('runbook hot-shard reached its limit of 1 actions this hour');
    // Whoever was refused gave its lock back.
    expect(await controlItem('lock#dynamodb-table/carts')).toBeUndefined();
    expect(await controlItem('lock#dynamodb-table/orders')).toBeUndefined();
  });

  it('changes nothing while the global kill switch is on, nor while the runbook is switched off', async () => {
    await live();
    const { engine } = await dispatchEngine();
    await writeGlobalSwitch(dynamodb(), TABLES.control, { enabled: false });
    await engine.run('dispatch', alarmEvent({ minute: 5 }));
    await writeGlobalSwitch(dynamodb(), TABLES.control, { enabled: true });
    await live('hot-shard', { enabled: false });
    await engine.run('dispatch', alarmEvent({ minute: 6 }));

    expect(runbookRuns(engine)).toEqual([]);
    expect(await writeCapacity('orders')).toBe(100);
    expect((await ledger('dynamodb-table/orders')).map((r) => r.reason)).toEqual([
      'the global kill switch is on: selfheal changes nothing',
      'runbook hot-shard is switched off',
    ]);
  });

  it('releases the lock and records the failure when the runbook fails', async () => {
    await live();
    const { engine } = await dispatchEngine();
    await dynamodb().send(new DeleteTableCommand({ TableName: 'carts' }));
    const run = await engine.run('dispatch', alarmEvent({ table: 'carts' }));

    expect(run).toMatchObject({ status: 'FAILED', error: 'RemediationFailed' });
    expect(runbookRuns(engine)[0]?.status).toBe('FAILED');
    expect(await controlItem('lock#dynamodb-table/carts')).toBeUndefined();
    expect(await decisions('dynamodb-table/carts')).toEqual(['started', 'failed']);
    // The child's own error, not the States.TaskFailed wrapping it.
    expect((await ledger('dynamodb-table/carts'))[1]?.reason).toMatch(
      /^hot-shard on dynamodb-table\/carts: failed with ResourceNotFoundError \(.*carts/,
    );
    expect(engine.notifications.messages[0]?.Subject).toMatch(/failed with ResourceNotFoundError/);
    // A live run that failed may have changed things: the cooldown starts all the same.
    expect(await controlItem('cooldown#dynamodb-table/carts')).toBeDefined();
    await createTable('carts');
  });

  it('takes over a lock whose lease expired (a crashed run), but not one still leased', async () => {
    await live();
    const { engine } = await dispatchEngine();
    const crashedLock = (leaseExpiresAt: string) =>
      dynamodb().send(
        new PutItemCommand({
          TableName: TABLES.control,
          Item: {
            pk: { S: 'lock#dynamodb-table/orders' },
            executionArn: { S: 'arn:aws:states:us-east-1:000000000000:execution:dispatch:crashed' },
            leaseExpiresAt: { S: leaseExpiresAt },
          },
        }),
      );
    await crashedLock('2026-01-01T12:30:00.000Z');
    const blocked = await engine.run('dispatch', alarmEvent({ minute: 5 }));
    expect(statesEntered(blocked.history)).toContain('Record: already remediating');

    await crashedLock('2026-01-01T11:00:00.000Z');
    const taken = await engine.run('dispatch', alarmEvent({ minute: 6 }));
    expect(statesEntered(taken.history)).toContain('Run the hot-shard runbook');
    expect(runbookRuns(engine)).toHaveLength(1);
    expect(await controlItem('lock#dynamodb-table/orders')).toBeUndefined();
  });
});
