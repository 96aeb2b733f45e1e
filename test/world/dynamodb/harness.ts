/**
 * One dynalite per test file, a helper to put a simulated table on it and one to scale its writes
 * with the simulated Application Auto Scaling.
 *
 * Unless a test asks for them, its table has neither of the world's two delays the scenarios run
 * with (as its CloudWatch has no publication delay): no SDK retries (a throttled request fails at
 * once) and dynalite's own instant UPDATING, picked up at the next minute.
 */
import { afterAll, beforeAll } from 'vitest';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { VirtualClock } from '../../../core/virtual-clock.ts';
import { SimulatedAutoScaling } from '../../../world/dynamodb/auto-scaling.ts';
import { MetricStore } from '../../../world/metric-store.ts';
import { seededRandom } from '../../../core/random.ts';
import { createTable, TableWorld } from '../../../world/dynamodb/table-world.ts';
import type { WorkloadSpec } from '../../../world/dynamodb/workload.ts';
import type { TableWorldOptions } from '../../../world/dynamodb/table-world.ts';
import { connectLocalDynamoDb } from '../../support/local-dynamodb.ts';

export interface Harness {
  dynamodb: DynamoDBClient;
  close(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const { clients, close } = await connectLocalDynamoDb();
  return { dynamodb: clients[0]!, close };
}

/** The test file's harness, started before its first test and closed after its last. */
export function useHarness(): () => Harness {
  let harness: Harness | undefined;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(async () => {
    await harness?.close();
  });
  return () => {
    if (!harness) throw new Error('the harness starts before the first test');
    return harness;
  };
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
    /** The application's SDK retries (default: none, every throttled request fails at once). */
    clientRetries?: TableWorldOptions['clientRetries'];
    /** Virtual seconds an UpdateTable lasts (default 0: dynalite's own, instant). */
    updateTableSeconds?: number;
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
    clientRetries: options.clientRetries ?? false,
    updateTableSeconds: options.updateTableSeconds ?? 0,
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

export const WRITE_CAPACITY = 'dynamodb:table:WriteCapacityUnits' as const;

/** The table's write capacity as an Application Auto Scaling scalable target. */
export function writeTarget(table: SimulatedTable) {
  return {
    ServiceNamespace: 'dynamodb' as const,
    ResourceId: `table/${table.tableName}`,
    ScalableDimension: WRITE_CAPACITY,
  };
}

/**
 * Auto scaling attached to the table, on its clock and metrics, its write capacity registered
 * between `min` and `max` and, given a `target` utilisation (%), tracked by a target-tracking policy.
 */
export async function withAutoScaling(
  harness: Harness,
  table: SimulatedTable,
  write: { min: number; max: number; target?: number },
): Promise<SimulatedAutoScaling> {
  const autoScaling = new SimulatedAutoScaling({
    dynamodb: harness.dynamodb,
    cloudwatch: table.metrics,
    now: () => table.clock.now(),
  });
  autoScaling.attach(table.world);
  const target = writeTarget(table);
  await autoScaling.registerScalableTarget({ ...target, MinCapacity: write.min, MaxCapacity: write.max });
  if (write.target) {
    await autoScaling.putScalingPolicy({
      ...target,
      PolicyName: 'write-tracking',
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: write.target,
        PredefinedMetricSpecification: { PredefinedMetricType: 'DynamoDBWriteCapacityUtilization' },
      },
    });
  }
  return autoScaling;
}
