/**
 * Each runbook's typical happy path, run once in the world its tests use (`test/runbooks/`), on its
 * own dynalite, with every answer its tasks get recorded (see `replay.ts`):
 *
 * - hot-shard: a table asking 500 WCU/s of its 100 (`world/dynamodb/steady-demand.ts`): raised to 650, healed;
 * - dispatch: the throttling alarm on that table, hot-shard live: dispatch runs it, it heals;
 * - key-reshuffle: a key asking 1,700 requests/s, 1,000 items moved 100 a batch to 3 shards;
 * - key-merge: the same key cooled down to 200/s, merged back;
 * - sqs-backpressure: a 20-minute brownout, concurrency lowered to the floor and restored;
 * - cell-traffic-shift: a grey cell, approved at once, shifted off and back after the bake.
 */
import { readFile } from 'node:fs/promises';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ExecutionRecord } from '../engine/local-engine.ts';
import { LocalEngine } from '../engine/local-engine.ts';
import { loadRunbooks } from '../local/runbooks.ts';
import { localFunctionTable } from '../local/functions.ts';
import { withLocalDynamoDb } from '../local/dynamodb-client.ts';
import { VirtualClock } from '../core/virtual-clock.ts';
import type { JsonValue } from '../core/json.ts';
import type { LocalPorts } from '../local/task-ports.ts';
import { createDispatchTables, DEFAULT_DISPATCH_TABLES } from '../domain/dispatch/tables.ts';
import { writeRunbookSwitch } from '../domain/dispatch/switches.ts';
import { createTable } from '../world/dynamodb/create-table.ts';
import { brownoutWorld, startQueueWorld } from '../scenarios/sqs-backpressure/world.ts';
import { GREY_CELL, RUNBOOK_GREY_CELL_INCIDENT } from '../scenarios/cell-shift/incident.ts';
import { buildCellShiftWorld, cellShiftRequest } from '../scenarios/cell-shift/world.ts';
import { recordingAutoScaling, steadyDemandCloudWatch } from '../world/dynamodb/steady-demand.ts';
import { HOT_KEY, HOT_KEY_TABLE, keyDemandPorts, seedHotKeyTable } from '../world/dynamodb/hot-key-table.ts';
import { CallRecorder, type RecordedCall } from './replay.ts';

/** One recorded run of a runbook: what to replay it from, and its history for the cost counts. */
export interface RecordedRun {
  runbook: string;
  /** The path it took, in a few words. */
  path: string;
  /** The runbook's own execution. */
  execution: ExecutionRecord;
  /** The executions it started (dispatch starts a runbook), in the order they started. */
  children: ExecutionRecord[];
  calls: RecordedCall[];
  /** The engine's retry-jitter seed. */
  seed: number;
}

const START = Date.UTC(2026, 0, 1, 12, 0, 0);
const SEED = 1;
const TABLES = DEFAULT_DISPATCH_TABLES;

/** A local engine with every runbook, its tasks' and integrations' answers recorded. */
async function recordingEngine(
  clock: VirtualClock,
  ports: LocalPorts,
  dynamodb: DynamoDBClient,
  recorder = new CallRecorder(),
) {
  const engine = new LocalEngine({
    clock,
    functions: recorder.functions(await localFunctionTable(ports)),
    dynamodb: recorder.dynamodb(dynamodb),
    seed: SEED,
  });
  await loadRunbooks(engine);
  return { engine, recorder };
}

