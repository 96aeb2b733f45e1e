import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type {
  Dimension,
  GetMetricDataInput,
  GetMetricDataOutput,
  MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import type { CloudWatchPort } from '../../domain/ports.ts';
import type {
  AlarmDefinition,
  SingleMetricAlarmDefinition,
  TreatMissingData,
} from '../../contracts/alarm-definition.ts';
import { dynamoDbThrottlingAlarms } from '../../detectors/alarms/dynamodb-throttling.ts';
import { parseAlarmEvent } from '../../contracts/cloudwatch-alarm-event.ts';
import type { CloudWatchAlarmEvent } from '../../contracts/cloudwatch-alarm-event.ts';
import { AlarmEvaluator, evaluateDatapoints, javaDouble } from '../../world/cloudwatch-alarms.ts';
import type { Datapoint } from '../../world/cloudwatch-alarms.ts';
import { MetricStore } from '../../world/metric-store.ts';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 0, 1);
const at = (minutes: number) => T0 + minutes * MINUTE;
const ACCOUNT = '123456789012';
const REGION = 'us-east-1';

/**
 * Answers GetMetricData from stored per-period values (already the query's statistic). Expressions:
 * sums of `FILL(id, value)` or bare ids, which is all selfheal's alarms use; anything else throws.
 */
class FakeMetrics implements CloudWatchPort {
  readonly requests: GetMetricDataInput[] = [];
  readonly #series = new Map<string, Map<number, number>>();

  put(
    metric: { namespace: string; name: string; dimensions?: Dimension[] },
    minute: number,
    value: number,
  ): void {
    const key = metricKey(metric.namespace, metric.name, metric.dimensions);
    const series = this.#series.get(key) ?? new Map<number, number>();
    series.set(at(minute), value);
    this.#series.set(key, series);
  }

  async getMetricData(input: GetMetricDataInput): Promise<GetMetricDataOutput> {
    this.requests.push(input);
    const start = input.StartTime?.getTime() ?? 0;
    const end = input.EndTime?.getTime() ?? 0;
    const queries = input.MetricDataQueries ?? [];
    const byId = new Map<string, Map<number, number>>();
    for (const query of queries) {
      const stat = query.MetricStat;
      if (!stat?.Metric) continue;
      const stored = this.#series.get(
        metricKey(stat.Metric.Namespace ?? '', stat.Metric.MetricName ?? '', stat.Metric.Dimensions),
      );
      byId.set(query.Id ?? '', new Map([...(stored ?? [])].filter(([t]) => t >= start && t < end)));
    }
    const period = (queries.find((q) => q.MetricStat)?.MetricStat?.Period ?? 60) * 1000;
    const results: MetricDataResult[] = queries
      .filter((query) => query.ReturnData !== false)
      .map((query) => {
        const series = query.Expression
          ? evaluateSum(query.Expression, byId, start, end, period)
          : byId.get(query.Id ?? '');
        const points = [...(series ?? [])].sort(([a], [b]) => a - b);
        return {
          Id: query.Id,
          Label: query.Label ?? query.Id,
          Timestamps: points.map(([t]) => new Date(t)),
          Values: points.map(([, v]) => v),
          StatusCode: 'Complete',
        };
      });
    return { MetricDataResults: results, Messages: [] };
  }

  async describeInsightRules(): Promise<never> {
    throw new Error('not used by alarms');
  }

  async getInsightRuleReport(): Promise<never> {
    throw new Error('not used by alarms');
  }
}

function metricKey(namespace: string, name: string, dimensions: Dimension[] = []): string {
  const dims = dimensions.map((d) => `${d.Name}=${d.Value}`).sort();
  return [namespace, name, ...dims].join('|');
}

function evaluateSum(
  expression: string,
  byId: Map<string, Map<number, number>>,
  start: number,
  end: number,
  period: number,
): Map<number, number> {
  const terms = expression.split('+').map((term) => {
    const match = /^\s*(?:FILL\((\w+),\s*(-?[\d.]+)\)|(\w+))\s*$/.exec(term);
    if (!match) throw new Error(`the fake cannot evaluate ${expression}`);
    const id = match[1] ?? match[3] ?? '';
    return {
      series: byId.get(id) ?? new Map<number, number>(),
      fill: match[2] === undefined ? undefined : Number(match[2]),
    };
  });
  const sums = new Map<number, number>();
  for (let t = start; t < end; t += period) {
    const values = terms.map((term) => term.series.get(t) ?? term.fill);
    if (values.every((v) => v !== undefined))
      sums.set(
        t,
        values.reduce((a, b) => a + b, 0),
      );
  }
  return sums;
}

