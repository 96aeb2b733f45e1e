/**
 * A command's session with the local state, as a DynamoDB write would be: the file checked
 * writable before anything runs, its lock held from before the read to after the last save, and
 * each save built from what this command read (or last saved) and what it asks to change, so two
 * commands never both work from the same old copy, and a command whose lock was taken over while
 * it ran saves nothing.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ExecutionRecord } from '../../engine/local-engine.ts';
import { newestThatFit } from './bounds.ts';
import { localState, type LocalState } from './contents.ts';
import { LocalStateLockLostError } from './errors.ts';
import { readState, writeState, type Parsed, type StateFile } from './file.ts';
import { takeLock, type LockOptions } from './lock.ts';
import { pauseAt } from './pause.ts';
import { scanAll } from './scan.ts';
import { checkWritable } from './writable.ts';

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
