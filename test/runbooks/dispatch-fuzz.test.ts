/**
 * Issue 17, "Hostile input at scale", through the deployed dispatch on the local engine: a sample
 * of the hostile events (test/detectors/hostile-events.ts) is delivered to dispatch one at a
 * time. Each run ends as the normaliser decides: a rejected event fails the run with
 * InvalidSignalError (never another error), starts nothing, and leaves one `rejected` record under
 * `unrouted`, its reason one short line; an ignored or unhandled one is recorded and starts
 * nothing; only a readable alarm about a protected table starts the runbook.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DEFAULT_DISPATCH_TABLES } from '../../domain/dispatch/tables.ts';
import { queryLedger, type LedgerRecord } from '../../domain/dispatch/ledger.ts';
import { InvalidSignalError, SelfHealError } from '../../domain/errors.ts';
import { DEFAULT_ROUTING, type Routing } from '../../detectors/routing/routes.ts';
import { normaliseSignal, type SignalDecision } from '../../detectors/signals/normalise.ts';
import type { ExecutionRecord } from '../../engine/local-engine.ts';
import type { JsonValue } from '../../core/json.ts';
import { steadyDemandEngine } from '../support/runbook-engine.ts';
import { useLocalDynamoDb } from '../support/local-dynamodb.ts';
import { dispatchTablesAndOrdersEachTest } from '../support/dispatch-tables.ts';
import { hostileEvent, reasonFault, type HostileEvent } from '../detectors/hostile-events.ts';
import { COMPOSITE_ALARM_ROUTE } from '../detectors/signals/fixtures.ts';

const SAMPLE = 200;
const TABLES = DEFAULT_DISPATCH_TABLES;

/** What dispatch starts here: hot-shard for the `orders` table; every other kind is unhandled. */
const ROUTING: Routing = {
  ...DEFAULT_ROUTING,
  alarms: [...DEFAULT_ROUTING.alarms, COMPOSITE_ALARM_ROUTE],
  runbooks: { 'table-capacity': 'hot-shard', 'hot-key': 'hot-shard' },
  tables: { orders: {} },
};

const dynamodb = useLocalDynamoDb();

dispatchTablesAndOrdersEachTest(dynamodb);

/** What the normaliser (the sources dispatch's bundle is built from) makes of the event. */
function verdict(event: unknown): SignalDecision | 'rejected' {
  try {
    return normaliseSignal(event, ROUTING);
  } catch (error) {
    if (error instanceof InvalidSignalError) return 'rejected';
    throw error;
  }
}

/** Whether Node can write the event as JSON text (a nest thousands deep it cannot). */
function writable(event: unknown): boolean {
  try {
    JSON.stringify(event);
    return true;
  } catch {
    return false;
  }
}

/**
 * Falsy events (JSON `null`, `0`, `""`, `false`): StartExecution takes any JSON, and `$` is the input
 * itself whatever its value, so each reaches the normaliser and is rejected and recorded. (The
 * local engine's JSONPath once found no value at `$` in a falsy document: patches/.)
 */
const FALSY: readonly JsonValue[] = [null, 0, '', false];

interface Tally {
  delivered: number;
  /** Refused by StartExecution itself (over 256 KiB): nothing ran, as in AWS. */
  refusedAtStart: string[];
  /** Nested deeper than JSON.stringify goes: the local engine refuses it by name (ExecutionInputTooDeepError). */
  unwritable: string[];
  rejected: number;
  started: number;
  untypedErrors: string[];
  runbooksForInvalid: string[];
  /** A rejection (or an ignored, unhandled signal) without its one ledger record. */
  unrecordedRejections: string[];
  badReasons: string[];
  wrongEnds: string[];
}

