/**
 * The SQS-backpressure incident (`incident.json` beside this file, read as any user's file is:
 * `incident-file.ts`): steady orders into a queue, a consumer calling a payments service, and the
 * payments service browning out to a tenth of its capacity for 20 minutes.
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
import { fileURLToPath } from 'node:url';
import type { ArrivalSpec, CircuitBreakerSpec, QueueWorldOptions } from '../../world/sqs/queue-world.ts';
import { readQueueIncidentFile } from './incident-file.ts';

export interface QueueIncident {
  /** What the incident stands for, for whoever reads its file. */
  description?: string;
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

/** The built-in incident, a file like any user's (`simulate sqs-backpressure --incident FILE`). */
export const SQS_BACKPRESSURE_INCIDENT_FILE = fileURLToPath(new URL('incident.json', import.meta.url));

/**
 * Reads and validates an incident file (`incident-file.ts`): the incident, or an
 * IncidentFileError naming the file and the first field at fault, in one line.
 */
export const readSqsBackpressureIncident = (file: string): QueueIncident => readQueueIncidentFile(file);

export const SQS_BACKPRESSURE_INCIDENT: QueueIncident = readSqsBackpressureIncident(
  SQS_BACKPRESSURE_INCIDENT_FILE,
);

/** Seconds since the start at which the downstream has its capacity back. */
export const recoverySeconds = (incident: QueueIncident): number =>
  (incident.brownout.fromMinute + incident.brownout.durationMinutes) * 60;
