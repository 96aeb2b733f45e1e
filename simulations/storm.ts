/**
 * The alarm storm (issue 17): many incidents over many resources, interleaved, through the deployed
 * path on the local engine. Every signal is matched against the deployment's EventBridge rules
 * (`infra/config/signal-patterns.ts`, `world/event-pattern.ts`, as the game day does) and each rule
 * it matches starts dispatch with the event as it is; dispatch routes it with the deployment's
 * routing, applies its guardrails and runs (or hands over) the runbook.
 *
 * The deployment: `tables` provisioned tables (100 WCU each, asked for 500 writes a second by the
 * steady-demand world, so hot-shard raises them and they heal at once) and the five cells of the
 * `checkout` fleet (its X-Ray group `cells`). Signals, drawn from one seeded random:
 *
 * - capacity alarms on the tables that flap ALARM/OK/ALARM (the OK events match no rule);
 * - operator requests on the tables (some asking for a dry run);
 * - X-Ray insights (active, and some closed) and grey-cell detector incidents on the cells;
 * - duplicates: an event delivered again as it was (same event id), in its own wave or the next.
 *
 * The storm is delivered in waves (so many at once, then the clock moves on), each wave's signals
 * all started before any is awaited; a wave ends when its dispatches have (hot-shard's runs with
 * them), while the cell shifts dispatch hands over go on into the next waves. hot-shard is live
 * under the given cooldown and hourly limits; cell-traffic-shift too when `cellsLive` (its
 * approval off), else it runs dry. The operator requests asking for a dry run run dry either way.
 *
 * No vitest here: the bench runs it too (`bench/storm.ts`).
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  ScanCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { readFileSync } from 'node:fs';
import type { JsonValue } from '../core/json.ts';
import { seededRandom, type Random } from '../core/random.ts';
import type { VirtualClock } from '../core/virtual-clock.ts';
import type { ExecutionRecord, LocalEngine } from '../engine/local-engine.ts';
import { startRunbookEngine } from '../local/runbooks.ts';
import { DEFAULT_DISPATCH_TABLES } from '../domain/dispatch/tables.ts';
import { queryLedger, type LedgerRecord } from '../domain/dispatch/ledger.ts';
import { writeGlobalSwitch, writeRunbookSwitch } from '../domain/dispatch/switches.ts';
import { normaliseSignal } from '../detectors/signals/normalise.ts';
import { operatorRequestDetail, operatorRequestEvent } from '../detectors/signals/operator-request.ts';
import { configSchema } from '../infra/config/schema.ts';
import { deploymentOf, type Deployment } from '../simulations/deployment.ts';
import { matchesEventPattern } from '../world/event-pattern.ts';
import { recordingAutoScaling, steadyDemandCloudWatch } from '../world/dynamodb/steady-demand.ts';
import {
  DEFAULT_ACCOUNT_ID,
  DEFAULT_CONTROL_PANEL_ID,
  routingControlArn,
} from '../world/cells/routing-controls.ts';
import { RUNBOOK_GREY_CELL_INCIDENT } from '../scenarios/cell-shift/incident.ts';
import { buildCellShiftWorld } from '../scenarios/cell-shift/world.ts';

const TABLES = DEFAULT_DISPATCH_TABLES;
const DISPATCH = 'dispatch';
const HOT_SHARD = 'hot-shard';
const CELL_SHIFT = 'cell-traffic-shift';
const XRAY_GROUP = 'cells';
const CELLS = [1, 2, 3, 4, 5].map((i) => `checkout-cell-${i}`);

export interface StormLimits {
  /** hot-shard's hourly limit. */
  runbookPerHour: number;
  /** selfheal's global hourly limit. */
  globalPerHour: number;
  /** hot-shard's cooldown per resource. */
  cooldownSeconds: number;
}

export interface StormOptions {
  /** Incidents: signals that reach dispatch, duplicates counted once. */
  incidents: number;
  /** Tables plus the fleet's five cells (50 unless told). */
  resources?: number;
  seed?: number;
  /** Signals delivered at once (20 unless told). */
  waveSize?: number;
  /** Virtual seconds from one wave's planned start to the next (120 unless told). */
  waveSeconds?: number;
  limits: StormLimits;
  /** cell-traffic-shift live too (under the same limits as hot-shard); dry run unless told. */
  cellsLive?: boolean;
}

