import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  byLedgerOrder,
  LEDGER_DECISIONS,
  ledgerItem,
  ledgerSortKey,
  queryLedger,
  recordOf,
  type LedgerDecision,
  type LedgerRecord,
} from '../../../domain/dispatch/ledger.ts';
import { ledgerTableDefinition } from '../../../domain/dispatch/tables.ts';
import { ResourceNotFoundError } from '../../../domain/errors.ts';
import { useDispatchControl } from '../../support/dispatch-control.ts';

/**
 * The audit ledger: one item per decision and outcome, written by the state machine from items
 * built here, never updated. What an item holds, the order its records read in, and reading them
 * back by resource and by day.
 */
const AT = '2026-01-01T12:05:00.000Z';
const RECORD: LedgerRecord = {
  resource: 'dynamodb-table/orders',
  at: AT,
  incidentId: 'cloudwatch-alarm-0001',
  decision: 'succeeded',
  reason: 'hot-shard on dynamodb-table/orders: healed',
  kind: 'table-capacity',
  runbook: 'hot-shard',
  source: 'cloudwatch-alarm',
  executionArn: 'arn:aws:states:us-east-1:000000000000:execution:hot-shard:run-1',
  actions: '[{"changes":[{"dimension":"write","before":100,"after":650}]}]',
};

/** Where a decision comes in an incident's life: decisions of one instant read in this order. */
const LIFE: LedgerDecision[][] = [
  ['ignored', 'unhandled', 'rejected'],
  ['suppressed', 'started', 'dry-run'],
  ['recorded'],
  ['succeeded', 'failed', 'handed-over'],
  ['lock-lost'],
];
const stageOf = (decision: LedgerDecision) => LIFE.findIndex((stage) => stage.includes(decision));

describe('a ledger item', () => {
  it('holds every field of its record as a string, its key sorting by time, then incident, then stage', () => {
    expect(ledgerItem(RECORD)).toEqual({
      resource: { S: 'dynamodb-table/orders' },
      at: { S: `${AT}#cloudwatch-alarm-0001#3-succeeded` },
      day: { S: '2026-01-01' },
      time: { S: AT },
      incidentId: { S: 'cloudwatch-alarm-0001' },
      decision: { S: 'succeeded' },
      reason: { S: 'hot-shard on dynamodb-table/orders: healed' },
      kind: { S: 'table-capacity' },
      runbook: { S: 'hot-shard' },
      source: { S: 'cloudwatch-alarm' },
      executionArn: { S: RECORD.executionArn },
      actions: { S: RECORD.actions },
    });
  });

  it('leaves out the optional fields its record does not have', () => {
    const { kind: _k, runbook: _r, source: _s, executionArn: _e, actions: _a, ...bare } = RECORD;

    expect(Object.keys(ledgerItem(bare)).sort()).toEqual(
      ['at', 'day', 'decision', 'incidentId', 'reason', 'resource', 'time'].sort(),
    );
  });

  it('has every key of the ledger table and of its by-day index', () => {
    const table = ledgerTableDefinition('ledger');
    const keys = [
      ...(table.KeySchema ?? []),
      ...(table.GlobalSecondaryIndexes ?? []).flatMap((i) => i.KeySchema ?? []),
    ];

    expect(keys.map((key) => key.AttributeName)).toEqual(['resource', 'at', 'day', 'at']);
    for (const key of keys) expect(ledgerItem(RECORD)[key.AttributeName ?? '']).toHaveProperty('S');
  });

  it('gives each decision of one incident at one instant a key of its own', () => {
    const keys = LEDGER_DECISIONS.map((decision) => ledgerSortKey(AT, RECORD.incidentId, decision));

    expect(new Set(keys).size).toBe(LEDGER_DECISIONS.length);
    expect(LIFE.flat().sort()).toEqual([...LEDGER_DECISIONS].sort());
  });

  it('reads back as the record it was made from, for any record', () => {
    const text = fc.string({ minLength: 1, maxLength: 40 });
    const record = fc.record(
      {
        resource: text,
        at: fc
          .date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true })
          .map((d) => d.toISOString()),
        incidentId: text,
        decision: fc.constantFrom(...LEDGER_DECISIONS),
        reason: fc.string({ maxLength: 200 }),
        kind: text,
        runbook: text,
        source: text,
        executionArn: text,
        actions: text,
      },
      { requiredKeys: ['resource', 'at', 'incidentId', 'decision', 'reason'] },
    );

    fc.assert(
      fc.property(record, (r) => {
        expect(recordOf(ledgerItem(r))).toEqual(r);
      }),
    );
  });
});