/** Runs the runbook and checks it took the happy path; a world that no longer heals is an error. */
async function recordRun(
  setup: { engine: LocalEngine; recorder: CallRecorder },
  runbook: string,
  input: JsonValue,
  path: string,
  expected: Record<string, unknown>,
): Promise<RecordedRun> {
  const execution = await setup.engine.run(runbook, input);
  const output = (execution.output ?? {}) as Record<string, unknown>;
  const off = Object.entries(expected).filter(([k, v]) => output[k] !== v);
  if (execution.status !== 'SUCCEEDED' || off.length > 0) {
    throw new Error(
      `bench: the ${runbook} run in its test world did not take its happy path ` +
        `(${execution.status} ${execution.error ?? ''} ${execution.cause ?? ''} ${JSON.stringify(output).slice(0, 300)})`,
    );
  }
  const started = new Set([execution.executionArn]);
  const children: ExecutionRecord[] = [];
  for (const e of setup.engine.executions()) {
    if (e.parentExecutionArn && started.has(e.parentExecutionArn)) {
      started.add(e.executionArn);
      children.push(e);
    }
  }
  return { runbook, path, execution, children, calls: [...setup.recorder.calls], seed: SEED };
}

/** The table and demand of the hot-shard tests: 500 WCU/s asked of a table provisioned 300/100. */
async function steadyDemandWorld(dynamodb: DynamoDBClient) {
  await createTable(dynamodb, { tableName: 'orders', readCapacityUnits: 300, writeCapacityUnits: 100 });
  const clock = new VirtualClock(START);
  const cloudwatch = steadyDemandCloudWatch(dynamodb, 'orders', { read: 100, write: 500 });
  const autoScaling = recordingAutoScaling(dynamodb, []);
  const ports: LocalPorts = {
    dynamodb,
    cloudwatch: cloudwatch.port,
    autoScaling: autoScaling.port,
    now: () => clock.now(),
  };
  return recordingEngine(clock, ports, dynamodb);
}

async function recordHotShard(): Promise<RecordedRun[]> {
  return withLocalDynamoDb(async (dynamodb) => {
    const setup = await steadyDemandWorld(dynamodb);
    return [
      await recordRun(setup, 'hot-shard', { tableName: 'orders' }, 'write capacity raised, healed', {
        outcome: 'healed',
      }),
    ];
  });
}

/** AWS's example throttling alarm event (`contracts/examples/`), on `orders`, as dispatch's tests send it. */
async function throttlingAlarm(): Promise<JsonValue> {
  const path = new URL('../contracts/examples/cloudwatch-alarm-metric.json', import.meta.url);
  const event = JSON.parse(await readFile(path, 'utf8')) as {
    detail: { alarmName: string; state: { timestamp: string } };
  };
  event.detail.alarmName = 'throttling-orders';
  event.detail.state.timestamp = '2026-01-01T00:05:40.989+0000';
  return event as unknown as JsonValue;
}

async function recordDispatch(): Promise<RecordedRun[]> {
  return withLocalDynamoDb(async (dynamodb) => {
    await createDispatchTables(dynamodb, TABLES);
    await writeRunbookSwitch(dynamodb, TABLES.control, 'hot-shard', { live: true });
    const setup = await steadyDemandWorld(dynamodb);
    return [
      await recordRun(setup, 'dispatch', await throttlingAlarm(), 'alarm -> hot-shard live, healed', {}),
    ];
  });
}

const ITEMS = 300;

/** The reshuffle tests' world: CloudWatch shows the key asking `perSecond` for the last half hour. */
async function keyDemandEngine(dynamodb: DynamoDBClient, perSecond: number) {
  const clock = new VirtualClock(START);
  return recordingEngine(clock, keyDemandPorts(dynamodb, clock, perSecond), dynamodb);
}

async function recordReshuffleAndMerge(): Promise<RecordedRun[]> {
  return withLocalDynamoDb(async (dynamodb) => {
    await createDispatchTables(dynamodb, TABLES);
    await seedHotKeyTable(dynamodb, ITEMS);
    const request = {
      tableName: HOT_KEY_TABLE,
      logicalKey: HOT_KEY,
      policy: { routerCacheSeconds: 30, batchSize: 100 },
    };
    const reshuffle = await recordRun(
      await keyDemandEngine(dynamodb, 1700),
      'key-reshuffle',
      request,
      `${ITEMS} items to 3 shards, 100 a batch`,
      { outcome: 'reshuffled' },
    );
    const merge = await recordRun(
      await keyDemandEngine(dynamodb, 200),
      'key-merge',
      request,
      `the same key cooled down, merged back`,
      { outcome: 'merged' },
    );
    return [reshuffle, merge];
  });
}

