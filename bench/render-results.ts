/**
 * The README's results section, as Markdown tables generated from `bench/results.json`, and its
 * place in the README: between `<!-- bench:start -->` and `<!-- bench:end -->`.
 */
import { OUTCOME_LABELS } from '../simulations/outcome.ts';
import type { BenchResults } from './results.ts';
import type { OutcomeRow, TimeToHealMeasure } from './outcome.ts';

export const START_MARKER = '<!-- bench:start -->';
export const END_MARKER = '<!-- bench:end -->';

type Align = 'left' | 'right';

/** A Markdown table laid out as Prettier lays it out (padded cells, so `prettier --check` passes). */
export function table(header: readonly string[], align: readonly Align[], rows: readonly string[][]): string {
  const widths = header.map((h, c) => Math.max(3, h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const cell = (text: string, c: number) =>
    align[c] === 'right' ? text.padStart(widths[c] as number) : text.padEnd(widths[c] as number);
  const line = (cells: readonly string[]) => `| ${cells.map((t, c) => cell(t, c)).join(' | ')} |`;
  const rule = widths.map((w, c) => (align[c] === 'right' ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w)));
  return [
    line(header),
    `| ${rule.join(' | ')} |`,
    ...rows.map((r) => line(header.map((_, c) => r[c] ?? ''))),
  ].join('\n');
}

const integer = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: 0 });
const decimal = (n: number, digits: number): string =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const orDash = <T>(value: T | null | undefined, format: (v: T) => string): string =>
  value === null || value === undefined ? '-' : format(value);
const kb = (bytes: number): string =>
  bytes < 10 * 1024 ? `${decimal(bytes / 1024, 1)} KB` : `${integer(bytes / 1024)} KB`;
const duration = (seconds: number): string =>
  seconds > 0 && seconds % 60 === 0
    ? `${seconds / 60} min`
    : seconds < 120
      ? `${seconds} s`
      : `${decimal(seconds / 60, 1)} min`;
const day = (iso: string): string => iso.slice(0, 10);
const shortClient = (name: string): string => name.replace(/^@aws-sdk\/client-/, '');

/** The engine's goal against the same definitions on bare aws-local-stepfunctions (issue 19). */
export const ENGINE_GOAL = 0.7;
/** A handler's import time against the honest floor, at most (issue 19). */
export const COLD_START_GOAL = 1.2;
/** The mover with 10 ms injected against BatchWriteItem with the same, at least (issue 19). */
export const RESHUFFLE_GOAL = 0.5;

const met = (ok: boolean): string => (ok ? 'met' : 'not met');

function engineSection(engine: NonNullable<BenchResults['engine']>): string {
  // Rows measured before the same-definitions yardstick existed have no ratio against it.
  const ratios = engine.rows.flatMap((r) => (r.sameDefinitions ? [r.sameDefinitionsRatio] : []));
  const below = ratios.filter((ratio) => ratio < ENGINE_GOAL);
  return [
    '### Engine overhead',
    '',
    "Executions per second of each runbook on the local engine — its real ASL, every task answered at once from a recording of its happy path in the tests' world, so the figure is the engine's and not the world's — against two yardsticks, each run in turn with it in one process: the same definitions run directly on bare aws-local-stepfunctions (`new StateMachine(definition).run(input, { overrides: { taskResourceLocalHandlers } })`, every Task answered as the recorded run answered it, a child execution run the same way, waits and retry pauses zero), and a bare straight line of the same size (as many states entered, as many of them Tasks, no-op handlers). Ratios: local engine per yardstick (1 would be no overhead). Goal: at least " +
      `${ENGINE_GOAL} of the same definitions for every runbook — ${met(below.length === 0)}` +
      (below.length === 0
        ? '.'
        : ` (${decimal(Math.min(...ratios), 3)} to ${decimal(Math.max(...ratios), 3)}).`) +
      " What the engine does that the bare library does not, for each run: it records the history Step Functions would (every state entered and left, every Task scheduled, started and ended, with their inputs, outputs, parameters and results as JSON text, each checked against the payload quota), carries every Lambda payload across a JSON boundary both ways, keeps virtual time (the context object, Wait states, timeouts and retry pauses) and binds each Task by its resource; the library itself copies every state's input (its `cloneJSON`, the same on both sides).",
    '',
    table(
      [
        'runbook',
        'happy path',
        'states entered',
        'Task states',
        'local engine, exec/s',
        'same definitions, exec/s',
        'ratio',
        'straight line, exec/s',
        'ratio',
      ],
      ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
      engine.rows.map((r) => [
        r.executions > 1 ? `${r.runbook} (+${r.executions - 1} run it starts)` : r.runbook,
        r.faithful ? r.path : `${r.path} (replay diverged)`,
        integer(r.statesEntered),
        integer(r.taskStates),
        decimal(r.localEngine.executionsPerSecond, 1),
        r.sameDefinitions
          ? `${decimal(r.sameDefinitions.executionsPerSecond, 1)}${r.sameDefinitionsFaithful ? '' : ' (diverged)'}`
          : '-',
        r.sameDefinitions ? decimal(r.sameDefinitionsRatio, 3) : '-',
        decimal(r.bare.executionsPerSecond, 1),
        decimal(r.ratio, 3),
      ]),
    ),
  ].join('\n');
}

