/**
 * One variant run as `variant-pool.ts` asks for it, in whichever thread takes it (the command's own,
 * or a worker's): the scenario found by name, the deployment read from its config file, the
 * selfheal run's alarm events kept in order.
 */
import { SCENARIOS } from './scenarios.ts';
import { loadConfig } from '../infra/config/load.ts';
import { deploymentOf } from '../simulations/deployment.ts';
import type { VariantRequest, VariantRun } from './variant-pool.ts';

export async function runVariantRequest(request: VariantRequest): Promise<VariantRun> {
  const scenario = SCENARIOS.find((s) => s.name === request.scenario);
  if (!scenario?.runVariant) throw new Error(`no scenario "${request.scenario}" runs its variants apart`);
  const alarms: VariantRun['alarms'] = [];
  const result = await scenario.runVariant({
    seed: request.seed,
    variant: request.variant,
    ...(request.approve ? { approve: request.approve } : {}),
    ...(request.configFile !== undefined ? { deployment: deploymentOf(loadConfig(request.configFile)) } : {}),
    onAlarmEvent: (event, atSeconds) => alarms.push({ event, atSeconds }),
  });
  return { result, alarms };
}
