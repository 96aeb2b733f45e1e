/**
 * What a local deployment keeps between CLI commands: the items of dispatch's tables (switches,
 * locks, cooldowns, rate counters, the ledger), where virtual time stood, and the runs its engine
 * made, in one JSON file. dynalite and the engine run in memory for one process; `selfheal
 * dispatch`, `start --local`, `kill-switch` and `switch` save here, `ledger`, `list`, `describe`
 * read here. Files from before the runs were kept (no `executions`) read as having none.
 *
 * The file stands for DynamoDB, so it behaves like it where it matters:
 * - a command that changes it holds its lock (`<file>.lock`, proper-lockfile) from before its read
 *   to after its save, so two commands never both work from the same old copy; a second one waits,
 *   and the lock of a command that was killed is taken over once it has gone `staleMs` without a
 *   sign of life;
 * - every write is atomic (a temporary file renamed over it), so a reader, or a command killed
 *   mid-save, sees the old file or the new one, never one cut short;
 * - each save first keeps the file it replaces as `<file>.bak` (`selfheal local reset
 *   --from-backup` puts it back);
 * - a file that cannot be read or written is refused by name, in one line, before anything runs.
 */
import { access, constants, mkdir, readFile, rename, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import lockfile from 'proper-lockfile';
import writeFileAtomic from 'write-file-atomic';
import * as z from 'zod';
import {
  PutItemCommand,
  ScanCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { ExecutionRecord } from '../engine/local-engine.ts';
import { parseSavedExecution } from './saved-executions.ts';

export const DEFAULT_STATE_FILE = '.selfheal/local-state.json';

/** The newest runs kept: a dispatch run and its runbook take some 300 kB with their histories. */
export const MAX_SAVED_EXECUTIONS = 50;

/**
 * And at most this much of them, as JSON (the newest that fit, at least the newest one): 5 MiB,
 * some 17 dispatch runs with their runbooks, so one huge input cannot make every command that
 * reads or saves the file carry tens of megabytes.
 */
export const MAX_SAVED_EXECUTION_BYTES = 5 * 1024 * 1024;

/** How long a command waits for another one's lock ($SELFHEAL_STATE_LOCK_WAIT_MS). */
export const DEFAULT_LOCK_WAIT_MS = 60_000;

/**
 * After how long without a sign of life a lock is taken over ($SELFHEAL_STATE_LOCK_STALE_MS;
 * proper-lockfile's default, and its floor is 2 s). The holder renews it every half of that.
 */
export const DEFAULT_LOCK_STALE_MS = 10_000;

/** How often a waiting command tries the lock again. */
const LOCK_POLL_MS = 100;

type Item = Record<string, AttributeValue>;

interface StateFile {
  version: 1;
  /** Virtual time the last command ended at: the next one goes on from there. */
  clockMs?: number;
  tables: Record<string, Item[]>;
  /** Ended runs, as `local/saved-executions.ts` reads them. */
  executions?: unknown[];
}

const stateSchema = z.object({
  version: z.literal(1),
  clockMs: z.number().finite().optional(),
  tables: z.record(z.string(), z.array(z.record(z.string(), z.looseObject({})))),
  executions: z.array(z.unknown()).optional(),
});

export interface RestoredState {
  items: number;
  clockMs: number | undefined;
}

export function stateFilePath(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(option ?? env.SELFHEAL_STATE_FILE ?? DEFAULT_STATE_FILE);
}

/** Where each save keeps the file it replaces. */
export const backupPath = (path: string): string => `${path}.bak`;

/** Why a command cannot use the local state, in one line that names the file and the way out. */
export class LocalStateError extends Error {
  readonly path: string;

  constructor(path: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.path = path;
  }
}

/** The file (or its backup) is not a local state this selfheal can read: cut short, not JSON... */
export class LocalStateUnreadableError extends LocalStateError {}

/** The file cannot be written: found before anything runs, or a save that failed after a run. */
export class LocalStateUnwritableError extends LocalStateError {}

/** Another command held the lock for longer than this one would wait. */
export class LocalStateBusyError extends LocalStateError {}

/** This command's lock went stale while it ran and another took it over: it must not save. */
export class LocalStateLockLostError extends LocalStateError {}

/** `selfheal local reset --from-backup` with no backup, or one that cannot be read. */
export class LocalStateNoBackupError extends LocalStateError {}

/** `--state FILE` as the recovery commands need it (none for the default file). */
function stateOption(path: string): string {
  return path === resolve(DEFAULT_STATE_FILE) ? '' : ` --state ${path}`;
}

async function unreadable(path: string, reason: string): Promise<LocalStateUnreadableError> {
  const option = stateOption(path);
  const afresh = `start afresh with \`selfheal local reset${option}\``;
  const backup = await readBackup(path).catch(() => undefined);
  const way = backup
    ? `restore the backup with \`selfheal local reset --from-backup${option}\`, or ${afresh}`
    : `${afresh} (there is no readable backup)`;
  return new LocalStateUnreadableError(path, `the local state ${path} is not readable (${reason}): ${way}`);
}

/** The first problem zod found, on one line. */
function firstIssue(error: unknown): string {
  if (error instanceof z.ZodError) {
    const [issue] = error.issues;
    if (issue) return `${issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''}${issue.message}`;
  }
  return error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
}

const errnoCode = (error: unknown): string | undefined => (error as NodeJS.ErrnoException | undefined)?.code;

interface Parsed {
  state: StateFile;
  /** The file as read: what a save keeps as the backup. */
  text: string;
}

/** Why `text` is not a local state, or its state. */
function parseState(text: string): StateFile | string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return 'cut short or not JSON';
  }
  const version = (json as { version?: unknown } | null)?.version;
  if (typeof json === 'object' && json !== null && version !== 1 && version !== undefined)
    return `version ${JSON.stringify(version)}, and this selfheal reads version 1`;
  const parsed = stateSchema.safeParse(json);
  if (!parsed.success) return `not a local state: ${firstIssue(parsed.error)}`;
  // Items are checked as maps of attribute values; DynamoDB checks the rest when they are put back.
  return parsed.data as unknown as StateFile;
}