function coldStartSection(cold: NonNullable<BenchResults['coldStart']>): string {
  const worst = Math.max(...cold.rows.map((r) => r.ratio));
  const environment = cold.nodeOptions
    ? `the function's environment (\`NODE_OPTIONS=${cold.nodeOptions}\`, as the configuration asks for source maps at run time)`
    : "the function's environment (no `NODE_OPTIONS`: the configuration does not ask for source maps at run time)";
  return [
    '### Handler cold start',
    '',
    `Each handler module bundled as the CDK app bundles it (esbuild: ESM, node22, minified, the AWS SDK bundled, the createRequire banner), imported in a fresh \`node\` process with ${environment}: milliseconds from the import to a callable handler, median of ${cold.runs}, against an honest floor imported turn about with it: a bundle built with the same options of the same AWS SDK clients and the same task shell (\`handlers/shared/task-handler.ts\`: middy, Powertools' logger and metrics, the tracer loaded only in Lambda) around a no-op task. Outside Lambda: Powertools' tracer is never loaded. Ratio: handler per floor. Goal: at most ${COLD_START_GOAL} for every handler — ${met(worst <= COLD_START_GOAL)} (at most ${decimal(worst, 2)}).`,
    '',
    table(
      [
        'handler module',
        'functions',
        'bundle',
        'largest package',
        'SDK clients',
        'import to ready',
        'floor bundle',
        'floor import',
        'ratio',
      ],
      ['left', 'right', 'right', 'left', 'left', 'right', 'right', 'right', 'right'],
      cold.rows.map((r) => {
        const largest = r.largestPackages[0];
        return [
          r.entry,
          integer(r.functions.length),
          kb(r.bundleBytes),
          largest ? `${largest.name} ${kb(largest.bytes)}` : '-',
          r.sdkClients.length > 0 ? r.sdkClients.map(shortClient).join(', ') : 'none',
          `${decimal(r.handlerMs, 0)} ms`,
          kb(r.bareBundleBytes),
          `${decimal(r.bareMs, 0)} ms`,
          decimal(r.ratio, 2),
        ];
      }),
    ),
  ].join('\n');
}

function costSection(cost: NonNullable<BenchResults['cost']>): string {
  const usd = (perRun: number) => `$${decimal(perRun * 1000, 4)}`;
  return [
    '### Cost of a remediation',
    '',
    `State transitions and Lambda invocations of each happy path above, counted from its execution history (every state entered, plus retries), priced at USD ${cost.prices.stepFunctionsStandardUsdPer1000Transitions} per 1,000 Standard transitions and USD ${cost.prices.lambdaUsdPer1MRequests.toFixed(2)} per 1M Lambda requests (durations, free tiers and the services the tasks call left out), beside the same runbook written with Lambda-only tasks: every DynamoDB, SNS, AWS SDK and startExecution integration a Lambda invocation instead, the same transitions.`,
    '',
    table(
      [
        'run',
        'transitions',
        'Lambda invocations',
        'integration calls',
        'USD per 1,000 runs',
        'Lambda-only invocations',
        'Lambda-only USD per 1,000 runs',
      ],
      ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
      cost.rows.map((r) => [
        r.run,
        integer(r.counts.transitions),
        integer(r.counts.lambdaInvocations),
        integer(r.counts.integrationCalls),
        usd(r.cost.usd),
        integer(r.counts.lambdaOnlyInvocations),
        usd(r.cost.lambdaOnlyUsd),
      ]),
    ),
  ].join('\n');
}

const MEASURES: Record<TimeToHealMeasure, string> = {
  'detection to healed': 'from detection to healed',
  'recovery to backlog drained': "from the downstream's recovery to the backlog drained",
  'detection to shift': 'from detection to the traffic shift',
};

function outcomeSection(outcome: NonNullable<BenchResults['outcome']>): string {
  const rows = outcome.scenarios.flatMap((s) =>
    s.variants.map((v: OutcomeRow, i) => [
      i === 0 ? s.scenario : '',
      v.variant,
      v.outcome ? OUTCOME_LABELS[v.outcome] : v.healed ? 'healed' : 'not healed',
      orDash(v.throttledRequests, integer),
      orDash(v.errors, integer),
      orDash(v.deadLetterMessages, integer),
      orDash(v.expiredMessages, integer),
      orDash(v.timeToHealSeconds, duration),
    ]),
  );
  const measures = [...new Set(outcome.scenarios.map((s) => s.timeToHeal))].flatMap((m) =>
    m
      ? [
          `${outcome.scenarios
            .filter((s) => s.timeToHeal === m)
            .map((s) => s.scenario)
            .join(', ')}: ${MEASURES[m]}`,
        ]
      : [],
  );
  return [
    '### Outcome',
    '',
    `Every scenario of \`selfheal simulate\` (seed ${outcome.seed}), selfheal beside each baseline, the figures read from the scenario's own \`--json\` summary. Throttle events count every throttled attempt, the SDK's retries included (CloudWatch's count); errors are what users see: requests failed after the SDK's retries (hot-shard, hot-key), downstream errors (sqs-backpressure) or failed requests (cell scenarios); a dash is a figure the scenario does not measure. Time to heal: ${measures.join('; ')}.`,
    '',
    table(
      [
        'scenario',
        'variant',
        'outcome',
        'throttle events',
        'errors',
        'messages to the DLQ',
        'messages expired',
        'time to heal',
      ],
      ['left', 'left', 'left', 'right', 'right', 'right', 'right', 'right'],
      rows,
    ),
  ].join('\n');
}

