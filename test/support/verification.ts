/**
 * What a throttling verification answers, as the specifications of `verifyThrottlingStopped` and
 * of the verify-table-health handler expect it. Both ask at 12:03:20 on 2026-01-01 (UTC), by default
 * about a change active 180 s before.
 */
import type { Verification, VerificationVerdict } from '../../domain/capacity/verify.ts';

/** The start of the minute `hhmm` (UTC) on 2026-01-01, as a verification names it. */
export const minuteAt = (hhmm: string): string => `2026-01-01T${hhmm}:00.000Z`;

/** The window a verification checked: the whole minutes from `from` up to `to` (both `hh:mm`). */
export const checkedWindow = (from: string, to: string): Pick<Verification, 'checkedFrom' | 'checkedTo'> => ({
  checkedFrom: minuteAt(from),
  checkedTo: minuteAt(to),
});

/**
 * The whole verification of the default 180 s window, less its first minute: 12:01 to 12:03.
 * It is healed exactly when its verdict is; `unpublished` are the minutes (`hh:mm`) not judged.
 */
export function defaultWindowVerification(
  verdict: VerificationVerdict,
  throttleEvents: Verification['throttleEvents'],
  unpublished: string[] = [],
): Verification {
  return {
    healed: verdict === 'healed',
    verdict,
    ...checkedWindow('12:01', '12:03'),
    throttleEvents,
    unpublishedMinutes: unpublished.map(minuteAt),
  };
}