async function readState(path: string): Promise<Parsed | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT') return undefined;
    if (code === 'EACCES' || code === 'EPERM')
      throw new LocalStateUnreadableError(
        path,
        `the local state ${path} is not readable (permission denied): give yourself access (chmod u+rw ${path}), or start afresh with \`selfheal local reset${stateOption(path)}\``,
      );
    throw await unreadable(path, code ?? firstIssue(error));
  }
  const state = parseState(text);
  if (typeof state === 'string') throw await unreadable(path, state);
  return { state, text };
}

/** The backup, if there is one that reads as a local state. */
async function readBackup(path: string): Promise<Parsed | undefined> {
  const text = await readFile(backupPath(path), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const state = parseState(text);
  return typeof state === 'string' ? undefined : { state, text };
}

async function parseExecutions(path: string, raw: readonly unknown[]): Promise<ExecutionRecord[]> {
  const records: ExecutionRecord[] = [];
  for (const [index, saved] of raw.entries()) {
    let record: ExecutionRecord;
    try {
      record = parseSavedExecution(saved);
    } catch (error) {
      throw await unreadable(path, `saved execution ${index + 1} is damaged: ${firstIssue(error)}`);
    }
    records.push(record);
  }
  return records;
}

/** What the file held when it was read; for a command that changes it, read under its lock. */
export interface LocalState {
  readonly path: string;
  readonly clockMs: number | undefined;
  /** Puts the saved items back into dispatch's tables (which must exist). */
  restore(dynamodb: DynamoDBClient): Promise<RestoredState>;
  /** The saved runs, oldest first. */
  executions(): Promise<ExecutionRecord[]>;
}

/** What a save writes: the tables as the command leaves them, its runs, where its clock stands. */
export interface SaveRequest {
  /** Scanned and saved whole; when not given, the saved tables stay as they are. */
  tables?: { dynamodb: DynamoDBClient; names: readonly string[] };
  /** Runs to add: a run saved before under the same ARN is replaced. */
  executions?: readonly ExecutionRecord[];
  clockMs?: number;
}

export interface LockedLocalState extends LocalState {
  save(request: SaveRequest): Promise<void>;
}

function localState(path: string, parsed: Parsed | undefined): LocalState {
  let records: Promise<ExecutionRecord[]> | undefined;
  return {
    path,
    clockMs: parsed?.state.clockMs,
    async restore(dynamodb) {
      if (!parsed) return { items: 0, clockMs: undefined };
      let items = 0;
      for (const [TableName, tableItems] of Object.entries(parsed.state.tables)) {
        for (const [index, Item] of tableItems.entries()) {
          try {
            await dynamodb.send(new PutItemCommand({ TableName, Item }));
          } catch (error) {
            // A hand-edited item DynamoDB refuses: the file's fault, not selfheal's.
            throw await unreadable(path, `item ${index + 1} of table ${TableName}: ${firstIssue(error)}`);
          }
          items++;
        }
      }
      return { items, clockMs: parsed.state.clockMs };
    },
    executions: () => (records ??= parseExecutions(path, parsed?.state.executions ?? [])),
  };
}

/** The local state as it is now, without a lock: a reader sees the last save whole (writes are atomic). */
export async function readLocalState(path: string): Promise<LocalState> {
  return localState(path, await readState(path));
}

export interface LockOptions {
  /** Told once when another command holds the lock and this one starts waiting. */
  onWait?: (path: string) => void;
  env?: NodeJS.ProcessEnv;
}

/**
 * Runs `use` holding the local state's lock: the file is checked writable (before anything runs),
 * the lock taken (waiting for another command's), the file read, and `use` may save it once or
 * more; the lock goes when `use` ends, however it ends.
 */
export async function withLockedLocalState<T>(
  path: string,
  use: (state: LockedLocalState) => Promise<T>,
  options: LockOptions = {},
): Promise<T> {
  await checkWritable(path);
  const lock = await takeLock(path, options);
  try {
    await pauseAt('locked', options.env);
    const initial = await readState(path);
    let parsed = initial;
    const read = localState(path, initial);
    // A damaged saved run is found now, not by the save after the command has run.
    await read.executions();
    return await use({
      ...read,
      async save(request) {
        if (lock.lost()) {
          throw new LocalStateLockLostError(
            path,
            `another selfheal command took over the local state ${path} while this one ran (its lock went stale): nothing of this command was saved`,
          );
        }
        // What the last save of this command wrote, if it saved before: that is the file now.
        const current = parsed === initial ? read : localState(path, parsed);
        const state = await nextState(parsed, current, request);
        parsed = await writeState(path, state, parsed?.text, options.env);
      },
    });
  } finally {
    await lock.release();
  }
}

async function nextState(
  previous: Parsed | undefined,
  read: LocalState,
  request: SaveRequest,
): Promise<StateFile> {
  let tables = previous?.state.tables ?? {};
  if (request.tables) {
    tables = {};
    for (const name of request.tables.names) tables[name] = await scanAll(request.tables.dynamodb, name);
  }
  const clockMs = Math.max(request.clockMs ?? 0, previous?.state.clockMs ?? 0);
  let executions = previous?.state.executions;
  if (request.executions && request.executions.length > 0) {
    const arns = new Set(request.executions.map((r) => r.executionArn));
    const kept = (await read.executions()).filter((r) => !arns.has(r.executionArn));
    executions = newestThatFit([...kept, ...request.executions]);
  }
  return {
    version: 1,
    ...(clockMs > 0 ? { clockMs } : {}),
    tables,
    ...(executions ? { executions } : {}),
  };
}

/** Oldest first, the newest MAX_SAVED_EXECUTIONS that fit in MAX_SAVED_EXECUTION_BYTES, at least one. */
function newestThatFit(records: readonly ExecutionRecord[]): ExecutionRecord[] {
  const newestFirst = records
    .map((record, order) => ({ record, order }))
    .sort((a, b) => b.record.startDate.getTime() - a.record.startDate.getTime() || b.order - a.order)
    .map(({ record }) => record);
  const kept: ExecutionRecord[] = [];
  let bytes = 0;
  for (const record of newestFirst.slice(0, MAX_SAVED_EXECUTIONS)) {
    bytes += Buffer.byteLength(JSON.stringify(record));
    if (kept.length > 0 && bytes > MAX_SAVED_EXECUTION_BYTES) break;
    kept.push(record);
  }
  return kept.reverse();
}

/**
 * The file's text: the tables indented for a reader, each run on one line (a run's history
 * indented would triple its size).
 */
function render(state: StateFile): string {
  const { executions, ...rest } = state;
  const head = JSON.stringify(rest, null, 2);
  if (executions === undefined) return `${head}\n`;
  const runs = executions.map((run) => `    ${JSON.stringify(run)}`).join(',\n');
  return `${head.slice(0, -2)},\n  "executions": [${runs ? `\n${runs}\n  ` : ''}]\n}\n`;
}

/** Keeps the file being replaced as the backup, then replaces it: each an atomic rename. */
async function writeState(
  path: string,
  state: StateFile,
  previousText: string | undefined,
  env: NodeJS.ProcessEnv | undefined,
): Promise<Parsed> {
  const text = render(state);
  try {
    if (previousText !== undefined) await writeFileAtomic(backupPath(path), previousText);
    await writeFileAtomic(path, text, { tmpfileCreated: () => pauseAt('writing', env) });
  } catch (error) {
    throw new LocalStateUnwritableError(
      path,
      `the local state ${path} could not be saved (${firstIssue(error)}): what this command changed is not kept`,
    );
  }
  return { state, text };
}

/**
 * Refuses, before anything runs, a file that could not be saved: its folder cannot be made or is
 * read-only, or the file is. A rename would replace a read-only file in a writable folder, and
 * root may write anything, so the write bits are read too: a file marked read-only stays as it is.
 */
async function checkWritable(path: string): Promise<void> {
  const folder = dirname(path);
  try {
    await mkdir(folder, { recursive: true });
  } catch (error) {
    throw notWritable(path, `its folder ${folder} cannot be made: ${errnoCode(error) ?? firstIssue(error)}`);
  }
  const folderProblem = await writeProblem(folder);
  if (folderProblem) throw notWritable(path, `its folder ${folder} is ${folderProblem}`);
  const fileProblem = await writeProblem(path);
  if (fileProblem) throw notWritable(path, `the file is ${fileProblem}`);
}

function notWritable(path: string, reason: string): LocalStateUnwritableError {
  return new LocalStateUnwritableError(
    path,
    `the local state ${path} cannot be written (${reason}): nothing was run; make it writable, or use another file (--state FILE)`,
  );
}

async function writeProblem(target: string): Promise<string | undefined> {
  let mode: number;
  try {
    mode = (await stat(target)).mode;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    return `not reachable (${errnoCode(error) ?? firstIssue(error)})`;
  }
  if ((mode & 0o222) === 0) return 'read-only';
  try {
    await access(target, constants.W_OK);
  } catch {
    return 'not writable by this user';
  }
  return undefined;
}

interface HeldLock {
  lost(): boolean;
  release(): Promise<void>;
}

const duration = (ms: number): string => (ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`);

function msFromEnv(value: string | undefined, fallback: number): number {
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : fallback;
}

/** Whether another command holds the lock now (and has shown a sign of life within `staleMs`). */
export function isLocked(path: string, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const stale = msFromEnv(env.SELFHEAL_STATE_LOCK_STALE_MS, DEFAULT_LOCK_STALE_MS);
  return lockfile.check(path, { realpath: false, stale });
}

async function takeLock(path: string, options: LockOptions): Promise<HeldLock> {
  const env = options.env ?? process.env;
  const waitMs = msFromEnv(env.SELFHEAL_STATE_LOCK_WAIT_MS, DEFAULT_LOCK_WAIT_MS);
  const stale = msFromEnv(env.SELFHEAL_STATE_LOCK_STALE_MS, DEFAULT_LOCK_STALE_MS);
  const deadline = Date.now() + waitMs;
  let lost = false;
  let waiting = false;
  for (;;) {
    try {
      const release = await lockfile.lock(path, {
        realpath: false,
        stale,
        retries: 0,
        // Not thrown from a timer (that would end the process mid-save): the save refuses instead.
        onCompromised: () => {
          lost = true;
        },
      });
      return {
        lost: () => lost,
        release: () => release().catch(() => undefined),
      };
    } catch (error) {
      if (errnoCode(error) !== 'ELOCKED') {
        throw new LocalStateUnwritableError(
          path,
          `the local state ${path} cannot be locked (${firstIssue(error)}): nothing was run`,
        );
      }
    }
    if (Date.now() >= deadline) {
      throw new LocalStateBusyError(
        path,
        `the local state ${path} is still held by another selfheal command after ${duration(waitMs)}: nothing was run; try again when it has finished (a killed command's lock is taken over after ${duration(stale)})`,
      );
    }
    if (!waiting) {
      waiting = true;
      options.onWait?.(path);
    }
    await new Promise((done) => setTimeout(done, Math.min(LOCK_POLL_MS, Math.max(deadline - Date.now(), 0))));
  }
}