describe(`dispatch on ${SAMPLE} hostile events`, () => {
  it('rejects each unreadable one by name, records it on one line, and starts a runbook for none', async () => {
    const { engine } = await steadyDemandEngine(dynamodb(), {
      tableName: 'orders',
      demand: { read: 100, write: 50 },
      routing: ROUTING,
    });
    const tally: Tally = {
      delivered: 0,
      refusedAtStart: [],
      unwritable: [],
      rejected: 0,
      started: 0,
      untypedErrors: [],
      runbooksForInvalid: [],
      unrecordedRejections: [],
      badReasons: [],
      wrongEnds: [],
    };
    const rejectedRuns: { hostile: HostileEvent; run: ExecutionRecord }[] = [];
    const settled: { hostile: HostileEvent; decided: SignalDecision }[] = [];

    for (const hostile of fc.sample(hostileEvent, { numRuns: SAMPLE, seed: 1717 })) {
      const { label } = hostile;
      const decided = verdict(hostile.event);
      const expected = decided === 'rejected' ? decided : decided.decision;
      const before = new Set(engine.executions().map((e) => e.executionArn));
      let run: ExecutionRecord;
      try {
        run = await engine.run('dispatch', hostile.event as JsonValue);
      } catch (error) {
        // StartExecution refused it: an input over Step Functions' limit, or one nested deeper than
        // the local engine can write as JSON (a limit of the local engine, said by name).
        const name = error instanceof Error ? error.name : '';
        if (name === 'ExecutionInputTooDeepError' && !writable(hostile.event)) tally.unwritable.push(label);
        else if (name === 'ExecutionInputTooLargeError') tally.refusedAtStart.push(`${label}: ${name}`);
        else tally.untypedErrors.push(`${label}: StartExecution threw ${String(error).slice(0, 200)}`);
        continue;
      }
      tally.delivered += 1;
      const runbooks = engine
        .executions()
        .filter((e) => !before.has(e.executionArn) && e.executionArn !== run.executionArn);

      if (run.status === 'FAILED' && run.error !== 'InvalidSignalError' && run.error !== 'RemediationFailed')
        tally.untypedErrors.push(`${label}: dispatch failed with ${run.error}: ${run.cause?.slice(0, 200)}`);
      if (expected === 'rejected') {
        tally.rejected += 1;
        rejectedRuns.push({ hostile, run });
        if (run.status !== 'FAILED' || run.error !== 'InvalidSignalError')
          tally.wrongEnds.push(`${label}: rejected, but the run ended ${run.status} ${run.error ?? ''}`);
      } else if (expected !== 'start' && run.status !== 'SUCCEEDED') {
        tally.wrongEnds.push(`${label}: ${expected}, but the run ended ${run.status} ${run.error ?? ''}`);
      }
      if (decided !== 'rejected' && decided.decision !== 'start') settled.push({ hostile, decided });
      if (runbooks.length > 0) {
        tally.started += 1;
        if (expected !== 'start' || hostile.expect === 'invalid' || hostile.expect === 'unknown-resource')
          tally.runbooksForInvalid.push(`${label}: started ${runbooks.map((e) => e.name).join(', ')}`);
      }
    }

    const unrouted = await queryLedger(dynamodb(), TABLES.ledger, { resource: 'unrouted' });
    const byIncident = new Map<string, LedgerRecord[]>();
    for (const record of unrouted)
      byIncident.set(record.incidentId, [...(byIncident.get(record.incidentId) ?? []), record]);
    for (const { hostile, run } of rejectedRuns) {
      const records = (byIncident.get(run.name) ?? []).filter((r) => r.decision === 'rejected');
      if (records.length !== 1) {
        tally.unrecordedRejections.push(`${hostile.label}: ${records.length} rejected records`);
        continue;
      }
      const reason = records[0]?.reason ?? '';
      const fault =
        reasonFault(reason) ?? (reason.startsWith('InvalidSignalError: ') ? undefined : 'another error');
      if (fault) tally.badReasons.push(`${hostile.label}: ${fault}: ${reason.slice(0, 120)}`);
    }

    // Every ignored or unhandled signal is in the ledger too, under its resource, on one line.
    for (const { hostile, decided } of settled) {
      const records = await queryLedger(dynamodb(), TABLES.ledger, { resource: decided.signal.resourceKey });
      const wanted = decided.decision === 'ignore' ? 'ignored' : 'unhandled';
      // An active and a closed insight share an id: each has its own record, by decision.
      const record = records.find((r) => r.incidentId === decided.signal.id && r.decision === wanted);
      if (!record) tally.unrecordedRejections.push(`${hostile.label}: no ${wanted} record`);
      const fault = reasonFault(record?.reason ?? 'missing');
      if (fault) tally.badReasons.push(`${hostile.label}: ${wanted} reason has ${fault}`);
    }

    expect(tally.untypedErrors).toEqual([]);
    expect(tally.runbooksForInvalid).toEqual([]);
    expect(tally.unrecordedRejections).toEqual([]);
    expect(tally.badReasons).toEqual([]);
    expect(tally.wrongEnds).toEqual([]);
    expect(tally.delivered + tally.refusedAtStart.length + tally.unwritable.length).toBe(SAMPLE);
    // The sample holds rejections, starts and events StartExecution refuses.
    expect(tally.rejected).toBeGreaterThan(SAMPLE / 4);
    expect(tally.started).toBeGreaterThan(0);
    expect(settled.length).toBeGreaterThan(0);
    // Selfheal's own errors are named classes: the one dispatch fails an unreadable event with is one.
    expect(new InvalidSignalError('x', [])).toBeInstanceOf(SelfHealError);
  }, 240_000);

  it.each(FALSY.map((input) => [JSON.stringify(input), input] as const))(
    'rejects %s by name, records it under unrouted on one line, and starts nothing',
    async (_, input) => {
      const { engine } = await steadyDemandEngine(dynamodb(), {
        tableName: 'orders',
        demand: { read: 100, write: 50 },
        routing: ROUTING,
      });
      const run = await engine.run('dispatch', input);

      expect(run).toMatchObject({ status: 'FAILED', error: 'InvalidSignalError' });
      expect(engine.executions()).toHaveLength(1);
      const records = await queryLedger(dynamodb(), TABLES.ledger, { resource: 'unrouted' });
      expect(records.map((r) => [r.incidentId, r.decision])).toEqual([[run.name, 'rejected']]);
      expect(records[0]?.reason).toMatch(/^InvalidSignalError: [^\n]+$/);
      expect(reasonFault(records[0]?.reason ?? '')).toBeUndefined();
    },
  );

  it("fails an event that fits StartExecution but not dispatch's first state by Step Functions' name, starting nothing", async () => {
    const { engine } = await steadyDemandEngine(dynamodb(), {
      tableName: 'orders',
      demand: { read: 100, write: 50 },
      routing: ROUTING,
    });
    // 262,140 bytes of JSON: under the 262,144 StartExecution takes, over it once the first state
    // holds it under `event` (10 bytes more). Step Functions fails the execution at that state;
    // in AWS the stack's FailedRuns rule tells the operators (no ledger record: nothing ran).
    const padding = 'x'.repeat(262_140 - JSON.stringify({ padding: '' }).length);
    const event = { padding };
    expect(Buffer.byteLength(JSON.stringify(event))).toBe(262_140);

    const run = await engine.run('dispatch', event);

    expect(run).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
    expect(engine.executions()).toHaveLength(1);
  });
});
