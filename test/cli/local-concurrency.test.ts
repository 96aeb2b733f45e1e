import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EXIT } from '../../cli/exit-codes.ts';
import { backupPath } from '../../local/state-file.ts';
import { runCapturing } from '../support/cli.ts';

/**
 * The local state under CLI commands run as separate processes at the same time, as an operator's
 * shell runs them (`selfheal dispatch --local &` then `selfheal kill-switch on --local`). Nothing
 * is ordered by sleeping: a command told to (SELFHEAL_TEST_PAUSE) stops at a point and says so on
 * stderr, the test waits for that line or for the other command's "waiting" line, then lets it go
 * on (a line on its stdin) or kills it.
 */
const REPO = resolve(import.meta.dirname, '../..');
const NODE = join(REPO, 'node_modules/.bin/node');
const BIN = join(REPO, 'bin/selfheal.js');
const EVENT = join(REPO, 'contracts/examples/cloudwatch-alarm-metric.json');

const WAITING = /^selfheal: waiting for the local state \S+ \(another selfheal command holds it\)$/m;
const PAUSED_LOCKED = /^selfheal-test: paused locked$/m;
const PAUSED_WRITING = /^selfheal-test: paused writing$/m;

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

interface Cli {
  /** Resolves once stderr has a line matching `pattern`; rejects if the command ends first. */
  said(pattern: RegExp): Promise<void>;
  /** Lets a paused command go on. */
  goOn(): void;
  kill(): Promise<Ended>;
  ended: Promise<Ended>;
}

const children = new Set<ChildProcessWithoutNullStreams>();

let dir: string;
let state: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'selfheal-concurrency-'));
  state = join(dir, 'state.json');
});

afterEach(async () => {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
  await rm(dir, { recursive: true, force: true });
});

/** `selfheal ARGS --local --state FILE` in a process of its own. */
function cli(args: string[], env: Record<string, string> = {}): Cli {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const name of ['SELFHEAL_STATE_FILE', 'SELFHEAL_DEPLOYMENT', 'SELFHEAL_ROUTING', 'SELFHEAL_CONFIG'])
    delete childEnv[name];
  if (!env.SELFHEAL_TEST_PAUSE) delete childEnv.SELFHEAL_TEST_PAUSE;
  const child = spawn(NODE, [BIN, ...args, '--local', '--state', state], { cwd: REPO, env: childEnv });
  children.add(child);
  let out = '';
  let err = '';
  const waiters: { pattern: RegExp; resolve: () => void; reject: (e: Error) => void }[] = [];
  const check = (): void => {
    for (const waiter of [...waiters]) {
      if (waiter.pattern.test(err)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
    check();
  });
  const ended = new Promise<Ended>((done) =>
    child.on('close', (code, signal) => {
      children.delete(child);
      for (const waiter of waiters.splice(0))
        waiter.reject(
          new Error(
            `selfheal ${args.join(' ')} ended (${code ?? signal}) before saying ${waiter.pattern}: ${err}`,
          ),
        );
      done({ code, signal, out, err });
    }),
  );
  return {
    said: (pattern) =>
      new Promise<void>((resolve, reject) => {
        waiters.push({ pattern, resolve, reject });
        check();
      }),
    goOn: () => child.stdin.end('\n'),
    kill: () => {
      child.kill('SIGKILL');
      return ended;
    },
    ended,
  };
}

/**
 * `selfheal ARGS --local --state FILE` in this process, for the steps around the ones that run at
 * the same time (each process loads the whole engine: a second or more of CPU).
 */
async function here(args: string[], env: Record<string, string> = {}): Promise<number> {
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  try {
    const { code, err } = await runCapturing([...args, '--local', '--state', state]);
    expect(err.filter((line) => !WAITING.test(line))).toEqual([]);
    return code;
  } finally {
    vi.unstubAllEnvs();
  }
}

/** What `selfheal kill-switch --local --json` reads (a reader takes no lock). */
async function switches(): Promise<{
  global: { enabled: boolean };
  runbooks: { runbook: string; enabled: boolean }[];
}> {
  const read = await runCapturing(['kill-switch', '--local', '--state', state, '--json']);
  expect(read.err).toEqual([]);
  return JSON.parse(read.out.join('\n')) as Awaited<ReturnType<typeof switches>>;
}