type Kind = 'alarm' | 'operator' | 'insight' | 'detector';

/** One signal of the storm, as EventBridge would deliver it. */
export interface StormSignal {
  kind: Kind;
  event: Record<string, unknown>;
  /** The same event delivered before. */
  duplicate: boolean;
}

// --- the deployment -------------------------------------------------------------------------

export const stormTableName = (i: number): string => `storm-t${String(i).padStart(2, '0')}`;

/** The config of a deployment protecting `tables` tables and the five-cell `checkout` fleet. */
export function stormDeployment(tables: number): Deployment {
  const cellArn = (cell: string) =>
    routingControlArn({
      accountId: DEFAULT_ACCOUNT_ID,
      controlPanelId: DEFAULT_CONTROL_PANEL_ID,
      routingControlId: cell,
    });
  const config = configSchema.parse({
    deployment: 'selfheal',
    tables: Array.from({ length: tables }, (_, i) => ({ name: stormTableName(i) })),
    fleets: {
      checkout: {
        cells: CELLS.map((name) => ({ name, routingControlArn: cellArn(name), capacityRps: 250 })),
        approval: { required: false },
        recovery: { bakeSeconds: 300 },
        detector: { xrayGroup: XRAY_GROUP },
      },
    },
    arcCluster: {
      endpoints: [{ Endpoint: 'https://host-aaaaaa.us-east-1.example.com/v1', Region: 'us-east-1' }],
    },
  });
  return deploymentOf(config);
}

// --- the signals ----------------------------------------------------------------------------

const example = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../contracts/examples/${name}`, import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;

const ALARM = example('cloudwatch-alarm-metric-math.json');
const INSIGHT = example('xray-insight-active.json');
const GREY = example('selfheal-grey-failure.json');

/** CloudWatch's timestamp format: `2026-01-01T00:05:40.989+0000`. */
const cloudWatchTime = (ms: number): string => new Date(ms).toISOString().replace('Z', '+0000');

/** An id shaped like EventBridge's, unique per `n` within a storm. */
const eventId = (prefix: string, n: number): string =>
  `${prefix}-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** The table's capacity alarm (the deployment's own name), changing to `state` at `atMs`. */
