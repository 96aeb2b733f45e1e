/**
 * The runs the fault matrix injects into (test/support/fault-injection.ts), each the production
 * path a signal takes (dispatch, then the runbook it starts; key-reshuffle alone, as hot-shard
 * starts it), and what every one of them must come to whatever the fault: every execution ends
 * (succeeded, or failed by a name, never a runtime error from bad data), no lock is left in
 * dispatch's control table (`lock#...`, or any item under a lease), the ledger records the run's
 * end (runs through dispatch), no ledger record keeps a trace, the scenario's invariants hold (the
 * hot key's items, each once), and a change left in the world (a capacity, a concurrency, a cell
 * Off, a shard map not active) is named in the ledger, a notification, or a failed execution's
 * error and cause (which the stack's FailedRuns rule publishes in AWS).
 */
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DeleteTableCommand,
  DescribeTableCommand,
  ScanCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { JsonValue } from '../../core/json.ts';
import { VirtualClock } from '../../core/virtual-clock.ts';
import type { CloudWatchAlarmEvent } from '../../contracts/cloudwatch-alarm-event.ts';
import { downstreamHealthAlarms } from '../../detectors/alarms/downstream-health.ts';
import { routingSchema, type Routing } from '../../detectors/routing/routes.ts';
import { recordOf, type LedgerRecord } from '../../domain/dispatch/ledger.ts';
import { writeRunbookSwitch } from '../../domain/dispatch/switches.ts';
import { createDispatchTables, DEFAULT_DISPATCH_TABLES } from '../../domain/dispatch/tables.ts';
import type { ExecutionRecord, LocalEngine } from '../../engine/local-engine.ts';
import {
  brownoutFromMinute2,
  ORDERS_TO_PAYMENTS,
  startQueueWorld,
  steadyOrders,
} from '../../scenarios/sqs-backpressure/world.ts';
import { recordingAutoScaling, steadyDemandCloudWatch } from '../../world/dynamodb/steady-demand.ts';
import { detectGreyCells } from '../../domain/cells/detect.ts';
import { greyCellFleetSchema } from '../../domain/cells/fleet.ts';
import { publishIncidents } from '../../domain/cells/publish.ts';
import { DEFAULT_ROUTING } from '../../detectors/routing/routes.ts';
import { RUNBOOK_GREY_CELL_INCIDENT, GREY_CELL } from '../../scenarios/cell-shift/incident.ts';
import { buildCellShiftWorld } from '../../scenarios/cell-shift/world.ts';
import { simulatedEventBus } from '../../world/cells/events.ts';
import { CHECKOUT_CELLS, PAYMENTS_MAPPING, paymentsQueueRouting } from './dispatch-routings.ts';
import {
  faultyEngine,
  lambdaFaultMatrix,
  serviceFaultMatrix,
  taskStates,
  type FaultCase,
  type Injection,
} from './fault-injection.ts';
import { readShardMap } from '../../domain/reshuffle/shard-map-store.ts';
import { keyDemandPorts } from '../../world/dynamodb/hot-key-table.ts';
import { createHotKeyTable, HOT_KEY, HOT_KEY_START, HOT_KEY_TABLE, keyInventory } from './hot-key-table.ts';
import { createProvisionedTable } from './local-dynamodb.ts';
import type { LocalPorts } from '../../local/task-ports.ts';

const TABLES = DEFAULT_DISPATCH_TABLES;

/** A change the run left in the world, and what in the ledger or a notification would tell of it. */
export interface ChangeLeft {
  what: string;
  /** Any of these in a ledger record (reason or actions) or a notification tells the operators. */
  toldBy: string[];
}

export interface ScenarioRun {
  /** The execution the signal started (dispatch). */
  root: ExecutionRecord;
  engine: LocalEngine;
  injection: Injection;
  changesLeft: () => Promise<ChangeLeft[]>;
  /** What must hold whatever the fault (the key's items, each once): each violation, said. */
  violations?: () => Promise<string[]>;
}

export interface FaultScenario {
  /** A short id (the findings are kept by it). */
  id: string;
  name: string;
  /** The runbooks whose Task states this run goes through. */
  runbooks: readonly string[];
  /** Task states of those runbooks the run does not reach, each with why. */
  unreached: Readonly<Record<string, string>>;
  /**
   * When set, the only states this scenario injects into (a variant of another scenario, run for the
   * states only it reaches).
   */
  focus?: readonly string[];
  /**
   * States the run reaches only after a failure, each with the fault (`state: fault id`) injected
   * first to take it there.
   */
  primers: Readonly<Record<string, string>>;
  /**
   * Whether the run goes through dispatch, which records its end in the ledger (a runbook started
   * alone, as key-reshuffle is by hot-shard, reports to its caller instead).
   */
  ledger: boolean;
  setUp(dynamodb: DynamoDBClient): Promise<void>;
  tearDown(dynamodb: DynamoDBClient): Promise<void>;
  run(dynamodb: DynamoDBClient, faultCase?: FaultCase, primer?: FaultCase): Promise<ScenarioRun>;
}

