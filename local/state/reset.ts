/**
 * `selfheal local reset [--from-backup]`: the way out of a local state that cannot be read. The
 * file is never deleted: it is moved aside under a name of its own, and the backup put in its place
 * or nothing (the next command starts afresh), under the lock as a save is.
 */
import { readFile, rename, stat } from 'node:fs/promises';
import writeFileAtomic from 'write-file-atomic';
import { errnoCode, firstIssue, LocalStateNoBackupError, LocalStateUnwritableError } from './errors.ts';
import { parseState } from './file.ts';
import { takeLock, type LockOptions } from './lock.ts';
import { backupPath, stateOption } from './paths.ts';
import { checkWritable } from './writable.ts';

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
