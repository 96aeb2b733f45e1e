import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { chmod, readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { EXIT } from '../../cli/exit-codes.ts';
import { backupPath } from '../../local/state-file.ts';
import { runCapturing as run, useTempStateFile } from '../support/cli.ts';

/**
 * A local state file that cannot be read or written: every command says so in one line that names
 * the file and the way out (exit 1, not 3), `selfheal local reset` gets the deployment back, and a
 * read-only file is refused before anything runs.
 */
const { path: state, local } = useTempStateFile('selfheal-recovery-');
const EVENT = resolve(import.meta.dirname, '../../contracts/examples/cloudwatch-alarm-metric.json');

beforeEach(() => {
  vi.stubEnv('SELFHEAL_STATE_FILE', undefined);
});

afterEach(() => {
  vi.unstubAllEnvs();
});

async function globalSwitchEnabled(): Promise<boolean> {
  const read = await run(['kill-switch', ...local(), '--json']);
  expect(read.code).toBe(EXIT.ok);
  return (JSON.parse(read.out.join('\n')) as { global: { enabled: boolean } }).global.enabled;
}

describe('a state file cut short', () => {
  it('every command: one line naming it and the way out, exit 1; reset --from-backup recovers', async () => {
    expect((await run(['kill-switch', 'on', ...local()])).code).toBe(EXIT.ok);
    const lastGood = await readFile(state(), 'utf8');
    expect((await run(['kill-switch', 'on', '--runbook', 'hot-shard', ...local()])).code).toBe(EXIT.ok);
    expect(await readFile(backupPath(state()), 'utf8')).toBe(lastGood);
    const full = await readFile(state(), 'utf8');
    const cut = full.slice(0, Math.floor(full.length / 2));
    await writeFile(state(), cut);

    const line =
      `selfheal: the local state ${state()} is not readable (cut short or not JSON): ` +
      `restore the backup with \`selfheal local reset --from-backup --state ${state()}\`, ` +
      `or start afresh with \`selfheal local reset --state ${state()}\``;
    for (const argv of [
      ['ledger', ...local()],
      ['list', ...local()],
      ['kill-switch', ...local()],
      ['kill-switch', 'off', ...local()],
      ['dispatch', '--event', EVENT, ...local()],
    ]) {
      const refused = await run(argv);
      expect({ argv, code: refused.code, err: refused.err, out: refused.out }).toEqual({
        argv,
        code: EXIT.failed,
        err: [line],
        out: [],
      });
    }
    expect(await readFile(state(), 'utf8')).toBe(cut);

    const reset = await run(['local', 'reset', '--from-backup', '--state', state()]);
    expect(reset.code).toBe(EXIT.ok);
    const aside = join(
      dirname(state()),
      (await readdir(dirname(state()))).find((f) => f.includes('.aside-')) ?? '',
    );
    expect(reset.out.join('\n').split('\n')).toEqual([
      `Moved the local state ${state()} aside to ${aside} (kept: delete it once you no longer need it).`,
      `Restored ${state()} from its backup ${backupPath(state())} (the state before the last command that saved).`,
    ]);
    expect(await readFile(aside, 'utf8')).toBe(cut);
    expect(await readFile(state(), 'utf8')).toBe(lastGood);
    expect(await globalSwitchEnabled()).toBe(false);
  });

  it('reset without --from-backup starts afresh, the file kept aside', async () => {
    expect((await run(['kill-switch', 'on', ...local()])).code).toBe(EXIT.ok);
    await writeFile(state(), '{"version": 7}');
    expect((await run(['ledger', ...local()])).err).toEqual([
      `selfheal: the local state ${state()} is not readable (version 7, and this selfheal reads version 1): start afresh with \`selfheal local reset --state ${state()}\` (there is no readable backup)`,
    ]);

    const reset = await run(['local', 'reset', '--state', state(), '--json']);
    expect(reset.code).toBe(EXIT.ok);
    const { setAside, restoredFrom } = JSON.parse(reset.out.join('\n')) as {
      setAside: string;
      restoredFrom: string | null;
    };
    expect(restoredFrom).toBeNull();
    expect(basename(setAside)).toMatch(/^state\.json\.aside-\d{8}T\d{6}Z$/);
    expect(await readFile(setAside, 'utf8')).toBe('{"version": 7}');
    expect(await globalSwitchEnabled()).toBe(true);
  });

  it('reset --from-backup with no backup: one line, exit 1, nothing moved', async () => {
    await writeFile(state(), 'not json');
    const reset = await run(['local', 'reset', '--from-backup', '--state', state()]);
    expect(reset.code).toBe(EXIT.failed);
    expect(reset.err).toEqual([
      `selfheal: there is no backup of the local state ${state()} (${backupPath(state())}): start afresh with \`selfheal local reset --state ${state()}\``,
    ]);
    expect(await readdir(dirname(state()))).toEqual(['state.json']);
  });

  it('local takes reset only', async () => {
    expect((await run(['local', '--state', state()])).err).toEqual([
      'selfheal: local takes reset, not nothing',
    ]);
    expect((await run(['local', 'wipe'])).code).toBe(EXIT.usage);
  });
});

describe('a read-only state file', () => {
  it('dispatch is refused before it runs anything, in one line, and the file stays as it was', async () => {
    expect((await run(['kill-switch', 'on', ...local()])).code).toBe(EXIT.ok);
    await chmod(state(), 0o444);
    const before = await readFile(state(), 'utf8');
    const files = await readdir(dirname(state()));

    for (const argv of [
      ['dispatch', '--event', EVENT, ...local()],
      ['kill-switch', 'off', ...local()],
    ]) {
      const refused = await run(argv);
      expect(refused.code).toBe(EXIT.failed);
      expect(refused.out).toEqual([]);
      expect(refused.err).toEqual([
        `selfheal: the local state ${state()} cannot be written (the file is read-only): nothing was run; make it writable, or use another file (--state FILE)`,
      ]);
    }
    expect(await readFile(state(), 'utf8')).toBe(before);
    expect(await readdir(dirname(state()))).toEqual(files);
    // A reader still reads it.
    expect(await globalSwitchEnabled()).toBe(false);
  });
});
