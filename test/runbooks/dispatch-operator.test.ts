import { describe, expect, it } from 'vitest';
import { DescribeTableCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { ExecutionRecord, LocalEngine } from '../../engine/local-engine.ts';
import { DEFAULT_DISPATCH_TABLES } from '../../domain/dispatch/tables.ts';
import { queryLedger } from '../../domain/dispatch/ledger.ts';
import { writeRunbookSwitch } from '../../domain/dispatch/switches.ts';
import { operatorRequestDetail, operatorRequestEvent } from '../../detectors/signals/operator-request.ts';
import { steadyDemandEngine } from '../support/runbook-engine.ts';
import { useLocalDynamoDb } from '../support/local-dynamodb.ts';
import { dispatchTablesAndOrdersEachTest } from '../support/dispatch-tables.ts';
import type { JsonValue } from '../../core/json.ts';

const TABLES = DEFAULT_DISPATCH_TABLES;
const dynamodb = useLocalDynamoDb();

dispatchTablesAndOrdersEachTest(dynamodb);

/** An operator asks for hot-shard on orders (500 writes/s asked of 100 WCU: it would raise it). */
function operatorRequest(dryRun: boolean): JsonValue {
  const detail = operatorRequestDetail({
    kind: 'table-capacity',
    resource: { type: 'dynamodb-table', name: 'orders' },
    reason: 'sale at 09:00',
    requestedBy: 'alice',
    dryRun,
  });
  const source = {
    id: `request-${String(dryRun)}`,
    time: new Date(Date.UTC(2026, 0, 1, 11, 59)),
    account: '000000000000',
    region: 'us-east-1',
  };
  return operatorRequestEvent(detail, source) as JsonValue;
}

const engine = () =>
  steadyDemandEngine(dynamodb(), { tableName: 'orders', demand: { read: 100, write: 500 } });
const runbookRuns = (e: LocalEngine) =>
  e.executions().filter((r: ExecutionRecord) => r.stateMachineArn.endsWith(':hot-shard'));
const writeCapacity = async () =>
  (await dynamodb().send(new DescribeTableCommand({ TableName: 'orders' }))).Table?.ProvisionedThroughput
    ?.WriteCapacityUnits;
const runbookActionsThisHour = async () =>
  (
    await dynamodb().send(
      new GetItemCommand({
        TableName: TABLES.control,
        Key: { pk: { S: 'rate#runbook#hot-shard#2026-01-01T12' } },
      }),
    )
  ).Item?.actions?.N;
const ledger = () => queryLedger(dynamodb(), TABLES.ledger, { resource: 'dynamodb-table/orders' });

describe('an operator request through dispatch', () => {
  it('asking for a dry run on a live runbook runs it as a dry run: plans, changes nothing, counts nothing', async () => {
    await writeRunbookSwitch(dynamodb(), TABLES.control, 'hot-shard', { live: true });
    const { engine: local } = await engine();

    const run = await local.run('dispatch', operatorRequest(true));

    expect(run.status).toBe('SUCCEEDED');
    expect(runbookRuns(local)[0]?.input).toMatchObject({ tableName: 'orders', dryRun: true });
    expect(runbookRuns(local)[0]?.output).toMatchObject({ outcome: 'dry-run' });
    expect(await writeCapacity()).toBe(100);
    const counted = await dynamodb().send(
      new GetItemCommand({
        TableName: TABLES.control,
        Key: { pk: { S: 'rate#runbook#hot-shard#2026-01-01T12' } },
      }),
    );
    expect(counted.Item).toBeUndefined();
    expect((await ledger()).map((r) => [r.decision, r.reason])).toEqual([
      ['dry-run', 'dry run of hot-shard (the request asked for one)'],
      ['succeeded', expect.stringMatching(/^Dry run of hot-shard on dynamodb-table\/orders: dry-run/)],
    ]);
  });

  it('not asking for one on a live runbook acts', async () => {
    await writeRunbookSwitch(dynamodb(), TABLES.control, 'hot-shard', { live: true });
    const { engine: local } = await engine();

    await local.run('dispatch', operatorRequest(false));

    expect(runbookRuns(local)[0]?.input).toMatchObject({ dryRun: false });
    expect(await writeCapacity()).toBe(650);
    expect(await runbookActionsThisHour()).toBe('1');
  });

  it('can never make a runbook that is not live act', async () => {
    const { engine: local } = await engine();

    await local.run('dispatch', operatorRequest(false));

    expect(runbookRuns(local)[0]?.input).toMatchObject({ dryRun: true });
    expect((await ledger())[0]?.reason).toBe('dry run of hot-shard (the runbook is not live)');
    expect(await writeCapacity()).toBe(100);
  });

  it('asking for a dry run during a cooldown previews the plan: recorded as a preview, the cooldown and the table as they were', async () => {
    await writeRunbookSwitch(dynamodb(), TABLES.control, 'hot-shard', { live: true });
    const { engine: local } = await engine();
    await local.run('dispatch', operatorRequest(false));
    const cooldown = async () =>
      (
        await dynamodb().send(
          new GetItemCommand({
            TableName: TABLES.control,
            Key: { pk: { S: 'cooldown#dynamodb-table/orders' } },
          }),
        )
      ).Item?.until?.S;
    const until = await cooldown();
    expect(until).toBeDefined();

    // The same operator, within the cooldown: a live request is held back, a dry run is a preview.
    const held = await local.run('dispatch', { ...(operatorRequest(false) as object), id: 'request-held' });
    const preview = await local.run('dispatch', {
      ...(operatorRequest(true) as object),
      id: 'request-preview',
    });

    expect(held.status).toBe('SUCCEEDED');
    expect(preview.status).toBe('SUCCEEDED');
    expect(runbookRuns(local).map((r) => (r.input as { dryRun: boolean }).dryRun)).toEqual([false, true]);
    // The preview runs the runbook's diagnosis and plan: after the raise, no change is needed.
    expect(runbookRuns(local)[1]?.output).toMatchObject({ outcome: 'no-change' });
    expect(await writeCapacity()).toBe(650);
    expect(await cooldown()).toBe(until);
    expect(await runbookActionsThisHour()).toBe('1');
    const records = (await ledger()).map((r) => [r.decision, r.reason]);
    expect(records).toContainEqual(['suppressed', `dynamodb-table/orders is cooling down until ${until}`]);
    expect(records).toContainEqual([
      'dry-run',
      `dry run of hot-shard (the request asked for one), a preview during the cooldown until ${until}`,
    ]);
  });
});
