/**
 * The SQS-backpressure runbook's ports over the simulated queue world, for the tests of its steps
 * (the domain functions, and the Lambda tasks around them): 300 messages a second into `orders`,
 * drained by `orders-consumer` through mapping MAPPING_UUID, each invocation calling `payments`
 * for 5 s (it serves 100 requests a second): the consumer runs at its MaximumConcurrency of 100
 * and falls behind, a backlog building. Every call through the ports is recorded.
 *
 * The requests judge health by the payments API's own ErrorRate (Payments/ErrorRate, Api=charge),
 * which the world publishes each minute at the rate the test sets, so the arithmetic of each
 * decision is exact. `WORLD_HEALTH` instead reads the rate the simulated downstream publishes in a
 * brownout. The world starts at noon; the steps run five minutes in unless told.
 */
import type { UpdateEventSourceMappingRequest } from '@aws-sdk/client-lambda';
import type { VirtualClock } from '../../core/virtual-clock.ts';
import type { BackpressurePorts } from '../../domain/backpressure/ports.ts';
import { parseBackpressureRequest, type BackpressureRequest } from '../../domain/backpressure/request.ts';
import type { BackpressureState } from '../../domain/backpressure/runbook.ts';
import type { MetricStore } from '../../world/metric-store.ts';
import type { QueueWorld } from '../../world/sqs/queue-world.ts';
import {
  BROWNOUT_MAPPING_UUID,
  brownoutFromMinute2,
  buildQueueWorld,
  ORDERS_TO_PAYMENTS,
  steadyOrders,
} from '../../scenarios/sqs-backpressure/world.ts';

export const MAPPING_UUID = BROWNOUT_MAPPING_UUID;
export const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/orders';
export const DLQ_ARN = 'arn:aws:sqs:us-east-1:123456789012:orders-dlq';
export const START = Date.UTC(2026, 0, 1, 12, 0, 0);
/** The execution's name, as the context object gives it to the ledger item's Payload. */
export const EXECUTION_NAME = 'sqs-backpressure-7f3a';

export const HEALTH = { namespace: 'Payments', dimensions: { Api: 'charge' }, thresholdPercent: 5 };
const HEALTH_METRIC = { namespace: 'Payments', metricName: 'ErrorRate', dimensions: { Api: 'charge' } };
export const WORLD_HEALTH = {
  namespace: 'Downstream',
  dimensions: { Service: 'payments' },
  thresholdPercent: 5,
};

/** The runbook's input, as the alarm's rule builds it. */
export const request = (extra: Record<string, unknown> = {}) => ({
  mappingId: MAPPING_UUID,
  queueUrl: QUEUE_URL,
  incidentId: 'incident-1',
  health: HEALTH,
  ...extra,
});

/** The request as the steps read it: validated, every default filled in. */
export const parsedRequest = (extra: Record<string, unknown> = {}): BackpressureRequest =>
  parseBackpressureRequest(request(extra));

/** The runbook's control after a first look at an untouched mapping at 100: nothing changed yet. */
export const UNTOUCHED_AT_100 = {
  current: 100,
  probes: 0,
  notified: false,
  polls: 0,
  settled: true,
  state: 'Enabled',
  changes: 0,
};

/** A first look's judgement of the downstream at 20 % errors (over the 5 % threshold): halve the limit. */
export const HALVE_AT_20_PERCENT = {
  decision: 'decrease',
  target: 50,
  reason: 'unhealthy (20 > 5)',
  healthy: false,
  errorRate: 20,
  thresholdPercent: 5,
};

export interface QueueWorldSetup {
  /** ScalingConfig.MaximumConcurrency at the start; null: none. Default 100. */
  maximumConcurrency?: number | null;
  /** Default true. */
  enabled?: boolean;
  /** Payments/ErrorRate published for each minute (percent); null: none. Default 20, unhealthy. */
  errorRate?: number | null;
  /** `payments` browns out to 5 requests a second from minute 2, or (the default) never. */
  brownout?: boolean;
  /** Minutes the world runs before the first step; default 5. */
  minutes?: number;
  /** Default 345,600 (4 days). */
  retentionSeconds?: number;
}

