import { describe, expect, it } from 'vitest';
import type { GetMetricDataInput } from '@aws-sdk/client-cloudwatch';
import { readHealth } from '../../../domain/backpressure/observe.ts';
import {
  firstMinuteAfter,
  judgedWindow,
  judgeReading,
  oldestAgeToJudge,
} from '../../../domain/backpressure/health.ts';
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

    expect(health).toEqual({
      verdict: 'unhealthy',
      value: 10,
      thresholdPercent: 5,
      minute: new Date(minute(1)).toISOString(),
    });
  });

  it('is healthy with no value (nothing failed) when a published minute counts no request', async () => {
    const metrics = new MetricStore();
    putCounts(metrics, 1, 1000, 500);
    metrics.putValue({ namespace: 'Downstream', metricName: 'Requests', dimensions }, minute(2), 0);
    const health = await readHealth(
      ports(metrics, minute(3)),
      request({ counts: { errors: 'Errors', requests: 'Requests' } }),
    );
    expect(health).toEqual({
      verdict: 'healthy',
      value: null,
      thresholdPercent: 5,
      minute: new Date(minute(2)).toISOString(),
    });
  });

  it('is not yet known, neither healthy nor unhealthy, when CloudWatch has published nothing in the lookback', async () => {
    const metrics = new MetricStore();
    const counts = request({ counts: { errors: 'Errors', requests: 'Requests' } });
    const notKnown = { verdict: 'not-yet-known', value: null, thresholdPercent: 5, minute: null };
    expect(await readHealth(ports(metrics, minute(3)), counts)).toEqual(notKnown);
    expect(await readHealth(ports(metrics, minute(3)), request({}))).toEqual(notKnown);
  });

  it('reads the newest minute CloudWatch has published, not one still to be published', async () => {
    // Published 2 minutes after it ends: at 12:04:30, 12:01 is the newest minute that can be read.
    const nowMs = minute(4) + 30_000;
    const metrics = new MetricStore({ now: () => nowMs, publicationDelaySeconds: 120 });
    putCounts(metrics, 1, 1000, 200);
    putCounts(metrics, 2, 1000, 0);
    putCounts(metrics, 3, 1000, 0);
    const counts = request({ counts: { errors: 'Errors', requests: 'Requests' } });

    expect(await readHealth(ports(metrics, nowMs), counts)).toMatchObject({
      verdict: 'unhealthy',
      value: 20,
      minute: new Date(minute(1)).toISOString(),
    });
    // With lookback ending before 12:01 is published, nothing: not known, neither way.
    const early = new MetricStore({ now: () => minute(2) + 30_000, publicationDelaySeconds: 120 });
    expect(await readHealth(ports(early, minute(2) + 30_000), counts)).toMatchObject({
      verdict: 'not-yet-known',
      value: null,
    });
  });

  it('reads a published error-rate metric when no counts are given', async () => {
    const metrics = new MetricStore();
    metrics.putValue({ namespace: 'Downstream', metricName: 'ErrorRate', dimensions }, minute(0), 2.5);
    const health = await readHealth(ports(metrics, minute(1) + 5_000), request({}));
    expect(health).toMatchObject({ verdict: 'healthy', value: 2.5, thresholdPercent: 5 });
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
  it('is healthy on a value at most the threshold, or on a published minute with no request; unhealthy above it; not yet known on nothing', () => {
    expect(judgeReading({ kind: 'value', value: 5 }, 5).verdict).toBe('healthy');
    expect(judgeReading({ kind: 'value', value: 5.1 }, 5).verdict).toBe('unhealthy');
    expect(judgeReading({ kind: 'no-requests', minuteMs: minute(2) }, 5)).toEqual({
      verdict: 'healthy',
      value: null,
      thresholdPercent: 5,
      minute: '2026-01-01T12:02:00.000Z',
    });
    expect(judgeReading({ kind: 'unknown' }, 5)).toEqual({
      verdict: 'not-yet-known',
      value: null,
      thresholdPercent: 5,
      minute: null,
    });
  });
});

