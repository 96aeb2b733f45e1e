import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionRecord } from '../../engine/local-engine.ts';
import { endedRuns } from '../support/ended-runs.ts';
import {
  backupPath,
  isLocked,
  LocalStateBusyError,
  LocalStateNoBackupError,
  LocalStateUnreadableError,
  LocalStateUnwritableError,
  MAX_SAVED_EXECUTION_BYTES,
  MAX_SAVED_EXECUTIONS,
  readLocalState,
  resetLocalState,
  saveExecutions,
  savedExecutionRecords,
  saveTables,
  withLockedLocalState,
} from '../../local/state-file.ts';
import { createDispatchTables, DEFAULT_DISPATCH_TABLES } from '../../domain/dispatch/tables.ts';
import { useLocalDynamoDb } from '../support/local-dynamodb.ts';

/**
 * The local state file as the DynamoDB it stands for: one writer at a time, atomic saves with a
 * backup, bounded runs, and a file that cannot be read or written refused by name in one line.
 * (Separate processes at once: test/cli/local-concurrency.test.ts.)
 */
const dynamodb = useLocalDynamoDb();
let dir: string;
let path: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'selfheal-state-safety-'));
  path = join(dir, 'state.json');
});

afterEach(async () => {
  await chmod(dir, 0o700).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

/** `count` ended runs from `startMs`, each with an input of about `bytes`. */
async function runs(count: number, bytes = 10, startMs = Date.UTC(2026, 0, 1)): Promise<ExecutionRecord[]> {
  // Step Functions takes 256 KiB of input at most; a saved run is made larger by hand.
  return (await endedRuns(count, { startMs })).map((run, i) => ({
    ...run,
    input: { i, pad: 'x'.repeat(bytes) },
  }));
}

describe('saves', () => {
  beforeEach(async () => {
    await createDispatchTables(dynamodb(), DEFAULT_DISPATCH_TABLES).catch(() => undefined);
  });

  it('keep the file they replace as the backup, and leave no temporary file behind', async () => {
    await saveTables(dynamodb(), [DEFAULT_DISPATCH_TABLES.control], path, 60_000);
    const first = await readFile(path, 'utf8');
    await saveTables(dynamodb(), [DEFAULT_DISPATCH_TABLES.control], path, 120_000);

    expect(await readFile(backupPath(path), 'utf8')).toBe(first);
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ clockMs: 120_000 });
    expect((await readdir(dir)).sort()).toEqual(['state.json', 'state.json.bak']);
  });

  it(`keep the newest runs that fit in ${MAX_SAVED_EXECUTION_BYTES} bytes of JSON, and at least the newest`, async () => {
    // About 1 MiB each: five fit, not all eight.
    const big = await runs(8, 1024 * 1024);
    const size = Buffer.byteLength(JSON.stringify(big[0]));
    const fit = Math.floor(MAX_SAVED_EXECUTION_BYTES / size);
    expect(fit).toBeGreaterThan(1);
    expect(fit).toBeLessThan(8);
    await saveExecutions(path, big);

    const kept = await savedExecutionRecords(path);
    expect(kept.map((r) => r.name)).toEqual(big.slice(-fit).map((r) => r.name));

    const huge = await runs(1, MAX_SAVED_EXECUTION_BYTES + 1, Date.UTC(2026, 0, 2));
    await saveExecutions(path, huge);
    expect((await savedExecutionRecords(path)).map((r) => r.startDate)).toEqual(huge.map((r) => r.startDate));
  });

  it(`keep at most ${MAX_SAVED_EXECUTIONS} runs however small`, async () => {
    await saveExecutions(path, await runs(MAX_SAVED_EXECUTIONS + 5));
    expect(await savedExecutionRecords(path)).toHaveLength(MAX_SAVED_EXECUTIONS);
  });
});

describe('a file that cannot be read', () => {
  const cases: [string, string, string][] = [
    ['cut short', '{"version": 1, "tables": {"selfheal-con', 'cut short or not JSON'],
    ['empty', '', 'cut short or not JSON'],
    ['not JSON', 'hello', 'cut short or not JSON'],
    ['of another version', '{"version": 2, "tables": {}}', 'version 2, and this selfheal reads version 1'],
    ['not a state', '{"version": 1, "tables": []}', 'not a local state: tables:'],
  ];
  for (const [what, text, reason] of cases) {
    it(`${what}: one line naming the file, the reason and the way out`, async () => {
      await writeFile(path, text);
      const error = await readLocalState(path).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(LocalStateUnreadableError);
      const { message } = error as Error;
      expect(message).toContain(`the local state ${path} is not readable (${reason}`);
      expect(message).toContain(`start afresh with \`selfheal local reset --state ${path}\``);
      expect(message).not.toContain('\n');
    });
  }

  it('offers the backup when there is a readable one', async () => {
    await writeFile(backupPath(path), JSON.stringify({ version: 1, tables: {} }));
    await writeFile(path, '{"vers');
    await expect(readLocalState(path)).rejects.toThrow(
      `: restore the backup with \`selfheal local reset --from-backup --state ${path}\`, or start afresh`,
    );
  });

  it('a saved run that cannot be read names the run', async () => {
    await writeFile(path, JSON.stringify({ version: 1, tables: {}, executions: [{ executionArn: 'x' }] }));
    await expect(savedExecutionRecords(path)).rejects.toThrow(
      new RegExp(`^the local state ${path} is not readable \\(saved execution 1 is damaged: `),
    );
  });

  it('is refused by a command that would save it too, before it runs, a damaged run included', async () => {
    for (const text of [
      '{"version": 1, "tab',
      JSON.stringify({ version: 1, tables: {}, executions: [{ executionArn: 'x' }] }),
    ]) {
      await writeFile(path, text);
      let ran = false;
      await expect(
        withLockedLocalState(path, async () => {
          ran = true;
        }),
      ).rejects.toBeInstanceOf(LocalStateUnreadableError);
      expect(ran).toBe(false);
      expect(await isLocked(path)).toBe(false);
    }
  });

  it('a command that saves twice keeps the runs of its first save', async () => {
    const [first, second] = await runs(2);
    await withLockedLocalState(path, async (state) => {
      await state.save({ executions: [first as ExecutionRecord] });
      await state.save({ executions: [second as ExecutionRecord], clockMs: 60_000 });
    });
    expect((await savedExecutionRecords(path)).map((r) => r.name)).toEqual(['run-0', 'run-1']);
  });
});

