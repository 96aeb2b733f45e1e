/**
 * `selfheal simulate ... --report FILE` as a command, on stand-in scenarios that take no time: what
 * it writes, prints and exits with for one scenario and for `all`. (The real simulations, opened in
 * Chromium, are browser.test.ts.)
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Scenario, ScenarioOutcome } from '../../cli/scenarios.ts';
import { useCliConsole } from '../support/cli.ts';

const ran: { name: string; approve: string | undefined }[] = [];

function standIn(name: string, healed: boolean, asksApproval = false): Scenario {
  return {
    name,
    summary: `the ${name} stand-in`,
    variants: ['selfheal', 'none'],
    asksApproval,
    async simulate({ seed, approve }): Promise<ScenarioOutcome> {
      ran.push({ name, approve });
      return {
        outcome: healed ? 'healed' : 'not-healed',
        goalMet: healed,
        summary: {
          scenario: name,
          seed,
          healed,
          failures: 3,
          baselines: { none: { healed: false, failures: 9 } },
        },
        report: () => `text report of ${name}`,
        charts: () => ({
          durationSeconds: 120,
          runs: [],
          figures: [
            {
              title: `failures of ${name}`,
              unit: 'requests',
              integer: true,
              panels: [{ steps: true, series: [{ label: 'selfheal', color: '#1c64d8', values: [3, 0] }] }],
            },
          ],
        }),
      };
    },
  };
}

vi.mock('../../cli/scenarios.ts', () => ({
  SCENARIOS: [standIn('alpha', true), standIn('beta', false, true)],
}));

const { main } = await import('../../cli/main.ts');
const { EXIT } = await import('../../cli/exit-codes.ts');

describe('selfheal simulate --report', () => {
  const { out, err } = useCliConsole();
  let directory: string;

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'selfheal-report-cli-'));
    ran.length = 0;
  });

  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('writes the page for one scenario, and prints the text report as before', async () => {
    const file = join(directory, 'alpha.html');
    expect(await main(['simulate', 'alpha', '--report', file])).toBe(EXIT.ok);
    expect(out.join('\n')).toBe('text report of alpha');
    expect(err).toEqual([`report written to ${file}`]);
    const html = await readFile(file, 'utf8');
    expect(html.match(/<section class="scenario"/g)).toHaveLength(1);
    expect(html).toContain('<h2>alpha <span class="badge healed">healed</span></h2>');
    expect(html).toContain('failures of alpha');
    expect(html).toContain('<td data-variant="none" data-value="9">9</td>');
  });

  it('runs every scenario into one page with all; --json prints their summaries as an array', async () => {
    const file = join(directory, 'all.html');
    expect(await main(['simulate', 'all', '--json', '--report', file, '--approve', 'manual'])).toBe(
      EXIT.failed,
    );
    expect(ran).toEqual([
      { name: 'alpha', approve: undefined },
      { name: 'beta', approve: 'manual' },
    ]);
    expect(JSON.parse(out.join('\n'))).toEqual([
      expect.objectContaining({ scenario: 'alpha', healed: true }),
      expect.objectContaining({ scenario: 'beta', healed: false }),
    ]);
    expect(err).toEqual([
      'simulating alpha (1 of 2)',
      'simulating beta (2 of 2)',
      `report written to ${file}`,
    ]);
    const html = await readFile(file, 'utf8');
    expect(html.match(/<section class="scenario"/g)).toHaveLength(2);
    expect(html).toContain('<a href="#scenario-beta">beta</a>');
    expect(html).toContain('<h2>beta <span class="badge not-healed">not healed</span></h2>');
  });

  it('prints every text report with all and no --report, and writes nothing', async () => {
    expect(await main(['simulate', 'all'])).toBe(EXIT.failed);
    expect(out.join('\n')).toBe('text report of alpha\n\ntext report of beta');
  });

  it.each([
    [['--report', '/no/such/directory/report.html'], /--report: no such directory "\/no\/such\/directory"/],
    [['--report'], /argument missing/],
  ])('refuses %j before running anything (exit 2)', async (options, message) => {
    expect(await main(['simulate', 'alpha', ...options])).toBe(EXIT.usage);
    expect(err.join('\n')).toMatch(message);
    expect(ran).toEqual([]);
  });

  it('refuses a directory as the report file', async () => {
    expect(await main(['simulate', 'alpha', '--report', directory])).toBe(EXIT.usage);
    expect(err.join('\n')).toMatch(/is a directory; name the HTML file to write/);
    expect(ran).toEqual([]);
  });
});
