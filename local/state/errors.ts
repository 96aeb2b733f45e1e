/**
 * What can go wrong with the local state, each its own class so the CLI can tell them apart, and
 * the one-line reasons their messages carry: a command that cannot use the file says why in one
 * line that names the file and the way out, never a stack or a page of zod issues.
 */
import * as z from 'zod';

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

/** The first problem zod found, on one line. */
export function firstIssue(error: unknown): string {
  if (error instanceof z.ZodError) {
    const [issue] = error.issues;
    if (issue) return `${issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''}${issue.message}`;
  }
  return error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
}

export const errnoCode = (error: unknown): string | undefined =>
  (error as NodeJS.ErrnoException | undefined)?.code;
