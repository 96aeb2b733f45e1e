/**
 * `npm run bench`: selfheal's performance figures, each a ratio measured side by side in one run
 * (never a timed assertion in a test), written to `bench/results.json` (committed; the README's
 * results section is generated from it by `bench/readme-table.ts`).
 *
 * 1. engine: local engine executions/s per runbook vs the same definitions on bare aws-local-stepfunctions
 *    (the same task answers), and vs a bare straight line of the same size;
 * 2. cold-start: each handler bundle's import-to-ready time vs a floor bundle of its SDK clients and
 *    the task shell (middy, Powertools logger and metrics) around a no-op task;
 * 3. cost: transitions and Lambda invocations per runbook run, and as Lambda-only tasks, in USD;
 * 4. outcome: every scenario's figures, selfheal beside each baseline, from its `--json` summary;
 * 5. reshuffle: the reshuffle mover vs raw BatchWriteItem, as dynalite answers and with 10 ms injected
 *    into every request;
 * 6. storm: 1,000 incidents over 50 resources through the deployed path: incidents/s and the
 *    ledger's completeness (an absolute figure, not a ratio: it moves with the machine's load).
 *
 * All of it takes about a minute and a half on 2 cores; `--quick` (or the options) scale it down.
 */
import './quiet-powertools.ts';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { measureReshuffleThroughput } from './reshuffle-throughput.ts';
import { recordRunbooks, type RecordedRun } from './runbook-worlds.ts';
import { measureEngineOverhead, type EngineOptions } from './engine-overhead.ts';
import { configuredSourceMaps, measureColdStarts, SOURCE_MAPS_NODE_OPTIONS } from './cold-start.ts';
import { addCounts, costOf, countExecution, PRICES } from './cost.ts';
import { measureOutcomes } from './outcome.ts';
import { measureStorm } from './storm.ts';
import {
  mergeResults,
  readResults,
  RESULTS_FILE,
  thisMachine,
  writeResults,
  type BenchResults,
  type CostRow,
} from './results.ts';

const BENCHMARKS = ['engine', 'cold-start', 'cost', 'outcome', 'reshuffle', 'storm'] as const;
type Benchmark = (typeof BENCHMARKS)[number];

const USAGE = `Usage: npm run bench [-- options]

  --only LIST          run only these: ${BENCHMARKS.join(',')} (the others keep their last results)
  --runbooks LIST      runbooks for engine and cost (default: all)
  --engine-seconds S   time the local engine runs each runbook, at least (default 3)
  --runs N             timed runs per runbook, at least (default 10)
  --cold-runs N        fresh processes per handler bundle and per bare bundle; the median (default 5)
  --scenarios LIST     scenarios for outcome (default: all)
  --seed N             the scenarios' seed (default 1)
  --items N            items the reshuffle benchmark moves (default 5000)
  --quick              all of it, scaled down (--engine-seconds 0.5 --runs 5 --cold-runs 3
                       --items 1000 --scenarios hot-shard), written to .bench/results.json
  --out FILE           where the results go (default bench/results.json)
  --json               print the results file's JSON at the end`;

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    runbooks: { type: 'string' },
    'engine-seconds': { type: 'string' },
    runs: { type: 'string' },
    'cold-runs': { type: 'string' },
    scenarios: { type: 'string' },
    seed: { type: 'string' },
    items: { type: 'string' },
    quick: { type: 'boolean', default: false },
    out: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