async function recordBackpressure(): Promise<RecordedRun[]> {
  return withLocalDynamoDb(async (dynamodb) => {
    await createDispatchTables(dynamodb, TABLES);
    // The sqs-backpressure tests' world: payments browning out from minute 2 for 20 minutes.
    const recorder = new CallRecorder();
    const { clock, world, engine } = await startQueueWorld({
      seed: SEED,
      startMs: START,
      world: brownoutWorld(20),
      dynamodb,
      startEngine: async (at, ports) => (await recordingEngine(at, ports, dynamodb, recorder)).engine,
    });
    // The alarm fires a few minutes into the brownout.
    await clock.advance(5 * 60);
    const request = {
      mappingId: world.mappingUuid,
      queueUrl: world.queueUrl,
      incidentId: 'incident-1',
      health: { namespace: 'Downstream', dimensions: { Service: 'payments' }, thresholdPercent: 5 },
      policy: { probeSeconds: 120, increaseStep: 25 },
    };
    return [
      await recordRun(
        { engine, recorder },
        'sqs-backpressure',
        request,
        '20-min brownout: lowered to 2, restored to 100',
        { outcome: 'restored' },
      ),
    ];
  });
}

async function recordCellShift(): Promise<RecordedRun[]> {
  return withLocalDynamoDb(async (dynamodb) => {
    // The cell-traffic-shift tests' world: checkout-cell-3 grey from minute 1 to minute 15.
    const recorder = new CallRecorder();
    const world = await buildCellShiftWorld({
      dynamodb,
      incident: RUNBOOK_GREY_CELL_INCIDENT,
      seed: SEED,
      startEngine: async (clock, ports) => (await recordingEngine(clock, ports, dynamodb, recorder)).engine,
    });
    const setup = { engine: world.engine, recorder };
    // The operator approves at once; the answer is recorded with the rest.
    setup.engine.onTaskToken(({ token }) => {
      const output = { approved: true, by: 'on-call' };
      setup.recorder.record('token', '', { ok: true, output });
      setup.engine.tokens.succeed(token, output);
    });
    await world.clock.advance(6 * 60);
    const request = cellShiftRequest(RUNBOOK_GREY_CELL_INCIDENT, world.routing, GREY_CELL, {
      incidentId: 'incident-1',
    });
    return [
      await recordRun(
        setup,
        'cell-traffic-shift',
        request as unknown as JsonValue,
        'grey cell approved, shifted off, back after the bake',
        { outcome: 'shifted-back' },
      ),
    ];
  });
}

/** The runbooks' recorded runs, in the order of `statemachines/`. */
export async function recordRunbooks(only?: readonly string[]): Promise<RecordedRun[]> {
  const worlds: { runbooks: string[]; record: () => Promise<RecordedRun[]> }[] = [
    { runbooks: ['cell-traffic-shift'], record: recordCellShift },
    { runbooks: ['dispatch'], record: recordDispatch },
    { runbooks: ['hot-shard'], record: recordHotShard },
    { runbooks: ['key-reshuffle', 'key-merge'], record: recordReshuffleAndMerge },
    { runbooks: ['sqs-backpressure'], record: recordBackpressure },
  ];
  const runs: RecordedRun[] = [];
  for (const world of worlds) {
    if (only && !world.runbooks.some((r) => only.includes(r))) continue;
    runs.push(...(await world.record()).filter((run) => !only || only.includes(run.runbook)));
  }
  return runs.sort((a, b) => a.runbook.localeCompare(b.runbook));
}
