/**
 * A queue incident's cost over 24 hours (sqs-backpressure): the queue's requests and the consumer
 * function's invocations as the world counted them, then the rest of the day with the downstream
 * healthy, plus what selfheal's runs cost (`cost.ts`).
 *
 * SQS requests, from the world's counts (a message under 64 KB, so one request a chunk): one
 * SendMessage per message sent (the producer sends one message a request: an assumption, the same
 * in every variant); one ReceiveMessage per batch the event-source mapping received, whether its
 * invocation ran or was throttled; one DeleteMessageBatch per batch whose invocation succeeded (a
 * failed batch is left to its visibility timeout). Empty receives are not counted: the world does
 * not model the pollers' long polls, and a queue fed 200 messages a second seldom answers one empty.
 */
import type { MetricStore } from '../world/metric-store.ts';
import { LAMBDA_NAMESPACE } from '../world/sqs/queue-metrics.ts';
import { PRICES } from './cost-prices.ts';
import {
  costItem,
  costModel,
  restOfDaySeconds,
  scenarioDayCost,
  type CostModel,
  type CountableExecution,
  type DayCost,
} from './cost.ts';

/**
 * The consumer function's memory and architecture, an assumption: Lambda's defaults (128 MB,
 * x86_64); the world gives the function no memory.
 */
export const CONSUMER_MEMORY_GB = 0.125;

export interface QueueCostInputs {
  simulatedMinutes: number;
  /** The world's counts over the simulated minutes. */
  totals: { sent: number; invocations: number; errors: number; throttles: number };
  /** The consumer's invocations' modelled duration, summed (the world's Lambda `Duration`, ms). */
  consumerDurationMs: number;
  /** Messages still in the queue at the end, visible or in flight: processed in the rest of the day. */
  backlog: number;
  /** The rest of the day: arrivals, the mapping's batch size, a healthy invocation's duration. */
  rest: { messagesPerSecond: number; batchSize: number; invocationSeconds: number };
  /** Every execution selfheal ran (none in a baseline). */
  executions: readonly CountableExecution[];
}

export function queueDayCost(inputs: QueueCostInputs): DayCost {
  const { totals, rest } = inputs;
  const restSeconds = restOfDaySeconds(inputs.simulatedMinutes);
  const restSent = rest.messagesPerSecond * restSeconds;
  // Full batches: with the downstream healthy every batch succeeds, received once, deleted once.
  const restBatches = Math.ceil((restSent + inputs.backlog) / rest.batchSize);
  const simulatedRequests =
    totals.sent + totals.invocations + totals.throttles + (totals.invocations - totals.errors);
  const restRequests = restSent + 2 * restBatches;
  return scenarioDayCost(
    [
      costItem(
        'SQS requests (send, receive, delete)',
        'requests',
        PRICES.sqsRequest,
        simulatedRequests,
        restRequests,
      ),
      costItem('consumer Lambda requests', 'requests', PRICES.lambdaRequest, totals.invocations, restBatches),
      costItem(
        'consumer Lambda duration',
        'GB-seconds (x86)',
        PRICES.lambdaX86GbSecond,
        (inputs.consumerDurationMs / 1000) * CONSUMER_MEMORY_GB,
        restBatches * rest.invocationSeconds * CONSUMER_MEMORY_GB,
      ),
    ],
    inputs.executions,
    inputs.simulatedMinutes,
    `${rest.messagesPerSecond} messages a second, the downstream healthy: ${restBatches.toLocaleString('en-US')} batches of ${rest.batchSize}, each ${rest.invocationSeconds * 1000} ms${inputs.backlog > 0 ? `, the ${inputs.backlog.toLocaleString('en-US')} messages left in the queue among them` : ' (the queue empty at the end)'}`,
  );
}

/** What the queue scenario's costs assume: `--json`'s `costModel`. */
export function queueCostModel(): CostModel {
  return costModel(
    {
      sqsRequest: PRICES.sqsRequest,
      lambdaRequest: PRICES.lambdaRequest,
      lambdaX86GbSecond: PRICES.lambdaX86GbSecond,
      stepFunctionsTransition: PRICES.stepFunctionsTransition,
      lambdaArmGbSecond: PRICES.lambdaArmGbSecond,
    },
    [
      "The 24 hours from the incident's start: the simulated minutes as the world ran them, then the rest of the day at the last arrival rate, the downstream healthy, with no other incident.",
      "SQS requests: one SendMessage per message (the producer sends one message a request, an assumption), one ReceiveMessage per batch the event-source mapping received (its invocation run or throttled), one DeleteMessageBatch per batch whose invocation succeeded; messages under 64 KB. Empty receives are not counted (the world does not model the pollers' long polls).",
      `The consumer function: ${CONSUMER_MEMORY_GB * 1024} MB on x86_64 (Lambda's defaults, an assumption: the world gives it no memory), billed one request per invocation and the duration the world modelled for each (the downstream's latency, up to the function's timeout; a short-circuited call the breaker's fast failure).`,
      "Rest of the day: the messages still in the queue at the end, and every message arriving after it, each processed once in full batches of the mapping's batch size at the downstream's healthy latency.",
      'Messages in the dead-letter queue are left there: redriving them (one receive and one send each, and their processing) is not counted, nor is what losing them costs the business: that is harm, on the other axis.',
    ],
    ['Storage of messages and data transfer: SQS charges neither within a region.'],
  );
}

/** The parts of the queue world the cost reads. */
export interface QueueCostWorld {
  world: {
    timeline: readonly unknown[];
    totals: QueueCostInputs['totals'] & { visible: number; notVisible: number };
    functionName: string;
  };
  /** The world's CloudWatch: the consumer's `Duration` statistics, minute by minute. */
  metrics: Pick<MetricStore, 'datapoints'>;
  rest: QueueCostInputs['rest'];
  executions: readonly CountableExecution[];
}

/** Reads the world's counts at the simulation's end and prices the day. */
export function queueCostOf({ world, metrics, rest, executions }: QueueCostWorld): DayCost {
  const duration = metrics.datapoints({
    namespace: LAMBDA_NAMESPACE,
    metricName: 'Duration',
    dimensions: { FunctionName: world.functionName },
  });
  const { totals } = world;
  return queueDayCost({
    simulatedMinutes: world.timeline.length,
    totals,
    consumerDurationMs: duration.reduce((sum, d) => sum + d.statistics.sum, 0),
    backlog: totals.visible + totals.notVisible,
    rest,
    executions,
  });
}

/** The last rate of an arrivals spec: what holds after its phases. */
export function lastRate(
  phases: readonly { messagesPerSecond: number | readonly [number, number] }[],
): number {
  const rate = phases[phases.length - 1]?.messagesPerSecond ?? 0;
  return typeof rate === 'number' ? rate : rate[1];
}