function fail(message: string): never {
  console.error(`bench: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function number(
  name: string,
  raw: string | undefined,
  fallback: number,
  min: number,
  integer = true,
): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    fail(`--${name} must be ${integer ? 'a whole number' : 'a number'} of at least ${min}`);
  }
  return value;
}

const list = (raw: string | undefined): string[] | undefined =>
  raw
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const quick = values.quick;
const only = list(values.only);
const unknown = only?.filter((b) => !(BENCHMARKS as readonly string[]).includes(b));
if (unknown && unknown.length > 0) fail(`unknown benchmark ${unknown.join(', ')}`);
const selected = new Set<Benchmark>((only as Benchmark[] | undefined) ?? BENCHMARKS);
const engineOptions: EngineOptions = {
  seconds: number('engine-seconds', values['engine-seconds'], quick ? 0.5 : 3, 0, false),
  minRuns: number('runs', values.runs, quick ? 5 : 10, 1),
  maxRuns: 2000,
};
const coldRuns = number('cold-runs', values['cold-runs'], quick ? 3 : 5, 1);
const seed = number('seed', values.seed, 1, 0);
const items = number('items', values.items, quick ? 1000 : 5000, 100);
const runbooks = list(values.runbooks);
const scenarios = list(values.scenarios) ?? (quick ? ['hot-shard'] : undefined);
const out =
  values.out ?? (quick ? fileURLToPath(new URL('../.bench/results.json', import.meta.url)) : RESULTS_FILE);

const now = () => new Date().toISOString();
const results: BenchResults = { version: 1, machine: thisMachine() };
const started = performance.now();
const elapsed = () => `${Math.round((performance.now() - started) / 1000)} s`;

let recorded: RecordedRun[] = [];
if (selected.has('engine') || selected.has('cost')) {
  console.log("Recording each runbook's happy path in its tests' world...");
  recorded = await recordRunbooks(runbooks);
  if (runbooks && recorded.length === 0) fail(`no runbook named ${runbooks.join(', ')}`);
}

if (selected.has('engine')) {
  console.log(
    `\n1. Engine overhead: local engine vs the same definitions on bare aws-local-stepfunctions, and vs a straight line, executions/s (${elapsed()})`,
  );
  const rows = await measureEngineOverhead(recorded, engineOptions, console.log);
  results.engine = { measuredAt: now(), options: engineOptions, rows };
}

if (selected.has('cold-start')) {
  console.log(
    `\n2. Handler cold start: import to ready, median of ${coldRuns} fresh processes (${elapsed()})`,
  );
  const sourceMaps = await configuredSourceMaps();
  const rows = await measureColdStarts(coldRuns, console.log, { sourceMaps });
  results.coldStart = {
    measuredAt: now(),
    runs: coldRuns,
    nodeOptions: sourceMaps ? SOURCE_MAPS_NODE_OPTIONS : '',
    rows,
  };
}

if (selected.has('cost')) {
  console.log(`\n3. Cost of a remediation, per run (${elapsed()})`);
  const rows: CostRow[] = [];
  for (const run of recorded) {
    const own = countExecution(run.execution.history);
    rows.push({ run: run.runbook, counts: own, cost: costOf(own) });
    if (run.children.length > 0) {
      const names = run.children.map((c) => c.stateMachineArn.split(':').pop());
      const all = addCounts([own, ...run.children.map((c) => countExecution(c.history))]);
      rows.push({ run: [run.runbook, ...names].join(' + '), counts: all, cost: costOf(all) });
    }
  }
  for (const { run, counts, cost } of rows) {
    console.log(
      `  ${run.padEnd(22)} ${String(counts.transitions).padStart(4)} transitions  ` +
        `${String(counts.lambdaInvocations).padStart(3)} Lambda  USD ${cost.usd.toFixed(6)}   ` +
        `Lambda-only ${String(counts.lambdaOnlyInvocations).padStart(3)}  USD ${cost.lambdaOnlyUsd.toFixed(6)}`,
    );
  }
  results.cost = { measuredAt: now(), prices: PRICES, rows };
}

if (selected.has('outcome')) {
  console.log(`\n4. Outcome: every scenario, selfheal and its baselines, seed ${seed} (${elapsed()})`);
  const outcomes = await measureOutcomes({ seed, ...(scenarios ? { scenarios } : {}) }, console.log);
  results.outcome = { measuredAt: now(), seed, scenarios: outcomes };
}

if (selected.has('reshuffle')) {
  console.log(
    `\n5. Reshuffle vs raw BatchWriteItem, ${items} items, same dynalite, with and without injected latency (${elapsed()})`,
  );
  const reshuffle = await measureReshuffleThroughput(items, undefined, (row) =>
    console.log(
      `  ${String(row.latencyMs).padStart(3)} ms a request, batches of ${String(row.batchSize).padStart(4)}:  ` +
        `BatchWriteItem ${row.batchWriteItemsPerSecond} items/s  mover ${row.reshuffleItemsPerSecond} items/s  ratio ${row.ratio}`,
    ),
  );
  results.reshuffle = { measuredAt: now(), result: reshuffle };
}

if (selected.has('storm')) {
  const incidents = quick ? 200 : 1000;
  console.log(`\n6. Alarm storm: ${incidents} incidents over 50 resources, the deployed path (${elapsed()})`);
  const storm = await measureStorm({ incidents });
  console.log(
    `  ${storm.incidentsPerSecond.toFixed(1)} incidents/s; ledger completeness ${storm.completeness} ` +
      `(${storm.ledgerRecords} records); exactly once: ${storm.exactlyOnce}; ${storm.runs} runs; ` +
      `${storm.locksLeft} locks left; ${storm.runningLeft} running`,
  );
  results.storm = { measuredAt: now(), result: storm };
}

await mkdir(dirname(typeof out === 'string' ? out : fileURLToPath(out)), { recursive: true });
const merged = mergeResults(await readResults(out), results);
await writeResults(merged, out);
console.log(`\nWrote ${typeof out === 'string' ? out : fileURLToPath(out)} (${elapsed()})`);
if (values.json) console.log(JSON.stringify(merged, null, 2));