function fixture(name: string): CloudWatchAlarmEvent {
  return parseAlarmEvent(
    JSON.parse(readFileSync(new URL(`../../contracts/examples/${name}.json`, import.meta.url), 'utf8')),
  );
}

/** Ids are generated and AWS's milliseconds differ from run to run: compare everything else. */
function comparable(event: CloudWatchAlarmEvent): unknown {
  return JSON.parse(
    JSON.stringify(event)
      .replace(/\.\d{3}\+0000/g, '+0000')
      .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<generated id>'),
  );
}

function recordEvents(evaluator: AlarmEvaluator): CloudWatchAlarmEvent[] {
  const events: CloudWatchAlarmEvent[] = [];
  evaluator.onStateChange((event) => {
    events.push(event);
  });
  return events;
}

/** An evaluator of the alarms in the test account and region, reading fresh fake metrics. */
function evaluatorOf(alarms: readonly AlarmDefinition[], options: { createdAtMs?: number } = {}) {
  const metrics = new FakeMetrics();
  const evaluator = new AlarmEvaluator({
    alarms,
    cloudwatch: metrics,
    accountId: ACCOUNT,
    region: REGION,
    ...options,
  });
  return { metrics, evaluator };
}

const capacityAlarm = dynamoDbThrottlingAlarms({ tableName: 'orders' })[0];
if (!capacityAlarm) throw new Error('no capacity alarm');
const ordersDimensions = [{ Name: 'TableName', Value: 'orders' }];
const readCapacityThrottles = {
  namespace: 'AWS/DynamoDB',
  name: 'ReadProvisionedThroughputThrottleEvents',
  dimensions: ordersDimensions,
};
const writeCapacityThrottles = {
  namespace: 'AWS/DynamoDB',
  name: 'WriteProvisionedThroughputThrottleEvents',
  dimensions: ordersDimensions,
};

describe('evaluateDatapoints replays the tables of "How alarm state is evaluated when data is missing"', () => {
  const treatments: TreatMissingData[] = ['missing', 'ignore', 'breaching', 'notBreaching'];
  type Expected = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA' | 'retain';
  // Oldest datapoint first; 0 within the threshold, X breaching, - missing. Columns: MISSING,
  // IGNORE, BREACHING, NOT BREACHING.
  const rows: [m: number, datapoints: string, expected: Expected[]][] = [
    [3, '0 - X - X', ['OK', 'OK', 'OK', 'OK']],
    [3, '0 - - - -', ['OK', 'OK', 'OK', 'OK']],
    [3, '- - - - -', ['INSUFFICIENT_DATA', 'retain', 'ALARM', 'OK']],
    [3, '0 X X - X', ['ALARM', 'ALARM', 'ALARM', 'ALARM']],
    [3, '- - - - X', ['INSUFFICIENT_DATA', 'retain', 'ALARM', 'OK']],
    [3, 'X - - - -', ['ALARM', 'retain', 'ALARM', 'OK']],
    [2, '0 - X - X', ['ALARM', 'ALARM', 'ALARM', 'ALARM']],
    [2, '0 0 X 0 X', ['ALARM', 'ALARM', 'ALARM', 'ALARM']],
    [2, '0 - X - -', ['OK', 'OK', 'ALARM', 'OK']],
    [2, '- - - - 0', ['OK', 'OK', 'ALARM', 'OK']],
    [2, '- - - - X', ['INSUFFICIENT_DATA', 'retain', 'ALARM', 'OK']],
  ];

  it.each(rows)('%i out of 3 over %s', (m, datapoints, expected) => {
    const range = datapoints
      .split(' ')
      .map((symbol, i): Datapoint | undefined =>
        symbol === '-' ? undefined : { timestampMs: at(i), value: symbol === 'X' ? 1 : 0 },
      );
    const states = treatments.map(
      (treatMissingData) =>
        evaluateDatapoints({
          range,
          evaluationPeriods: 3,
          datapointsToAlarm: m,
          treatMissingData,
          isBreaching: (v) => v > 0,
        }).state ?? 'retain',
    );
    expect(states).toEqual(expected);
  });
});

