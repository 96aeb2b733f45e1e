/** Task "Plan the capacity change": the decision, as a pure function of diagnosis and policy. */
import { planCapacity, type CapacityPlan } from '../domain/capacity/plan.ts';
import { planInputSchema } from '../domain/capacity/schemas.ts';
import { parseOrThrow } from '../domain/validation.ts';
import { taskHandler } from './shared/task-handler.ts';

export const planCapacityTask = async (event: unknown): Promise<CapacityPlan> => {
  const { diagnosis, policy } = parseOrThrow(planInputSchema, event, 'The plan-capacity input');
  return planCapacity(diagnosis, policy);
};

export const makeHandler = () => taskHandler('plan-capacity', planCapacityTask);
export const handler = makeHandler();
