/**
 * The reshuffle tests' world: the `events` table with one hot key's items already stored, and an
 * engine whose CloudWatch (Contributor Insights) shows the key asking `perSecond` requests a second
 * for the last half hour.
 */
import { BatchWriteItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { VirtualClock } from '../../core/virtual-clock.ts';
import { startRunbookEngine } from '../../local/runbooks.ts';
import type { LocalEngine } from '../../engine/local-engine.ts';
import { createDispatchTables, DEFAULT_DISPATCH_TABLES } from '../../domain/dispatch/tables.ts';
import { MetricStore } from '../../world/metric-store.ts';
import { contributorRuleNames, registerContributorRules } from '../../world/dynamodb/table-metrics.ts';
import { SimulatedAutoScaling } from '../../world/dynamodb/auto-scaling.ts';
import { createTable } from '../../world/dynamodb/table-world.ts';

export const HOT_KEY_TABLE = 'events';
export const HOT_KEY = 'events#checkout';
export const HOT_KEY_START = Date.UTC(2026, 0, 1, 12, 0, 0);

/** The `n`th item's sort key: `event#00042`. */
export const sortKeyOf = (n: number): string => `event#${String(n).padStart(5, '0')}`;

/** Dispatch's tables, and the table with `items` items under the hot key (sort keys `event#00000`...). */
export async function createHotKeyTable(dynamodb: DynamoDBClient, items: number): Promise<void> {
  await createDispatchTables(dynamodb, DEFAULT_DISPATCH_TABLES);
  await createTable(dynamodb, {
    tableName: HOT_KEY_TABLE,
    readCapacityUnits: 1000,
    writeCapacityUnits: 4000,
  });
  for (let i = 0; i < items; i += 25) {
    const batch = Array.from({ length: Math.min(25, items - i) }, (_, j) => ({
      PutRequest: {
        Item: { pk: { S: HOT_KEY }, sk: { S: sortKeyOf(i + j) }, total: { N: String(i + j) } },
      },
    }));
    await dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [HOT_KEY_TABLE]: batch } }));
  }
}

/** Every runbook on the local engine, its CloudWatch showing the key's demand for the last half hour. */
export async function engineWithKeyDemand(dynamodb: DynamoDBClient, perSecond: number): Promise<LocalEngine> {
  const clock = new VirtualClock(HOT_KEY_START);
  const metrics = new MetricStore();
  const rules = contributorRuleNames(HOT_KEY_TABLE, HOT_KEY_START - 3_600_000);
  registerContributorRules(metrics, rules, HOT_KEY_TABLE, 'pk');
  for (let minute = 1; minute <= 30; minute++) {
    metrics.putContributors(rules.accessed, HOT_KEY_START - minute * 60_000, {
      keys: new Map([[HOT_KEY, perSecond * 60]]),
    });
  }
  const autoScaling = new SimulatedAutoScaling({ dynamodb, cloudwatch: metrics, now: () => clock.now() });
  const ports = { dynamodb, cloudwatch: metrics, autoScaling, now: () => clock.now() };
  return startRunbookEngine({ clock, ports, dynamodb, seed: 1 });
}
