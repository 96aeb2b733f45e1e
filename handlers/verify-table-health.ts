/**
 * Task "Verify throttling has stopped": no throttle events over the verification window, which
 * starts after `since` (when the change took effect) when the runbook gives it.
 */
import type { CapacityPorts } from '../domain/capacity/ports.ts';
import { verifyThrottlingStopped, type Verification } from '../domain/capacity/verify.ts';
import { verifyInputSchema } from '../domain/capacity/schemas.ts';
import { parseOrThrow } from '../domain/validation.ts';
import { productionCapacityPorts } from './shared/capacity-ports.ts';
import { taskHandler } from './shared/task-handler.ts';

export const verifyTableHealthTask =
  (ports: () => CapacityPorts) =>
  async (event: unknown): Promise<Verification> => {
    const input = parseOrThrow(verifyInputSchema, event, 'The verify-table-health input');
    const p = ports();
    return verifyThrottlingStopped(
      p.cloudwatch,
      input.tableName,
      p.now(),
      input.verificationWindowSeconds,
      input.since === undefined ? {} : { sinceMs: Date.parse(input.since) },
    );
  };

export const makeHandler = (ports: () => CapacityPorts = productionCapacityPorts) =>
  taskHandler('verify-table-health', verifyTableHealthTask(ports));
export const handler = makeHandler();
