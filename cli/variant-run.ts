/**
 * One variant run as `variant-pool.ts` asks for it, in whichever thread takes it (the command's own,
 * or a worker's): the scenario found by name, the selfheal run's alarm events kept in order.
 */
import { SCENARIOS } from './scenarios.ts';
import type { VariantRequest, VariantRun } from './variant-pool.ts';

export async function runVariantRequest(request: VariantRequest): Promise<VariantRun> {
  const scenario = SCENARIOS.find((s) => s.name === request.scenario);
  if (!scenario?.runVariant) throw new Error(`no scenario "${request.scenario}" runs its variants apart`);
  const alarms: VariantRun['alarms'] = [];
  const result = await scenario.runVariant({
    seed: request.seed,
    variant: request.variant,
    ...(request.approve ? { approve: request.approve } : {}),
    ...(request.deployment ? { deployment: request.deployment } : {}),
    onAlarmEvent: (event, atSeconds) => alarms.push({ event, atSeconds }),
  });
  return { result, alarms };
}