function alarmEvent(table: string, state: 'ALARM' | 'OK', atMs: number, n: number): Record<string, unknown> {
  const text = JSON.stringify(ALARM).replaceAll('orders', table);
  const event = JSON.parse(text) as {
    id: string;
    time: string;
    detail: { state: Record<string, string>; previousState: Record<string, string> };
  };
  event.id = eventId('a', n);
  event.time = new Date(atMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const other = state === 'ALARM' ? 'OK' : 'ALARM';
  event.detail.state = {
    ...event.detail.state,
    value: state,
    timestamp: cloudWatchTime(atMs),
    reason: `storm: ${table} went to ${state}`,
  };
  event.detail.previousState = {
    ...event.detail.previousState,
    value: other,
    timestamp: cloudWatchTime(atMs - 60_000),
    reason: `storm: ${table} was ${other}`,
  };
  return event as unknown as Record<string, unknown>;
}

function operatorEvent(table: string, dryRun: boolean, atMs: number, n: number): Record<string, unknown> {
  const detail = operatorRequestDetail({
    kind: 'table-capacity',
    resource: { type: 'dynamodb-table', name: table },
    reason: 'storm: an operator asks',
    requestedBy: `operator-${n % 7}`,
    dryRun,
  });
  return operatorRequestEvent(detail, {
    id: eventId('o', n),
    time: new Date(atMs),
    account: DEFAULT_ACCOUNT_ID,
    region: 'us-east-1',
  }) as unknown as Record<string, unknown>;
}

function insightEvent(cell: string, active: boolean, atMs: number, n: number): Record<string, unknown> {
  const event = structuredClone(INSIGHT) as {
    id: string;
    time: string;
    detail: Record<string, unknown> & { RootCauseServiceId: { Name: string; Names: string[] } };
  };
  event.id = eventId('x', n);
  event.time = new Date(atMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
  event.detail.InsightId = eventId('i', n);
  event.detail.GroupName = XRAY_GROUP;
  event.detail.State = active ? 'ACTIVE' : 'CLOSED';
  event.detail.StartTime = atMs - 120_000;
  if (!active) event.detail.EndTime = atMs;
  event.detail.Summary = `Fault rate of ${cell} is higher than expected`;
  event.detail.RootCauseServiceId = { ...event.detail.RootCauseServiceId, Name: cell, Names: [cell] };
  event.detail.TopAnomalousServices = [{ ServiceId: event.detail.RootCauseServiceId }];
  return event as unknown as Record<string, unknown>;
}

function detectorEvent(cell: string, atMs: number, n: number): Record<string, unknown> {
  const event = structuredClone(GREY) as {
    id: string;
    time: string;
    detail: Record<string, unknown> & { resource: { name: string }; evidence: Record<string, unknown> };
  };
  event.id = eventId('d', n);
  event.time = new Date(atMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
  event.detail.id = `grey-storm-${n}`;
  event.detail.resource = { ...event.detail.resource, name: cell };
  event.detail.evidence = { ...event.detail.evidence, group: XRAY_GROUP };
  event.detail.observedAt = new Date(atMs - 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return event as unknown as Record<string, unknown>;
}

/**
 * The storm's waves, drawn from `random`: each wave `waveSize` signals (OK events and duplicates
 * included), incidents interleaved at random across kinds and resources, until `incidents`
 * distinct incidents are drawn.
 */
export function stormWaves(
  random: Random,
  options: { incidents: number; tables: number; waveSize: number; waveSeconds: number; startMs: number },
): StormSignal[][] {
  const { incidents, tables, waveSize, waveSeconds, startMs } = options;
  const waves: StormSignal[][] = [];
  let drawn = 0;
  let n = 0;
  let carried: StormSignal[] = [];
  while (drawn < incidents) {
    const wave: StormSignal[] = [...carried];
    carried = [];
    const waveMs = startMs + waves.length * waveSeconds * 1000;
    while (wave.length < waveSize && drawn < incidents) {
      n += 1;
      const atMs = waveMs + wave.length * 1000 + random.int(0, 999);
      const roll = random.next();
      let signal: StormSignal;
      if (roll < 0.5) {
        // A flapping alarm: to ALARM now; sometimes back to OK first (an event no rule matches).
        const table = stormTableName(random.int(0, tables - 1));
        if (random.next() < 0.4) {
          wave.push({ kind: 'alarm', event: alarmEvent(table, 'OK', atMs - 500, n), duplicate: false });
          n += 1;
        }
        signal = { kind: 'alarm', event: alarmEvent(table, 'ALARM', atMs, n), duplicate: false };
      } else if (roll < 0.7) {
        const table = stormTableName(random.int(0, tables - 1));
        signal = {
          kind: 'operator',
          event: operatorEvent(table, random.next() < 0.3, atMs, n),
          duplicate: false,
        };
      } else if (roll < 0.85) {
        const cell = CELLS[random.int(0, CELLS.length - 1)] ?? 'checkout-cell-1';
        signal = {
          kind: 'insight',
          event: insightEvent(cell, random.next() < 0.8, atMs, n),
          duplicate: false,
        };
      } else {
        const cell = CELLS[random.int(0, CELLS.length - 1)] ?? 'checkout-cell-1';
        signal = { kind: 'detector', event: detectorEvent(cell, atMs, n), duplicate: false };
      }
      wave.push(signal);
      drawn += 1;
      // At-least-once delivery: about one incident in eight is delivered twice, now or next wave.
      if (random.next() < 0.125) {
        const again: StormSignal = { ...signal, event: structuredClone(signal.event), duplicate: true };
        if (random.next() < 0.5) wave.push(again);
        else carried.push(again);
      }
    }
    waves.push(shuffle(random, wave));
  }
  if (carried.length > 0) waves.push(carried);
  return waves;
}

function shuffle<T>(random: Random, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

// --- the world ------------------------------------------------------------------------------

async function createTable(dynamodb: DynamoDBClient, name: string): Promise<void> {
  await dynamodb.send(
    new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      ProvisionedThroughput: { ReadCapacityUnits: 300, WriteCapacityUnits: 100 },
    }),
  );
  for (let i = 0; i < 5000; i++) {
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: name }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  throw new Error(`table ${name} did not become ACTIVE`);
}

export interface StormWorld {
  engine: LocalEngine;
  clock: VirtualClock;
  deployment: Deployment;
}

/**
 * The storm's world in `dynamodb` (empty of the storm's tables): dispatch's tables, the protected
 * tables, the cell fleet, and the runbooks on the local engine bound to both worlds.
 */
export async function startStormWorld(
  dynamodb: DynamoDBClient,
  options: { tables: number; seed: number; limits: StormLimits; cellsLive?: boolean },
): Promise<StormWorld> {
  const deployment = stormDeployment(options.tables);
  for (let i = 0; i < options.tables; i++) await createTable(dynamodb, stormTableName(i));
  const cloudwatch = steadyDemandCloudWatch(dynamodb, stormTableName(0), { read: 100, write: 500 });
  const autoScaling = recordingAutoScaling(dynamodb, []);
  const world = await buildCellShiftWorld({
    dynamodb,
    incident: RUNBOOK_GREY_CELL_INCIDENT,
    seed: options.seed,
    routing: deployment.routing,
    startEngine: (clock, ports) =>
      startRunbookEngine({
        clock,
        ports: { ...ports, cloudwatch: cloudwatch.port, autoScaling: autoScaling.port },
        dynamodb,
        seed: options.seed,
      }),
  });
  const { runbookPerHour, globalPerHour, cooldownSeconds } = options.limits;
  await writeRunbookSwitch(dynamodb, TABLES.control, HOT_SHARD, {
    live: true,
    actionsPerHour: runbookPerHour,
    cooldownSeconds,
  });
  if (options.cellsLive) {
    await writeRunbookSwitch(dynamodb, TABLES.control, CELL_SHIFT, {
      live: true,
      actionsPerHour: runbookPerHour,
      cooldownSeconds,
    });
  }
  await writeGlobalSwitch(dynamodb, TABLES.control, { actionsPerHour: globalPerHour });
  return { engine: world.engine, clock: world.clock, deployment };
}

// --- the storm ------------------------------------------------------------------------------

/** One incident: the signal dispatch read (the first delivery), its id and resource. */
export interface StormIncident {
  id: string;
  kind: Kind;
  resource: string;
  deliveries: number;
}

export interface StormRun {
  incidents: StormIncident[];
  /** Signals no rule matched (alarms back to OK): nothing started. */
  filtered: number;
  /** Signals delivered to dispatch, duplicates included. */
  delivered: number;
  waves: number;
  startMs: number;
  endMs: number;
  wallMs: number;
}

/** Delivers the storm wave by wave, each wave once the clock reaches its planned start. */
export async function runStorm(world: StormWorld, options: StormOptions): Promise<StormRun> {
  const { engine, clock, deployment } = world;
  const tables = (options.resources ?? 50) - CELLS.length;
  const startMs = clock.now();
  const waveSeconds = options.waveSeconds ?? 120;
  const waves = stormWaves(seededRandom(options.seed ?? 17).fork('storm'), {
    incidents: options.incidents,
    tables,
    waveSize: options.waveSize ?? 20,
    waveSeconds,
    startMs,
  });
  const incidents = new Map<string, StormIncident>();
  let filtered = 0;
  let delivered = 0;
  const wallStart = performance.now();
  for (const [w, wave] of waves.entries()) {
    const due = startMs + w * waveSeconds * 1000;
    if (clock.now() < due) await clock.advance((due - clock.now()) / 1000);
    const roots: string[] = [];
    for (const signal of wave) {
      const rules = deployment.rules.filter((rule) => matchesEventPattern(rule.pattern, signal.event));
      if (rules.length === 0) {
        filtered += 1;
        continue;
      }
      const decision = normaliseSignal(signal.event, deployment.routing);
      const known = incidents.get(decision.signal.id);
      if (known) known.deliveries += 1;
      else
        incidents.set(decision.signal.id, {
          id: decision.signal.id,
          kind: signal.kind,
          resource: decision.signal.resourceKey,
          deliveries: 1,
        });
      // Each rule matched starts its own dispatch with the event as it is (the rules' target).
      delivered += rules.length;
      roots.push(...rules.map(() => engine.start(DISPATCH, signal.event as JsonValue).executionArn));
    }
    // Dispatch waits for hot-shard (and what it starts); a cell shift it hands over goes on into
    // the next waves, holding the fleet's lock, as in AWS.
    await Promise.all(roots.map((arn) => engine.whenDone(arn)));
  }
  // Handed-over runs (the cell shifts) end on their own: wait for every execution, down the tree.
  for (let open = engine.executions().filter((e) => e.status === 'RUNNING'); open.length > 0;) {
    await Promise.all(open.map((e) => engine.whenDone(e.executionArn)));
    open = engine.executions().filter((e) => e.status === 'RUNNING');
  }
  return {
    incidents: [...incidents.values()],
    filtered,
    delivered,
    waves: waves.length,
    startMs,
    endMs: clock.now(),
    wallMs: performance.now() - wallStart,
  };
}

// --- what the storm left ----------------------------------------------------------------------

export interface IncidentFinding {
  incident: StormIncident;
  problem: string;
  records: Pick<LedgerRecord, 'decision' | 'reason' | 'at'>[];
}

export interface HourCount {
  hour: string;
  /** Live hot-shard starts recorded in the ledger that hour. */
  started: number;
  /** What dispatch's conditional counters hold, by runbook. */
  runbookCounters: Record<string, number>;
  globalCounter: number;
  /** Incidents suppressed by the rate limit that hour. */
  rateLimited: number;
}

export interface StormReport {
  incidents: number;
  resources: number;
  signals: { delivered: number; filtered: number; duplicates: number };
  /** Runbook executions started (hot-shard live and dry, cell shifts dry, their children). */
  runs: number;
  /** Runbook executions by runbook and outcome. */
  runOutcomes: Record<string, number>;
  /** Runbook executions dispatch started, and the ledger's started and dry-run records: equal. */
  runsStartedByDispatch: number;
  ledgerActs: number;
  liveRuns: number;
  ledgerRecords: number;
  /** Records by decision, and the suppressions by reason (resource names left out). */
  decisions: Record<string, number>;
  suppressions: Record<string, number>;
  /** Incidents with exactly one decision record (duplicates of a started one excepted, see below). */
  incidentsExactlyOnce: number;
  /**
   * Duplicated incidents whose redelivery added a record of its own beside the first decision: a
   * suppression (as dispatch-ten-at-once expects of a duplicate), or the same decision again
   * (ignored twice). Not counted in `incidentsExactlyOnce`.
   */
  duplicatesWithSecondRecord: number;
  incidentFindings: IncidentFinding[];
  /** Resources with two live starts closer than the cooldown. */
  cooldownBreaches: { resource: string; at: string[] }[];
  hours: HourCount[];
  rateLimitFindings: string[];
  locksLeft: string[];
  runningLeft: string[];
  failedExecutions: { name: string; status: string; cause?: string }[];
  incidentsPerSecond: number;
  wallSeconds: number;
  virtualMinutes: number;
}

/** The problem of an incident whose redelivery was decided afresh (not suppressed as a duplicate). */
export const REDECIDED = 'decided again when delivered again';

const DECISIONS = new Set(['ignored', 'unhandled', 'rejected', 'suppressed', 'started', 'dry-run']);
const OUTCOMES = new Set(['succeeded', 'failed', 'handed-over']);

async function scanControl(dynamodb: DynamoDBClient): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await dynamodb.send(
      new ScanCommand({ TableName: TABLES.control, ...(start ? { ExclusiveStartKey: start } : {}) }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Reads the ledger, the control table and the engine, and checks the storm's properties. */
export async function stormReport(
  dynamodb: DynamoDBClient,
  world: StormWorld,
  run: StormRun,
  options: StormOptions,
): Promise<StormReport> {
  const { engine } = world;
  const ledger: LedgerRecord[] = [];
  for (
    let ms = Date.parse(new Date(run.startMs).toISOString().slice(0, 10));
    ms <= run.endMs;
    ms += 86_400_000
  ) {
    ledger.push(
      ...(await queryLedger(dynamodb, TABLES.ledger, { day: new Date(ms).toISOString().slice(0, 10) })),
    );
  }
  const byIncident = new Map<string, LedgerRecord[]>();
  for (const record of ledger) {
    const list = byIncident.get(record.incidentId) ?? [];
    list.push(record);
    byIncident.set(record.incidentId, list);
  }

  const incidentFindings: IncidentFinding[] = [];
  let exactlyOnce = 0;
  let duplicatesWithSecondRecord = 0;
  for (const incident of run.incidents) {
    const records = byIncident.get(incident.id) ?? [];
    const decisions = records.filter((r) => DECISIONS.has(r.decision));
    const outcomes = records.filter((r) => OUTCOMES.has(r.decision));
    const acted = decisions.filter((r) => r.decision === 'started' || r.decision === 'dry-run');
    const shown = records.map(({ decision, reason, at }) => ({ decision, reason, at }));
    const finding = (problem: string) => incidentFindings.push({ incident, problem, records: shown });
    const sequence = decisions.map((r) => r.decision).join(', then ');
    if (decisions.length === 0) finding('no decision in the ledger');
    else if (outcomes.length !== acted.length)
      finding(`${acted.length} runs started, ${outcomes.length} outcome records`);
    else if (records.some((r) => r.decision === 'lock-lost')) finding('lock lost');
    else if (decisions.length === 1) exactlyOnce += 1;
    else if (incident.deliveries === 1)
      finding(`${decisions.length} decision records for one delivery: ${sequence}`);
    else if (
      acted.length <= 1 &&
      decisions
        .slice(1)
        .every(
          (r) => r.decision === 'suppressed' || (r.decision === decisions[0]?.decision && acted.length === 0),
        )
    )
      duplicatesWithSecondRecord += 1;
    else finding(`${REDECIDED}: ${sequence}`);
  }
  const known = new Set(run.incidents.map((i) => i.id));
  for (const [id, records] of byIncident) {
    if (!known.has(id))
      incidentFindings.push({
        incident: { id, kind: 'alarm', resource: records[0]?.resource ?? '', deliveries: 0 },
        problem: 'in the ledger, never delivered',
        records: records.map(({ decision, reason, at }) => ({ decision, reason, at })),
      });
  }

  // At most one live run per resource per cooldown.
  const liveStarts = ledger.filter((r) => r.decision === 'started').sort((a, b) => a.at.localeCompare(b.at));
  const cooldownBreaches: StormReport['cooldownBreaches'] = [];
  const lastStart = new Map<string, string>();
  for (const record of liveStarts) {
    const previous = lastStart.get(record.resource);
    if (previous && Date.parse(record.at) - Date.parse(previous) < options.limits.cooldownSeconds * 1000)
      cooldownBreaches.push({ resource: record.resource, at: [previous, record.at] });
    lastStart.set(record.resource, record.at);
  }

  // Rate limits, per clock hour as dispatch counts them (the guardrails' `now`, to the hour).
  const control = await scanControl(dynamodb);
  const counter = (pk: string) => Number(control.find((i) => i.pk?.S === pk)?.actions?.N ?? '0');
  const hourOf = (at: string) => at.slice(0, 13);
  const hourKeys = new Set<string>();
  for (const r of ledger) hourKeys.add(hourOf(r.at));
  for (const item of control) {
    const m = /^rate#(?:runbook#[^#]+|global)#(.+)$/.exec(item.pk?.S ?? '');
    if (m?.[1]) hourKeys.add(m[1]);
  }
  const rateLimitFindings: string[] = [];
  const { runbookPerHour, globalPerHour } = options.limits;
  const hours: HourCount[] = [...hourKeys].sort().map((hour) => {
    const inHour = ledger.filter((r) => hourOf(r.at) === hour);
    const startedBy = (runbook: string) =>
      inHour.filter((r) => r.decision === 'started' && r.runbook === runbook).length;
    const started = inHour.filter((r) => r.decision === 'started').length;
    const rateLimited = inHour.filter(
      (r) => r.decision === 'suppressed' && /rate limit/.test(r.reason),
    ).length;
    const say = (text: string) => rateLimitFindings.push(`${hour}: ${text}`);
    const runbookCounters: Record<string, number> = {};
    let atARunbookLimit = false;
    for (const runbook of [HOT_SHARD, CELL_SHIFT]) {
      const count = counter(`rate#runbook#${runbook}#${hour}`);
      runbookCounters[runbook] = count;
      if (count !== startedBy(runbook))
        say(`${runbook}'s counter holds ${count}, the ledger ${startedBy(runbook)} live starts of it`);
      if (startedBy(runbook) > runbookPerHour)
        say(`${startedBy(runbook)} live starts of ${runbook}, over its limit ${runbookPerHour}`);
      if (startedBy(runbook) === runbookPerHour) atARunbookLimit = true;
    }
    const globalCounter = counter(`rate#global#${hour}`);
    if (globalCounter !== started)
      say(`the global counter holds ${globalCounter}, the ledger ${started} live starts`);
    if (started > globalPerHour) say(`${started} live starts, over the global limit ${globalPerHour}`);
    if (rateLimited > 0 && started !== globalPerHour && !atARunbookLimit)
      say(
        `${rateLimited} incidents refused by the rate limit, with ${started} live starts and no limit reached`,
      );
    return { hour, started, runbookCounters, globalCounter, rateLimited };
  });

  const executions = engine.executions();
  const arnName = (e: ExecutionRecord) => e.stateMachineArn.split(':').at(-1) ?? '';
  const runbookRuns = executions.filter((e) => arnName(e) !== DISPATCH);
  const dispatchArns = new Set(executions.filter((e) => arnName(e) === DISPATCH).map((e) => e.executionArn));
  const runsStartedByDispatch = runbookRuns.filter(
    (e) => e.parentExecutionArn !== undefined && dispatchArns.has(e.parentExecutionArn),
  ).length;
  const ledgerActs = ledger.filter((r) => r.decision === 'started' || r.decision === 'dry-run').length;
  const wallSeconds = run.wallMs / 1000;
  return {
    incidents: run.incidents.length,
    resources: options.resources ?? 50,
    signals: {
      delivered: run.delivered,
      filtered: run.filtered,
      duplicates: run.incidents.reduce((sum, i) => sum + i.deliveries - 1, 0),
    },
    runs: runbookRuns.length,
    runOutcomes: tally(
      runbookRuns.map((e) => {
        const output = e.output as { outcome?: unknown } | undefined;
        return `${arnName(e)}: ${typeof output?.outcome === 'string' ? output.outcome : e.status}`;
      }),
    ),
    runsStartedByDispatch,
    ledgerActs,
    liveRuns: liveStarts.length,
    ledgerRecords: ledger.length,
    decisions: tally(ledger.map((r) => r.decision)),
    suppressions: tally(
      ledger
        .filter((r) => r.decision === 'suppressed')
        .map((r) =>
          r.reason
            .replace(/(dynamodb-table|cell)\/[\w.-]+/g, '<resource>')
            .replace(/until \S+/, 'until <time>'),
        ),
    ),
    incidentsExactlyOnce: exactlyOnce,
    duplicatesWithSecondRecord,
    incidentFindings,
    cooldownBreaches,
    hours,
    rateLimitFindings,
    locksLeft: control.filter((i) => i.pk?.S?.startsWith('lock#')).map((i) => i.pk?.S ?? ''),
    runningLeft: executions.filter((e) => e.status === 'RUNNING').map((e) => e.executionArn),
    failedExecutions: executions
      .filter((e) => e.status !== 'SUCCEEDED' && e.status !== 'RUNNING')
      .map((e) => ({ name: arnName(e), status: e.status, ...(e.cause ? { cause: e.cause } : {}) })),
    incidentsPerSecond: run.incidents.length / wallSeconds,
    wallSeconds,
    virtualMinutes: (run.endMs - run.startMs) / 60_000,
  };
}

/** A few lines: the figures, then each finding with its ledger records. */
export function stormSummary(report: StormReport): string {
  const lines = [
    `storm: ${report.incidents} incidents over ${report.resources} resources ` +
      `(${report.signals.delivered} deliveries, ${report.signals.duplicates} duplicates, ${report.signals.filtered} signals no rule matched); ` +
      `${report.runs} runbook runs (${report.liveRuns} live); ${report.ledgerRecords} ledger records; ` +
      `${report.incidentsExactlyOnce} incidents exactly once, ${report.duplicatesWithSecondRecord} duplicates with a second record, ` +
      `${report.incidentFindings.length} findings; ${report.cooldownBreaches.length} cooldown breaches; ` +
      `${report.rateLimitFindings.length} rate-limit findings over ${report.hours.length} hours; ` +
      `${report.locksLeft.length} locks left, ${report.runningLeft.length} running; ` +
      `${report.incidentsPerSecond.toFixed(1)} incidents/s (${report.wallSeconds.toFixed(1)} s, ${report.virtualMinutes.toFixed(0)} virtual minutes)`,
    ...report.rateLimitFindings,
    ...report.incidentFindings.map(
      (f) =>
        `${f.incident.id} (${f.incident.kind}, ${f.incident.resource}, delivered ${f.incident.deliveries}x): ${f.problem}: ` +
        f.records.map((r) => `${r.at} ${r.decision} (${r.reason})`).join('; '),
    ),
  ];
  return lines.join('\n');
}

function tally(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

export { CELL_SHIFT, HOT_SHARD };
