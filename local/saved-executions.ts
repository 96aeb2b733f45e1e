/**
 * The runs a local deployment keeps in its state file once the command that ran them has ended:
 * every field of the engine's execution record, history included, so `list`, `describe` and `stop`
 * read them through the same StepFunctionsPort as a live engine's (`savedStepFunctions`).
 */
import * as z from 'zod';
import { stateMachineArn } from '../engine/arns.ts';
import { UnknownExecutionError } from '../engine/errors.ts';
import type { HistoryEvent } from '../engine/history.ts';
import type { JsonValue } from '../core/json.ts';
import type { ExecutionRecord } from '../engine/local-engine.ts';
import type { LocalExecutions } from './step-functions.ts';

/** The engine's own events, written by it: checked for the fields every event has, the rest kept. */
const savedEventSchema = z.looseObject({
  id: z.number().int(),
  previousEventId: z.number().int(),
  timestamp: z.coerce.date(),
  type: z.string().min(1),
});

/** Only ended runs are saved: a run still going when its command ended was stopped first. */
export const savedExecutionSchema = z
  .object({
    executionArn: z.string().min(1),
    stateMachineArn: z.string().min(1),
    name: z.string().min(1),
    status: z.enum(['SUCCEEDED', 'FAILED', 'ABORTED', 'TIMED_OUT']),
    input: z.json(),
    output: z.json().optional(),
    error: z.string().optional(),
    cause: z.string().optional(),
    startDate: z.coerce.date(),
    stopDate: z.coerce.date(),
    history: z.array(savedEventSchema),
    parentExecutionArn: z.string().optional(),
  })
  .strict();

/** The records as the state file keeps them (dates become ISO strings on the way out). */
export function parseSavedExecution(raw: unknown): ExecutionRecord {
  const saved = savedExecutionSchema.parse(raw);
  return {
    ...saved,
    input: saved.input as JsonValue,
    ...(saved.output === undefined ? {} : { output: saved.output as JsonValue }),
    history: saved.history as unknown as HistoryEvent[],
  };
}

/** Saved runs of a deployment whose state machines are `machineNames` (every runbook it loads). */
export function savedExecutions(
  records: readonly ExecutionRecord[],
  machineNames: readonly string[],
): LocalExecutions {
  const byArn = new Map(records.map((r) => [r.executionArn, r]));
  return {
    stateMachines: () => machineNames.map((name) => ({ name, arn: stateMachineArn(name) })),
    executions: () => [...records],
    describe(executionArn) {
      const found = byArn.get(executionArn);
      if (!found) throw new UnknownExecutionError(executionArn);
      return found;
    },
  };
}
