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
 *
 * This is the face the rest of selfheal uses; each part has its module in `local/state/`: the
 * errors, the file (read, parse, write, backup), the lock, a command's session, the bounds on
 * saved runs, the writability check, and `selfheal local reset`. Below, one operation each, for
 * callers that save once outside a command's session.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ExecutionRecord } from '../engine/local-engine.ts';
import { readLocalState, type RestoredState } from './state/contents.ts';
import { withLockedLocalState } from './state/session.ts';

export { MAX_SAVED_EXECUTION_BYTES, MAX_SAVED_EXECUTIONS } from './state/bounds.ts';
export { readLocalState, type LocalState, type RestoredState } from './state/contents.ts';
export {
  LocalStateBusyError,
  LocalStateError,
  LocalStateLockLostError,
  LocalStateNoBackupError,
  LocalStateUnreadableError,
  LocalStateUnwritableError,
} from './state/errors.ts';
export { DEFAULT_LOCK_STALE_MS, DEFAULT_LOCK_WAIT_MS, isLocked, type LockOptions } from './state/lock.ts';
export { backupPath, DEFAULT_STATE_FILE, stateFilePath } from './state/paths.ts';
export { resetLocalState } from './state/reset.ts';
export { scanAll } from './state/scan.ts';
export { withLockedLocalState, type LockedLocalState, type SaveRequest } from './state/session.ts';

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
