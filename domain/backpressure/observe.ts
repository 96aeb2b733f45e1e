/**
 * What the backpressure runbook reads and changes, over its ports: the mapping
 * (GetEventSourceMapping / UpdateEventSourceMapping), the queue's attributes, and CloudWatch
 * (the queue's ApproximateAgeOfOldestMessage, the downstream's health metric). AWS errors become
 * named selfheal errors (classifyAwsError): an unknown mapping is a ResourceNotFoundError.
 *
 * CloudWatch publishes each minute late, and a minute it has not published has no datapoint: what
 * a missing datapoint may be taken for is decided in health.ts (never healthy, never young).
 */
import type { MetricDataQuery, MetricDataResult } from '@aws-sdk/client-cloudwatch';
import type { CloudWatchPort } from '../ports.ts';
import { classifyAwsError } from '../errors.ts';
import { metricStatQuery } from '../metric-stat.ts';
import type { BackpressurePorts, EventSourceMappingPort } from './ports.ts';
import { queueNameOf, type BackpressureRequest } from './request.ts';
import { judgeReading, judgedWindow, oldestAgeToJudge, type HealthReading } from './health.ts';
import {
  effectiveConcurrency,
  retentionGuard,
  type HealthJudgement,
  type MappingLimit,
  type RetentionGuard,
} from './plan.ts';

export interface MappingView extends MappingLimit {
  state: string;
  /** The consumer function's name, from the mapping's FunctionArn (qualifier dropped). */
  functionName: string | null;
  /** Effective concurrency (1,000 without MaximumConcurrency, 0 disabled). */
  concurrency: number;
}

export async function readMapping(mappings: EventSourceMappingPort, uuid: string): Promise<MappingView> {
  let answer;
  try {
    answer = await mappings.getEventSourceMapping({ UUID: uuid });
  } catch (error) {
    throw classifyAwsError(error, `GetEventSourceMapping ${uuid}`);
  }
  const state = answer.State ?? 'Enabled';
  const limit: MappingLimit = {
    maximumConcurrency: answer.ScalingConfig?.MaximumConcurrency ?? null,
    enabled: !['Disabled', 'Disabling'].includes(state),
  };
  return {
    ...limit,
    state,
    functionName: functionNameOf(answer.FunctionArn),
    concurrency: effectiveConcurrency(limit),
  };
}

/** `arn:aws:lambda:us-east-1:123456789012:function:orders-consumer[:live]` -> `orders-consumer`. */
export function functionNameOf(functionArn: string | undefined): string | null {
  const match = /^arn:[^:]+:lambda:[^:]*:\d*:function:([^:]+)(?::[^:]+)?$/.exec(functionArn ?? '');
  return match?.[1] ?? null;
}

export interface QueueView {
  queueName: string;
  visibilityTimeoutSeconds: number;
  retentionSeconds: number;
  redrivePolicy: { deadLetterTargetArn?: string; maxReceiveCount?: number } | null;
  approximateNumberOfMessages: number;
  approximateAgeOfOldestMessageSeconds: number;
}

export async function readQueue(ports: BackpressurePorts, queueUrl: string): Promise<QueueView> {
  let attributes;
  try {
    ({ Attributes: attributes = {} } = await ports.queues.getQueueAttributes({
      QueueUrl: queueUrl,
      AttributeNames: [
        'VisibilityTimeout',
        'MessageRetentionPeriod',
        'RedrivePolicy',
        'ApproximateNumberOfMessages',
      ],
    }));
  } catch (error) {
    throw classifyAwsError(error, `GetQueueAttributes ${queueUrl}`);
  }
  const queueName = queueNameOf(queueUrl);
  // The age of the oldest message is a CloudWatch metric, not a queue attribute.
  const age = await latestValue(
    ports.cloudwatch,
    {
      namespace: 'AWS/SQS',
      metricName: 'ApproximateAgeOfOldestMessage',
      dimensions: { QueueName: queueName },
      stat: 'Maximum',
    },
    ports.now(),
    300,
  );
  const retentionSeconds = Number(attributes.MessageRetentionPeriod ?? 345_600);
  const approximateNumberOfMessages = Number(attributes.ApproximateNumberOfMessages ?? 0);
  return {
    queueName,
    visibilityTimeoutSeconds: Number(attributes.VisibilityTimeout ?? 30),
    retentionSeconds,
    redrivePolicy: attributes.RedrivePolicy
      ? (JSON.parse(attributes.RedrivePolicy) as QueueView['redrivePolicy'])
      : null,
    approximateNumberOfMessages,
    approximateAgeOfOldestMessageSeconds: oldestAgeToJudge(age, {
      visibleMessages: approximateNumberOfMessages,
      retentionSeconds,
    }),
  };
}

export interface MetricQuery {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  stat: 'Average' | 'Maximum';
}

/** The newest datapoint of each query `resultIds` names (null when none). */
type Latest = { value: number; timestampMs: number } | null;

/** What a read may look at: the time now, how far back, and the change it must come after. */
export interface ReadWindow {
  nowMs: number;
  lookbackSeconds: number;
  /**
   * When the runbook's last change to the mapping took effect: only the whole minutes after it
   * are read (`judgedWindow`). Absent: no change yet, the whole lookback.
   */
  tookEffectMs?: number;
}

/**
 * The latest datapoints of the queries `resultIds` names, within the window's whole minutes (a
 * minute still in progress reads low: a partial Maximum or count); null when none, and every one
 * null without a call when the window holds no minute that has ended yet.
 */
