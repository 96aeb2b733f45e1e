/** Task "Apply the capacity change": UpdateTable or the auto scaling range, with before/after. */
import type { CapacityPorts } from '../domain/capacity/ports.ts';
import { applyCapacityPlan, type ActionablePlan, type CapacityAction } from '../domain/capacity/apply.ts';
import { applyInputSchema } from '../domain/capacity/schemas.ts';
import { parseOrThrow } from '../domain/validation.ts';
import { productionCapacityPorts } from './shared/capacity-ports.ts';
import { taskHandler } from './shared/task-handler.ts';
import { metrics } from './shared/powertools.ts';
import { MetricUnit } from '@aws-lambda-powertools/metrics';

/** Returns every action of the run so far, this one last (the report lists them all). */
export const applyCapacityPlanTask =
  (ports: () => CapacityPorts) =>
  async (event: unknown): Promise<CapacityAction[]> => {
    const { plan, actions } = parseOrThrow(applyInputSchema, event, 'The apply-capacity-plan input');
    const action = await applyCapacityPlan(ports(), plan as ActionablePlan);
    const changed =
      action.kind === 'switch-to-on-demand' || action.changes.some((c) => c.skipped === undefined);
    if (changed) metrics.addMetric('CapacityChangesApplied', MetricUnit.Count, 1);
    return [...actions, action];
  };

export const makeHandler = (ports: () => CapacityPorts = productionCapacityPorts) =>
  taskHandler('apply-capacity-plan', applyCapacityPlanTask(ports));
export const handler = makeHandler();
