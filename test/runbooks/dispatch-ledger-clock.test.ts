/**
 * One clock in the ledger (issue 18): every record dispatch writes is stamped with the time it is
 * written on the deployment's clock (the engine's `$$.State.EnteredTime`, the tasks' clock), never
 * the signal's own time, so "oldest first" is the order things happened. The alarm fixture's state
 * changed at 00:05; the deployment reads it at 12:00.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DISPATCH_TABLES } from '../../domain/dispatch/tables.ts';
import { queryLedger, type LedgerRecord } from '../../domain/dispatch/ledger.ts';
import type { JsonValue } from '../../core/json.ts';
import { steadyDemandEngine } from '../support/runbook-engine.ts';
import { useLocalDynamoDb } from '../support/local-dynamodb.ts';
import { dispatchTablesAndOrdersEachTest } from '../support/dispatch-tables.ts';
import { EXAMPLE_ALARM } from '../support/alarm-state-changes.ts';

const TABLES = DEFAULT_DISPATCH_TABLES;
const dynamodb = useLocalDynamoDb();
dispatchTablesAndOrdersEachTest(dynamodb);

const DEPLOYMENT_START = Date.UTC(2026, 0, 1, 12, 0, 0);

interface AlarmEvent {
  id: string;
  detail: { state: { value: string; timestamp: string } };
}
const alarm = (id: string, state: 'ALARM' | 'OK'): JsonValue => {
  const event = JSON.parse(readFileSync(EXAMPLE_ALARM, 'utf8')) as AlarmEvent;
  event.id = id;
  event.detail.state.value = state;
  return event as unknown as JsonValue;
};

const all = async (): Promise<LedgerRecord[]> => [
  ...(await queryLedger(dynamodb(), TABLES.ledger, { resource: 'dynamodb-table/orders' })),
  ...(await queryLedger(dynamodb(), TABLES.ledger, { resource: 'unrouted' })),
];

describe('the ledger’s one clock', () => {
  it('stamps a run, an ignored signal and a rejected event with when each was decided, in that order', async () => {
    const { engine } = await steadyDemandEngine(dynamodb(), {
      tableName: 'orders',
      demand: { read: 100, write: 500 },
    });

    await engine.run('dispatch', alarm('alarm-1', 'ALARM'));
    const afterRun = await all();
    await engine.clock.advance(60);
    await engine.run('dispatch', alarm('alarm-2', 'OK'));
    await engine.clock.advance(60);
    await engine.run('dispatch', { source: 'aws.cloudwatch', detail: {} });
    const records = await all();

    // Each record once, in the order dispatch wrote them: the run's two, the ignored, the rejected.
    const written = [
      ...afterRun.map((r) => r.decision),
      ...records
        .filter((r) => !afterRun.some((a) => a.at === r.at && a.decision === r.decision))
        .map((r) => r.decision),
    ];
    expect(written).toEqual(['dry-run', 'succeeded', 'ignored', 'rejected']);
    const byTime = [...records].sort((a, b) => a.at.localeCompare(b.at)).map((r) => r.decision);
    expect(byTime).toEqual(written);
    // The deployment's clock, never the alarm's 00:05 (the ignored record once carried it).
    for (const record of records)
      expect(Date.parse(record.at), record.decision).toBeGreaterThanOrEqual(DEPLOYMENT_START);
    expect(records.find((r) => r.decision === 'ignored')?.at).not.toMatch(/^2026-01-01T00:05/);
  });
});