/**
 * For a world that builds its own ports and starts its engine with them: a `startEngine` that
 * injects the case's faults (and its primer's), and the injection it made, read once the run ends.
 */
function faultyStarter(
  dynamodb: DynamoDBClient,
  faultCase: FaultCase | undefined,
  primer: FaultCase | undefined,
): {
  startEngine: (clock: VirtualClock, ports: LocalPorts) => Promise<LocalEngine>;
  injection: () => Injection;
} {
  let made: Injection = { invocations: 0, failures: 0 };
  return {
    startEngine: async (clock, ports) => {
      const { engine, injection } = await faultyEngine({ clock, ports, dynamodb, faultCase, primer });
      made = injection;
      return engine;
    },
    injection: () => made,
  };
}

async function dropTables(dynamodb: DynamoDBClient, names: readonly string[]): Promise<void> {
  for (const name of names) {
    await dynamodb.send(new DeleteTableCommand({ TableName: name })).catch(() => undefined);
  }
}

const CLOUDWATCH_ALARM = JSON.parse(
  readFileSync(new URL('../../contracts/examples/cloudwatch-alarm-metric.json', import.meta.url), 'utf8'),
) as JsonValue;

/**
 * dispatch's Task states on the paths where a guardrail stops the signal before any runbook runs:
 * none of the scenarios' signals meets one (test/runbooks/dispatch*.test.ts run them).
 */
const DISPATCH_GUARD_PATHS: Readonly<Record<string, string>> = {
  'Record the rejected signal': 'only for an event that is not a signal (dispatch-fuzz sends them)',
  'Record the signal without acting': 'only for a signal no runbook handles',
  'Record the suppressed incident':
    'only under a kill switch, a runbook switched off or an incident already decided',
  'Record: already remediating': "only while another run holds the resource's lock",
  'Release the lock: cooling down': 'only while the resource cools down after a remediation',
  'Record: cooling down': 'only while the resource cools down after a remediation',
  "Give back the runbook's count": 'only when the global hourly limit is reached',
  'Release the lock: rate limit reached': 'only when an hourly limit is reached',
  'Record: rate limit reached': 'only when an hourly limit is reached',
  'Record: the lock was taken over': 'only when another run took the lock over after its lease ran out',
};

/** The capacity `orders` starts with; the healthy run raises it to 650. */
const ORDERS_WCU = 100;

/**
 * dispatch -> hot-shard, the world of the dispatch tests: `orders` (300 RCU / 100 WCU, no auto
 * scaling) asked 500 writes a second; the fixture alarm on it; hot-shard live.
 */
export const HOT_SHARD: FaultScenario = {
  id: 'hot-shard',
  name: 'an alarm on orders: dispatch -> hot-shard',
  runbooks: ['dispatch', 'hot-shard'],
  unreached: {
    ...DISPATCH_GUARD_PATHS,
    'Run the sqs-backpressure runbook': 'the signal is a table alarm (SQS_BACKPRESSURE runs it)',
    'Start the cell-traffic-shift runbook': 'the signal is a table alarm (CELL_SHIFT runs it)',
    'Reshuffle the hot key': 'orders has no hot key (KEY_RESHUFFLE runs key-reshuffle itself)',
  },
  primers: {
    // An unreadable signal's path: the normaliser fails for good.
    'Record that the signal could not be read': 'Read the signal: function-timeout',
    // Any failure under the lock releases it and records the failure.
    'Release the lock after a failure': 'Read the cooldown under the lock: service-refused',
    'Record the dispatch failure': 'Read the cooldown under the lock: service-refused',
  },
  ledger: true,
  async setUp(dynamodb) {
    await createDispatchTables(dynamodb, TABLES);
    await createProvisionedTable(dynamodb, 'orders');
    await writeRunbookSwitch(dynamodb, TABLES.control, 'hot-shard', { live: true });
  },
  tearDown: (dynamodb) => dropTables(dynamodb, [TABLES.control, TABLES.ledger, 'orders']),
  async run(dynamodb, faultCase, primer) {
    const clock = new VirtualClock(Date.UTC(2026, 0, 1, 12, 0, 0));
    const demand = { read: 100, write: 500 };
    const ports = {
      dynamodb,
      cloudwatch: steadyDemandCloudWatch(dynamodb, 'orders', demand).port,
      autoScaling: recordingAutoScaling(dynamodb, []).port,
      now: () => clock.now(),
    };
    const { engine, injection } = await faultyEngine({
      clock,
      ports,
      dynamodb,
      faultCase,
      primer,
    });
    const root = await engine.run('dispatch', CLOUDWATCH_ALARM);
    return {
      root,
      engine,
      injection,
      async changesLeft() {
        const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: 'orders' }));
        const wcu = Table?.ProvisionedThroughput?.WriteCapacityUnits;
        return wcu === ORDERS_WCU
          ? []
          : [
              {
                what: `orders' write capacity ${ORDERS_WCU} -> ${wcu}`,
                // An action record's after, or the planned change a failure says may stay.
                toldBy: [`"after":${wcu}`, `"to":${wcu}`],
              },
            ];
      },
    };
  },
};

