/**
 * The simulated CloudWatch alarm engine: evaluates selfheal's alarm definitions against the
 * metrics a `CloudWatchPort` serves and emits the EventBridge "CloudWatch Alarm State Change"
 * events AWS would send, field for field ("Alarm events and EventBridge").
 *
 * Evaluation follows "Using Amazon CloudWatch alarms": each evaluation reads an evaluation range a
 * little longer than EvaluationPeriods, decides M out of N over the most recent real datapoints and
 * fills gaps with TreatMissingData only when there are fewer than N of them. Simplifications: the
 * range is N + 2 periods (the documentation's tables use 5 for N = 3; AWS does not publish the
 * rule), and periods end on the evaluation minute.
 *
 * Timing: a standard-resolution alarm is evaluated every minute, on "the datapoints that are
 * available at a given moment" ("Why did my CloudWatch alarm trigger when its metric doesn't have
 * any breaching data points?", AWS Knowledge Center). `evaluate(atMs)` reads its CloudWatch as it
 * stands when called, so the world calls it at atMs of the clock its MetricStore reads: a minute's
 * datapoint then counts from the first evaluation at or after the minute's end plus the publication
 * delay (world/cloudwatch-publication.ts), never before. The range's two extra periods are what
 * still holds N real datapoints behind the two minutes the default delay leaves unpublished.
 */
