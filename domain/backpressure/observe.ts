/**
 * What the backpressure runbook reads and changes, over its ports: the mapping
 * (GetEventSourceMapping / UpdateEventSourceMapping), the queue's attributes, and CloudWatch
 * (the queue's ApproximateAgeOfOldestMessage, the downstream's health metric). AWS errors become
 * named selfheal errors (classifyAwsError): an unknown mapping is a ResourceNotFoundError.
 */
import type { MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { CloudWatchPort } from '../ports.ts';
import { classifyAwsError } from '../errors.ts';
import { metricStatQuery } from '../metric-stat.ts';
import type { BackpressurePorts, EventSourceMappingPort } from './ports.ts';
import { queueNameOf, type BackpressureRequest } from './request.ts';
import {
  effectiveConcurrency,
  judgeHealth,
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
  return {
    queueName,
    visibilityTimeoutSeconds: Number(attributes.VisibilityTimeout ?? 30),
    retentionSeconds: Number(attributes.MessageRetentionPeriod ?? 345_600),
    redrivePolicy: attributes.RedrivePolicy
      ? (JSON.parse(attributes.RedrivePolicy) as QueueView['redrivePolicy'])
      : null,
    approximateNumberOfMessages: Number(attributes.ApproximateNumberOfMessages ?? 0),
    approximateAgeOfOldestMessageSeconds: age ?? 0,
  };
}

export interface MetricQuery {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  stat: 'Average' | 'Maximum';
}

/**
 * The latest value of the query `resultId` names, within the last `lookbackSeconds` of whole
 * minutes (a minute still in progress reads low: a partial Maximum or count); null when none.
 */
async function latestResult(
  cloudwatch: CloudWatchPort,
  queries: MetricDataQuery[],
  resultId: string,
  window: { nowMs: number; lookbackSeconds: number },
  what: string,
): Promise<number | null> {
  const end = wholeMinute(window.nowMs);
  try {
    const { MetricDataResults = [] } = await cloudwatch.getMetricData({
      StartTime: new Date(end - window.lookbackSeconds * 1000),
      EndTime: new Date(end),
      ScanBy: 'TimestampDescending',
      MetricDataQueries: queries,
    });
    return MetricDataResults.find((r) => r.Id === resultId)?.Values?.[0] ?? null;
  } catch (error) {
    throw classifyAwsError(error, `GetMetricData ${what}`);
  }
}

/** The latest one-minute datapoint within the last `lookbackSeconds`; null when there is none. */
export function latestValue(
  cloudwatch: CloudWatchPort,
  query: MetricQuery,
  nowMs: number,
  lookbackSeconds: number,
): Promise<number | null> {
  return latestResult(
    cloudwatch,
    [metricStatQuery('m', query, query.stat, { returnData: true })],
    'm',
    { nowMs, lookbackSeconds },
    `${query.namespace}/${query.metricName}`,
  );
}

export async function readHealth(
  ports: BackpressurePorts,
  request: BackpressureRequest,
): Promise<HealthJudgement> {
  const { namespace, metricName, counts, dimensions, thresholdPercent, lookbackSeconds } = request.health;
  const latest = counts
    ? await latestErrorRate(
        ports.cloudwatch,
        { namespace, dimensions, ...counts },
        ports.now(),
        lookbackSeconds,
      )
    : await latestValue(
        ports.cloudwatch,
        { namespace, metricName, dimensions, stat: 'Average' },
        ports.now(),
        lookbackSeconds,
      );
  return judgeHealth(latest, thresholdPercent);
}

/** The latest whole minute's error rate from the counts; null when no request was made. */
function latestErrorRate(
  cloudwatch: CloudWatchPort,
  metric: { namespace: string; dimensions: Record<string, string>; errors: string; requests: string },
  nowMs: number,
  lookbackSeconds: number,
): Promise<number | null> {
  const { namespace, dimensions } = metric;
  const count = (id: string, metricName: string) =>
    metricStatQuery(id, { namespace, dimensions, metricName }, 'Sum', { returnData: false });
  return latestResult(
    cloudwatch,
    [
      { Id: 'rate', Expression: '100 * FILL(errors, 0) / requests', ReturnData: true },
      count('errors', metric.errors),
      count('requests', metric.requests),
    ],
    'rate',
    { nowMs, lookbackSeconds },
    `${namespace} error rate`,
  );
}

/**
 * How many invocations the consumer ran at once at most in the latest minute (AWS/Lambda
 * ConcurrentExecutions, Maximum); null when unknown. A limit far above it is not what throttles.
 */
export async function readConcurrency(
  ports: BackpressurePorts,
  functionName: string | null,
  lookbackSeconds: number,
): Promise<number | null> {
  if (functionName === null) return null;
  return latestValue(
    ports.cloudwatch,
    {
      namespace: 'AWS/Lambda',
      metricName: 'ConcurrentExecutions',
      dimensions: { FunctionName: functionName },
      stat: 'Maximum',
    },
    ports.now(),
    lookbackSeconds,
  );
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

function wholeMinute(ms: number): number {
  return Math.floor(ms / 60_000) * 60_000;
}