const MAPPING = PAYMENTS_MAPPING;
const MAPPING_CONCURRENCY = 100;

const QUEUE_ROUTING: Routing = paymentsQueueRouting();

/**
 * dispatch -> sqs-backpressure, the world of the dispatch-backpressure tests: 200 orders a second,
 * payments browning out from minute 2 for 15 minutes, the mapping at MaximumConcurrency 100; the
 * downstream alarm's event once it fires; sqs-backpressure live.
 */
export const SQS_BACKPRESSURE: FaultScenario = {
  id: 'sqs-backpressure',
  name: 'a downstream alarm on payments: dispatch -> sqs-backpressure',
  runbooks: ['dispatch', 'sqs-backpressure'],
  unreached: {
    ...DISPATCH_GUARD_PATHS,
    'Start the cell-traffic-shift runbook': 'the signal is a queue alarm (CELL_SHIFT runs it)',
    'Notify that messages are about to expire': 'the backlog never comes near the retention period here',
  },
  primers: {
    // Any failure after the first change restores the original concurrency.
    'Restore the original concurrency': 'Probe the downstream: aws-refused',
  },
  ledger: true,
  async setUp(dynamodb) {
    await createDispatchTables(dynamodb, TABLES);
    await writeRunbookSwitch(dynamodb, TABLES.control, 'sqs-backpressure', { live: true });
  },
  tearDown: (dynamodb) => dropTables(dynamodb, [TABLES.control, TABLES.ledger]),
  async run(dynamodb, faultCase, primer) {
    const faulty = faultyStarter(dynamodb, faultCase, primer);
    const { clock, world, alarms, engine } = await startQueueWorld({
      seed: 1,
      startMs: Date.UTC(2026, 0, 1, 12, 0, 0),
      world: {
        arrivals: steadyOrders(200, 0),
        queue: { ...ORDERS_TO_PAYMENTS.queue, visibilityTimeoutSeconds: 60 },
        mapping: { uuid: MAPPING, maximumConcurrency: MAPPING_CONCURRENCY },
        function: { ...ORDERS_TO_PAYMENTS.function, timeoutSeconds: 10 },
        downstream: { ...ORDERS_TO_PAYMENTS.downstream, brownouts: [brownoutFromMinute2(15)] },
      },
      alarms: downstreamHealthAlarms({ service: 'payments' }),
      dynamodb,
      routing: QUEUE_ROUTING,
      startEngine: faulty.startEngine,
    });
    let alarm: CloudWatchAlarmEvent | undefined;
    alarms.onStateChange((event) => {
      if (event.detail.state.value === 'ALARM') alarm ??= event;
    });
    while (!alarm) await clock.advance(60);
    const root = await engine.run('dispatch', alarm as unknown as JsonValue);
    return {
      root,
      engine,
      injection: faulty.injection(),
      async changesLeft() {
        const last = world.mappingChanges.filter((c) => c.by === 'caller').at(-1)?.after;
        if (!last || (last.maximumConcurrency === MAPPING_CONCURRENCY && last.enabled)) return [];
        const what = last.enabled
          ? `the mapping's MaximumConcurrency ${MAPPING_CONCURRENCY} -> ${last.maximumConcurrency}`
          : `the mapping disabled`;
        return [{ what, toldBy: ['RestoreFailedError', 'left lowered', 'not restored'] }];
      },
    };
  },
};

const FLEET_CELLS = CHECKOUT_CELLS;

