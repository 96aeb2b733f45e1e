/** Task "Summarise the outcome": the runbook's result as a ledger record and a notification. */
import { outcomeInputSchema, summariseOutcome, type DispatchOutcome } from '../domain/dispatch/outcome.ts';
import type { GuardrailPorts } from '../domain/dispatch/guardrails.ts';
import { parseOrThrow } from '../domain/validation.ts';
import { productionDispatchPorts } from './shared/dispatch-ports.ts';
import { taskHandler } from './shared/task-handler.ts';

export const summariseOutcomeTask =
  (ports: () => Pick<GuardrailPorts, 'now'>) =>
  async (input: unknown): Promise<DispatchOutcome> =>
    summariseOutcome(parseOrThrow(outcomeInputSchema, input, 'The summarise-outcome input'), ports().now());

export const makeHandler = (ports: () => Pick<GuardrailPorts, 'now'> = productionDispatchPorts) =>
  taskHandler('summarise-outcome', summariseOutcomeTask(ports));
export const handler = makeHandler();
