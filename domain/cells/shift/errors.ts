import { SelfHealError } from '../../errors.ts';

/** The routing control reads back as asked, but the cell's traffic did not follow in time. */
export class ShiftNotEffectiveError extends SelfHealError {
  readonly retryable = false;
}

/**
 * X-Ray showed no new minute of the cell's statistics in as many reads in a row as the runbook
 * waits for: whether the shift worked (or the drained cell recovered) cannot be known, so the run
 * stops judging and a person takes over. Not retried: the next read is the runbook's own loop.
 */
export class StatisticsUnavailableError extends SelfHealError {
  readonly retryable = false;
}
