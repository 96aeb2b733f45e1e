/**
 * The smallest hot-key world, for the reshuffle tests and the bench's recordings: the `events`
 * table with one hot key's items already stored, and CloudWatch (Contributor Insights) showing the
 * key asking `perSecond` requests a second for the half hour before `clock`'s start.
 */
import { BatchWriteItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { VirtualClock } from '../../core/virtual-clock.ts';
import type { CapacityPorts } from '../../domain/capacity/ports.ts';
import { MetricStore } from '../metric-store.ts';
import { contributorRuleNames, registerContributorRules } from './table-metrics.ts';
import { SimulatedAutoScaling } from './auto-scaling.ts';
import { createTable } from './create-table.ts';

export const HOT_KEY_TABLE = 'events';
export const HOT_KEY = 'events#checkout';

/** The `n`th item's sort key: `event#00042`. */
export const sortKeyOf = (n: number): string => `event#${String(n).padStart(5, '0')}`;

/** The table, with `items` items under the hot key (sort keys `event#00000`...). */
export async function seedHotKeyTable(dynamodb: DynamoDBClient, items: number): Promise<void> {
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

/** The tasks' ports: dynalite, and CloudWatch showing the key's demand for the last half hour. */
export function keyDemandPorts(
  dynamodb: DynamoDBClient,
  clock: VirtualClock,
  perSecond: number,
): CapacityPorts {
  const metrics = new MetricStore();
  const rules = contributorRuleNames(HOT_KEY_TABLE, clock.startMs - 3_600_000);
  registerContributorRules(metrics, rules, HOT_KEY_TABLE, 'pk');
  for (let minute = 1; minute <= 30; minute++) {
    metrics.putContributors(rules.accessed, clock.startMs - minute * 60_000, {
      keys: new Map([[HOT_KEY, perSecond * 60]]),
    });
  }
  const now = (): number => clock.now();
  const autoScaling = new SimulatedAutoScaling({ dynamodb, cloudwatch: metrics, now });
  return { dynamodb, cloudwatch: metrics, autoScaling, now };
}