async function ledger(): Promise<{ decision: string; resource: string }[]> {
  const read = await runCapturing(['ledger', '--local', '--state', state, '--json']);
  expect(read.code).toBe(EXIT.ok);
  return JSON.parse(read.out.join('\n')) as { decision: string; resource: string }[];
}

async function savedRuns(): Promise<{ executionArn: string }[]> {
  const saved = JSON.parse(await readFile(state, 'utf8')) as { executions?: { executionArn: string }[] };
  return saved.executions ?? [];
}

const dispatch = (env: Record<string, string> = {}): Cli => cli(['dispatch', '--event', EVENT], env);

describe('two dispatches of the same alarm at once', () => {
  it('one run changes the tables; the other waits for the lock and finds the incident decided', async () => {
    const first = dispatch({ SELFHEAL_TEST_PAUSE: 'locked' });
    await first.said(PAUSED_LOCKED);
    const second = dispatch();
    await second.said(WAITING);
    first.goOn();

    const [one, two] = await Promise.all([first.ended, second.ended]);
    expect([one.code, two.code]).toEqual([EXIT.ok, EXIT.ok]);
    expect(one.out).toContain('> Run the hot-shard runbook');
    expect(two.out).toContain('> Already decided');
    expect(two.out).not.toContain('> Run the hot-shard runbook');
    // One decision and its outcome; without the lock each had read the empty file and both ran.
    expect((await ledger()).map((r) => r.decision)).toEqual(['dry-run', 'succeeded']);
    // Both commands' runs are kept: the second merged its own with what the first had saved.
    expect(await savedRuns()).toHaveLength(3);
  }, 60_000);
});

describe('a command that waits too long', () => {
  it('refuses in one line, exit 1, changing nothing', async () => {
    const holder = cli(['kill-switch', 'on'], { SELFHEAL_TEST_PAUSE: 'locked' });
    await holder.said(PAUSED_LOCKED);

    vi.stubEnv('SELFHEAL_STATE_LOCK_WAIT_MS', '500');
    const refused = await runCapturing(['kill-switch', 'off', '--local', '--state', state]);
    vi.unstubAllEnvs();
    expect(refused.code).toBe(EXIT.failed);
    expect(refused.out).toEqual([]);
    expect(refused.err).toEqual([
      `selfheal: waiting for the local state ${state} (another selfheal command holds it)`,
      `selfheal: the local state ${state} is still held by another selfheal command after 500 ms: nothing was run; try again when it has finished (a killed command's lock is taken over after 10 s)`,
    ]);
    await holder.kill();
  }, 60_000);
});

describe('dispatch and kill-switch on at once', () => {
  it('the dispatch first: the switch, set after it, reads ON, and the dispatch is kept', async () => {
    const running = dispatch({ SELFHEAL_TEST_PAUSE: 'locked' });
    await running.said(PAUSED_LOCKED);
    const killSwitch = cli(['kill-switch', 'on']);
    await killSwitch.said(WAITING);
    running.goOn();

    const [dispatched, switched] = await Promise.all([running.ended, killSwitch.ended]);
    expect(dispatched.code).toBe(EXIT.ok);
    expect(switched.code).toBe(EXIT.ok);
    expect(switched.out).toMatch(/^Kill switch ON in the local deployment/);
    expect((await switches()).global.enabled).toBe(false);
    expect((await ledger()).map((r) => r.decision)).toEqual(['dry-run', 'succeeded']);
  }, 60_000);

  it('the switch first: the dispatch waits, reads it ON and is suppressed; it still reads ON', async () => {
    const killSwitch = cli(['kill-switch', 'on'], { SELFHEAL_TEST_PAUSE: 'locked' });
    await killSwitch.said(PAUSED_LOCKED);
    const running = dispatch();
    await running.said(WAITING);
    killSwitch.goOn();

    const [switched, dispatched] = await Promise.all([killSwitch.ended, running.ended]);
    expect(switched.code).toBe(EXIT.ok);
    expect(dispatched.code).toBe(EXIT.ok);
    expect(dispatched.out).toContain('> Suppressed');
    expect((await switches()).global.enabled).toBe(false);
    expect((await ledger()).map((r) => r.decision)).toEqual(['suppressed']);
  }, 60_000);

  it('in whatever order they happen to take the lock, the switch reads ON after', async () => {
    const [dispatched, switched] = await Promise.all([dispatch().ended, cli(['kill-switch', 'on']).ended]);
    expect(dispatched.code).toBe(EXIT.ok);
    expect(switched.code).toBe(EXIT.ok);
    expect((await switches()).global.enabled).toBe(false);
  }, 60_000);
});

