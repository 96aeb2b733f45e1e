/**
 * Ten at once, through the deployed dispatch on the local engine: ten alarms for one table start
 * exactly one run (the resource lock), and ten alarms for ten tables under a global limit of N an
 * hour start exactly N (the rate limit's conditional counter). Every lock is given back.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { DeleteTableCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { ExecutionRecord, LocalEngine } from '../../engine/local-engine.ts';
import { createDispatchTables, DEFAULT_DISPATCH_TABLES } from '../../domain/dispatch/tables.ts';
import { queryLedger } from '../../domain/dispatch/ledger.ts';
import { writeGlobalSwitch, writeRunbookSwitch } from '../../domain/dispatch/switches.ts';
import { steadyDemandEngine } from '../support/runbook-engine.ts';
import { createProvisionedTable, useLocalDynamoDb } from '../support/local-dynamodb.ts';
import type { JsonValue } from '../../core/json.ts';

const TABLES = DEFAULT_DISPATCH_TABLES;
const ALARM = JSON.parse(
  readFileSync(new URL('../../contracts/examples/cloudwatch-alarm-metric.json', import.meta.url), 'utf8'),
) as {
  id: string;
  detail: {
    alarmName: string;
    configuration: { metrics: { metricStat: { metric: { dimensions: Record<string, string> } } }[] };
  };
};
const NAMES = Array.from({ length: 10 }, (_, i) => `orders-${i}`);

const dynamodb = useLocalDynamoDb();

beforeEach(async () => {
  await createDispatchTables(dynamodb(), TABLES);
  for (const name of NAMES) await createProvisionedTable(dynamodb(), name);
});

afterEach(async () => {
  for (const name of [TABLES.control, TABLES.ledger, ...NAMES]) {
    await dynamodb()
      .send(new DeleteTableCommand({ TableName: name }))
      .catch(() => undefined);
  }
});

/** The AWS example alarm, for `table`: the `n`th alarm of its own (its own event id), in ALARM. */
function alarmFor(table: string, n = 0): JsonValue {
  const event = structuredClone(ALARM);
  event.id = `${event.id.slice(0, -4)}${String(n).padStart(4, '0')}`;
  event.detail.alarmName = `throttling-${table}-${n}`;
  const metric = event.detail.configuration.metrics[0]?.metricStat.metric;
  if (metric) metric.dimensions = { TableName: table };
  return event as unknown as JsonValue;
}

// Every table asks for 500 WCU/s on its 100: the hot-shard runbook raises it and heals it.
const engineFor = () =>
  steadyDemandEngine(dynamodb(), { tableName: 'orders-0', demand: { read: 100, write: 500 } });
const hotShardRuns = (engine: LocalEngine) =>
  engine.executions().filter((e: ExecutionRecord) => e.stateMachineArn.endsWith(':hot-shard'));
const ledgerOf = async (table: string) =>
  queryLedger(dynamodb(), TABLES.ledger, { resource: `dynamodb-table/${table}` });
const locksLeft = async () =>
  ((await dynamodb().send(new ScanCommand({ TableName: TABLES.control }))).Items ?? []).filter((i) =>
    i.pk?.S?.startsWith('lock#'),
  );

describe('ten alarms at once', () => {
  it('for one table start exactly one run; the nine others are recorded as already remediating', async () => {
    await writeRunbookSwitch(dynamodb(), TABLES.control, 'hot-shard', { live: true, actionsPerHour: 100 });
    const { engine } = await engineFor();

    const runs = await Promise.all(NAMES.map((_, n) => engine.run('dispatch', alarmFor('orders-0', n))));

    expect(runs.map((r) => r.status)).toEqual(NAMES.map(() => 'SUCCEEDED'));
    expect(hotShardRuns(engine)).toHaveLength(1);
    expect(hotShardRuns(engine)[0]?.status).toBe('SUCCEEDED');
    const decisions = (await ledgerOf('orders-0')).map((r) => r.decision).sort();
    expect(decisions).toEqual(['started', 'succeeded', ...Array<string>(9).fill('suppressed')].sort());
    expect(
      (await ledgerOf('orders-0')).filter(
        (r) => r.reason === 'already remediating dynamodb-table/orders-0: another run holds its lock',
      ),
    ).toHaveLength(9);
    expect(await locksLeft()).toEqual([]);
  });

  it('that are one event delivered ten times (EventBridge delivers at least once) keep it in the ledger once', async () => {
    await writeRunbookSwitch(dynamodb(), TABLES.control, 'hot-shard', { live: true, actionsPerHour: 100 });
    const { engine } = await engineFor();

    await Promise.all(NAMES.map(() => engine.run('dispatch', alarmFor('orders-0'))));

    expect(hotShardRuns(engine)).toHaveLength(1);
    // One incident, decided once: its start and its outcome. The nine redeliveries find the
    // incident claimed and record nothing.
    expect((await ledgerOf('orders-0')).map((r) => r.decision).sort()).toEqual(['started', 'succeeded']);
    expect(await locksLeft()).toEqual([]);
  });

  it.each([1, 3, 7])(
    'for ten tables under a global limit of %i an hour start exactly that many',
    async (n) => {
      await writeRunbookSwitch(dynamodb(), TABLES.control, 'hot-shard', { live: true, actionsPerHour: 100 });
      await writeGlobalSwitch(dynamodb(), TABLES.control, { actionsPerHour: n });
      const { engine } = await engineFor();

      const runs = await Promise.all(NAMES.map((table) => engine.run('dispatch', alarmFor(table))));

      expect(runs.map((r) => r.status)).toEqual(NAMES.map(() => 'SUCCEEDED'));
      expect(hotShardRuns(engine)).toHaveLength(n);
      const records = (await Promise.all(NAMES.map(ledgerOf))).flat();
      expect(records.filter((r) => r.decision === 'started')).toHaveLength(n);
      expect(
        records.filter((r) => r.reason === 'rate limit reached for hot-shard or selfheal this hour'),
      ).toHaveLength(10 - n);
      // Every incident is in the ledger exactly once with its decision (a started one twice: started, then its outcome).
      expect(new Set(records.map((r) => r.resource)).size).toBe(10);
      expect(await locksLeft()).toEqual([]);
    },
  );
});
