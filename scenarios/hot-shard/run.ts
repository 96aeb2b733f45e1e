/**
 * The hot-shard incident, simulated end to end on the embedded default: dynalite, the simulated
 * table under a surge, the deployment's CloudWatch alarms emitting EventBridge events, and selfheal
 * as deployed on the local engine (the signal rule, dispatch with its guardrails, the hot-shard
 * runbook with the table's policy from the config). The same incident runs three ways on the same seed: healed by selfheal (with
 * auto scaling present, as on most production tables), by DynamoDB auto scaling alone, and with
 * no remediation at all.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { withLocalDynamoDb } from '../../local/dynamodb-client.ts';
import type { ScenarioRunOptions } from '../../simulations/incident-driver.ts';
import { HOT_SHARD_INCIDENT, type HotShardIncident } from './incident.ts';
import { driveTableScenario, startTableScenario } from '../table/engine.ts';
import type { VariantResult } from '../../simulations/outcome.ts';

export type HotShardVariant = 'selfheal' | 'auto-scaling' | 'none';

export const HOT_SHARD_VARIANTS: readonly HotShardVariant[] = ['selfheal', 'auto-scaling', 'none'];

export type HotShardOptions = ScenarioRunOptions<HotShardVariant, HotShardIncident>;

export function runHotShard(options: HotShardOptions): Promise<VariantResult> {
  return withLocalDynamoDb((dynamodb) => simulate(dynamodb, options.incident ?? HOT_SHARD_INCIDENT, options));
}

async function simulate(
  dynamodb: DynamoDBClient,
  incident: HotShardIncident,
  options: HotShardOptions,
): Promise<VariantResult> {
  const started = await startTableScenario(dynamodb, {
    ...options,
    incident,
    kind: 'table-capacity',
    selfheal: options.variant === 'selfheal',
    autoScaling: options.variant !== 'none',
  });
  return driveTableScenario(started, { scenario: 'hot-shard', options, incident });
}