describe('AlarmEvaluator', () => {
  it('starts every alarm in INSUFFICIENT_DATA, "Unchecked: Initial alarm creation"', () => {
    const { evaluator } = evaluatorOf([capacityAlarm], { createdAtMs: T0 });
    expect(evaluator.stateOf(capacityAlarm.AlarmName)).toEqual({
      reason: 'Unchecked: Initial alarm creation',
      timestamp: '2026-01-01T00:00:00.000+0000',
      value: 'INSUFFICIENT_DATA',
    });
    expect(evaluator.alarmArnOf(capacityAlarm.AlarmName)).toBe(
      'arn:aws:cloudwatch:us-east-1:123456789012:alarm:selfheal-orders-capacity-throttling',
    );
  });

  it('goes to ALARM after 2 breaching minutes out of 3, and back to OK once 2 of 3 are fine', async () => {
    const { metrics, evaluator } = evaluatorOf([capacityAlarm], { createdAtMs: T0 });
    metrics.put(writeCapacityThrottles, 1, 40);
    metrics.put(readCapacityThrottles, 2, 8);
    metrics.put(writeCapacityThrottles, 2, 4);

    const changes = await evaluator.evaluateInterval(T0, at(6));

    expect(
      changes.map((c) => [
        new Date(Date.parse(c.event.time)).toISOString(),
        c.previousState.value,
        c.state.value,
      ]),
    ).toEqual([
      ['2026-01-01T00:01:00.000Z', 'INSUFFICIENT_DATA', 'OK'],
      ['2026-01-01T00:03:00.000Z', 'OK', 'ALARM'],
      ['2026-01-01T00:05:00.000Z', 'ALARM', 'OK'],
    ]);
    expect(changes[1]?.state.reason).toBe(
      'Threshold Crossed: 2 out of the last 3 datapoints [12.0 (01/01/26 00:02:00), 40.0 (01/01/26 00:01:00)] were ' +
        'greater than or equal to the threshold (10.0) (minimum 2 datapoints for OK -> ALARM transition).',
    );
    expect(changes[2]?.state.reason).toBe(
      'Threshold Crossed: 2 out of the last 3 datapoints [0.0 (01/01/26 00:04:00), 0.0 (01/01/26 00:03:00)] were not ' +
        'greater than or equal to the threshold (10.0) (minimum 2 datapoints for ALARM -> OK transition).',
    );
    expect(changes[1]?.state.reasonData).toBe(
      '{"version":"1.0","queryDate":"2026-01-01T00:03:00.000+0000","startDate":"2026-01-01T00:00:00.000+0000",' +
        '"period":60,"recentDatapoints":[0.0,40.0,12.0],"threshold":10.0}',
    );
  });

  it('reads the evaluation range with the alarm’s own metric-math queries, as CloudWatch does', async () => {
    const { metrics, evaluator } = evaluatorOf([capacityAlarm]);

    await evaluator.evaluate(at(3) + 42_000);

    expect(metrics.requests).toEqual([
      {
        MetricDataQueries: capacityAlarm.Metrics,
        // N + 2 whole minutes, ending at the evaluation minute.
        StartTime: new Date(at(-2)),
        EndTime: new Date(at(3)),
        ScanBy: 'TimestampAscending',
      },
    ]);
  });

  it('emits the documented metric-math event: same fields, values and wording', async () => {
    const { metrics, evaluator } = evaluatorOf([capacityAlarm], { createdAtMs: T0 });
    const events = recordEvents(evaluator);
    metrics.put(readCapacityThrottles, 3, 31);
    metrics.put(writeCapacityThrottles, 4, 50);
    metrics.put(readCapacityThrottles, 4, 7);

    await evaluator.evaluate(at(5) + 554);

    expect(events).toHaveLength(1);
    const [event] = events;
    expect(parseAlarmEvent(event)).toEqual(event);
    expect(comparable(event as CloudWatchAlarmEvent)).toEqual(
      comparable(fixture('cloudwatch-alarm-metric-math')),
    );
  });

  it('emits the documented single-metric event, previous state included', async () => {
    const writeThrottles = {
      namespace: 'AWS/DynamoDB',
      name: 'WriteThrottleEvents',
      dimensions: ordersDimensions,
    };
    const alarm: SingleMetricAlarmDefinition = {
      AlarmName: 'orders-write-throttle-events',
      AlarmDescription: 'Goes into alarm when writes to the orders table are throttled',
      Namespace: writeThrottles.namespace,
      MetricName: writeThrottles.name,
      Dimensions: ordersDimensions,
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 10,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    };
    const { metrics, evaluator } = evaluatorOf([alarm], { createdAtMs: at(-10) });
    const events = recordEvents(evaluator);
    metrics.put(writeThrottles, -10, 0);
    metrics.put(writeThrottles, 4, 42);

    await evaluator.evaluate(at(-9) + 40_985);
    await evaluator.evaluate(at(5) + 40_989);

    expect(events.map((e) => e.detail.state.value)).toEqual(['OK', 'ALARM']);
    const alarmEvent = events[1] as CloudWatchAlarmEvent;
    expect(parseAlarmEvent(alarmEvent)).toEqual(alarmEvent);
    expect(comparable(alarmEvent)).toEqual(comparable(fixture('cloudwatch-alarm-metric')));
  });

  describe('when the metric stops reporting after an alarm', () => {
    const metric = { namespace: 'Selfheal/Test', name: 'Errors' };
    const alarmTreating = (
      treatment: TreatMissingData,
      namespace = metric.namespace,
    ): SingleMetricAlarmDefinition => ({
      AlarmName: `errors-${treatment}`,
      Namespace: namespace,
      MetricName: metric.name,
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 3,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: treatment,
    });

    async function alarmThenSilence(alarm: SingleMetricAlarmDefinition) {
      const { metrics, evaluator } = evaluatorOf([alarm], { createdAtMs: T0 });
      for (const minute of [0, 1, 2]) metrics.put({ ...metric, namespace: alarm.Namespace }, minute, 5);
      const before = await evaluator.evaluate(at(3));
      const after = await evaluator.evaluate(at(10));
      return { before, after, state: evaluator.stateOf(alarm.AlarmName) };
    }

    it.each<[TreatMissingData, string, string | undefined]>([
      ['missing', 'INSUFFICIENT_DATA', 'Insufficient Data: 3 datapoints were unknown.'],
      ['ignore', 'ALARM', undefined],
      ['breaching', 'ALARM', undefined],
      [
        'notBreaching',
        'OK',
        'Threshold Crossed: no datapoints were received for 3 periods and 3 missing datapoints were treated as [NonBreaching].',
      ],
    ])('treating missing data as %s leaves it %s', async (treatment, state, reason) => {
      const { before, after } = await alarmThenSilence(alarmTreating(treatment));

      expect(before.map((c) => c.state.value)).toEqual(['ALARM']);
      expect(after.map((c) => [c.state.value, c.state.reason])).toEqual(reason ? [[state, reason]] : []);
    });

    it('stays in ALARM for an AWS/DynamoDB metric, which always ignores missing data', async () => {
      const { after, state } = await alarmThenSilence(alarmTreating('notBreaching', 'AWS/DynamoDB'));

      expect(after).toEqual([]);
      expect(state.value).toBe('ALARM');
    });
  });

  it('leaves a new alarm without data in INSUFFICIENT_DATA unless missing data counts one way', async () => {
    const alarm = (treatment: TreatMissingData): SingleMetricAlarmDefinition => ({
      AlarmName: `quiet-${treatment}`,
      Namespace: 'Selfheal/Test',
      MetricName: 'Quiet',
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 2,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: treatment,
    });
    const { evaluator } = evaluatorOf(
      (['missing', 'ignore', 'breaching', 'notBreaching'] as const).map(alarm),
    );

    const changes = await evaluator.evaluate(at(5));

    expect(changes.map((c) => [c.alarmName, c.state.value])).toEqual([
      ['quiet-breaching', 'ALARM'],
      ['quiet-notBreaching', 'OK'],
    ]);
  });

  it('gives each event a deterministic id, the same on every run', async () => {
    const run = async () => {
      const { metrics, evaluator } = evaluatorOf([capacityAlarm], { createdAtMs: T0 });
      metrics.put(writeCapacityThrottles, 1, 40);
      metrics.put(writeCapacityThrottles, 2, 40);
      return (await evaluator.evaluateInterval(T0, at(6))).map((c) => c.event.id);
    };

    const ids = await run();

    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
    expect(ids.every((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id))).toBe(
      true,
    );
    expect(await run()).toEqual(ids);
  });

  it('tells listeners of each change before evaluate resolves, until they unsubscribe', async () => {
    const { metrics, evaluator } = evaluatorOf([capacityAlarm], { createdAtMs: T0 });
    const seen: string[] = [];
    const unsubscribe = evaluator.onStateChange(async (event) => {
      await Promise.resolve();
      seen.push(event.detail.state.value);
    });

    await evaluator.evaluate(at(1));
    unsubscribe();
    metrics.put(writeCapacityThrottles, 1, 40);
    metrics.put(writeCapacityThrottles, 2, 40);
    const later = await evaluator.evaluate(at(3));

    expect(seen).toEqual(['OK']);
    expect(later.map((c) => c.state.value)).toEqual(['ALARM']);
  });

  it('rejects an invalid alarm definition and duplicate alarm names', () => {
    const options = { cloudwatch: new FakeMetrics(), accountId: ACCOUNT, region: REGION };
    expect(
      () => new AlarmEvaluator({ ...options, alarms: [{ ...capacityAlarm, EvaluationPeriods: 0 }] }),
    ).toThrow();
    expect(() => new AlarmEvaluator({ ...options, alarms: [capacityAlarm, capacityAlarm] })).toThrow(
      /duplicate alarm/,
    );
  });
});

