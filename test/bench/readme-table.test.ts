import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check, format } from 'prettier';
import {
  END_MARKER,
  renderResults,
  replaceResultsSection,
  START_MARKER,
  table,
} from '../../bench/render-results.ts';
import type { BenchResults } from '../../bench/results.ts';
import { mergeResults, readResults, writeResults } from '../../bench/results.ts';

const FIXTURE = JSON.parse(
  readFileSync(new URL('./fixtures/results.json', import.meta.url), 'utf8'),
) as BenchResults;

/** The rows of the Markdown table under a heading, as arrays of trimmed cells. */
function rowsUnder(markdown: string, heading: string): string[][] {
  const section = markdown.split('\n### ').find((part) => part.startsWith(heading)) ?? '';
  return section
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .slice(2)
    .map((line) =>
      line
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim()),
    );
}

describe('the README results section, generated from bench/results.json', () => {
  const markdown = renderResults(FIXTURE);

  it('says where the figures come from and on what machine', () => {
    expect(markdown.split('\n')[0]).toBe(
      'Generated from `bench/results.json` by `npm run bench:readme`; measured by `npm run bench` on 2026-01-02, 2 × Example CPU, Node v22.23.3 (linux-x64). Timings vary with the machine and its load: read the ratios, each measured side by side in one run.',
    );
  });

  it('has one table per benchmark, in order', () => {
    expect(markdown.match(/^### .*$/gm)).toEqual([
      '### Engine overhead',
      '### Handler cold start',
      '### Cost of a remediation',
      '### Outcome',
      '### Reshuffle throughput',
    ]);
  });

  it('shows the engine rows, naming a run that starts another and a replay that diverged', () => {
    expect(rowsUnder(markdown, 'Engine overhead')).toEqual([
      [
        'dispatch (+1 run it starts)',
        'alarm -> hot-shard live, healed',
        '35',
        '19',
        '21.7',
        '48.2',
        '0.450',
        '193.6',
        '0.112',
      ],
      // A row measured before the same-definitions yardstick existed shows dashes for it.
      [
        'hot-shard',
        'write capacity raised, healed (replay diverged)',
        '14',
        '6',
        '55.3',
        '-',
        '-',
        '597.1',
        '0.093',
      ],
    ]);
  });

  it('shows bundle sizes, the heaviest package, the SDK clients and both import times', () => {
    expect(rowsUnder(markdown, 'Handler cold start')).toEqual([
      [
        'handlers/plan-capacity.ts',
        '1',
        '608 KB',
        'zod 443 KB',
        'none',
        '304 ms',
        '0.2 KB',
        '16 ms',
        '18.51',
      ],
      [
        'handlers/reshuffle-tasks.ts',
        '8',
        '983 KB',
        'zod 443 KB',
        'application-auto-scaling, cloudwatch, dynamodb',
        '671 ms',
        '350 KB',
        '339 ms',
        '1.98',
      ],
    ]);
  });

  it('shows transitions, invocations and USD per 1,000 runs, as written and Lambda-only', () => {
    expect(rowsUnder(markdown, 'Cost of a remediation')).toEqual([
      ['dispatch', '21', '3', '10', '$0.5256', '13', '$0.5276'],
      ['dispatch + hot-shard', '35', '8', '11', '$0.8766', '19', '$0.8788'],
      ['hot-shard', '14', '5', '1', '$0.3510', '6', '$0.3512'],
    ]);
    expect(markdown).toContain(
      'USD 0.025 per 1,000 Standard transitions and USD 0.20 per 1M Lambda requests',
    );
  });

  it('shows every variant of every scenario, a dash for what a scenario does not measure', () => {
    expect(rowsUnder(markdown, 'Outcome')).toEqual([
      ['hot-shard', 'selfheal', 'healed', '101,684', '-', '-', '-', '1 min'],
      ['', 'auto-scaling', 'healed', '315,024', '-', '-', '-', '10 min'],
      ['', 'none', 'not healed', '1,281,286', '-', '-', '-', '-'],
      ['sqs-backpressure', 'selfheal', 'healed', '-', '8,788', '0', '0', '6 min'],
      ['', 'circuit-breaker', 'not healed', '-', '109,573', '191,324', '0', '3 min'],
    ]);
    expect(markdown).toContain(
      "Time to heal: hot-shard: from detection to healed; sqs-backpressure: from the downstream's recovery to the backlog drained.",
    );
  });

  it('shows the reshuffle figures', () => {
    expect(rowsUnder(markdown, 'Reshuffle throughput')).toEqual([
      ['0 ms', '100', '805', '86', '0.106'],
      ['10 ms', '100', '2,126', '644', '0.303'],
    ]);
    expect(markdown).toContain(
      "at the runbook's batch of 100 — not met (0.303): where round trips bound both",
    );
  });

  it('says whether each of issue 19’s goals is met, with the figures', () => {
    expect(markdown).toContain('at least 0.7 of the same definitions for every runbook — not met');
    expect(markdown).toContain('Goal: at most 1.2 for every handler — not met (at most 18.51).');
    expect(markdown).toContain('no `NODE_OPTIONS`');
  });

  it('writes a time to heal of no time as 0 s', () => {
    const outcome = structuredClone(FIXTURE.outcome!);
    outcome.scenarios[0]!.variants[0]!.timeToHealSeconds = 0;

    expect(rowsUnder(renderResults({ ...FIXTURE, outcome }), 'Outcome')[0]?.at(-1)).toBe('0 s');
  });

  it('leaves out a benchmark with no results', () => {
    const { outcome: _outcome, ...rest } = FIXTURE;

    expect(renderResults(rest)).not.toContain('### Outcome');
  });

  it('is laid out as Prettier lays out the README, so the format check passes', async () => {
    const readme = `# selfheal\n\n## Benchmarks\n\n${START_MARKER}\n\n${markdown}\n\n${END_MARKER}\n`;

    expect(await format(readme, { parser: 'markdown', singleQuote: true, printWidth: 110 })).toBe(readme);
  });
});

