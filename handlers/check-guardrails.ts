/** Task "Check the guardrails": kill switches, cooldown, rate limits, dry-run; lease and records. */
import * as z from 'zod';
import {
  checkGuardrails,
  type GuardrailPorts,
  type GuardrailVerdict,
} from '../domain/dispatch/guardrails.ts';
import { incidentSchema } from '../domain/incidents/incident.ts';
import { parseOrThrow } from '../domain/validation.ts';
import { productionDispatchPorts } from './shared/dispatch-ports.ts';
import { taskHandler } from './shared/task-handler.ts';

const inputSchema = z
  .object({
    incident: incidentSchema,
    runbook: z.string().min(1),
    dryRunRequested: z.boolean().optional(),
    /** The deciding dispatch execution ($$.Execution.Id): it claims the incident. */
    executionId: z.string().min(1).max(2048).optional(),
  })
  .strict();

export const checkGuardrailsTask =
  (ports: () => GuardrailPorts) =>
  async (input: unknown): Promise<GuardrailVerdict> => {
    const { incident, runbook, dryRunRequested, executionId } = parseOrThrow(
      inputSchema,
      input,
      'The check-guardrails input',
    );
    return checkGuardrails(ports(), incident, runbook, {
      dryRunRequested: dryRunRequested === true,
      ...(executionId === undefined ? {} : { executionId }),
    });
  };

export const makeHandler = (ports: () => GuardrailPorts = productionDispatchPorts) =>
  taskHandler('check-guardrails', checkGuardrailsTask(ports));
export const handler = makeHandler();