function reshuffleSection(reshuffle: NonNullable<BenchResults['reshuffle']>): string {
  const r = reshuffle.result;
  const goalRows = r.rows.filter((row) => row.latencyMs === 10);
  const atDefault = goalRows.find((row) => row.batchSize === 100);
  const atLargest = goalRows.find((row) => row.batchSize === 1000);
  const largest = atLargest
    ? ` At batches of 1,000 it is ${met(atLargest.ratio >= RESHUFFLE_GOAL)} (${decimal(atLargest.ratio, 3)}).`
    : '';
  const goal = atDefault
    ? ` Goal: with 10 ms injected, at least ${RESHUFFLE_GOAL} of BatchWriteItem's items/s at the runbook's batch of 100 — ${met(atDefault.ratio >= RESHUFFLE_GOAL)} (${decimal(atDefault.ratio, 3)})` +
      (atDefault.ratio >= RESHUFFLE_GOAL
        ? '.'
        : `: where round trips bound both, a batch of 100 at ${r.concurrency} in flight takes 3 serial round trips (query, journal, release) and 2 for each item in turn, 11 in all, where BatchWriteItem takes 4 for the same 100 items, so at most about 0.36; batches of 1,000 take 67 for 1,000 items, about 0.6 at most. None of the three serial round trips can go: the journal must hold a batch's hashes before its first copy, and only its release (after its last delete) may take them out, since a stale copy from an earlier crashed run is told from the application's write by its hash being there.`) +
      largest
    : '';
  return [
    '### Reshuffle throughput',
    '',
    `Items moved per second by the reshuffle mover (per batch: a query and the journal; per item: a conditional copy, then a conditional delete; ${r.concurrency} items in flight, its default) against raw BatchWriteItem (25 blind writes a request, one request after another) of the same ${integer(r.items)} items, on the same dynalite in one run: as dynalite answers (in-process: CPU bounds both sides), and with a latency injected into every request of the client both sides use (an SDK middleware that waits before each request is sent), where network round trips bound both as on AWS. The mover's batch: the key-reshuffle runbook's default, 100, and its largest, 1,000.${goal}`,
    '',
    table(
      ['injected latency', 'mover batch', 'BatchWriteItem, items/s', 'reshuffle mover, items/s', 'ratio'],
      ['right', 'right', 'right', 'right', 'right'],
      r.rows.map((row) => [
        `${integer(row.latencyMs)} ms`,
        integer(row.batchSize),
        integer(row.batchWriteItemsPerSecond),
        integer(row.reshuffleItemsPerSecond),
        decimal(row.ratio, 3),
      ]),
    ),
  ].join('\n');
}

/** The results section: one table per benchmark that has results. */
export function renderResults(results: BenchResults): string {
  const { machine } = results;
  const dates = [
    ...new Set(
      [results.engine, results.coldStart, results.cost, results.outcome, results.reshuffle].flatMap((s) =>
        s ? [day(s.measuredAt)] : [],
      ),
    ),
  ].sort();
  const sections = [
    results.engine && engineSection(results.engine),
    results.coldStart && coldStartSection(results.coldStart),
    results.cost && costSection(results.cost),
    results.outcome && outcomeSection(results.outcome),
    results.reshuffle && reshuffleSection(results.reshuffle),
  ].filter((s): s is string => Boolean(s));
  return [
    `Generated from \`bench/results.json\` by \`npm run bench:readme\`; measured by \`npm run bench\` on ${dates.join(', ') || 'no date'}, ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node} (${machine.platform}). Timings vary with the machine and its load: read the ratios, each measured side by side in one run.`,
    '',
    sections.join('\n\n'),
  ].join('\n');
}

/** The README with its results section replaced (the markers stay). */
export function replaceResultsSection(readme: string, section: string): string {
  const start = readme.indexOf(START_MARKER);
  const end = readme.indexOf(END_MARKER);
  if (start === -1 || end === -1) {
    throw new Error(
      `README.md needs the markers ${START_MARKER} and ${END_MARKER}, each on a line of its own`,
    );
  }
  if (
    end < start ||
    readme.indexOf(START_MARKER, start + 1) !== -1 ||
    readme.indexOf(END_MARKER, end + 1) !== -1
  ) {
    throw new Error(`README.md must have one ${START_MARKER} before one ${END_MARKER}`);
  }
  return `${readme.slice(0, start + START_MARKER.length)}\n\n${section.trim()}\n\n${readme.slice(end)}`;
}
