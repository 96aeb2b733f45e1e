/**
 * selfheal deployed on the embedded default, for one CLI command: dynalite with dispatch's tables
 * (restored from the local state file), every runbook on the local engine, and a simulated world
 * for the tasks to act on. When the command is done the tables and the engine's runs are saved
 * for the next command; the runs end with the command. A command that saves holds the state
 * file's lock from its read to its save (`local/state-file.ts`).
 */
import { randomUUID } from 'node:crypto';
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { withLocalDynamoDb } from '../local/dynamodb-client.ts';
import type { LocalEngine } from '../engine/local-engine.ts';
import { startRunbookEngine } from '../local/runbooks.ts';
import {
  LocalStateError,
  readLocalState,
  withLockedLocalState,
  type LockedLocalState,
  type RestoredState,
} from '../local/state-file.ts';
import { VirtualClock } from '../core/virtual-clock.ts';
import { createDispatchTables, DEFAULT_DISPATCH_TABLES } from '../domain/dispatch/tables.ts';
import type { CapacityPorts } from '../domain/capacity/ports.ts';
import { MetricStore } from '../world/metric-store.ts';
import { SimulatedAutoScaling } from '../world/dynamodb/auto-scaling.ts';
import { buildTableIncidentWorld } from '../scenarios/table/world.ts';
import { HOT_SHARD_INCIDENT } from '../scenarios/hot-shard/incident.ts';

import { UsageError } from './exit-codes.ts';
import { clock as clockTime, count } from './render/format.ts';

export const WORLDS = ['hot-shard', 'empty'] as const;
export type WorldName = (typeof WORLDS)[number];

/** `--scenario WORLD`, hot-shard when not given. */
export function worldOption(value: string | undefined): WorldName {
  const world = value ?? 'hot-shard';
  if (!(WORLDS as readonly string[]).includes(world))
    throw new UsageError(`unknown scenario "${world}"; try: ${WORLDS.join(', ')}`);
  return world as WorldName;
}

/** The error and cause of a run still going when its command ended. */
const ENDED_WITH_COMMAND = {
  error: 'LocalEngineEnded',
  cause: 'the local engine ended with the command that ran it: nobody was left to answer its task',
} as const;

export interface LocalDeployment {
  engine: LocalEngine;
  dynamodb: DynamoDBClient;
  clock: VirtualClock;
  /** What the world looked like when the signal arrived, in one line. */
  worldSummary: string;
}

export interface LocalDeploymentOptions {
  world: WorldName;
  seed: number;
  stateFile: string;
}

/** dynalite with dispatch's tables as the state file left them; closed when `use` ends. No lock. */
export async function withLocalTables<T>(
  stateFile: string,
  use: (dynamodb: DynamoDBClient, restored: RestoredState) => Promise<T>,
): Promise<T> {
  const state = await readLocalState(stateFile);
  return withLocalDynamoDb(async (dynamodb) => {
    await createDispatchTables(dynamodb, DEFAULT_DISPATCH_TABLES);
    return use(dynamodb, await state.restore(dynamodb));
  });
}

/** The line a command prints when it starts waiting for another one's lock. */
export function sayWaiting(path: string): void {
  console.error(`selfheal: waiting for the local state ${path} (another selfheal command holds it)`);
}

/**
 * The same for a command that changes the tables: the state file's lock is held from before the
 * read until `use` (which saves through `state`) has ended.
 */
export function withLockedLocalTables<T>(
  stateFile: string,
  use: (dynamodb: DynamoDBClient, restored: RestoredState, state: LockedLocalState) => Promise<T>,
): Promise<T> {
  return withLockedLocalState(
    stateFile,
    (state) =>
      withLocalDynamoDb(async (dynamodb) => {
        await createDispatchTables(dynamodb, DEFAULT_DISPATCH_TABLES);
        return use(dynamodb, await state.restore(dynamodb), state);
      }),
    { onWait: sayWaiting },
  );
}

export const DISPATCH_TABLE_NAMES = [DEFAULT_DISPATCH_TABLES.control, DEFAULT_DISPATCH_TABLES.ledger];

/**
 * A save that failed after the command's runs had ended: the command still prints what they did,
 * then `cli/main.ts` takes this, prints it in one line and exits 1.
 */
let unsaved: LocalStateError | undefined;

export function takeUnsavedLocalState(): LocalStateError | undefined {
  const taken = unsaved;
  unsaved = undefined;
  return taken;
}

