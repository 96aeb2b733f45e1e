/**
 * The hot-shard incident, simulated end to end on the embedded default: dynalite, the simulated
 * table under a surge, CloudWatch alarms emitting EventBridge events, and the hot-shard runbook on
 * the local engine. The same incident runs three ways on the same seed: healed by selfheal (with
 * auto scaling present, as on most production tables), by DynamoDB auto scaling alone, and with
 * no remediation at all.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { withLocalDynamoDb } from '../engine/local-dynamodb-client.ts';
import { startRunbookEngine } from '../engine/runbooks.ts';
import { capacityRequestFromAlarm } from '../detectors/events/capacity-request-from-alarm.ts';
import { buildTableIncidentWorld } from './table-incident-world.ts';
import { driveIncident, type ScenarioRunOptions } from './incident-driver.ts';
import { HOT_SHARD_INCIDENT, incidentEndSeconds, type HotShardIncident } from './hot-shard-incident.ts';
import type { VariantResult } from './outcome.ts';

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
  const world = await buildTableIncidentWorld(dynamodb, {
    seed: options.seed,
    incident,
    autoScaling: options.variant !== 'none',
  });
  const engine = await startRunbookEngine({
    clock: world.clock,
    ports: world.ports,
    dynamodb,
    seed: options.seed,
  });
  return driveIncident({
    scenario: 'hot-shard',
    variant: options.variant,
    seed: options.seed,
    world,
    simulatedSeconds: incident.simulatedSeconds,
    incidentEndSeconds: incidentEndSeconds(incident),
    verificationMinutes: incident.verificationMinutes,
    executions: () => engine.executions(),
    ...(options.onAlarmEvent ? { onAlarmEvent: options.onAlarmEvent } : {}),
    onAlarm: (event) =>
      options.variant === 'selfheal'
        ? { run: engine.start('hot-shard', { ...capacityRequestFromAlarm(event), policy: incident.policy }) }
        : {},
  });
}