describe('a Markdown table', () => {
  it('pads every cell to its column and marks right-aligned columns', () => {
    expect(
      table(
        ['name', 'n'],
        ['left', 'right'],
        [
          ['a', '1,000'],
          ['bb', '2'],
        ],
      ),
    ).toBe(['| name |     n |', '| ---- | ----: |', '| a    | 1,000 |', '| bb   |     2 |'].join('\n'));
  });
});

describe('the section in the README', () => {
  const readme = [
    '# selfheal',
    '',
    '## Benchmarks',
    '',
    START_MARKER,
    'old figures',
    END_MARKER,
    '',
    '## More',
    '',
  ].join('\n');

  it('replaces what is between the markers and keeps the rest', () => {
    expect(replaceResultsSection(readme, 'new figures\n')).toBe(
      [
        '# selfheal',
        '',
        '## Benchmarks',
        '',
        START_MARKER,
        '',
        'new figures',
        '',
        END_MARKER,
        '',
        '## More',
        '',
      ].join('\n'),
    );
  });

  it('gives the same README when run twice', () => {
    const once = replaceResultsSection(readme, 'new figures');

    expect(replaceResultsSection(once, 'new figures')).toBe(once);
  });

  it('refuses a README without both markers, or with them out of order', () => {
    expect(() => replaceResultsSection('# selfheal\n', 'x')).toThrow(/needs the markers/);
    expect(() => replaceResultsSection(`${END_MARKER}\n${START_MARKER}\n`, 'x')).toThrow(
      /one <!-- bench:start -->/,
    );
  });
});

describe('a partial run', () => {
  it('keeps the last results of the benchmarks it did not run', () => {
    const next: BenchResults = {
      version: 1,
      machine: { ...FIXTURE.machine, cpus: 4 },
      reshuffle: FIXTURE.reshuffle,
    };

    const merged = mergeResults({ ...FIXTURE, reshuffle: undefined }, next);

    expect(Object.keys(merged).sort()).toEqual(
      ['coldStart', 'cost', 'engine', 'machine', 'outcome', 'reshuffle', 'version'].sort(),
    );
    expect(merged.machine.cpus).toBe(4);
  });
});

describe('the results file', () => {
  it('is written as Prettier formats JSON, and read back the same', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'selfheal-bench-test-'));
    const file = join(dir, 'results.json');

    await writeResults(FIXTURE, file);
    const text = readFileSync(file, 'utf8');
    const read = await readResults(file);
    rmSync(dir, { recursive: true });

    expect(
      await check(text, { parser: 'json', singleQuote: true, printWidth: 110, trailingComma: 'all' }),
    ).toBe(true);
    expect(read).toEqual(FIXTURE);
  });
});
