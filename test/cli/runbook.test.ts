import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../cli/main.ts';
import { EXIT } from '../../cli/exit-codes.ts';
import { renderRunbookDocs } from '../../cli/commands/runbook.ts';
import { CATALOGUE } from '../../runbooks/catalogue.ts';

const NAMES = CATALOGUE.runbooks.map((f) => f.name);

let out: string[];
let err: string[];
let dir: string;

beforeEach(async () => {
  out = [];
  err = [];
  dir = await mkdtemp(join(tmpdir(), 'selfheal-runbook-'));
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void out.push(args.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void err.push(args.join(' ')));
});

afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

describe('selfheal runbook list', () => {
  it('lists every runbook with its state count and the first sentence of its Comment', async () => {
    expect(await main(['runbook', 'list'])).toBe(EXIT.ok);

    expect(out.map((line) => line.split(' ')[0])).toEqual(NAMES);
    expect(out.find((line) => line.startsWith('hot-shard '))).toMatch(
      /^hot-shard +\d+ states {2}Hot shard: a DynamoDB table is throttling\.$/,
    );
  });

  it('--json', async () => {
    expect(await main(['runbook', 'list', '--json'])).toBe(EXIT.ok);

    const listed = JSON.parse(out.join('\n')) as Array<Record<string, unknown>>;
    expect(listed.map((r) => r.name)).toEqual(NAMES);
    expect(listed.find((r) => r.name === 'hot-shard')).toEqual({
      name: 'hot-shard',
      file: 'statemachines/hot-shard.asl.json',
      states: expect.any(Number),
      purpose: 'Hot shard: a DynamoDB table is throttling.',
    });
  });
});

describe('selfheal runbook render', () => {
  it('prints one runbook as Markdown, exactly the page docs/runbooks has', async () => {
    const docs = await renderRunbookDocs();

    expect(await main(['runbook', 'render', 'hot-shard'])).toBe(EXIT.ok);

    expect(`${out.join('\n')}\n`).toBe(docs.get('hot-shard.md'));
  });

  it('--out writes the page to a file', async () => {
    const file = join(dir, 'page.md');

    expect(await main(['runbook', 'render', 'key-merge', '--out', file])).toBe(EXIT.ok);

    expect(await readFile(file, 'utf8')).toBe((await renderRunbookDocs()).get('key-merge.md'));
    expect(out).toEqual([`wrote ${file}`]);
  });

  it('--all --out-dir writes every page and the index', async () => {
    const target = join(dir, 'docs');

    expect(await main(['runbook', 'render', '--all', '--out-dir', target])).toBe(EXIT.ok);

    const written = (await readdir(target)).sort();
    expect(written).toEqual(['README.md', ...NAMES.map((n) => `${n}.md`)].sort());
    expect(await readFile(join(target, 'README.md'), 'utf8')).toBe(
      (await renderRunbookDocs()).get('README.md'),
    );
  });

  it.each([
    [
      ['runbook', 'render', 'hot-shards'],
      `selfheal: unknown runbook "hot-shards"; valid names: ${NAMES.join(', ')}`,
    ],
    [['runbook'], 'selfheal: runbook needs "list" or "render", got ""'],
    [['runbook', 'show'], 'selfheal: runbook needs "list" or "render", got "show"'],
    [['runbook', 'render'], 'selfheal: render needs exactly one runbook name (or --all)'],
    [['runbook', 'render', 'a', 'b'], 'selfheal: render needs exactly one runbook name (or --all)'],
    [['runbook', 'render', '--all'], 'selfheal: render --all needs --out-dir DIR'],
    [
      ['runbook', 'render', '--all', 'hot-shard', '--out-dir', 'x'],
      'selfheal: render --all takes no name and no --out',
    ],
    [['runbook', 'render', 'hot-shard', '--out-dir', 'x'], 'selfheal: --out-dir is for render --all'],
    [
      ['runbook', 'render', 'hot-shard', '--region', 'eu-west-1'],
      'selfheal: runbook runs on this machine only, so --deployment and --region do not apply: it reads the definitions in statemachines/ of this checkout',
    ],
    [['runbook', 'list', 'hot-shard'], 'selfheal: runbook list takes no argument but --json'],
  ])('%j is a usage error', async (argv, message) => {
    expect(await main(argv)).toBe(EXIT.usage);

    expect(err).toEqual([message]);
    expect(out).toEqual([]);
  });

  it('--help prints the usage', async () => {
    expect(await main(['runbook', '--help'])).toBe(EXIT.ok);

    expect(out.join('\n')).toMatch(
      /^Usage: selfheal runbook list \[--json\]\n {7}selfheal runbook render <name>/,
    );
  });
});