/**
 * For tests that kill a command at a given point: with $SELFHEAL_TEST_PAUSE set to the point's
 * name (`locked`: the lock just taken; `writing`: the new file's temporary copy just created),
 * the command says so on stderr and waits for a line on stdin (or its end) before going on.
 */
async function pauseAt(point: 'locked' | 'writing', env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (env.SELFHEAL_TEST_PAUSE !== point) return;
  process.stderr.write(`selfheal-test: paused ${point}\n`);
  await new Promise<void>((done) => {
    process.stdin.once('data', () => done());
    process.stdin.once('end', () => done());
    process.stdin.resume();
  });
  process.stdin.destroy();
}

/**
 * Moves the file aside (kept, under a name of its own) and puts the backup in its place
 * (`fromBackup`) or nothing (the next command starts afresh). Under the lock, as a save is.
 */
export async function resetLocalState(
  path: string,
  fromBackup: boolean,
  options: LockOptions = {},
): Promise<{ setAside: string | undefined; restoredFrom: string | undefined }> {
  await checkWritable(path);
  const lock = await takeLock(path, options);
  try {
    const backup = fromBackup ? await backupToRestore(path) : undefined;
    const exists = await stat(path).then(
      () => true,
      (error: unknown) => (errnoCode(error) === 'ENOENT' ? false : Promise.reject(error)),
    );
    const setAside = exists ? await asideName(path) : undefined;
    try {
      if (setAside) await rename(path, setAside);
      if (backup) await writeFileAtomic(path, backup);
    } catch (error) {
      throw new LocalStateUnwritableError(
        path,
        `the local state ${path} could not be reset (${firstIssue(error)})`,
      );
    }
    return { setAside, restoredFrom: backup === undefined ? undefined : backupPath(path) };
  } finally {
    await lock.release();
  }
}

