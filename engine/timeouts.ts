/**
 * TimeoutSeconds in virtual time. aws-local-stepfunctions enforces both TimeoutSeconds fields with
 * real timers (setTimeout), and gives every Task without one a 60-second limit of its own: in
 * virtual time both are wrong (a 45-minute runbook runs in seconds; a Task takes no virtual time
 * but may take a minute of real time). So the library runs a copy of the definition whose timeouts
 * it can never reach, and the engine enforces the real ones on the VirtualClock.
 */
import { queryJsonPath } from './json-path.ts';
import { allStates, type AslDefinition, type AslState } from './asl.ts';
import type { JsonValue } from '../core/json.ts';

/**
 * The longest timer Node's setTimeout keeps (2^31 - 1 ms, about 24.8 days of real time); a longer
 * one fires at once. The library's Task timer is set to this, so it never fires.
 */
const UNREACHABLE_TIMEOUT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/**
 * The definition as the library runs it: no top-level TimeoutSeconds (the engine times the
 * execution out), and every Task's TimeoutSeconds out of reach (the engine times the Task out).
 * HeartbeatSeconds is dropped too: nothing sends heartbeats locally.
 */
export function withoutRealTimeTimeouts(definition: AslDefinition): AslDefinition {
  const copy = structuredClone(definition);
  delete copy.TimeoutSeconds;
  for (const { state } of allStates(copy)) {
    if (state.Type !== 'Task') continue;
    delete state.TimeoutSecondsPath;
    // The library's types leave HeartbeatSeconds out; a definition may still carry it.
    const heartbeat = state as { HeartbeatSeconds?: unknown; HeartbeatSecondsPath?: unknown };
    delete heartbeat.HeartbeatSeconds;
    delete heartbeat.HeartbeatSecondsPath;
    state.TimeoutSeconds = UNREACHABLE_TIMEOUT_SECONDS;
  }
  return copy;
}

/**
 * A Task state's TimeoutSeconds, or the value its TimeoutSecondsPath selects in the state's input
 * (read only then); undefined when it has neither (AWS's default, 99999999 s, is past the
 * execution's own maximum) or the path selects no positive whole number.
 */
export function taskTimeoutSeconds(
  state: AslState,
  stateInput: () => JsonValue | undefined,
): number | undefined {
  if (state.Type !== 'Task') return undefined;
  if (state.TimeoutSeconds !== undefined) return state.TimeoutSeconds;
  if (state.TimeoutSecondsPath === undefined) return undefined;
  const input = stateInput();
  if (input === undefined) return undefined;
  const value: unknown = queryJsonPath(state.TimeoutSecondsPath, input);
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

/** Seconds an execution may run: its TimeoutSeconds, within the service's maximum. */
export function executionTimeoutSeconds(definition: AslDefinition, maxExecutionSeconds: number): number {
  return Math.min(definition.TimeoutSeconds ?? Infinity, maxExecutionSeconds);
}
