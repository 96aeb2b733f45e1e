/**
 * The hot-key incident, simulated end to end: the `events` table in dynalite with the hot key's
 * existing items, the simulated application writing through the key router, the deployment's
 * key-range throttling alarm, and selfheal as deployed on the local engine. The same incident runs
 * six ways on the same seed: reshuffled by selfheal (dispatch routes the alarm to hot-shard, which
 * diagnoses the hot key and starts key-reshuffle), the baselines of `../table/baselines.ts` (auto
 * scaling alone at 70 % and at 50 %, the table on-demand from the start, an on-call engineer paged
 * by the same alarm), and a capacity raise (what a naive runbook does: double the table's write
 * capacity the moment the alarm fires).
 */
import { BatchWriteItemCommand, UpdateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { withLocalDynamoDb } from '../../local/dynamodb-client.ts';
import { DEFAULT_DISPATCH_TABLES } from '../../domain/dispatch/tables.ts';
import { ShardMapCache } from '../../key-router/index.ts';
import type { ApplicationShardMap } from '../../world/dynamodb/application-routing.ts';
import { runTableVariant, type TableVariantOptions } from '../table/engine.ts';
import { describeCapacityAction, type RunbookAction } from '../../simulations/incident-driver.ts';
import { HOT_KEY_INCIDENT, type HotKeyIncident } from './incident.ts';
import { TABLE_BASELINES, type TableBaseline } from '../table/baselines.ts';
import type { CostedVariantResult } from '../../simulations/outcome.ts';

export type HotKeyVariant = 'selfheal' | TableBaseline | 'capacity-raise';

export const HOT_KEY_VARIANTS: readonly HotKeyVariant[] = ['selfheal', ...TABLE_BASELINES, 'capacity-raise'];

export type HotKeyOptions = TableVariantOptions<HotKeyVariant, HotKeyIncident>;

export function runHotKey(options: HotKeyOptions): Promise<CostedVariantResult> {
  return withLocalDynamoDb((dynamodb) => simulate(dynamodb, options.incident ?? HOT_KEY_INCIDENT, options));
}

function simulate(
  dynamodb: DynamoDBClient,
  incident: HotKeyIncident,
  options: HotKeyOptions,
): Promise<CostedVariantResult> {
  // The application's router: its cache refreshed at each minute, the world reading it each second.
  let shardMap: ApplicationShardMap = new Map();
  return runTableVariant(dynamodb, {
    scenario: 'hot-key',
    kind: 'hot-key',
    options,
    incident,
    shardMap: () => shardMap,
    prepare: async ({ world }) => {
      await seedHotKeyItems(dynamodb, incident);
      const routerCache = new ShardMapCache({
        client: dynamodb,
        controlTableName: DEFAULT_DISPATCH_TABLES.control,
        now: () => world.clock.now(),
      });
      world.world.onMinute(async () => {
        const entry = await routerCache.get(incident.tableName, incident.hotKey);
        shardMap = entry
          ? new Map([[incident.hotKey, { shards: entry.shards, state: entry.state }]])
          : new Map();
      });
    },
    describeAction,
    // The naive runbook's baseline: double the write capacity at once (auto scaling's range kept).
    onBaselineAlarm: async () => {
      if (options.variant !== 'capacity-raise') return {};
      const to = incident.writeCapacityUnits * 2;
      await dynamodb.send(
        new UpdateTableCommand({
          TableName: incident.tableName,
          ProvisionedThroughput: { ReadCapacityUnits: incident.readCapacityUnits, WriteCapacityUnits: to },
        }),
      );
      return { action: `write capacity ${incident.writeCapacityUnits} -> ${to} (UpdateTable by hand)` };
    },
  });
}

function describeAction(action: RunbookAction): string[] {
  if (action.kind === 'reshuffle-key') {
    return [
      `key ${String(action.logicalKey)} spread over ${String(action.shards)} shards, ${String(action.items)} items moved`,
    ];
  }
  return describeCapacityAction(action);
}

/** The hot key's stored items: what the reshuffle must move without losing one. */
async function seedHotKeyItems(dynamodb: DynamoDBClient, incident: HotKeyIncident): Promise<void> {
  for (let i = 0; i < incident.existingItems; i += 25) {
    const batch = Array.from({ length: Math.min(25, incident.existingItems - i) }, (_, j) => ({
      PutRequest: {
        Item: {
          pk: { S: incident.hotKey },
          sk: { S: `event#${String(i + j).padStart(6, '0')}` },
          payload: { S: `checkout event ${i + j}` },
        },
      },
    }));
    await dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [incident.tableName]: batch } }));
  }
}