/** Runs `use` on a deployment of every runbook over a simulated world, then saves the tables. */
export async function withLocalDeployment<T>(
  options: LocalDeploymentOptions,
  use: (deployment: LocalDeployment) => Promise<T>,
): Promise<T> {
  return withLockedLocalTables(options.stateFile, async (dynamodb, restored, state) => {
    // Each command goes on from where the last one left virtual time, at a whole minute, so
    // cooldowns and hourly limits count across commands as they would in AWS.
    const startMs =
      restored.clockMs === undefined ? undefined : Math.ceil(restored.clockMs / 60_000) * 60_000;
    const { clock, ports, worldSummary } = await buildWorld(dynamodb, options, startMs);
    // Runs are saved by ARN across commands, so each command's unnamed runs get names of their own.
    const executionNamePrefix = `local-${randomUUID().slice(0, 8)}`;
    const engine = await startRunbookEngine({
      clock,
      ports,
      dynamodb,
      seed: options.seed,
      executionNamePrefix,
    });
    const result = await use({ engine, dynamodb, clock, worldSummary });
    await endRuns(engine);
    try {
      await state.save({
        tables: { dynamodb, names: DISPATCH_TABLE_NAMES },
        executions: engine.executions(),
        clockMs: clock.now(),
      });
    } catch (error) {
      // The file was checked writable before the run, but the save failed (a full disk, a lock
      // lost): what the runs did is still worth printing, with the failure after it.
      if (!(error instanceof LocalStateError)) throw error;
      const runs = engine.executions().length;
      unsaved = new LocalStateError(
        error.path,
        `${error.message}; the run${runs === 1 ? '' : 's'} above ended but ${runs === 1 ? 'is' : 'are'} not in the local state`,
      );
    }
    return result;
  });
}

/**
 * Lets every run go to its end before the engine goes. Virtual time takes no real time, so that
 * is at once, but for a run waiting for a task token: nobody can answer it once the command has
 * ended, so it is stopped (ABORTED, ENDED_WITH_COMMAND) rather than saved as running forever.
 */
async function endRuns(engine: LocalEngine): Promise<void> {
  for (;;) {
    const running = engine.executions().filter((e) => e.status === 'RUNNING');
    if (running.length === 0) return;
    const waiting = new Set(engine.tokens.pending().map((p) => p.executionArn));
    const stuck = running.filter((e) => waiting.has(e.executionArn));
    if (stuck.length > 0) {
      await Promise.all(
        stuck.map((e) => engine.stop(e.executionArn, ENDED_WITH_COMMAND.error, ENDED_WITH_COMMAND.cause)),
      );
      continue;
    }
    // Until one ends, or one starts waiting for a token.
    let stopListening = (): void => undefined;
    const waits = new Promise<void>((resolve) => (stopListening = engine.onTaskToken(() => resolve())));
    await Promise.race([...running.map((e) => engine.whenDone(e.executionArn)), waits]);
    stopListening();
  }
}

async function buildWorld(
  dynamodb: DynamoDBClient,
  options: LocalDeploymentOptions,
  startMs: number | undefined,
): Promise<{ clock: VirtualClock; ports: CapacityPorts; worldSummary: string }> {
  if (options.world === 'empty') {
    const clock = new VirtualClock(startMs);
    const metrics = new MetricStore({ now: () => clock.now() });
    const autoScaling = new SimulatedAutoScaling({ dynamodb, cloudwatch: metrics, now: () => clock.now() });
    return {
      clock,
      ports: { dynamodb, cloudwatch: metrics, autoScaling, now: () => clock.now() },
      worldSummary: 'no tables',
    };
  }
  // The hot-shard incident, run until its capacity alarm fires: the signal arrives mid-surge.
  const world = await buildTableIncidentWorld(dynamodb, {
    seed: options.seed,
    incident: HOT_SHARD_INCIDENT,
    autoScaling: true,
    ...(startMs === undefined ? {} : { startMs }),
  });
  let alarmed = false;
  world.alarms.onStateChange((event) => {
    if (event.detail.state.value === 'ALARM') alarmed = true;
  });
  while (!alarmed && world.clock.elapsedSeconds() < HOT_SHARD_INCIDENT.simulatedSeconds)
    await world.clock.advance(60);
  // The last whole minute is history (what it asked, what was throttled); the capacity is the
  // table's now, as the runbook's DescribeTable will read it (auto scaling may have moved it since).
  const minute = world.world.timeline.at(-1);
  const { Table } = await dynamodb.send(
    new DescribeTableCommand({ TableName: HOT_SHARD_INCIDENT.tableName }),
  );
  const provisioned = Table?.ProvisionedThroughput?.WriteCapacityUnits;
  const worldSummary = minute
    ? `table ${HOT_SHARD_INCIDENT.tableName} at ${clockTime(world.clock.elapsedSeconds())} into the surge scenario: ` +
      `${Math.round(minute.demandWcuPerSecond)} writes/s asked and ${count(minute.throttledRequests.total)} requests ` +
      `throttled in the last minute; ${provisioned ?? '?'} WCU provisioned now`
    : `table ${HOT_SHARD_INCIDENT.tableName}`;
  return { clock: world.clock, ports: world.ports, worldSummary };
}