describe('a command killed while it holds the lock', () => {
  // The next command takes a lock over after 2 s without a sign of life (10 s by default); the
  // holder keeps the default, so however slow the machine it never takes its own lock for lost.
  const STALE = { SELFHEAL_STATE_LOCK_STALE_MS: '2000' };

  it('right after taking it: the file is as it was, and the next command takes the lock and works', async () => {
    expect(await here(['kill-switch', 'on', '--runbook', 'hot-shard'])).toBe(EXIT.ok);
    const before = await readFile(state, 'utf8');

    const killed = dispatch({ SELFHEAL_TEST_PAUSE: 'locked' });
    await killed.said(PAUSED_LOCKED);
    expect((await killed.kill()).signal).toBe('SIGKILL');
    expect(await readFile(state, 'utf8')).toBe(before);

    expect(await here(['kill-switch', 'on'], STALE)).toBe(EXIT.ok);
    const after = await switches();
    expect(after.global.enabled).toBe(false);
    // What was saved before the kill is still there.
    expect(after.runbooks.find((r) => r.runbook === 'hot-shard')?.enabled).toBe(false);
  }, 60_000);

  it('mid-save (the new file half made): the file is the old one, whole, and the next command works', async () => {
    expect(await here(['kill-switch', 'on', '--runbook', 'hot-shard'])).toBe(EXIT.ok);
    expect(await here(['kill-switch', 'on'])).toBe(EXIT.ok);
    const before = await readFile(state, 'utf8');

    const killed = cli(['kill-switch', 'off', '--runbook', 'hot-shard'], { SELFHEAL_TEST_PAUSE: 'writing' });
    await killed.said(PAUSED_WRITING);
    await killed.kill();

    expect(await readFile(state, 'utf8')).toBe(before);
    expect(await readFile(backupPath(state), 'utf8')).toBe(before);
    expect((await switches()).runbooks.find((r) => r.runbook === 'hot-shard')?.enabled).toBe(false);

    expect(await here(['kill-switch', 'off', '--runbook', 'hot-shard'], STALE)).toBe(EXIT.ok);
    const after = await switches();
    expect(after.runbooks.find((r) => r.runbook === 'hot-shard')?.enabled).toBe(true);
    expect(after.global.enabled).toBe(false);
  }, 60_000);
});

describe('a save that fails after the run', () => {
  it('prints what the run did, then one line naming the file, exit 1', async () => {
    expect(await here(['kill-switch', 'off'])).toBe(EXIT.ok);
    const running = dispatch({ SELFHEAL_TEST_PAUSE: 'writing' });
    await running.said(PAUSED_WRITING);
    // The file checked writable before the run is no longer (as a full disk would make it).
    await rm(state);
    await mkdir(state);
    running.goOn();

    const ended = await running.ended;
    expect(ended.code).toBe(EXIT.failed);
    expect(ended.out).toContain('Dispatch: dry-run (SUCCEEDED)');
    expect(ended.out).toContain('Ledger records added:');
    const lines = ended.err.trimEnd().split('\n');
    expect(lines.at(-1)).toMatch(
      new RegExp(
        `^selfheal: the local state ${state} could not be saved \\(EISDIR: .*\\): what this command changed is not kept; the runs above ended but are not in the local state$`,
      ),
    );
    expect((await readdir(dir)).sort()).toEqual(['state.json', 'state.json.bak']);
  }, 60_000);
});
