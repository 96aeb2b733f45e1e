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

function engineSection(engine: NonNullable<BenchResults['engine']>): string {
  return [
    '### Engine overhead',
    '',
    "Executions per second of each runbook on the local engine — its real ASL, every task answered at once from a recording of its happy path in the tests' world, so the figure is the engine's and not the world's — and of a bare aws-local-stepfunctions machine of the same size (as many states entered, as many of them Tasks, no-op handlers), run turn about in one process. Ratio: local engine per bare (1 would be no overhead).",
    '',
    table(
      [
        'runbook',
        'happy path',
        'states entered',
        'Task states',
        'local engine, exec/s',
        'bare, exec/s',
        'ratio',
      ],
      ['left', 'left', 'right', 'right', 'right', 'right', 'right'],
      engine.rows.map((r) => [
        r.executions > 1 ? `${r.runbook} (+${r.executions - 1} run it starts)` : r.runbook,
        r.faithful ? r.path : `${r.path} (replay diverged)`,
        integer(r.statesEntered),
        integer(r.taskStates),
        decimal(r.localEngine.executionsPerSecond, 1),
        decimal(r.bare.executionsPerSecond, 1),
        decimal(r.ratio, 3),
      ]),
    ),
  ].join('\n');
}

function coldStartSection(cold: NonNullable<BenchResults['coldStart']>): string {
  return [
    '### Handler cold start',
    '',
    `Each handler module bundled as the CDK app bundles it (esbuild: ESM, node22, minified, the AWS SDK bundled, the createRequire banner), imported in a fresh \`node\` process with the function's environment (\`NODE_OPTIONS=${cold.nodeOptions}\`): milliseconds from the import to a callable handler, median of ${cold.runs}, against a bare bundle importing only the same AWS SDK clients. Outside Lambda: Powertools' tracer stays off. Ratio: handler per bare.`,
    '',
    table(
      [
        'handler module',
        'functions',
        'bundle',
        'largest package',
        'SDK clients',
        'import to ready',
        'bare SDK bundle',
        'bare import',
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
  return [
    '### Reshuffle throughput',
    '',
    'Items moved per second by the reshuffle mover (a conditional copy, then a conditional delete, per item) against raw BatchWriteItem (25 blind writes a request) of the same items, on the same dynalite in one run.',
    '',
    table(
      ['items', 'BatchWriteItem, items/s', 'reshuffle mover, items/s', 'ratio'],
      ['right', 'right', 'right', 'right'],
      [
        [
          integer(r.items),
          integer(r.batchWriteItemsPerSecond),
          integer(r.reshuffleItemsPerSecond),
          decimal(r.ratio, 3),
        ],
      ],
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
