/**
 * The local state's lock (`<file>.lock`, proper-lockfile), held by a command that changes the file
 * from before its read to after its save, so two commands never both work from the same old copy:
 * a second one waits (told once, for the CLI's wait line) up to $SELFHEAL_STATE_LOCK_WAIT_MS, and
 * the lock of a command that was killed is taken over once it has gone $SELFHEAL_STATE_LOCK_STALE_MS
 * without a sign of life.
 */
import lockfile from 'proper-lockfile';
import { errnoCode, firstIssue, LocalStateBusyError, LocalStateUnwritableError } from './errors.ts';

/** How long a command waits for another one's lock ($SELFHEAL_STATE_LOCK_WAIT_MS). */
export const DEFAULT_LOCK_WAIT_MS = 60_000;

/**
 * After how long without a sign of life a lock is taken over ($SELFHEAL_STATE_LOCK_STALE_MS;
 * proper-lockfile's default, and its floor is 2 s). The holder renews it every half of that.
 */
export const DEFAULT_LOCK_STALE_MS = 10_000;

/** How often a waiting command tries the lock again. */
const LOCK_POLL_MS = 100;

export interface LockOptions {
  /** Told once when another command holds the lock and this one starts waiting. */
  onWait?: (path: string) => void;
  env?: NodeJS.ProcessEnv;
}

export interface HeldLock {
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

export async function takeLock(path: string, options: LockOptions): Promise<HeldLock> {
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
