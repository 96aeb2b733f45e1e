/**
 * The local state file itself: its shape (version 1, checked with zod), reading and parsing it,
 * the text a save writes, and the save: the file it replaces kept first as `<file>.bak`, then the
 * new one written, each atomically (a temporary file renamed over it), so a reader, or a command
 * killed mid-save, sees the old file or the new one, never one cut short. A file that cannot be
 * read is refused by name, with the way out: the backup if it reads, else starting afresh.
 */
import { readFile } from 'node:fs/promises';
import writeFileAtomic from 'write-file-atomic';
import * as z from 'zod';
import { errnoCode, firstIssue, LocalStateUnreadableError, LocalStateUnwritableError } from './errors.ts';
import { backupPath, stateOption } from './paths.ts';
import { pauseAt } from './pause.ts';
import type { Item } from './scan.ts';

export interface StateFile {
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

export interface Parsed {
  state: StateFile;
  /** The file as read: what a save keeps as the backup. */
  text: string;
}

/** The file cannot be read as a local state: the message names the way out that is open. */
export async function unreadable(path: string, reason: string): Promise<LocalStateUnreadableError> {
  const option = stateOption(path);
  const afresh = `start afresh with \`selfheal local reset${option}\``;
  const backup = await readBackup(path).catch(() => undefined);
  const way = backup
    ? `restore the backup with \`selfheal local reset --from-backup${option}\`, or ${afresh}`
    : `${afresh} (there is no readable backup)`;
  return new LocalStateUnreadableError(path, `the local state ${path} is not readable (${reason}): ${way}`);
}

/** Why `text` is not a local state, or its state. */
export function parseState(text: string): StateFile | string {
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

export async function readState(path: string): Promise<Parsed | undefined> {
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
export async function writeState(
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
