/** The CLI's exit codes (documented in the README). */
export const EXIT = {
  /** The command did what it was asked; a simulation healed. */
  ok: 0,
  /** The command ran but the outcome is bad: a run failed, a simulation did not heal. */
  failed: 1,
  /** The command line was wrong (unknown command or option, bad value). */
  usage: 2,
  /** Something broke inside selfheal itself. */
  internal: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