export interface QueueWorldPorts {
  clock: VirtualClock;
  metrics: MetricStore;
  /** The simulated mapping, queue and downstream, for the test to read or change unrecorded. */
  queue: QueueWorld;
  /** The world's ports, every call recorded. */
  ports: BackpressurePorts;
  /** Names of the calls the steps made, in order. */
  calls: string[];
  /** Every UpdateEventSourceMapping request the steps sent. */
  updates: UpdateEventSourceMappingRequest[];
  /** Sets the ErrorRate published from the minute in progress on. */
  setErrorRate(percent: number | null): void;
}

export async function queueWorldPorts(setup: QueueWorldSetup = {}): Promise<QueueWorldPorts> {
  const { maximumConcurrency = 100, enabled = true, brownout = false, minutes = 5 } = setup;
  let errorRate = setup.errorRate === undefined ? 20 : setup.errorRate;
  const { clock, metrics, world } = buildQueueWorld({
    seed: 1,
    startMs: START,
    world: {
      arrivals: steadyOrders(300),
      queue: {
        ...ORDERS_TO_PAYMENTS.queue,
        visibilityTimeoutSeconds: 60,
        ...(setup.retentionSeconds ? { messageRetentionPeriodSeconds: setup.retentionSeconds } : {}),
      },
      mapping: {
        uuid: MAPPING_UUID,
        transitionSeconds: 20,
        enabled,
        ...(maximumConcurrency === null ? {} : { maximumConcurrency }),
      },
      function: { ...ORDERS_TO_PAYMENTS.function, timeoutSeconds: 10 },
      downstream: {
        ...ORDERS_TO_PAYMENTS.downstream,
        latencyMs: 5000,
        brownouts: brownout ? [brownoutFromMinute2(120)] : [],
      },
    },
  });
  world.onMinute(({ entry }) => {
    if (errorRate !== null) metrics.putValue(HEALTH_METRIC, entry.startMs, errorRate);
  });
  await clock.advance(minutes * 60);

  const calls: string[] = [];
  const updates: UpdateEventSourceMappingRequest[] = [];
  const inner = world.ports();
  const ports: BackpressurePorts = {
    mappings: {
      getEventSourceMapping: (input) => {
        calls.push('GetEventSourceMapping');
        return inner.mappings.getEventSourceMapping(input);
      },
      updateEventSourceMapping: (input) => {
        calls.push('UpdateEventSourceMapping');
        updates.push(input);
        return inner.mappings.updateEventSourceMapping(input);
      },
    },
    queues: {
      getQueueAttributes: (input) => {
        calls.push('GetQueueAttributes');
        return inner.queues.getQueueAttributes(input);
      },
    },
    cloudwatch: {
      getMetricData: (input) => {
        calls.push('GetMetricData');
        return inner.cloudwatch.getMetricData(input);
      },
      describeInsightRules: (input) => inner.cloudwatch.describeInsightRules(input),
      getInsightRuleReport: (input) => inner.cloudwatch.getInsightRuleReport(input),
    },
    now: inner.now,
  };
  const setErrorRate = (percent: number | null) => {
    errorRate = percent;
  };
  return { clock, metrics, queue: world, ports, calls, updates, setErrorRate };
}

/** The mapping as GetEventSourceMapping shows it now (read by the test, not recorded). */
export const mappingOf = (world: QueueWorldPorts) =>
  world.queue.getEventSourceMapping({ UUID: MAPPING_UUID });

/** Changes the mapping behind the steps' back (as an earlier step did) and lets it settle. */
export async function changedEarlier(
  world: QueueWorldPorts,
  update: Omit<UpdateEventSourceMappingRequest, 'UUID'>,
) {
  await world.queue.updateEventSourceMapping({ UUID: MAPPING_UUID, ...update });
  await world.clock.advance(30);
}

/** A state the runbook has after its first look, with these fields of `control` (and `assessment`). */
export function withControl(
  state: BackpressureState,
  control: Partial<BackpressureState['control']>,
  assessment: Partial<BackpressureState['assessment']> = {},
): BackpressureState {
  return {
    ...state,
    control: { ...state.control, ...control },
    assessment: { ...state.assessment, ...assessment },
  };
}
