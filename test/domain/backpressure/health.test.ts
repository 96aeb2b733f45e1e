import { describe, expect, it } from 'vitest';
import { readHealth } from '../../../domain/backpressure/observe.ts';
import { parseBackpressureRequest } from '../../../domain/backpressure/request.ts';
import type { BackpressurePorts } from '../../../domain/backpressure/ports.ts';
import { MetricStore } from '../../../world/metric-store.ts';

const START = Date.UTC(2026, 0, 1, 12, 0, 0);
const minute = (n: number) => START + n * 60_000;
const dimensions = { Service: 'payments' };

function ports(metrics: MetricStore, nowMs: number): BackpressurePorts {
  const unused = () => Promise.reject(new Error('not used'));
  return {
    mappings: { getEventSourceMapping: unused, updateEventSourceMapping: unused },
    queues: { getQueueAttributes: unused },
    cloudwatch: metrics,
    now: () => nowMs,
  };
}

const request = (health: Record<string, unknown>) =>
  parseBackpressureRequest({
    mappingId: '6c1d8a4e-3b2f-4e7a-9c51-0d2e7f4a8b13',
    queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/orders',
    health: { namespace: 'Downstream', dimensions, thresholdPercent: 5, ...health },
  });

describe('reading the downstream health', () => {
  it('computes the error rate from the counts, as the alarm does, on the last whole minute', async () => {
    const metrics = new MetricStore();
    const put = (n: number, requests: number, errors: number) => {
      metrics.putValue({ namespace: 'Downstream', metricName: 'Requests', dimensions }, minute(n), requests);
      metrics.putValue({ namespace: 'Downstream', metricName: 'Errors', dimensions }, minute(n), errors);
    };
    put(0, 1000, 0);
    put(1, 1000, 100);
    // Minute 2 is still going on at 12:02:30: it is not read, even if something was published.
    put(2, 10, 10);

    const health = await readHealth(
      ports(metrics, minute(2) + 30_000),
      request({ counts: { errors: 'Errors', requests: 'Requests' } }),
    );

    expect(health).toEqual({ healthy: false, value: 10, thresholdPercent: 5 });
  });

  it('has no value (healthy: nothing failed) when no request was made', async () => {
    const metrics = new MetricStore();
    const health = await readHealth(
      ports(metrics, minute(3)),
      request({ counts: { errors: 'Errors', requests: 'Requests' } }),
    );
    expect(health).toEqual({ healthy: true, value: null, thresholdPercent: 5 });
  });

  it('reads a published error-rate metric when no counts are given', async () => {
    const metrics = new MetricStore();
    metrics.putValue({ namespace: 'Downstream', metricName: 'ErrorRate', dimensions }, minute(0), 2.5);
    const health = await readHealth(ports(metrics, minute(1) + 5_000), request({}));
    expect(health).toEqual({ healthy: true, value: 2.5, thresholdPercent: 5 });
  });
});