import { createHash } from 'node:crypto';
import type { MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { CloudWatchPort } from '../domain/ports.ts';
import {
  alarmDefinitionSchema,
  alarmPeriodSeconds,
  isMetricMathAlarm,
} from '../contracts/alarm-definition.ts';
import type { AlarmDefinition, ComparisonOperator, TreatMissingData } from '../contracts/alarm-definition.ts';
import { ALARM_STATE_CHANGE_DETAIL_TYPE } from '../contracts/cloudwatch-alarm-event.ts';
import type {
  AlarmMetric,
  AlarmState,
  AlarmStateValue,
  CloudWatchAlarmEvent,
} from '../contracts/cloudwatch-alarm-event.ts';

/** Periods an evaluation range holds beyond EvaluationPeriods (see the simplifications above). */
export const EXTRA_RANGE_PERIODS = 2;
const MINUTE_MS = 60_000;
/** Standard-resolution alarms (periods of a minute or more) are evaluated once a minute. */
const EVALUATION_INTERVAL_MS = MINUTE_MS;
const SINGLE_METRIC_QUERY_ID = 'm1';
const INITIAL_REASON = 'Unchecked: Initial alarm creation';

export interface Datapoint {
  timestampMs: number;
  value: number;
}

export interface DatapointEvaluationInput {
  /** The evaluation range, oldest period first; `undefined` where the period has no datapoint. */
  range: readonly (Datapoint | undefined)[];
  evaluationPeriods: number;
  datapointsToAlarm: number;
  treatMissingData: TreatMissingData;
  isBreaching: (value: number) => boolean;
}

export interface DatapointEvaluation {
  /** The state the datapoints call for; `undefined` keeps the current one. */
  state: AlarmStateValue | undefined;
  /** The real datapoints evaluated, oldest first. */
  datapoints: Datapoint[];
  /** Missing datapoints filled in as breaching or not breaching. */
  filled: number;
}

/**
 * M out of N over an evaluation range, as the tables in "How alarm state is evaluated when data is
 * missing" lay it out (test/world/cloudwatch-alarms.test.ts replays every row).
 */
export function evaluateDatapoints(input: DatapointEvaluationInput): DatapointEvaluation {
  const { evaluationPeriods: n, datapointsToAlarm: m, isBreaching } = input;
  const real = input.range.filter((point): point is Datapoint => point !== undefined);
  const breachingCount = (points: readonly Datapoint[]) => points.filter((p) => isBreaching(p.value)).length;
  const decide = (breaching: number): AlarmStateValue => (breaching >= m ? 'ALARM' : 'OK');

  // Enough real datapoints: the most recent N decide and missing data plays no part.
  if (real.length >= n) {
    const datapoints = real.slice(-n);
    return { state: decide(breachingCount(datapoints)), datapoints, filled: 0 };
  }
  const gaps = n - real.length;
  const breaching = breachingCount(real);
  switch (input.treatMissingData) {
    case 'breaching':
      return { state: decide(breaching + gaps), datapoints: real, filled: gaps };
    case 'notBreaching':
      return { state: decide(breaching), datapoints: real, filled: gaps };
    case 'missing':
    case 'ignore': {
      const retainOr = (state: AlarmStateValue) => (input.treatMissingData === 'ignore' ? undefined : state);
      if (real.length === 0) return { state: retainOr('INSUFFICIENT_DATA'), datapoints: real, filled: 0 };
      if (breaching >= m) return { state: 'ALARM', datapoints: real, filled: 0 };
      if (breaching < real.length) return { state: 'OK', datapoints: real, filled: 0 };
      // Only breaching datapoints, too few to alarm. The documentation's tables read this as ALARM
      // when the breach is the oldest datapoint of the range (the metric stopped flowing while
      // breaching), and as not enough data otherwise.
      const stoppedWhileBreaching = input.range[0] !== undefined;
      return {
        state: retainOr(stoppedWhileBreaching ? 'ALARM' : 'INSUFFICIENT_DATA'),
        datapoints: real,
        filled: 0,
      };
    }
  }
}

export interface AlarmEvaluatorOptions {
  alarms: readonly AlarmDefinition[];
  /** Where the alarms read their metrics, with the same GetMetricData queries CloudWatch runs. */
  cloudwatch: CloudWatchPort;
  accountId: string;
  region: string;
  /** When the alarms were created (their initial INSUFFICIENT_DATA); defaults to the first evaluation. */
  createdAtMs?: number;
}

export interface AlarmStateChange {
  alarmName: string;
  alarmArn: string;
  previousState: AlarmState;
  state: AlarmState;
  event: CloudWatchAlarmEvent;
}

export type AlarmStateListener = (event: CloudWatchAlarmEvent) => Promise<void> | void;

interface AlarmRecord {
  definition: AlarmDefinition;
  arn: string;
  state: AlarmState;
}

export class AlarmEvaluator {
  readonly #cloudwatch: CloudWatchPort;
  readonly #accountId: string;
  readonly #region: string;
  readonly #records: Map<string, AlarmRecord>;
  #createdAtMs: number | undefined;
  #listeners: AlarmStateListener[] = [];

  constructor(options: AlarmEvaluatorOptions) {
    this.#cloudwatch = options.cloudwatch;
    this.#accountId = options.accountId;
    this.#region = options.region;
    this.#createdAtMs = options.createdAtMs;
    this.#records = new Map();
    for (const alarm of options.alarms) {
      const definition = alarmDefinitionSchema.parse(alarm);
      if (this.#records.has(definition.AlarmName)) throw new Error(`duplicate alarm ${definition.AlarmName}`);
      this.#records.set(definition.AlarmName, {
        definition,
        arn: `arn:aws:cloudwatch:${this.#region}:${this.#accountId}:alarm:${definition.AlarmName}`,
        state: initialState(this.#createdAtMs ?? 0),
      });
    }
  }

  onStateChange(listener: AlarmStateListener): () => void {
    this.#listeners.push(listener);
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== listener);
    };
  }

  stateOf(alarmName: string): AlarmState {
    return this.#record(alarmName).state;
  }

  alarmArnOf(alarmName: string): string {
    return this.#record(alarmName).arn;
  }

  /** Evaluates every alarm at `atMs`; listeners have seen each change when this resolves. */
  async evaluate(atMs: number): Promise<AlarmStateChange[]> {
    if (this.#createdAtMs === undefined) {
      this.#createdAtMs = atMs;
      for (const record of this.#records.values()) record.state = initialState(atMs);
    }
    const changes: AlarmStateChange[] = [];
    for (const record of this.#records.values()) {
      const change = await this.#evaluateAlarm(record, atMs);
      if (!change) continue;
      changes.push(change);
      for (const listener of this.#listeners) await listener(change.event);
    }
    return changes;
  }

  /**
   * CloudWatch evaluates alarms once a minute: evaluates at each whole minute in (fromMs, toMs].
   * Fits `VirtualClock.onAdvance`, registered after whatever publishes the interval's metrics.
   * Every evaluation reads CloudWatch as it stands now: against a store on a clock, evaluate at
   * each minute as it comes (the worlds' `onMinute`) rather than a whole interval at its end.
   */
  async evaluateInterval(fromMs: number, toMs: number): Promise<AlarmStateChange[]> {
    const changes: AlarmStateChange[] = [];
    const step = EVALUATION_INTERVAL_MS;
    for (let at = Math.floor(fromMs / step) * step + step; at <= toMs; at += step) {
      changes.push(...(await this.evaluate(at)));
    }
    return changes;
  }

  #record(alarmName: string): AlarmRecord {
    const record = this.#records.get(alarmName);
    if (!record) throw new Error(`unknown alarm ${alarmName}`);
    return record;
  }

  async #evaluateAlarm(record: AlarmRecord, atMs: number): Promise<AlarmStateChange | undefined> {
    const alarm = record.definition;
    const periodMs = alarmPeriodSeconds(alarm) * 1000;
    const endMs = Math.floor(atMs / Math.min(periodMs, MINUTE_MS)) * Math.min(periodMs, MINUTE_MS);
    const rangePeriods = alarm.EvaluationPeriods + EXTRA_RANGE_PERIODS;
    const startMs = endMs - rangePeriods * periodMs;
    const range = await this.#readRange(alarm, startMs, endMs, periodMs, rangePeriods);

    const isBreaching = breachTest(alarm.ComparisonOperator, alarm.Threshold);
    const evaluation = evaluateDatapoints({
      range,
      evaluationPeriods: alarm.EvaluationPeriods,
      datapointsToAlarm: alarm.DatapointsToAlarm ?? alarm.EvaluationPeriods,
      treatMissingData: effectiveTreatment(alarm),
      isBreaching,
    });
    if (evaluation.state === undefined || evaluation.state === record.state.value) return undefined;

    const windowStartMs = endMs - alarm.EvaluationPeriods * periodMs;
    const state: AlarmState = {
      reason: reasonText(alarm, evaluation.state, evaluation, isBreaching),
      reasonData: reasonData(alarm, evaluation, atMs, windowStartMs),
      timestamp: cloudWatchTimestamp(atMs),
      value: evaluation.state,
    };
    const previousState = record.state;
    record.state = state;
    const event = this.#stateChangeEvent(record, previousState, state, atMs);
    return { alarmName: alarm.AlarmName, alarmArn: record.arn, previousState, state, event };
  }

  async #readRange(
    alarm: AlarmDefinition,
    startMs: number,
    endMs: number,
    periodMs: number,
    periods: number,
  ): Promise<(Datapoint | undefined)[]> {
    const queries = metricDataQueries(alarm);
    const returnedId = queries.find((q) => q.ReturnData)?.Id;
    const output = await this.#cloudwatch.getMetricData({
      MetricDataQueries: queries,
      StartTime: new Date(startMs),
      EndTime: new Date(endMs),
      ScanBy: 'TimestampAscending',
    });
    const result = output.MetricDataResults?.find((r) => r.Id === returnedId);
    const values = new Map<number, number>();
    result?.Timestamps?.forEach((timestamp, i) => {
      const value = result.Values?.[i];
      if (value !== undefined) values.set(timestamp.getTime(), value);
    });
    return Array.from({ length: periods }, (_, i) => {
      const timestampMs = startMs + i * periodMs;
      const value = values.get(timestampMs);
      return value === undefined ? undefined : { timestampMs, value };
    });
  }

  #stateChangeEvent(
    record: AlarmRecord,
    previousState: AlarmState,
    state: AlarmState,
    atMs: number,
  ): CloudWatchAlarmEvent {
    const alarm = record.definition;
    return {
      version: '0',
      id: uuidLike(`${record.arn}|${atMs}|${state.value}`),
      'detail-type': ALARM_STATE_CHANGE_DETAIL_TYPE,
      source: 'aws.cloudwatch',
      account: this.#accountId,
      time: new Date(atMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: this.#region,
      resources: [record.arn],
      detail: {
        alarmName: alarm.AlarmName,
        configuration: {
          ...(alarm.AlarmDescription === undefined ? {} : { description: alarm.AlarmDescription }),
          metrics: eventMetrics(alarm, record.arn),
        },
        previousState,
        state,
      },
    };
  }
}