const fleetRouting = (approval: boolean): Routing =>
  routingSchema.parse({
    ...DEFAULT_ROUTING,
    fleets: {
      checkout: { cells: FLEET_CELLS, approval: { required: approval }, recovery: { bakeSeconds: 300 } },
    },
  });

/**
 * The grey-cell detector's incident -> dispatch, which hands over to cell-traffic-shift; the world of
 * the dispatch-cell-shift test: five `checkout` cells, checkout-cell-3 grey from minute 1 to 15, no
 * approval, a 5-minute bake. The run is followed to the shift's end.
 */
export const CELL_SHIFT: FaultScenario = {
  id: 'cell-shift',
  name: 'a grey cell: dispatch -> cell-traffic-shift',
  runbooks: ['dispatch', 'cell-traffic-shift'],
  unreached: {
    ...DISPATCH_GUARD_PATHS,
    // dispatch hands the shift over and ends: it never summarises a shift.
    'Summarise the outcome': 'dispatch hands a shift over without summarising it',
    // Approval is not required in this fleet (CELL_SHIFT_APPROVAL asks for it).
    'Check the safety rules again': 'only after an operator approves (CELL_SHIFT_APPROVAL)',
    'Ask an operator to approve the shift': 'approval is not required here (CELL_SHIFT_APPROVAL)',
    'Release the lock: not approved': 'approval is not required here (CELL_SHIFT_APPROVAL)',
    'Release the lock: no longer safe':
      'only when the fleet changes while an operator decides (cell-traffic-shift.test.ts turns a cell off by hand)',
    'Tell the operators the cell stays off': 'the cell recovers in this world',
    'Release the lock: cell left off': 'the cell recovers in this world',
  },
  primers: {
    // A failure after the control went Off puts it back and records it.
    "Put the cell's routing control back on": "Turn the cell's routing control off: crash-after-change",
    'Record the routing after the failure': "Turn the cell's routing control off: crash-after-change",
    'Keep the failure in the ledger': "Turn the cell's routing control off: crash-after-change",
    'Release the lock after the failure': "Turn the cell's routing control off: crash-after-change",
    // A failure under the fleet's lock before any change gives it back.
    'Release the lock: not shifted': 'Keep the routing in the ledger: service-refused',
    // A check after the shift that fails for good leaves the cell off, told.
    'Tell the operators the cell stays off after a failed check':
      'Check whether the cell has recovered: function-timeout',
    'Release the lock: check failed': 'Check whether the cell has recovered: function-timeout',
  },
  ledger: true,
  // buildCellShiftWorld creates dispatch's tables itself.
  setUp: async () => undefined,
  tearDown: (dynamodb) => dropTables(dynamodb, [TABLES.control, TABLES.ledger]),
  run: (dynamodb, faultCase, primer) => runCellShift(dynamodb, false, faultCase, primer),
};

/**
 * The grey cell through dispatch with the fleet's approval required; an operator approves every
 * request at once, through the engine's task tokens (as `selfheal approve` does). Run for the states
 * only an approval reaches.
 */
export const CELL_SHIFT_APPROVAL: FaultScenario = {
  ...CELL_SHIFT,
  id: 'cell-shift-approval',
  name: 'a grey cell, approval required: dispatch -> cell-traffic-shift, an operator approves',
  focus: [
    'Ask an operator to approve the shift',
    'Check the safety rules again',
    'Release the lock: not approved',
  ],
  // What the fleet without approval does not reach, less what an approval reaches.
  unreached: Object.fromEntries(
    Object.entries(CELL_SHIFT.unreached).filter(
      ([state]) =>
        ![
          'Ask an operator to approve the shift',
          'Check the safety rules again',
          'Release the lock: not approved',
        ].includes(state),
    ),
  ),
  primers: {
    ...CELL_SHIFT.primers,
    // The approval request that fails for good gives the fleet's lock back.
    'Release the lock: not approved': 'Ask an operator to approve the shift: service-refused',
  },
  run: (dynamodb, faultCase, primer) => runCellShift(dynamodb, true, faultCase, primer),
};