async function backupToRestore(path: string): Promise<string> {
  const text = await readFile(backupPath(path), 'utf8').catch((error: unknown) => {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw error;
  });
  const afresh = `start afresh with \`selfheal local reset${stateOption(path)}\``;
  if (text === undefined)
    throw new LocalStateNoBackupError(
      path,
      `there is no backup of the local state ${path} (${backupPath(path)}): ${afresh}`,
    );
  const state = parseState(text);
  if (typeof state === 'string')
    throw new LocalStateNoBackupError(
      path,
      `the backup ${backupPath(path)} is not readable either (${state}): ${afresh}`,
    );
  return text;
}

/** `<file>.aside-<UTC time>`, or with `-2`, `-3`... when a reset in the same second took it. */
async function asideName(path: string): Promise<string> {
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  for (let n = 1; ; n++) {
    const name = `${path}.aside-${stamp}${n > 1 ? `-${n}` : ''}`;
    const taken = await stat(name).then(
      () => true,
      () => false,
    );
    if (!taken) return name;
  }
}

// One operation each, for callers that save once outside a command's session.

/** Saves the tables (scanned whole) and the clock; the saved runs stay. */
export function saveTables(
  dynamodb: DynamoDBClient,
  tableNames: readonly string[],
  path: string,
  clockMs?: number,
): Promise<void> {
  return withLockedLocalState(path, (state) =>
    state.save({ tables: { dynamodb, names: tableNames }, ...(clockMs === undefined ? {} : { clockMs }) }),
  );
}

/**
 * Adds ended runs to the file (a run saved before under the same ARN is replaced), keeping the
 * newest MAX_SAVED_EXECUTIONS within MAX_SAVED_EXECUTION_BYTES. The tables and the clock stay.
 */
export function saveExecutions(path: string, records: readonly ExecutionRecord[]): Promise<void> {
  return withLockedLocalState(path, (state) => state.save({ executions: records }));
}

/** The runs the file keeps, oldest first; none when there is no file or it predates them. */
export async function savedExecutionRecords(path: string): Promise<ExecutionRecord[]> {
  return (await readLocalState(path)).executions();
}

/** Puts back what was saved; no file means a fresh deployment. */
export async function restoreTables(dynamodb: DynamoDBClient, path: string): Promise<RestoredState> {
  return (await readLocalState(path)).restore(dynamodb);
}

export async function scanAll(dynamodb: DynamoDBClient, tableName: string): Promise<Item[]> {
  const items: Item[] = [];
  let ExclusiveStartKey: Item | undefined;
  do {
    const page = await dynamodb.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey }));
    items.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}
