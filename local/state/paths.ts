/**
 * Where the local state lives: the file a command uses (--state, $SELFHEAL_STATE_FILE or the
 * default), the backup each save keeps beside it, and how the recovery commands a message
 * suggests name the file.
 */
import { resolve } from 'node:path';

export const DEFAULT_STATE_FILE = '.selfheal/local-state.json';

export function stateFilePath(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(option ?? env.SELFHEAL_STATE_FILE ?? DEFAULT_STATE_FILE);
}

/** Where each save keeps the file it replaces. */
export const backupPath = (path: string): string => `${path}.bak`;

/** `--state FILE` as the recovery commands need it (none for the default file). */
export function stateOption(path: string): string {
  return path === resolve(DEFAULT_STATE_FILE) ? '' : ` --state ${path}`;
}
