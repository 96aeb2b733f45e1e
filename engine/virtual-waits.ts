/**
 * How long, in virtual seconds, a Wait state or a retry pause lasts: computed from the definition
 * the same way Step Functions does, so the simulated world sees the runbook's real timing.
 */
import { queryJsonPath as query } from './json-path.ts';
import type { AslState } from './asl.ts';
import type { JsonValue } from '../core/json.ts';
import type { Random } from '../core/random.ts';

type WaitState = Extract<AslState, { Type: 'Wait' }>;
type Retrier = NonNullable<Extract<AslState, { Type: 'Task' }>['Retry']>[number];

/** `input` is the state's raw input: InputPath applies first, as for any state. */
export function waitSeconds(state: WaitState, input: JsonValue, nowMs: number): number {
  const effective = state.InputPath ? (query(state.InputPath, input) as JsonValue) : input;
  if (state.Seconds !== undefined) return state.Seconds;
  if (state.SecondsPath) return Number(query(state.SecondsPath, effective)) || 0;
  const timestamp =
    state.Timestamp ?? (state.TimestampPath ? String(query(state.TimestampPath, effective)) : undefined);
  if (timestamp) return Math.max(0, (Date.parse(timestamp) - nowMs) / 1000);
  return 0;
}

/**
 * The pause before retry number `attempt` (1-based): IntervalSeconds x BackoffRate^(attempt-1),
 * capped by MaxDelaySeconds, with FULL jitter drawn from a seeded stream. Defaults are the ASL
 * spec's (1 s, rate 2.0).
 */
export function retryPauseSeconds(retrier: Retrier, attempt: number, random: Random): number {
  const interval = retrier.IntervalSeconds ?? 1;
  const rate = retrier.BackoffRate ?? 2;
  let pause = interval * Math.pow(rate, Math.max(0, attempt - 1));
  if (retrier.MaxDelaySeconds !== undefined) pause = Math.min(pause, retrier.MaxDelaySeconds);
  if (retrier.JitterStrategy === 'FULL') pause = random.next() * pause;
  return pause;
}