describe('a file that cannot be written', () => {
  it('read-only: refused before anything runs, the file unchanged', async () => {
    await writeFile(path, JSON.stringify({ version: 1, tables: {} }));
    await chmod(path, 0o444);
    let ran = false;
    const refused = withLockedLocalState(path, async () => {
      ran = true;
    });

    await expect(refused).rejects.toBeInstanceOf(LocalStateUnwritableError);
    await expect(refused).rejects.toThrow(
      `the local state ${path} cannot be written (the file is read-only): nothing was run`,
    );
    expect(ran).toBe(false);
    expect(await readFile(path, 'utf8')).toBe(JSON.stringify({ version: 1, tables: {} }));
  });

  it('in a read-only folder: refused the same way', async () => {
    await chmod(dir, 0o555);
    await expect(withLockedLocalState(path, async () => undefined)).rejects.toThrow(
      `the local state ${path} cannot be written (its folder ${dir} is read-only): nothing was run`,
    );
  });

  it('a save that fails after the run: a LocalStateUnwritableError naming the file, the lock let go', async () => {
    const failed = withLockedLocalState(path, async (state) => {
      // What a full disk does to the save, once the check before the run has passed.
      await mkdir(path);
      await state.save({ clockMs: 60_000 });
    });
    await expect(failed).rejects.toBeInstanceOf(LocalStateUnwritableError);
    await expect(failed).rejects.toThrow(`the local state ${path} could not be saved (EISDIR`);
    expect(await isLocked(path)).toBe(false);
  });
});

describe('the lock', () => {
  it('a second writer waits for the first, says so once, and then reads what the first saved', async () => {
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const first = withLockedLocalState(path, async (state) => {
      await held;
      await state.save({ clockMs: 60_000 });
    });
    await expect.poll(() => isLocked(path)).toBe(true);

    const waits: string[] = [];
    const second = withLockedLocalState(path, async (state) => state.clockMs, {
      onWait: (p) => waits.push(p),
    });
    await expect.poll(() => waits).toEqual([path]);
    release();

    await first;
    expect(await second).toBe(60_000);
    expect(waits).toEqual([path]);
    expect(await isLocked(path)).toBe(false);
  });

  it('refuses after the time it waits, with one line naming the file', async () => {
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const first = withLockedLocalState(path, () => held);
    await expect.poll(() => isLocked(path)).toBe(true);

    const env = { SELFHEAL_STATE_LOCK_WAIT_MS: '300' };
    const refused = withLockedLocalState(path, async () => undefined, { env });
    await expect(refused).rejects.toBeInstanceOf(LocalStateBusyError);
    await expect(refused).rejects.toThrow(
      `the local state ${path} is still held by another selfheal command after 300 ms: nothing was run`,
    );
    release();
    await first;
  });

  it('is taken over once its holder has shown no sign of life for the stale time', async () => {
    // What a holder killed mid-command leaves: the lock folder, its time no longer renewed.
    await mkdir(`${path}.lock`);
    const longAgo = new Date(Date.now() - 60_000);
    await utimes(`${path}.lock`, longAgo, longAgo);

    expect(await withLockedLocalState(path, async () => 'taken')).toBe('taken');
  });
});

describe('resetLocalState', () => {
  beforeEach(async () => {
    await createDispatchTables(dynamodb(), DEFAULT_DISPATCH_TABLES).catch(() => undefined);
  });

  it('moves the file aside and restores the backup, or starts afresh', async () => {
    await saveTables(dynamodb(), [DEFAULT_DISPATCH_TABLES.control], path, 60_000);
    const good = await readFile(path, 'utf8');
    await saveTables(dynamodb(), [DEFAULT_DISPATCH_TABLES.control], path, 120_000);
    await writeFile(path, '{"version": 1, "ta');

    const restored = await resetLocalState(path, true);
    expect(restored.restoredFrom).toBe(backupPath(path));
    expect(restored.setAside).toMatch(new RegExp(`^${path}\\.aside-\\d{8}T\\d{6}Z$`));
    expect(await readFile(path, 'utf8')).toBe(good);
    expect(await readFile(restored.setAside ?? '', 'utf8')).toBe('{"version": 1, "ta');

    const afresh = await resetLocalState(path, false);
    expect(afresh.restoredFrom).toBeUndefined();
    expect(afresh.setAside).toMatch(new RegExp(`^${path}\\.aside-\\d{8}T\\d{6}Z-2$`));
    expect((await readLocalState(path)).clockMs).toBeUndefined();
  });

  it('--from-backup without a readable backup changes nothing', async () => {
    await writeFile(path, 'broken');
    await expect(resetLocalState(path, true)).rejects.toBeInstanceOf(LocalStateNoBackupError);
    await writeFile(backupPath(path), 'also broken');
    await expect(resetLocalState(path, true)).rejects.toThrow(
      `the backup ${backupPath(path)} is not readable either (cut short or not JSON)`,
    );
    expect((await readdir(dir)).sort()).toEqual(['state.json', 'state.json.bak']);
  });
});
