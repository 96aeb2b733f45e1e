/**
 * The SQS-backpressure incident: steady orders into a queue, a consumer calling a payments
 * service, and the payments service browning out to a tenth of its capacity for 20 minutes.
 *
 * The numbers are an ordinary production shape: 200 messages a second in batches of 10 need 20
 * payment calls a second, a fifth of what the service serves healthily at 200 ms, so the consumer
 * runs about 4 invocations at once; the mapping allows 100 (room for catching up). The queue keeps
 * messages for an hour (orders older than that are no longer worth taking) and sends a message to
 * its DLQ on its sixth receive. The consumer's timeout is 10 s, the queue's visibility timeout 60 s
 * (AWS advises at least six times the function timeout).
 *
 * The circuit-breaker baselines' breaker (both kinds, `world/sqs/circuit-breaker.ts`) uses
 * Hystrix's defaults for when to open: 50 % of the calls failed, over a 10-second rolling window,
 * at least 20 calls in it (Netflix Hystrix's configuration: `errorThresholdPercentage`,
 * `metrics.rollingStats.timeInMilliseconds`, `requestVolumeThreshold`). Its 30-second open time is
 * an assumption (Hystrix's default sleep window is 5 s). The static-limit baseline derives
 * its limit from `downstream` (`rightSizedConcurrency` in `run.ts`).
 *
 * What selfheal is configured with (the mapping's queue, the downstream's health metric and 5 %
 * error-rate threshold, the throttling policy) is the deployment's: `selfheal.config.json`.
 */
import type { ArrivalSpec, CircuitBreakerSpec, QueueWorldOptions } from '../../world/sqs/queue-world.ts';

export interface QueueIncident {
  startMs: number;
  simulatedSeconds: number;
  arrivals: ArrivalSpec;
  queue: QueueWorldOptions['queue'];
  mapping: NonNullable<QueueWorldOptions['mapping']> & { uuid: string };
  function: QueueWorldOptions['function'];
  downstream: Omit<QueueWorldOptions['downstream'], 'brownouts'>;
  brownout: { fromMinute: number; durationMinutes: number; capacity: number };
  /** The circuit-breaker baselines' breaker: a 429 breaker's, or a pausing one's (`whenOpen` set by the variant). */
  circuitBreaker: CircuitBreakerSpec;
}

export const SQS_BACKPRESSURE_INCIDENT: QueueIncident = {
  startMs: Date.UTC(2026, 10, 23, 9, 0, 0),
  simulatedSeconds: 90 * 60,
  arrivals: {
    phases: [{ name: 'steady', durationSeconds: 90 * 60, messagesPerSecond: 200 }],
    noise: 0.05,
  },
  queue: {
    name: 'orders',
    visibilityTimeoutSeconds: 60,
    maxReceiveCount: 5,
    messageRetentionPeriodSeconds: 3600,
  },
  mapping: { uuid: '6c1d8a4e-3b2f-4e7a-9c51-0d2e7f4a8b13', batchSize: 10, maximumConcurrency: 100 },
  function: { name: 'orders-consumer', timeoutSeconds: 10 },
  downstream: { name: 'payments', capacity: 100, latencyMs: 200 },
  brownout: { fromMinute: 10, durationMinutes: 20, capacity: 10 },
  circuitBreaker: { errorThresholdPercent: 50, windowSeconds: 10, minimumRequests: 20, openSeconds: 30 },
};

/** Seconds since the start at which the downstream has its capacity back. */
export const recoverySeconds = (incident: QueueIncident): number =>
  (incident.brownout.fromMinute + incident.brownout.durationMinutes) * 60;