function initialState(atMs: number): AlarmState {
  return { reason: INITIAL_REASON, timestamp: cloudWatchTimestamp(atMs), value: 'INSUFFICIENT_DATA' };
}

/** PutMetricAlarm: "Alarms that evaluate metrics in the AWS/DynamoDB namespace always ignore missing data". */
function effectiveTreatment(alarm: AlarmDefinition): TreatMissingData {
  const namespaces = isMetricMathAlarm(alarm)
    ? alarm.Metrics.flatMap((q) => (q.MetricStat ? [q.MetricStat.Metric.Namespace] : []))
    : [alarm.Namespace];
  return namespaces.includes('AWS/DynamoDB') ? 'ignore' : (alarm.TreatMissingData ?? 'missing');
}

function metricDataQueries(alarm: AlarmDefinition): MetricDataQuery[] {
  if (isMetricMathAlarm(alarm)) return alarm.Metrics;
  return [
    {
      Id: SINGLE_METRIC_QUERY_ID,
      MetricStat: {
        Metric: {
          Namespace: alarm.Namespace,
          MetricName: alarm.MetricName,
          ...(alarm.Dimensions === undefined ? {} : { Dimensions: alarm.Dimensions }),
        },
        Period: alarm.Period,
        Stat: alarm.Statistic,
      },
      ReturnData: true,
    },
  ];
}

