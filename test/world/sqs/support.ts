/**
 * The orders→payments queue world of `scenarios/sqs-backpressure/world.ts`, as the world's own
 * specifications vary it: 200 messages a second into `orders` (visibility timeout 30 s,
 * maxReceiveCount 5), drained by `orders-consumer` in batches of 10, calling `payments`, which
 * serves 100 requests a second at 200 ms.
 */
import type { MetricStore } from '../../../world/metric-store.ts';
import type { Brownout, DownstreamSpec } from '../../../world/sqs/downstream.ts';
import {
  buildQueueWorld,
  type QueueWorldParts,
  type SimulatedQueueWorld,
} from '../../../scenarios/sqs-backpressure/world.ts';

/** A part named replaces that part of the world whole. */
export type QueueWorldOverrides = Partial<QueueWorldParts> & { seed?: number };

export function simulatedQueue(overrides: QueueWorldOverrides = {}): SimulatedQueueWorld {
  const { seed = 1, ...world } = overrides;
  return buildQueueWorld({ seed, world });
}

export const minutes = (n: number) => n * 60;

/** `payments` as the world has it (100 requests a second at 200 ms), through this one brownout. */
export const paymentsThrough = (brownout: Brownout): DownstreamSpec => ({
  name: 'payments',
  capacity: 100,
  latencyMs: 200,
  brownouts: [brownout],
});

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
