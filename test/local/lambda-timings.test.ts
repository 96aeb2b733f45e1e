/**
 * The local deployment's Lambda tasks take the bench's cold start of their handler module on a
 * function's first invocation, and 100 ms of work every time, unless told to be instant.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../core/virtual-clock.ts';
import { INSTANT_LAMBDA, type LambdaTimings } from '../../engine/lambda-environments.ts';
import type { HistoryEvent } from '../../engine/history.ts';
import {
  BENCH_RESULTS_FILE,
  COLD_START_MEASURED_AT,
  coldStartsFrom,
  LambdaTimingsChoiceError,
  MEASURED_COLD_START_MS,
  TASK_INVOKE_SECONDS,
  UNMEASURED_COLD_START_MS,
  lambdaTimingsFrom,
  measuredLambdaTimings,
} from '../../local/lambda-timings.ts';
import { startRunbookEngine } from '../../local/runbooks.ts';
import { CATALOGUE, PRODUCT_ROOT, functionName, readCatalogue } from '../../runbooks/catalogue.ts';
import { recordingAutoScaling, steadyDemandCloudWatch } from '../../world/dynamodb/steady-demand.ts';
import { useLocalDynamoDb, useProvisionedTable } from '../support/local-dynamodb.ts';

const TABLE = 'timed-orders';
const dynamodb = useLocalDynamoDb();
useProvisionedTable(dynamodb, TABLE);

/** The hot-shard runbook on the local deployment, its table under a steady demand. */
async function hotShardEngine(lambdaTimings?: LambdaTimings) {
  const clock = new VirtualClock(Date.UTC(2026, 0, 1, 12, 0, 0));
  const ports = {
    dynamodb: dynamodb(),
    cloudwatch: steadyDemandCloudWatch(dynamodb(), TABLE, { read: 100, write: 500 }).port,
    autoScaling: recordingAutoScaling(dynamodb(), []).port,
    now: () => clock.now(),
  };
  return startRunbookEngine({
    clock,
    ports,
    dynamodb: dynamodb(),
    seed: 1,
    ...(lambdaTimings ? { lambdaTimings } : {}),
  });
}

/** Each Lambda task of a history: its function and the virtual milliseconds it took. */
function lambdaTasks(history: readonly HistoryEvent[]): [string, number][] {
  const tasks: [string, number][] = [];
  let started: { fn: string; at: number } | undefined;
  for (const event of history) {
    const scheduled = event.taskScheduledEventDetails;
    if (scheduled?.resourceType === 'lambda') {
      const { FunctionName } = JSON.parse(scheduled.parameters) as { FunctionName: string };
      started = { fn: FunctionName.split(':').at(-1) ?? FunctionName, at: event.timestamp.getTime() };
    }
    const ended = event.taskSucceededEventDetails ?? event.taskFailedEventDetails;
    if (started && ended?.resourceType === 'lambda') {
      tasks.push([started.fn, event.timestamp.getTime() - started.at]);
      started = undefined;
    }
  }
  return tasks;
}

/** What the bench last measured, read here on its own (bench/results.json `coldStart`). */
const bench = JSON.parse(readFileSync(BENCH_RESULTS_FILE, 'utf8')) as {
  coldStart: { measuredAt: string; rows: { entry: string; handlerMs: number }[] };
};
const benchMs = (entry: string): number => {
  const row = bench.coldStart.rows.find((r) => r.entry === entry);
  if (!row) throw new Error(`bench/results.json has no cold start for ${entry}`);
  return row.handlerMs;
};