async function latestResults(
  cloudwatch: CloudWatchPort,
  queries: MetricDataQuery[],
  resultIds: readonly string[],
  window: ReadWindow,
  what: string,
): Promise<Map<string, Latest>> {
  const judged = judgedWindow(window.nowMs, window.lookbackSeconds, window.tookEffectMs);
  if (judged === null) return new Map(resultIds.map((id) => [id, null]));
  let results: MetricDataResult[];
  try {
    ({ MetricDataResults: results = [] } = await cloudwatch.getMetricData({
      StartTime: new Date(judged.startMs),
      EndTime: new Date(judged.endMs),
      ScanBy: 'TimestampDescending',
      MetricDataQueries: queries,
    }));
  } catch (error) {
    throw classifyAwsError(error, `GetMetricData ${what}`);
  }
  return new Map(
    resultIds.map((id) => {
      const result = results.find((r) => r.Id === id);
      const value = result?.Values?.[0];
      const timestamp = result?.Timestamps?.[0];
      return [
        id,
        value === undefined
          ? null
          : { value, timestampMs: timestamp ? new Date(timestamp).getTime() : judged.endMs },
      ];
    }),
  );
}

/** The latest one-minute datapoint within the window; null when there is none. */
async function latestDatapoint(
  cloudwatch: CloudWatchPort,
  query: MetricQuery,
  window: ReadWindow,
): Promise<Latest> {
  const latest = await latestResults(
    cloudwatch,
    [metricStatQuery('m', query, query.stat, { returnData: true })],
    ['m'],
    window,
    `${query.namespace}/${query.metricName}`,
  );
  return latest.get('m') ?? null;
}

/** The latest one-minute datapoint within the last `lookbackSeconds`; null when there is none. */
export async function latestValue(
  cloudwatch: CloudWatchPort,
  query: MetricQuery,
  nowMs: number,
  lookbackSeconds: number,
): Promise<number | null> {
  return (await latestDatapoint(cloudwatch, query, { nowMs, lookbackSeconds }))?.value ?? null;
}

/**
 * The downstream's health on the latest published minute of the lookback, and after a change only
 * on the minutes after it took effect (`tookEffectMs`): none published, not yet known (health.ts).
 */
export async function readHealth(
  ports: BackpressurePorts,
  request: BackpressureRequest,
  tookEffectMs?: number,
): Promise<HealthJudgement> {
  const { namespace, metricName, counts, dimensions, thresholdPercent, lookbackSeconds } = request.health;
  const window: ReadWindow = {
    nowMs: ports.now(),
    lookbackSeconds,
    ...(tookEffectMs === undefined ? {} : { tookEffectMs }),
  };
  const reading: HealthReading = counts
    ? await latestErrorRate(ports.cloudwatch, { namespace, dimensions, ...counts }, window)
    : readingOf(
        await latestDatapoint(
          ports.cloudwatch,
          { namespace, metricName, dimensions, stat: 'Average' },
          window,
        ),
      );
  return judgeReading(reading, thresholdPercent);
}

const readingOf = (latest: Latest): HealthReading =>
  latest === null
    ? { kind: 'unknown' }
    : { kind: 'value', value: latest.value, minuteMs: latest.timestampMs };

/**
 * The latest whole minute's error rate from the counts. No rate: no request made, if the newest
 * published request count says 0; not known, if no request count is published either.
 */
async function latestErrorRate(
  cloudwatch: CloudWatchPort,
  metric: { namespace: string; dimensions: Record<string, string>; errors: string; requests: string },
  window: ReadWindow,
): Promise<HealthReading> {
  const { namespace, dimensions } = metric;
  const count = (id: string, metricName: string, returnData: boolean) =>
    metricStatQuery(id, { namespace, dimensions, metricName }, 'Sum', { returnData });
  const latest = await latestResults(
    cloudwatch,
    [
      { Id: 'rate', Expression: '100 * FILL(errors, 0) / requests', ReturnData: true },
      count('errors', metric.errors, false),
      count('requests', metric.requests, true),
    ],
    ['rate', 'requests'],
    window,
    `${namespace} error rate`,
  );
  const rate = latest.get('rate') ?? null;
  const requests = latest.get('requests') ?? null;
  // The rate of the newest minute with requests, unless a newer published minute had none.
  if (rate && !(requests && requests.value === 0 && requests.timestampMs > rate.timestampMs)) {
    return { kind: 'value', value: rate.value, minuteMs: rate.timestampMs };
  }
  return requests?.value === 0
    ? { kind: 'no-requests', minuteMs: requests.timestampMs }
    : { kind: 'unknown' };
}

/**
 * How many invocations the consumer ran at once at most in the latest minute (AWS/Lambda
 * ConcurrentExecutions, Maximum), after the last change took effect if there was one; null when
 * unknown. A limit far above it is not what throttles.
 */
export async function readConcurrency(
  ports: BackpressurePorts,
  functionName: string | null,
  lookbackSeconds: number,
  tookEffectMs?: number,
): Promise<number | null> {
  if (functionName === null) return null;
  const latest = await latestDatapoint(
    ports.cloudwatch,
    {
      namespace: 'AWS/Lambda',
      metricName: 'ConcurrentExecutions',
      dimensions: { FunctionName: functionName },
      stat: 'Maximum',
    },
    { nowMs: ports.now(), lookbackSeconds, ...(tookEffectMs === undefined ? {} : { tookEffectMs }) },
  );
  return latest?.value ?? null;
}

export async function readGuard(
  ports: BackpressurePorts,
  request: BackpressureRequest,
): Promise<{ queue: QueueView; guard: RetentionGuard }> {
  const queue = await readQueue(ports, request.queueUrl);
  return {
    queue,
    guard: retentionGuard(
      queue.approximateAgeOfOldestMessageSeconds,
      queue.retentionSeconds,
      request.policy.retentionGuardPercent,
    ),
  };
}
