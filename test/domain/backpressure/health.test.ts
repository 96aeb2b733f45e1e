import { describe, expect, it } from 'vitest';
import { readHealth } from '../../../domain/backpressure/observe.ts';
import { judgeReading, oldestAgeToJudge } from '../../../domain/backpressure/health.ts';
import { retentionGuard } from '../../../domain/backpressure/plan.ts';
import { parseBackpressureRequest } from '../../../domain/backpressure/request.ts';
import type { BackpressurePorts } from '../../../domain/backpressure/ports.ts';
import { MetricStore } from '../../../world/metric-store.ts';

const START = Date.UTC(2026, 0, 1, 12, 0, 0);
const minute = (n: number) => START + n * 60_000;
const dimensions = { Service: 'payments' };

/** Publishes the downstream's request and error counts of minute `n`. */
function putCounts(metrics: MetricStore, n: number, requests: number, errors: number) {
  metrics.putValue({ namespace: 'Downstream', metricName: 'Requests', dimensions }, minute(n), requests);
  metrics.putValue({ namespace: 'Downstream', metricName: 'Errors', dimensions }, minute(n), errors);
}

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
    putCounts(metrics, 0, 1000, 0);
    putCounts(metrics, 1, 1000, 100);
    // Minute 2 is still going on at 12:02:30: it is not read, even if something was published.
    putCounts(metrics, 2, 10, 10);

    const health = await readHealth(
      ports(metrics, minute(2) + 30_000),
      request({ counts: { errors: 'Errors', requests: 'Requests' } }),
    );

    expect(health).toEqual({ healthy: false, value: 10, thresholdPercent: 5 });
  });

  it('is healthy with no value (nothing failed) when a published minute counts no request', async () => {
    const metrics = new MetricStore();
    putCounts(metrics, 1, 1000, 500);
    metrics.putValue({ namespace: 'Downstream', metricName: 'Requests', dimensions }, minute(2), 0);
    const health = await readHealth(
      ports(metrics, minute(3)),
      request({ counts: { errors: 'Errors', requests: 'Requests' } }),
    );
    expect(health).toEqual({ healthy: true, value: null, thresholdPercent: 5 });
  });

  it('is not healthy, with no value, when CloudWatch has published nothing in the lookback', async () => {
    const metrics = new MetricStore();
    const counts = request({ counts: { errors: 'Errors', requests: 'Requests' } });
    expect(await readHealth(ports(metrics, minute(3)), counts)).toEqual({
      healthy: false,
      value: null,
      thresholdPercent: 5,
    });
    expect(await readHealth(ports(metrics, minute(3)), request({}))).toEqual({
      healthy: false,
      value: null,
      thresholdPercent: 5,
    });
  });

  it('reads the newest minute CloudWatch has published, not one still to be published', async () => {
    // Published 2 minutes after it ends: at 12:04:30, 12:01 is the newest minute that can be read.
    const nowMs = minute(4) + 30_000;
    const metrics = new MetricStore({ now: () => nowMs, publicationDelaySeconds: 120 });
    putCounts(metrics, 1, 1000, 200);
    putCounts(metrics, 2, 1000, 0);
    putCounts(metrics, 3, 1000, 0);
    const counts = request({ counts: { errors: 'Errors', requests: 'Requests' } });

    expect(await readHealth(ports(metrics, nowMs), counts)).toEqual({
      healthy: false,
      value: 20,
      thresholdPercent: 5,
    });
    // With lookback ending before 12:01 is published, nothing: not known, not healthy.
    const early = new MetricStore({ now: () => minute(2) + 30_000, publicationDelaySeconds: 120 });
    expect(await readHealth(ports(early, minute(2) + 30_000), counts)).toMatchObject({
      healthy: false,
      value: null,
    });
  });

  it('reads a published error-rate metric when no counts are given', async () => {
    const metrics = new MetricStore();
    metrics.putValue({ namespace: 'Downstream', metricName: 'ErrorRate', dimensions }, minute(0), 2.5);
    const health = await readHealth(ports(metrics, minute(1) + 5_000), request({}));
    expect(health).toEqual({ healthy: true, value: 2.5, thresholdPercent: 5 });
  });
});

describe('the age of the oldest message, when CloudWatch has none', () => {
  const queue = (visibleMessages: number) => ({ visibleMessages, retentionSeconds: 3600 });

  it('is the newest datapoint when there is one', () => {
    expect(oldestAgeToJudge(420, queue(5000))).toBe(420);
  });

  it('is 0 with no datapoint and no message waiting: nothing can expire', () => {
    expect(oldestAgeToJudge(null, queue(0))).toBe(0);
  });

  it('is the retention period, the worst case, with no datapoint while messages wait: urgent, never "young"', () => {
    const age = oldestAgeToJudge(null, queue(5000));
    expect(age).toBe(3600);
    expect(retentionGuard(age, 3600, 80).urgent).toBe(true);
  });
});

describe('judging a reading', () => {
  it('is healthy on a value at most the threshold, or on a published minute with no request; never on nothing', () => {
    expect(judgeReading({ kind: 'value', value: 5 }, 5).healthy).toBe(true);
    expect(judgeReading({ kind: 'value', value: 5.1 }, 5).healthy).toBe(false);
    expect(judgeReading({ kind: 'no-requests' }, 5)).toEqual({
      healthy: true,
      value: null,
      thresholdPercent: 5,
    });
    expect(judgeReading({ kind: 'unknown' }, 5)).toEqual({
      healthy: false,
      value: null,
      thresholdPercent: 5,
    });
  });
});