/** `configuration.metrics` as the event carries it; a single-metric alarm's id is generated. */
function eventMetrics(alarm: AlarmDefinition, arn: string): AlarmMetric[] {
  if (!isMetricMathAlarm(alarm)) {
    return [
      {
        id: uuidLike(`${arn}|metric`),
        metricStat: {
          metric: {
            dimensions: dimensionRecord(alarm.Dimensions),
            name: alarm.MetricName,
            namespace: alarm.Namespace,
          },
          period: alarm.Period,
          stat: alarm.Statistic,
        },
        returnData: true,
      },
    ];
  }
  return alarm.Metrics.map((query): AlarmMetric => {
    if (query.MetricStat === undefined) {
      return {
        expression: query.Expression ?? '',
        id: query.Id,
        ...(query.Label === undefined ? {} : { label: query.Label }),
        returnData: query.ReturnData,
      };
    }
    const { Metric, Period, Stat } = query.MetricStat;
    return {
      id: query.Id,
      metricStat: {
        metric: {
          dimensions: dimensionRecord(Metric.Dimensions),
          name: Metric.MetricName,
          namespace: Metric.Namespace,
        },
        period: Period,
        stat: Stat,
      },
      returnData: query.ReturnData,
    };
  });
}

function dimensionRecord(
  dimensions: readonly { Name: string; Value: string }[] | undefined,
): Record<string, string> {
  return Object.fromEntries((dimensions ?? []).map((d) => [d.Name, d.Value]));
}

const COMPARISON_WORDS: Record<ComparisonOperator, string> = {
  GreaterThanOrEqualToThreshold: 'greater than or equal to',
  GreaterThanThreshold: 'greater than',
  LessThanThreshold: 'less than',
  LessThanOrEqualToThreshold: 'less than or equal to',
};

function breachTest(operator: ComparisonOperator, threshold: number): (value: number) => boolean {
  switch (operator) {
    case 'GreaterThanOrEqualToThreshold':
      return (value) => value >= threshold;
    case 'GreaterThanThreshold':
      return (value) => value > threshold;
    case 'LessThanThreshold':
      return (value) => value < threshold;
    case 'LessThanOrEqualToThreshold':
      return (value) => value <= threshold;
  }
}

