import { describe, expect, it } from 'vitest';
import { alarmDefinitionSchema, runbookOf } from '../../contracts/alarm-definition.ts';
import { downstreamHealthAlarms } from '../../detectors/alarms/downstream-health.ts';
import { AlarmEvaluator } from '../../world/cloudwatch-alarms.ts';
import { MetricStore } from '../../world/metric-store.ts';

const dimensions = [{ Name: 'Service', Value: 'payments' }];

describe('downstreamHealthAlarms', () => {
  it('defines the error-rate alarm from the request and error counts, starting sqs-backpressure', () => {
    const [errorRate, ...others] = downstreamHealthAlarms({ service: 'payments' });
    expect(others).toEqual([]);
    expect(errorRate).toMatchObject({
      AlarmName: 'selfheal-payments-error-rate',
      Threshold: 5,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      TreatMissingData: 'notBreaching',
    });
    expect(errorRate && 'Metrics' in errorRate ? errorRate.Metrics : []).toEqual([
      { Id: 'e1', Expression: '100 * FILL(m1, 0) / m2', Label: 'Error rate (%)', ReturnData: true },
      {
        Id: 'm1',
        MetricStat: {
          Metric: { Namespace: 'Downstream', MetricName: 'Errors', Dimensions: dimensions },
          Period: 60,
          Stat: 'Sum',
        },
        ReturnData: false,
      },
      {
        Id: 'm2',
        MetricStat: {
          Metric: { Namespace: 'Downstream', MetricName: 'Requests', Dimensions: dimensions },
          Period: 60,
          Stat: 'Sum',
        },
        ReturnData: false,
      },
    ]);
    expect(runbookOf(errorRate!)).toBe('sqs-backpressure');
  });

  it('adds a p99 latency alarm when given a latency threshold, and every alarm is a valid PutMetricAlarm input', () => {
    const alarms = downstreamHealthAlarms({
      service: 'payments',
      prefix: 'prod',
      errorRateThresholdPercent: 2,
      latencyP99ThresholdMs: 1500,
    });
    expect(alarms.map((a) => a.AlarmName)).toEqual(['prod-payments-error-rate', 'prod-payments-latency-p99']);
    expect(alarms[1]).toMatchObject({ MetricName: 'LatencyP99', Statistic: 'Maximum', Threshold: 1500 });
    for (const alarm of alarms) expect(alarmDefinitionSchema.safeParse(alarm).success).toBe(true);
  });

  it('goes to ALARM after two minutes over the threshold, and back to OK once errors stop', async () => {
    const metrics = new MetricStore();
    const start = Date.UTC(2026, 0, 1, 12, 0, 0);
    const minute = (n: number) => start + n * 60_000;
    const put = (n: number, requests: number, errors: number) => {
      metrics.putValue(
        { namespace: 'Downstream', metricName: 'Requests', dimensions: { Service: 'payments' } },
        minute(n),
        requests,
      );
      metrics.putValue(
        { namespace: 'Downstream', metricName: 'Errors', dimensions: { Service: 'payments' } },
        minute(n),
        errors,
      );
    };
    const evaluator = new AlarmEvaluator({
      alarms: downstreamHealthAlarms({ service: 'payments' }),
      cloudwatch: metrics,
      accountId: '123456789012',
      region: 'us-east-1',
      createdAtMs: start,
    });
    const states: string[] = [];
    evaluator.onStateChange((event) => void states.push(event.detail.state.value));
    const traffic = [
      [1000, 0],
      [1000, 10],
      [1000, 600],
      [1000, 700],
      [40, 0],
      [600, 0],
    ] as const;
    for (const [n, [requests, errors]] of traffic.entries()) {
      put(n, requests, errors);
      await evaluator.evaluate(minute(n + 1));
    }
    expect(states).toEqual(['OK', 'ALARM', 'OK']);
  });
});