describe('the local deployment’s Lambda timings', () => {
  it('are the cold starts bench/results.json holds, every handler module of them, none copied by hand', () => {
    expect(MEASURED_COLD_START_MS).toEqual(
      Object.fromEntries(bench.coldStart.rows.map((row) => [row.entry, row.handlerMs])),
    );
    expect(COLD_START_MEASURED_AT).toBe(bench.coldStart.measuredAt);
    // Every handler module the catalogue deploys has a measured figure.
    for (const task of CATALOGUE.tasks)
      expect(MEASURED_COLD_START_MS, task.entry).toHaveProperty([task.entry]);
  });

  it('refuses results without cold-start figures, naming the bench to run', () => {
    expect(() => coldStartsFrom({})).toThrow(/npm run bench -- --only cold-start/);
  });

  it('gives every function its handler module’s measured cold start and 100 ms of work', () => {
    const timings = measuredLambdaTimings();

    expect(timings.invokeSeconds).toBe(TASK_INVOKE_SECONDS);
    for (const task of CATALOGUE.tasks) {
      expect(timings.coldStartSecondsByFunction?.[functionName(task.id)], task.id).toBeCloseTo(
        (MEASURED_COLD_START_MS[task.entry] ?? UNMEASURED_COLD_START_MS) / 1000,
        6,
      );
    }
    expect(timings.coldStartSecondsByFunction?.['selfheal-diagnose-table']).toBeCloseTo(
      benchMs('handlers/diagnose-table.ts') / 1000,
      6,
    );
    expect(timings.coldStartSecondsByFunction?.['selfheal-move-key-batch']).toBeCloseTo(
      benchMs('handlers/reshuffle-tasks.ts') / 1000,
      6,
    );
  });

  it('gives a module the bench has not measured the largest measured cold start', () => {
    const fixture = fileURLToPath(new URL('../fixtures/extra-runbook/', import.meta.url));
    const catalogue = readCatalogue([PRODUCT_ROOT, fixture]);
    const added = catalogue.tasks.filter((task) => !(task.entry in MEASURED_COLD_START_MS));
    const timings = measuredLambdaTimings(catalogue);

    expect(added).not.toHaveLength(0);
    const largest = Math.max(...bench.coldStart.rows.map((row) => row.handlerMs));
    expect(UNMEASURED_COLD_START_MS).toBe(largest);
    for (const task of added) {
      expect(timings.coldStartSecondsByFunction?.[functionName(task.id)]).toBe(largest / 1000);
    }
    expect(timings.coldStartSeconds).toBe(largest / 1000);
  });

  it('takes the measured timings unless $SELFHEAL_LAMBDA_TIMINGS says instant, and refuses another word', () => {
    expect(lambdaTimingsFrom({})).toEqual(measuredLambdaTimings());
    expect(lambdaTimingsFrom({ SELFHEAL_LAMBDA_TIMINGS: 'measured' })).toEqual(measuredLambdaTimings());
    expect(lambdaTimingsFrom({ SELFHEAL_LAMBDA_TIMINGS: 'instant' })).toBe(INSTANT_LAMBDA);
    expect(() => lambdaTimingsFrom({ SELFHEAL_LAMBDA_TIMINGS: '0' })).toThrow(LambdaTimingsChoiceError);
  });

  it('runs hot-shard’s tasks on the deployed bundles cold, each its module’s cold start plus 100 ms, then warm, 100 ms', async () => {
    const engine = await hotShardEngine();
    const first = await engine.run('hot-shard', { tableName: TABLE });
    const again = await engine.run('hot-shard', { tableName: TABLE });

    expect([first.status, first.error, first.cause]).toEqual(['SUCCEEDED', undefined, undefined]);
    expect(again.status).toBe('SUCCEEDED');
    const coldStartMs = (fn: string) =>
      Math.round((measuredLambdaTimings().coldStartSecondsByFunction?.[fn] ?? NaN) * 1000);
    const firstTasks = lambdaTasks(first.history);
    expect(firstTasks.length).toBeGreaterThanOrEqual(5);
    const seen = new Set<string>();
    for (const [fn, ms] of firstTasks) {
      const warm = seen.has(fn);
      expect(ms, `${fn}${warm ? ' (warm)' : ' (cold)'}`).toBe(warm ? 100 : coldStartMs(fn) + 100);
      seen.add(fn);
    }
    const againTasks = lambdaTasks(again.history);
    expect(againTasks).not.toHaveLength(0);
    expect(againTasks.map(([fn, ms]) => [fn, ms])).toEqual(againTasks.map(([fn]) => [fn, 100]));
    expect(engine.lambdaInvocations().filter((i) => i.cold)).toHaveLength(seen.size);
  });

  it('runs them in no virtual time with INSTANT_LAMBDA', async () => {
    const engine = await hotShardEngine(INSTANT_LAMBDA);
    const run = await engine.run('hot-shard', { tableName: TABLE });

    expect(run.status).toBe('SUCCEEDED');
    expect(lambdaTasks(run.history).every(([, ms]) => ms === 0)).toBe(true);
  });
});
