/**
 * The mover's deadlines. The runbooks move a key in executions bounded by a batch budget and by
 * time, and ASL cannot add seconds to a timestamp: so a deadline travels as the moment it counts
 * from (an execution's `$$.Execution.StartTime`) and a number of seconds, and the batch task,
 * which knows the time, says which have passed. It checks before it starts a batch (a batch is
 * never begun after a deadline, so an execution ends at most one batch after it) and again after.
 */
import * as z from 'zod';
import { parseOrThrow } from '../validation.ts';

export const deadlineSchema = z
  .object({
    /** ISO 8601: when the time counts from. */
    since: z.iso.datetime({ offset: true }),
    seconds: z.number().int().min(0),
  })
  .strict();
export type Deadline = z.infer<typeof deadlineSchema>;

/** Named deadlines (the runbook's `move`, the execution's own `run`, ...). */
export const deadlinesSchema = z.record(z.string().min(1), deadlineSchema);
export type Deadlines = z.infer<typeof deadlinesSchema>;

/** For each deadline, whether it has passed at `nowMs` (reached counts as passed). */
export function expiredDeadlines(deadlines: Deadlines, nowMs: number): Record<string, boolean> {
  const parsed = parseOrThrow(deadlinesSchema, deadlines, 'Deadlines');
  return Object.fromEntries(
    Object.entries(parsed).map(([name, { since, seconds }]) => [
      name,
      nowMs >= Date.parse(since) + seconds * 1000,
    ]),
  );
}

/** Whether any of them has passed. */
export function anyExpired(expired: Record<string, boolean>): boolean {
  return Object.values(expired).some(Boolean);
}
