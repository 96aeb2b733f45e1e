import { SelfHealError } from '../../errors.ts';

/** The routing control reads back as asked, but the cell's traffic did not follow in time. */
export class ShiftNotEffectiveError extends SelfHealError {
  readonly retryable = false;
}