describe('the minutes a probe may judge after a change', () => {
  it('starts at the whole minute after the one the change took effect in (that one ran partly at the old limit)', () => {
    expect(firstMinuteAfter(minute(3) + 20_000)).toBe(minute(4));
    expect(firstMinuteAfter(minute(3))).toBe(minute(4));
  });

  it('is the lookback of whole minutes before any change, and after one none before that minute', () => {
    const nowMs = minute(10) + 30_000;
    expect(judgedWindow(nowMs, 180)).toEqual({ startMs: minute(7), endMs: minute(10) });
    // A change that took effect at 12:08:20: 12:09 on, only.
    expect(judgedWindow(nowMs, 180, minute(8) + 20_000)).toEqual({ startMs: minute(9), endMs: minute(10) });
    // One long ago: the lookback bounds it as before.
    expect(judgedWindow(nowMs, 180, minute(1))).toEqual({ startMs: minute(7), endMs: minute(10) });
  });

  it('holds no minute while the first minute after the change has not ended', () => {
    expect(judgedWindow(minute(9) + 59_000, 180, minute(8) + 20_000)).toBeNull();
  });
});

describe('reading the downstream health after a change', () => {
  /** The ports, every GetMetricData request kept in `calls`. */
  const asking = (metrics: MetricStore, nowMs: number, calls: GetMetricDataInput[]): BackpressurePorts => ({
    ...ports(metrics, nowMs),
    cloudwatch: {
      getMetricData: (input) => {
        calls.push(input);
        return metrics.getMetricData(input);
      },
      describeInsightRules: (input) => metrics.describeInsightRules(input),
      getInsightRuleReport: (input) => metrics.getInsightRuleReport(input),
    },
  });
  const counts = request({ counts: { errors: 'Errors', requests: 'Requests' } });
  /** The change took effect at 12:04:20; CloudWatch publishes a minute 120 s after it ends. */
  const TOOK_EFFECT = minute(4) + 20_000;
  const published = (nowMs: number) => {
    const metrics = new MetricStore({ now: () => nowMs, publicationDelaySeconds: 120 });
    // Failing before the change (12:00 to 12:04), healthy from 12:05.
    for (let n = 0; n <= 4; n += 1) putCounts(metrics, n, 1000, 300);
    for (let n = 5; n <= 9; n += 1) putCounts(metrics, n, 1000, 0);
    return metrics;
  };

  it('does not judge the new limit on minutes from before it: until a minute after it is published, not yet known', async () => {
    // 12:07:30: 12:04 is published (unhealthy, and partly before the change), 12:05 not yet.
    const nowMs = minute(7) + 30_000;
    const metrics = published(nowMs);
    expect(await readHealth(ports(metrics, nowMs), counts)).toMatchObject({
      verdict: 'unhealthy',
      value: 30,
    });

    const calls: GetMetricDataInput[] = [];
    expect(await readHealth(asking(metrics, nowMs, calls), counts, TOOK_EFFECT)).toEqual({
      verdict: 'not-yet-known',
      value: null,
      thresholdPercent: 5,
      minute: null,
    });
    // It asked CloudWatch only for minutes from 12:05.
    expect(calls).toEqual([expect.objectContaining({ StartTime: new Date(minute(5)) })]);
  });

  it('asks CloudWatch nothing while no minute after the change has ended', async () => {
    const nowMs = minute(5) + 10_000;
    const calls: GetMetricDataInput[] = [];
    expect(await readHealth(asking(published(nowMs), nowMs, calls), counts, TOOK_EFFECT)).toMatchObject({
      verdict: 'not-yet-known',
    });
    expect(calls).toEqual([]);
  });

  it('judges the first minute after the change once CloudWatch has published it', async () => {
    // 12:08:00: 12:05 has ended and waited its 120 s.
    const nowMs = minute(8);
    expect(await readHealth(ports(published(nowMs), nowMs), counts, TOOK_EFFECT)).toEqual({
      verdict: 'healthy',
      value: 0,
      thresholdPercent: 5,
      minute: new Date(minute(5)).toISOString(),
    });
  });
});
