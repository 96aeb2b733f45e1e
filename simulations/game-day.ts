/**
 * selfheal as deployed, on the local engine, for a scenario's selfheal run: the production path.
 * The operator first turns the runbook the deployment routes the scenario's incident to live, as
 * `selfheal switch --runbook R --live` does (runbooks are dry runs until then). Then every signal the world emits goes where
 * EventBridge sends it: it is matched against the deployment's rules, and each rule it matches
 * starts dispatch with the event itself as input (the rules' target passes the event as it is).
 * Dispatch reads it with the deployment's routing, applies its guardrails, and starts the runbook
 * with exactly the input it builds. An event no rule matches starts nothing, and its record says so.
 * The audit ledger in dynalite keeps dispatch's and the runbooks' records, as in AWS.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ExecutionRecord, LocalEngine } from '../engine/local-engine.ts';
import type { JsonValue } from '../core/json.ts';
import { DEFAULT_DISPATCH_TABLES } from '../domain/dispatch/tables.ts';
import { writeRunbookSwitch } from '../domain/dispatch/switches.ts';
import { queryLedger, type LedgerRecord } from '../domain/dispatch/ledger.ts';
import { matchesEventPattern } from '../world/event-pattern.ts';
import type { IncidentKind } from '../domain/incidents/incident.ts';
import { runbookFor } from '../detectors/routing/routes.ts';
import { DeploymentMismatchError, type Deployment } from './deployment.ts';

/** The state machine the signal rules start. */
export const DISPATCH = 'dispatch';

/** What became of one signal: the rules it matched and the dispatch runs they started. */
export interface SignalRecord {
  atSeconds: number;
  source: string;
  detailType: string;
  /** The alarm's name, or the detector's incident id: what an operator would search for. */
  name: string;
  rules: string[];
  /** One dispatch execution per rule matched (each rule's target starts its own). */
  dispatched: string[];
  result: string;
}

/** An event as EventBridge delivers it: the fields the rules and the records read. */
export interface DeliveredSignal {
  source: string;
  'detail-type': string;
  detail: object;
}

export interface GameDay {
  /**
   * Delivers the event as EventBridge would. Resolves, once dispatch and every run it started
   * (and theirs) have ended, to their records in start order; undefined when no rule matched.
   */
  deliver(event: DeliveredSignal, atSeconds: number): Promise<ExecutionRecord[]> | undefined;
  readonly signals: readonly SignalRecord[];
  /** The ledger's records from the scenario's start to now, oldest first. */
  ledger(): Promise<LedgerRecord[]>;
}

export interface GameDayOptions {
  deployment: Deployment;
  engine: LocalEngine;
  dynamodb: DynamoDBClient;
  /** The incident the scenario rehearses: the runbook the routing sends it to is turned live. */
  kind: IncidentKind;
  clock: { startMs: number; now(): number };
}

export async function startGameDay(options: GameDayOptions): Promise<GameDay> {
  const { deployment, engine, dynamodb, clock } = options;
  const tables = DEFAULT_DISPATCH_TABLES;
  const runbook = runbookFor(deployment.routing, options.kind);
  if (!runbook) {
    throw new DeploymentMismatchError(
      `deployment ${deployment.config.deployment} routes no ${options.kind} incident`,
    );
  }
  await writeRunbookSwitch(dynamodb, tables.control, runbook, { live: true });
  const signals: SignalRecord[] = [];
  return {
    signals,
    deliver(event, atSeconds) {
      const rules = deployment.rules.filter((rule) => matchesEventPattern(rule.pattern, event));
      const runs = rules.map(() => engine.start(DISPATCH, event as unknown as JsonValue));
      signals.push({
        atSeconds,
        source: event.source,
        detailType: event['detail-type'],
        name: nameOf(event.detail),
        rules: rules.map((rule) => rule.name),
        dispatched: runs.map((run) => run.executionArn),
        result:
          runs.length > 0
            ? `dispatch started by rule ${rules.map((rule) => rule.name).join(', ')}`
            : `no rule of deployment ${deployment.config.deployment} matched: nothing started`,
      });
      return runs.length > 0
        ? settled(
            engine,
            runs.map((run) => run.executionArn),
          )
        : undefined;
    },
    async ledger() {
      const records: LedgerRecord[] = [];
      for (const day of daysBetween(clock.startMs, clock.now())) {
        records.push(...(await queryLedger(dynamodb, tables.ledger, { day })));
      }
      return records;
    },
  };
}

/**
 * Waits for the runs and every run they started, down the tree: dispatch hands a cell shift over
 * and ends while the shift goes on, and a runbook may start another (hot-shard, key-reshuffle).
 */
async function settled(engine: LocalEngine, roots: readonly string[]): Promise<ExecutionRecord[]> {
  const family = new Set(roots);
  for (;;) {
    await Promise.all([...family].map((arn) => engine.whenDone(arn)));
    const children = engine
      .executions()
      .filter((e) => e.parentExecutionArn !== undefined && family.has(e.parentExecutionArn))
      .filter((e) => !family.has(e.executionArn));
    if (children.length === 0) break;
    for (const child of children) family.add(child.executionArn);
  }
  return engine.executions().filter((e) => family.has(e.executionArn));
}

function nameOf(detail: object): string {
  const fields = detail as { alarmName?: unknown; id?: unknown };
  if (typeof fields.alarmName === 'string') return fields.alarmName;
  return typeof fields.id === 'string' ? fields.id : '';
}

/** `YYYY-MM-DD` of every day from `fromMs` to `toMs`: the ledger's by-day partitions. */
function daysBetween(fromMs: number, toMs: number): string[] {
  const days: string[] = [];
  for (let ms = Date.parse(new Date(fromMs).toISOString().slice(0, 10)); ms <= toMs; ms += 86_400_000) {
    days.push(new Date(ms).toISOString().slice(0, 10));
  }
  return days;
}