/** CloudWatch's wording, e.g. "Threshold Crossed: 2 out of the last 3 datapoints [...] were ...". */
function reasonText(
  alarm: AlarmDefinition,
  next: AlarmStateValue,
  evaluation: DatapointEvaluation,
  isBreaching: (value: number) => boolean,
): string {
  const n = alarm.EvaluationPeriods;
  if (next === 'INSUFFICIENT_DATA') {
    const unknown = n - evaluation.datapoints.length;
    return `Insufficient Data: ${counted(unknown, 'datapoint')} ${wasOrWere(unknown)} unknown.`;
  }
  const alarming = next === 'ALARM';
  const supporting = evaluation.datapoints.filter((point) => isBreaching(point.value) === alarming);
  const clauses: string[] = [];
  if (supporting.length > 0) {
    const listed = [...supporting]
      .reverse()
      .map((point) => `${javaDouble(point.value)} (${reasonDate(point.timestampMs)})`)
      .join(', ');
    clauses.push(
      `${supporting.length} out of the last ${n} datapoints [${listed}] ${wasOrWere(supporting.length)} ` +
        `${alarming ? '' : 'not '}${COMPARISON_WORDS[alarm.ComparisonOperator]} the threshold (${javaDouble(alarm.Threshold)})`,
    );
  } else if (evaluation.datapoints.length === 0) {
    clauses.push(`no datapoints were received for ${counted(n, 'period')}`);
  }
  if (evaluation.filled > 0) {
    clauses.push(
      `${counted(evaluation.filled, 'missing datapoint')} ${wasOrWere(evaluation.filled)} treated as ` +
        `[${alarming ? 'Breaching' : 'NonBreaching'}]`,
    );
  }
  const m = alarm.DatapointsToAlarm ?? n;
  const minimum =
    supporting.length === 0
      ? ''
      : ` (minimum ${counted(alarming ? m : n - m + 1, 'datapoint')} for ${alarming ? 'OK -> ALARM' : 'ALARM -> OK'} transition)`;
  return `Threshold Crossed: ${clauses.join(' and ')}${minimum}.`;
}

/** `reasonData` is a JSON string, with numbers written as Java doubles (`10.0`), as AWS sends it. */
function reasonData(
  alarm: AlarmDefinition,
  evaluation: DatapointEvaluation,
  atMs: number,
  windowStartMs: number,
) {
  const startMs = evaluation.datapoints[0]?.timestampMs ?? windowStartMs;
  const fields = [
    `"version":"1.0"`,
    `"queryDate":${JSON.stringify(cloudWatchTimestamp(atMs))}`,
    `"startDate":${JSON.stringify(cloudWatchTimestamp(startMs))}`,
    ...(isMetricMathAlarm(alarm) ? [] : [`"statistic":${JSON.stringify(alarm.Statistic)}`]),
    `"period":${alarmPeriodSeconds(alarm)}`,
    `"recentDatapoints":[${evaluation.datapoints.map((point) => javaDouble(point.value)).join(',')}]`,
    `"threshold":${javaDouble(alarm.Threshold)}`,
  ];
  return `{${fields.join(',')}}`;
}

/** `2019-10-02T17:04:40.989+0000`. */
function cloudWatchTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

/** `02/10/19 16:59:00`: day/month/year, UTC. */
function reasonDate(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(2, 4)} ${iso.slice(11, 19)}`;
}

/** Java's `Double.toString`: `50.0`, `0.5`, `1.0E7`. */
export function javaDouble(value: number): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e7)) {
    const [mantissa = '', exponent = ''] = value.toExponential().split('e');
    return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
  }
  return Number.isInteger(value) ? `${value}.0` : String(value);
}

function counted(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function wasOrWere(count: number): string {
  return count === 1 ? 'was' : 'were';
}

/** Deterministic, UUID-shaped: replays of a simulation produce the same event ids. */
function uuidLike(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