async function runCellShift(
  dynamodb: DynamoDBClient,
  approval: boolean,
  faultCase?: FaultCase,
  primer?: FaultCase,
): Promise<ScenarioRun> {
  const faulty = faultyStarter(dynamodb, faultCase, primer);
  const world = await buildCellShiftWorld({
    dynamodb,
    routing: fleetRouting(approval),
    incident: RUNBOOK_GREY_CELL_INCIDENT,
    seed: 1,
    startEngine: faulty.startEngine,
  });
  const { engine } = world;
  // An operator approves every approval request at once.
  engine.onTaskToken(({ token }) => engine.tokens.succeed(token, { approved: true, by: 'alice' }));
  await writeRunbookSwitch(dynamodb, TABLES.control, 'cell-traffic-shift', { live: true });
  await world.clock.advance(6 * 60);
  const detection = await detectGreyCells(
    world.xray,
    greyCellFleetSchema.parse({ cells: FLEET_CELLS.map((c) => c.name) }),
    world.clock.now(),
  );
  const bus = simulatedEventBus({ now: () => world.clock.now() });
  await publishIncidents(bus, 'default', detection.incidents);
  const root = await engine.run('dispatch', bus.delivered[0]?.event as unknown as JsonValue);
  // The shift goes on after dispatch hands it over: follow it to its end.
  for (const execution of engine.executions()) await engine.whenDone(execution.executionArn);
  return {
    root,
    engine,
    injection: faulty.injection(),
    async changesLeft() {
      const last = world.routing.changes.filter((c) => c.cell === GREY_CELL).at(-1);
      return last?.to === 'Off'
        ? [
            {
              what: `${GREY_CELL}'s routing control left Off`,
              // The notification that it stays off, or a ledger record of the routing as it is.
              toldBy: ['stays Off', `"${GREY_CELL}":"Off"`],
            },
          ]
        : [];
    },
  };
}

