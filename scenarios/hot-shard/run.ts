/**
 * The hot-shard incident, simulated end to end on the embedded default: dynalite, the simulated
 * table under a surge, the deployment's CloudWatch alarms emitting EventBridge events, and selfheal
 * as deployed on the local engine (the signal rule, dispatch with its guardrails, the hot-shard
 * runbook with the table's policy from the config). The same incident runs six ways on the same
 * seed: healed by selfheal (with auto scaling present, as on most production tables), and the
 * baselines of `../table/baselines.ts`: auto scaling alone at 70 % and at 50 %, the table on-demand
 * from the start, an on-call engineer paged by the same alarm, and no remediation at all.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { withLocalDynamoDb } from '../../local/dynamodb-client.ts';
import type { ScenarioRunOptions } from '../../simulations/incident-driver.ts';
import { HOT_SHARD_INCIDENT, type HotShardIncident } from './incident.ts';
import { driveTableScenario, startTableScenario } from '../table/engine.ts';
import { tableSetupOf, type TableBaseline } from '../table/baselines.ts';
import type { CostedVariantResult } from '../../simulations/outcome.ts';
import { tableCostOf } from '../../simulations/cost-table.ts';

export type HotShardVariant = 'selfheal' | TableBaseline | 'none';

export const HOT_SHARD_VARIANTS: readonly HotShardVariant[] = [
  'selfheal',
  'auto-scaling',
  'auto-scaling-50',
  'on-demand',
  'on-call',
  'none',
];

export interface HotShardOptions extends ScenarioRunOptions<HotShardVariant, HotShardIncident> {
  /** The on-call engineer's delay from the page to the change (default 15 minutes, an assumption). */
  onCallDelaySeconds?: number;
}

export function runHotShard(options: HotShardOptions): Promise<CostedVariantResult> {
  return withLocalDynamoDb((dynamodb) => simulate(dynamodb, options.incident ?? HOT_SHARD_INCIDENT, options));
}

async function simulate(
  dynamodb: DynamoDBClient,
  incident: HotShardIncident,
  options: HotShardOptions,
): Promise<CostedVariantResult> {
  const setup = tableSetupOf(options.variant);
  const started = await startTableScenario(dynamodb, {
    ...options,
    incident,
    kind: 'table-capacity',
    selfheal: options.variant === 'selfheal',
    ...setup,
  });
  const result = await driveTableScenario(started, {
    scenario: 'hot-shard',
    options,
    incident,
    ...(options.onCallDelaySeconds === undefined ? {} : { onCallDelaySeconds: options.onCallDelaySeconds }),
  });
  // What the variant costs over 24 hours, from where it left the table (simulations/cost-table.ts).
  const cost = await tableCostOf({
    dynamodb,
    autoScaling: started.world.autoScaling,
    tableName: incident.tableName,
    timeline: result.timeline,
    workload: incident.workload,
    targetPercent: setup.autoScaling
      ? (setup.autoScalingTargetPercent ?? incident.autoScalingTargetPercent)
      : null,
    executions: started.engine.executions(),
  });
  return { ...result, cost };
}