describe('AlarmEvaluator on the world’s CloudWatch, which publishes a minute after a delay', () => {
  /**
   * The capacity alarm over a MetricStore read at the clock's now, the table throttling 40 writes
   * from minute 1 on, evaluated once a minute as the worlds do (clock first, then the alarm).
   */
  const transitions = async (publicationDelaySeconds?: number) => {
    const clock = { now: T0 };
    const metrics = new MetricStore({
      now: () => clock.now,
      ...(publicationDelaySeconds === undefined ? {} : { publicationDelaySeconds }),
    });
    const evaluator = new AlarmEvaluator({
      alarms: [capacityAlarm],
      cloudwatch: metrics,
      accountId: ACCOUNT,
      region: REGION,
      createdAtMs: T0,
    });
    const identity = {
      namespace: 'AWS/DynamoDB',
      metricName: writeCapacityThrottles.name,
      dimensions: { TableName: 'orders' },
    };
    const changes: { atMinute: number; state: string; reasonData: string | undefined }[] = [];
    for (let n = 1; n <= 8; n++) {
      metrics.putValue(identity, at(n - 1) + 30_000, n - 1 >= 1 ? 40 : 0);
      clock.now = at(n);
      for (const change of await evaluator.evaluate(at(n))) {
        changes.push({ atMinute: n, state: change.state.value, reasonData: change.state.reasonData });
      }
    }
    return changes;
  };

  it('fires no earlier than its breaching datapoints are published: 2 minutes late by default', async () => {
    const changes = await transitions();

    // Minutes 1 and 2 breach; minute 2 ends at 3 and is published at 5.
    expect(changes.map((c) => [c.atMinute, c.state])).toEqual([
      [1, 'OK'],
      [5, 'ALARM'],
    ]);
    expect(changes[1]?.reasonData).toContain('"recentDatapoints":[0.0,40.0,40.0]');
  });

  it('fires as soon as the second breaching minute ends when CloudWatch publishes at once', async () => {
    const changes = await transitions(0);

    expect(changes.map((c) => [c.atMinute, c.state])).toEqual([
      [1, 'OK'],
      [3, 'ALARM'],
    ]);
  });

  it.each([60, 120, 180])(
    'fires at the first evaluation at or after the data is published (delay %i s)',
    async (delay) => {
      const alarmed = (await transitions(delay)).find((c) => c.state === 'ALARM');

      expect(alarmed?.atMinute).toBe(3 + delay / 60);
    },
  );
});

describe('javaDouble writes numbers as CloudWatch’s reasons and reasonData do', () => {
  it.each([
    [50, '50.0'],
    [0, '0.0'],
    [99.50160229693434, '99.50160229693434'],
    [0.0666851903306472, '0.0666851903306472'],
    [-3, '-3.0'],
    [12_345_678, '1.2345678E7'],
    [0.0001, '1.0E-4'],
  ])('%d as %s', (value, text) => {
    expect(javaDouble(value)).toBe(text);
  });
});
