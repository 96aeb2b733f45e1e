/**
 * A queue world with the defaults the specifications share: 200 messages a second into `orders`
 * (visibility timeout 30 s, maxReceiveCount 5), drained by `orders-consumer` in batches of 10,
 * calling `payments`, which serves 100 requests a second at 200 ms.
 */
import { VirtualClock } from '../../../core/virtual-clock.ts';
import { MetricStore } from '../../../world/metric-store.ts';
import { seededRandom } from '../../../core/random.ts';
import { QueueWorld, type QueueWorldOptions } from '../../../world/sqs/queue-world.ts';

export interface SimulatedQueue {
  clock: VirtualClock;
  metrics: MetricStore;
  world: QueueWorld;
}

export type QueueWorldOverrides = Partial<Omit<QueueWorldOptions, 'clock' | 'metrics' | 'random'>> & {
  seed?: number;
};

export function simulatedQueue(overrides: QueueWorldOverrides = {}): SimulatedQueue {
  const { seed = 1, ...options } = overrides;
  const clock = new VirtualClock();
  const metrics = new MetricStore();
  const world = new QueueWorld({
    clock,
    metrics,
    random: seededRandom(seed),
    arrivals: { phases: [{ name: 'steady', durationSeconds: 3600, messagesPerSecond: 200 }], noise: 0.05 },
    queue: { name: 'orders', visibilityTimeoutSeconds: 30, maxReceiveCount: 5 },
    mapping: { maximumConcurrency: 100 },
    function: { name: 'orders-consumer' },
    downstream: { name: 'payments', capacity: 100, latencyMs: 200 },
    ...options,
  });
  return { clock, metrics, world };
}

export const minutes = (n: number) => n * 60;

/** A metric's one-minute values (of `stat`) between two times, oldest first. */
export async function metricValues(
  metrics: MetricStore,
  metric: { namespace: string; name: string; dimension: [string, string] },
  fromMs: number,
  toMs: number,
  stat: 'Sum' | 'Maximum' | 'Average' = 'Sum',
): Promise<number[]> {
  const { MetricDataResults = [] } = await metrics.getMetricData({
    StartTime: new Date(fromMs),
    EndTime: new Date(toMs),
    ScanBy: 'TimestampAscending',
    MetricDataQueries: [
      {
        Id: 'm',
        MetricStat: {
          Metric: {
            Namespace: metric.namespace,
            MetricName: metric.name,
            Dimensions: [{ Name: metric.dimension[0], Value: metric.dimension[1] }],
          },
          Period: 60,
          Stat: stat,
        },
      },
    ],
  });
  return MetricDataResults[0]?.Values ?? [];
}

export function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