/** Waits until every execution of the engine has ended, including any started meanwhile. */
async function settleExecutions(engine: LocalEngine): Promise<void> {
  let seen = -1;
  while (seen !== engine.executions().length) {
    seen = engine.executions().length;
    for (const execution of engine.executions()) await engine.whenDone(execution.executionArn);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const KEY_ITEMS = 300;

/** What key-reshuffle and key-merge are asked, here: the hot key, 100 items a batch. */
const HOT_KEY_REQUEST = {
  tableName: HOT_KEY_TABLE,
  logicalKey: HOT_KEY,
  policy: { routerCacheSeconds: 30, batchSize: 100 },
};

/**
 * What a run on the hot key must leave, whatever its fault: a shard map other than active is a
 * change to tell, and the key's items are all there, once each, as `before` counted them.
 */
function hotKeyChecks(
  dynamodb: DynamoDBClient,
  before: Awaited<ReturnType<typeof keyInventory>>,
): Pick<ScenarioRun, 'changesLeft' | 'violations'> {
  const key = { tableName: HOT_KEY_TABLE, logicalKey: HOT_KEY };
  return {
    async changesLeft() {
      const map = await readShardMap(dynamodb, TABLES.control, key);
      return map && map.state !== 'active'
        ? [{ what: `the shard map left ${map.state}`, toldBy: [map.state, 'shard map'] }]
        : [];
    },
    async violations() {
      const after = await keyInventory(dynamodb, 3);
      return after.count === before.count && after.checksum === before.checksum
        ? []
        : [`the key's items: ${JSON.stringify(before)} before, ${JSON.stringify(after)} after`];
    },
  };
}

/**
 * key-reshuffle as hot-shard starts it (alone: no dispatch, no ledger of its own): 300 items under
 * the hot key, 1,700 requests a second of it (3 shards), 100 items a batch. Whatever the fault, the
 * key's items are all there once each, and a shard map left other than active is in the failure
 * the run reports (hot-shard's, then dispatch's ledger, carry it on).
 */
export const KEY_RESHUFFLE: FaultScenario = {
  id: 'key-reshuffle',
  name: 'a hot key: key-reshuffle -> key-move-batches',
  runbooks: ['key-reshuffle', 'key-move-batches'],
  unreached: { 'Move the next batch back': "key-merge's, not a reshuffle's (KEY_MERGE runs it)" },
  primers: {},
  ledger: false,
  setUp: (dynamodb) => createHotKeyTable(dynamodb, KEY_ITEMS),
  tearDown: (dynamodb) => dropTables(dynamodb, [HOT_KEY_TABLE, TABLES.control, TABLES.ledger]),
  async run(dynamodb, faultCase, primer) {
    const clock = new VirtualClock(HOT_KEY_START);
    const { engine, injection } = await faultyEngine({
      clock,
      ports: keyDemandPorts(dynamodb, clock, 1700),
      dynamodb,
      faultCase,
      primer,
    });
    const before = await keyInventory(dynamodb, 3);
    const root = await engine.run('key-reshuffle', HOT_KEY_REQUEST);
    return { root, engine, injection, ...hotKeyChecks(dynamodb, before) };
  },
};

/**
 * key-merge as an operator starts it, on a key key-reshuffle spread over 3 shards (run first, with
 * no fault), now cool at 200 requests a second: the shards are emptied back into the logical key
 * and the shard map forgotten. Whatever the fault, the key's items are all there once each, and a
 * shard map left other than active (merging) is in the failure the run reports.
 */
export const KEY_MERGE: FaultScenario = {
  id: 'key-merge',
  name: 'a cool sharded key: key-merge -> key-move-batches',
  runbooks: ['key-merge', 'key-move-batches'],
  unreached: {
    'Move the next batch to its shards': "key-reshuffle's, not a merge's (KEY_RESHUFFLE runs it)",
  },
  primers: {},
  ledger: false,
  async setUp(dynamodb) {
    await createHotKeyTable(dynamodb, KEY_ITEMS);
    const clock = new VirtualClock(HOT_KEY_START);
    const { engine } = await faultyEngine({ clock, ports: keyDemandPorts(dynamodb, clock, 1700), dynamodb });
    const reshuffled = await engine.run('key-reshuffle', HOT_KEY_REQUEST);
    if (reshuffled.status !== 'SUCCEEDED')
      throw new Error(`the reshuffle before the merge ${reshuffled.status}`);
  },
  tearDown: (dynamodb) => dropTables(dynamodb, [HOT_KEY_TABLE, TABLES.control, TABLES.ledger]),
  async run(dynamodb, faultCase, primer) {
    const clock = new VirtualClock(HOT_KEY_START + 3600_000);
    const { engine, injection } = await faultyEngine({
      clock,
      ports: keyDemandPorts(dynamodb, clock, 200),
      dynamodb,
      faultCase,
      primer,
    });
    const before = await keyInventory(dynamodb, 3);
    const root = await engine.run('key-merge', HOT_KEY_REQUEST);
    // A shard's loop still running when another failed the Map: wait for its end (and for a loop
    // whose start was in flight when the Map failed), until no new execution appears.
    await settleExecutions(engine);
    return { root, engine, injection, ...hotKeyChecks(dynamodb, before) };
  },
};

/**
 * Every scenario the long matrix runs. A Task state of another integration than Lambda is injected
 * into in the first scenario that reaches it (dispatch's lock and ledger steps once, not once per
 * runbook); a Lambda task's state in every scenario that reaches it.
 */
export const FAULT_SCENARIOS: readonly FaultScenario[] = [
  HOT_SHARD,
  SQS_BACKPRESSURE,
  CELL_SHIFT,
  CELL_SHIFT_APPROVAL,
  KEY_RESHUFFLE,
  KEY_MERGE,
];

/** Whether a scenario injects into a state of its runbooks at all (not unreached, in its focus). */
const reaches = (scenario: FaultScenario, runbook: string, state: string): boolean =>
  scenario.runbooks.includes(runbook) &&
  !(state in scenario.unreached) &&
  (!scenario.focus || scenario.focus.includes(state));

/** The scenario before `scenario` in FAULT_SCENARIOS that covers a state, if any. */
export const coveredBefore = (
  scenario: FaultScenario,
  runbook: string,
  state: string,
): FaultScenario | undefined =>
  FAULT_SCENARIOS.slice(0, Math.max(0, FAULT_SCENARIOS.indexOf(scenario))).find((s) =>
    reaches(s, runbook, state),
  );

/**
 * A scenario's whole matrix: every fault of every Task state it reaches, read from the ASL, less
 * the states of other integrations an earlier scenario covers.
 */
export function scenarioMatrix(scenario: FaultScenario): FaultCase[] {
  const lambda = lambdaFaultMatrix(scenario.runbooks);
  const service = serviceFaultMatrix(scenario.runbooks).filter(
    (c) => !coveredBefore(scenario, c.runbook, c.state),
  );
  const states = taskStates().map((s) => `${s.runbook}|${s.state}`);
  const order = (c: FaultCase): number => states.indexOf(`${c.runbook}|${c.state}`);
  return [...lambda, ...service]
    .filter((c) => reaches(scenario, c.runbook, c.state))
    .sort((a, b) => order(a) - order(b));
}

/** An execution ending like this ended on bad data or a bug, not by a name a runbook gave it. */
const NOT_A_NAMED_FAILURE = [
  'States.Runtime',
  'States.DataLimitExceeded',
  'States.Timeout',
  'TypeError',
  'ReferenceError',
  'SyntaxError',
  'RangeError',
  'Error',
];

/** Ledger decisions that say how a run ended, not only that it began. */
const END_DECISIONS = [
  'ignored',
  'unhandled',
  'rejected',
  'suppressed',
  'succeeded',
  'failed',
  'handed-over',
  'lock-lost',
];

const scan = async (dynamodb: DynamoDBClient, table: string) =>
  (await dynamodb.send(new ScanCommand({ TableName: table }))).Items ?? [];

const ending = (e: ExecutionRecord): string =>
  `${e.stateMachineArn.split(':').at(-1)} ${e.status}${e.error ? ` ${e.error}` : ''}`;

/** What a run left, for a failing case's message: every execution's end, the ledger, the notifications. */
export interface Aftermath {
  ends: string[];
  locks: string[];
  ledger: string[];
  notifications: string[];
  changesLeft: string[];
  untold: string[];
  violations: string[];
}

export async function aftermathOf(dynamodb: DynamoDBClient, run: ScenarioRun): Promise<Aftermath> {
  const ledger: LedgerRecord[] = (await scan(dynamodb, TABLES.ledger)).map(recordOf);
  // dispatch's `lock#<resource>`, and any other item held under a lease (the cell shift's fleet lock).
  const locks = (await scan(dynamodb, TABLES.control))
    .filter((item) => (item.pk?.S ?? '').startsWith('lock#') || item.leaseExpiresAt !== undefined)
    .map((item) => item.pk?.S ?? '');
  // In AWS the stack's FailedRuns rule publishes every failed execution's error and cause to the
  // operators' topic; the local engine has no rule, so they count as told here.
  const failedRuns = run.engine
    .executions()
    .filter((e) => e.status !== 'SUCCEEDED')
    .map((e) => `${e.error ?? ''} ${e.cause ?? ''}`);
  const told = [
    ...ledger.map((r) => `${r.reason} ${r.actions ?? ''}`),
    // As the operators read them (the actions' JSON unescaped).
    ...run.engine.notifications.messages.map((m) => `${m.Subject ?? ''} ${m.Message ?? ''}`),
    ...failedRuns,
  ];
  const changes = await run.changesLeft();
  return {
    ends: run.engine.executions().map(ending),
    locks,
    ledger: ledger.map((r) => `${r.resource} ${r.decision}: ${r.reason}${r.actions ? ` ${r.actions}` : ''}`),
    notifications: run.engine.notifications.messages.map((m) => `${m.Subject ?? ''}: ${m.Message ?? ''}`),
    changesLeft: changes.map((c) => c.what),
    violations: (await run.violations?.()) ?? [],
    untold: changes.filter((c) => !told.some((t) => c.toldBy.some((s) => t.includes(s)))).map((c) => c.what),
  };
}

/**
 * What every run must come to whatever its fault: each assertion's message carries the aftermath,
 * so a failing case says what it left.
 */
export async function expectSafeEnd(
  dynamodb: DynamoDBClient,
  run: ScenarioRun,
  faultCase: FaultCase,
  healthy: { status: string },
  ledger = true,
): Promise<void> {
  const after = await aftermathOf(dynamodb, run);
  const said = JSON.stringify(after, null, 1);
  // The fault was met.
  expect(run.injection.failures, `the fault never fired: ${said}`).toBeGreaterThan(0);
  // A store that refuses the write meant to say or undo something cannot say or undo it: the ledger
  // refusing a record, or the control table refusing the lock's delete (the lock then ends with its
  // lease, as after a crash). The run must then fail by name, which the FailedRuns rule publishes.
  const refused = faultCase.fault.kind === 'fatal' && faultCase.table !== undefined;
  const ledgerRefused = refused && (faultCase.table ?? '').includes('LedgerTableName');
  const lockRefused = refused && faultCase.resource.endsWith(':deleteItem');
  if (ledgerRefused || lockRefused) {
    expect(
      run.engine
        .executions()
        .some((e) => e.stateMachineArn.endsWith(`:${faultCase.runbook}`) && e.status === 'FAILED'),
      `the refusal did not fail the run of ${faultCase.runbook}: ${said}`,
    ).toBe(true);
  }
  // Every execution ended: succeeded, or failed by a name.
  for (const execution of run.engine.executions()) {
    expect(['SUCCEEDED', 'FAILED'], `${ending(execution)}: ${said}`).toContain(execution.status);
    expect(NOT_A_NAMED_FAILURE, `${ending(execution)}: ${said}`).not.toContain(execution.error);
  }
  if (!lockRefused) expect(after.locks, `a lock is left: ${said}`).toEqual([]);
  if (ledger && !ledgerRefused) {
    expect(
      (await scan(dynamodb, TABLES.ledger)).map(recordOf).some((r) => END_DECISIONS.includes(r.decision)),
      `the ledger does not say how the run ended: ${said}`,
    ).toBe(true);
  }
  // No scenario has another run to take a lock over: a record that one did is false.
  expect(
    after.ledger.filter((r) => / lock-lost: /.test(r)),
    `the ledger says a lock was taken over: ${said}`,
  ).toEqual([]);
  expect(after.violations, `an invariant is broken: ${said}`).toEqual([]);
  expect(after.untold, `a change is left untold: ${said}`).toEqual([]);
  // The ledger keeps a task error's type and one-line message, never its trace (README, dispatch).
  expect(
    after.ledger.filter((r) => r.includes('"trace"')),
    `a ledger record keeps a trace: ${said}`,
  ).toEqual([]);
  if (faultCase.fault.kind === 'transient') {
    // A Retry absorbs it: the run ends as the healthy run does.
    expect(run.root.status, `a transient fault changed the outcome: ${said}`).toBe(healthy.status);
  }
}

/** `runbook: state: fault`, the name of a case. */
export const caseName = (c: FaultCase): string => `${c.runbook}: ${c.state}: ${c.fault.id}`;

/**
 * A fast subset of a matrix: for each state, its first transient fault, its first fatal one and its
 * first after-change one.
 */
export function oneOfEachKind(matrix: readonly FaultCase[]): FaultCase[] {
  const seen = new Set<string>();
  return matrix.filter((c) => {
    const key = `${c.runbook}|${c.state}|${c.fault.kind}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Another fast subset: only the crash after each change (a lost response, for a write that is not Lambda). */
export const crashesAfterChange = (matrix: readonly FaultCase[]): FaultCase[] =>
  matrix.filter((c) => c.fault.id === 'crash-after-change' || c.fault.id === 'response-lost-after-write');

/**
 * The fault matrix of a scenario as tests: one that the matrix covers every Task state of
 * its runbooks (or names why the run cannot reach it), the healthy run, and a test per case. A case
 * in `findings` (a known failure, reported) runs as `it.fails`: it fails the suite once the
 * runbook is fixed, so the entry is taken out.
 */
export function describeFaultMatrix(
  scenario: FaultScenario,
  dynamodb: () => DynamoDBClient,
  options: {
    subset?: (matrix: readonly FaultCase[]) => FaultCase[];
    findings: Readonly<Record<string, Readonly<Record<string, string>>>>;
  },
): void {
  describe(`faults at every Task state: ${scenario.name}`, () => {
    beforeEach(() => scenario.setUp(dynamodb()));
    afterEach(() => scenario.tearDown(dynamodb()));

    const full = scenarioMatrix(scenario);
    const matrix = options.subset ? options.subset(full) : full;
    const healthy = { status: 'SUCCEEDED' };

    it('has a case for every Task state of its runbooks, read from their ASL', () => {
      const states = taskStates()
        .filter(
          (s) =>
            reaches(scenario, s.runbook, s.state) && (s.task || !coveredBefore(scenario, s.runbook, s.state)),
        )
        .map((s) => `${s.runbook}: ${s.state}`);
      expect(states.length).toBeGreaterThan(0);
      expect([...new Set(full.map((c) => `${c.runbook}: ${c.state}`))]).toEqual(states);
    });

    it('runs the healthy path it injects into', async () => {
      const run = await scenario.run(dynamodb());
      const after = await aftermathOf(dynamodb(), run);
      expect(run.root.status, JSON.stringify(after, null, 1)).toBe(healthy.status);
      expect(after.locks).toEqual([]);
      expect(after.untold).toEqual([]);
      expect(after.violations).toEqual([]);
    });

    for (const faultCase of matrix) {
      const name = caseName(faultCase);
      const finding = options.findings[scenario.id]?.[name];
      const test = finding ? it.fails : it;
      const primerName = scenario.primers[faultCase.state];
      const primer = primerName ? full.find((c) => `${c.state}: ${c.fault.id}` === primerName) : undefined;
      if (primerName && !primer) throw new Error(`no case ${primerName} to prime ${name} with`);
      const title = `${name}${primer ? ` (after ${primerName})` : ''}`;
      test(finding ? `${title} (finding: ${finding})` : title, async () => {
        // After a primer, the run without this case's fault is the one to end as.
        const expected = primer
          ? { status: (await scenario.run(dynamodb(), undefined, primer)).root.status }
          : healthy;
        if (primer) await scenario.tearDown(dynamodb()).then(() => scenario.setUp(dynamodb()));
        const run = await scenario.run(dynamodb(), faultCase, primer);
        await expectSafeEnd(dynamodb(), run, faultCase, expected, scenario.ledger);
      });
    }
  });
}