describe('the order ledger records read in', () => {
  it('puts one incident’s records of one instant in the order of its life, whatever order they come in', () => {
    fc.assert(
      fc.property(fc.constantFrom(...LEDGER_DECISIONS), fc.constantFrom(...LEDGER_DECISIONS), (a, b) => {
        const order = byLedgerOrder(
          ledgerItem({ ...RECORD, decision: a }),
          ledgerItem({ ...RECORD, decision: b }),
        );
        if (stageOf(a) !== stageOf(b)) expect(Math.sign(order)).toBe(Math.sign(stageOf(a) - stageOf(b)));
      }),
    );
  });

  it('puts time first: a later record reads after an earlier one, whatever their stages', () => {
    const early = ledgerItem({ ...RECORD, at: '2026-01-01T12:05:00.000Z', decision: 'lock-lost' });
    const late = ledgerItem({ ...RECORD, at: '2026-01-01T12:05:00.001Z', decision: 'ignored' });

    expect([late, early].sort(byLedgerOrder)).toEqual([early, late]);
  });
});

describe('queryLedger', () => {
  const control = useDispatchControl();
  const write = async (...records: LedgerRecord[]) => {
    for (const record of records) {
      await control
        .dynamodb()
        .send(new PutItemCommand({ TableName: control.tables().ledger, Item: ledgerItem(record) }));
    }
  };
  const record = (resource: string, at: string, decision: LedgerDecision): LedgerRecord => ({
    resource,
    at,
    incidentId: `incident-${at.slice(11, 16)}`,
    decision,
    reason: `${decision} on ${resource}`,
  });
  const ordersStarted = record('dynamodb-table/orders', '2026-01-01T12:05:00.000Z', 'started');
  const ordersSucceeded = record('dynamodb-table/orders', '2026-01-01T12:05:00.000Z', 'succeeded');
  const cartsSuppressed = record('dynamodb-table/carts', '2026-01-01T12:06:00.000Z', 'suppressed');
  const ordersNextDay = record('dynamodb-table/orders', '2026-01-02T00:00:00.000Z', 'dry-run');

  it('reads one resource’s records, oldest first, and no other resource’s', async () => {
    await write(ordersNextDay, cartsSuppressed, ordersSucceeded, ordersStarted);

    expect(
      await queryLedger(control.dynamodb(), control.tables().ledger, { resource: 'dynamodb-table/orders' }),
    ).toEqual([ordersStarted, ordersSucceeded, ordersNextDay]);
  });

  it('reads one day’s records of every resource through the by-day index, oldest first', async () => {
    await write(ordersNextDay, cartsSuppressed, ordersSucceeded, ordersStarted);

    expect(await queryLedger(control.dynamodb(), control.tables().ledger, { day: '2026-01-01' })).toEqual([
      ordersStarted,
      ordersSucceeded,
      cartsSuppressed,
    ]);
  });

  it('keeps the oldest records up to its limit', async () => {
    await write(ordersNextDay, cartsSuppressed, ordersSucceeded, ordersStarted);

    expect(
      await queryLedger(control.dynamodb(), control.tables().ledger, {
        resource: 'dynamodb-table/orders',
        limit: 2,
      }),
    ).toEqual([ordersStarted, ordersSucceeded]);
  });

  it('fails with ResourceNotFoundError naming the table when there is no ledger', async () => {
    const query = queryLedger(control.dynamodb(), 'no-such-ledger', { day: '2026-01-01' });

    await expect(query).rejects.toThrow(ResourceNotFoundError);
    await expect(query).rejects.toThrow(/Reading the ledger no-such-ledger/);
  });
});
