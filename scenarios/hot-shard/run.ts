/**
 * The hot-shard incident, simulated end to end on the embedded default: dynalite, the simulated
 * table under a surge, the deployment's CloudWatch alarms emitting EventBridge events, and selfheal
 * as deployed on the local engine (the signal rule, dispatch with its guardrails, the hot-shard
 * runbook with the table's policy from the config). The same incident runs six ways on the same
 * seed: healed by selfheal (with auto scaling present, as on most production tables), and the
 * baselines of `../table/baselines.ts`: auto scaling alone at 70 % and at 50 %, the table on-demand
 * from the start, an on-call engineer paged by the same alarm, and no remediation at all.
 */
import { withLocalDynamoDb } from '../../local/dynamodb-client.ts';
import { HOT_SHARD_INCIDENT, type HotShardIncident } from './incident.ts';
import { runTableVariant, type TableVariantOptions } from '../table/engine.ts';
import { TABLE_BASELINES, type TableBaseline } from '../table/baselines.ts';
import type { CostedVariantResult } from '../../simulations/outcome.ts';

export type HotShardVariant = 'selfheal' | TableBaseline | 'none';

export const HOT_SHARD_VARIANTS: readonly HotShardVariant[] = ['selfheal', ...TABLE_BASELINES, 'none'];

export type HotShardOptions = TableVariantOptions<HotShardVariant, HotShardIncident>;

export function runHotShard(options: HotShardOptions): Promise<CostedVariantResult> {
  return withLocalDynamoDb((dynamodb) =>
    runTableVariant(dynamodb, {
      scenario: 'hot-shard',
      kind: 'table-capacity',
      options,
      incident: options.incident ?? HOT_SHARD_INCIDENT,
    }),
  );
}
