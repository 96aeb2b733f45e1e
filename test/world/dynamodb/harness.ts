/**
 * One dynalite per test file and a helper to put a simulated table on it.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { VirtualClock } from '../../../core/virtual-clock.ts';
import { MetricStore } from '../../../world/metric-store.ts';
import { seededRandom } from '../../../core/random.ts';
import { createTable, TableWorld } from '../../../world/dynamodb/table-world.ts';
import type { WorkloadSpec } from '../../../world/dynamodb/workload.ts';
import { connectLocalDynamoDb } from '../../support/local-dynamodb.ts';

export interface Harness {
  dynamodb: DynamoDBClient;
  close(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const { clients, close } = await connectLocalDynamoDb();
  return { dynamodb: clients[0]!, close };
}

let tables = 0;

export interface SimulatedTable {
  clock: VirtualClock;
  metrics: MetricStore;
  world: TableWorld;
  tableName: string;
}

export async function simulatedTable(
  harness: Harness,
  options: {
    rcu: number;
    wcu: number;
    workload: WorkloadSpec;
    seed?: number;
    sizeGb?: number;
    clock?: VirtualClock;
    tableName?: string;
    /** CloudWatch publishes each minute this long after it ends (default: every minute at once). */
    publicationDelaySeconds?: number;
  },
): Promise<SimulatedTable> {
  const tableName = options.tableName ?? `table-${++tables}`;
  await createTable(harness.dynamodb, {
    tableName,
    readCapacityUnits: options.rcu,
    writeCapacityUnits: options.wcu,
  });
  const clock = options.clock ?? new VirtualClock();
  const metrics =
    options.publicationDelaySeconds === undefined
      ? new MetricStore()
      : new MetricStore({
          now: () => clock.now(),
          publicationDelaySeconds: options.publicationDelaySeconds,
        });
  const world = new TableWorld({
    clock,
    dynamodb: harness.dynamodb,
    tableName,
    workload: options.workload,
    metrics,
    random: seededRandom(options.seed ?? 1),
    ...(options.sizeGb ? { sizeGb: options.sizeGb } : {}),
  });
  return { clock, metrics, world, tableName };
}

/** A steady write load spread over many keys. */
export function steadyWrites(writesPerSecond: number, readsPerSecond = 0): WorkloadSpec {
  return {
    phases: [{ name: 'steady', durationSeconds: 3600, readsPerSecond, writesPerSecond }],
    itemSizeKb: 1,
    readConsistency: 'eventual',
    hotKeys: [],
    uniformKeyCount: 10_000,
  };
}
