/**
 * An SQS-backpressure incident as a file: the queue and its redrive policy, the event-source
 * mapping, the consumer, the downstream and its brownout, the orders that arrive, and the breaker
 * the circuit-breaker baselines put before the downstream — validated like any input, so a user
 * brings their own queue with `selfheal simulate sqs-backpressure --incident FILE.json`, and the
 * built-in incident is such a file (`incident.json`).
 *
 * Bounds are AWS's where it has them (`world/sqs/limits.ts`, each with its source, and the SQS
 * mapping's MaximumConcurrency, 2 to 1,000) and the simulation's otherwise, each said where it is
 * set. A field the file leaves out takes AWS's default, as the world does (`QueueSpec`,
 * `MappingSpec`, `FunctionSpec`, `CircuitBreakerSpec` in `world/sqs/`).
 */
import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { IncidentFileError } from '../table/incident-file.ts';
import { MAX_MAXIMUM_CONCURRENCY, MIN_MAXIMUM_CONCURRENCY } from '../../world/sqs/event-source-mapping.ts';
import {
  BATCH_SIZE,
  BATCH_SIZE_WITHOUT_WINDOW,
  BATCHING_WINDOW_SECONDS,
  FUNCTION_NAME,
  FUNCTION_TIMEOUT_SECONDS,
  MAX_RECEIVE_COUNT,
  MESSAGE_RETENTION_SECONDS,
  QUEUE_NAME,
  VISIBILITY_TIMEOUT_SECONDS,
  type Bounds,
} from '../../world/sqs/limits.ts';

/** A day of virtual time: the longest a simulation runs (as for table incidents). */
const MAX_SECONDS = 86_400;
/**
 * Messages a second, and requests a second a downstream serves: the simulation's bound, an
 * assumption (SQS documents standard queues' throughput as nearly unlimited; the world counts
 * messages in per-second cohorts, so a million a second still simulates in seconds).
 */
const MAX_RATE = 1_000_000;
/** The queue's and the DLQ's defaults, SQS's own, as the world applies them (`QueueSpec`). */
const DEFAULT_VISIBILITY_TIMEOUT_SECONDS = 30;
/** Lambda's default function timeout, as the world applies it (`FunctionSpec`). */
const DEFAULT_FUNCTION_TIMEOUT_SECONDS = 3;
/** An event-source mapping's UUID, as Lambda gives it. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const wholeWithin = (bounds: Bounds) => z.number().int().min(bounds.min).max(bounds.max);

const rate = z.union([
  z.number().min(0).max(MAX_RATE),
  z.tuple([z.number().min(0).max(MAX_RATE), z.number().min(0).max(MAX_RATE)]),
]);

const arrivals = z
  .object({
    phases: z
      .array(
        z
          .object({
            name: z.string().min(1).max(40),
            durationSeconds: z.number().int().min(1).max(MAX_SECONDS),
            messagesPerSecond: rate,
          })
          .strict(),
      )
      .min(1)
      .max(50),
    /** Relative standard deviation of the per-second noise. */
    noise: z.number().min(0).max(1).optional(),
  })
  .strict();

const queue = z
  .object({
    name: z.string().regex(QUEUE_NAME, 'a standard queue name (1-80 of a-z A-Z 0-9 - _)'),
    visibilityTimeoutSeconds: wholeWithin(VISIBILITY_TIMEOUT_SECONDS).optional(),
    messageRetentionPeriodSeconds: wholeWithin(MESSAGE_RETENTION_SECONDS).optional(),
    maxReceiveCount: wholeWithin(MAX_RECEIVE_COUNT),
    deadLetterQueueName: z
      .string()
      .regex(QUEUE_NAME, 'a standard queue name (1-80 of a-z A-Z 0-9 - _)')
      .optional(),
    deadLetterRetentionPeriodSeconds: wholeWithin(MESSAGE_RETENTION_SECONDS).optional(),
  })
  .strict();

const mapping = z
  .object({
    uuid: z.string().regex(UUID, 'an event-source mapping UUID'),
    batchSize: wholeWithin(BATCH_SIZE).optional(),
    maximumBatchingWindowInSeconds: wholeWithin(BATCHING_WINDOW_SECONDS).optional(),
    /** ScalingConfig.MaximumConcurrency (aws-facts.md: 2 to 1,000 for SQS); absent: none. */
    maximumConcurrency: z.number().int().min(MIN_MAXIMUM_CONCURRENCY).max(MAX_MAXIMUM_CONCURRENCY).optional(),
  })
  .strict()
  .refine(
    (m) => (m.batchSize ?? 10) <= BATCH_SIZE_WITHOUT_WINDOW || (m.maximumBatchingWindowInSeconds ?? 0) >= 1,
    {
      message: `above ${BATCH_SIZE_WITHOUT_WINDOW} needs maximumBatchingWindowInSeconds of at least 1`,
      path: ['batchSize'],
    },
  );

const consumer = z
  .object({
    name: z.string().regex(FUNCTION_NAME, 'a Lambda function name (1-64 of a-z A-Z 0-9 - _)'),
    timeoutSeconds: wholeWithin(FUNCTION_TIMEOUT_SECONDS).optional(),
  })
  .strict();

const downstream = z
  .object({
    /** Its metrics' `Service` dimension value (CloudWatch allows 1 to 1,024 characters). */
    name: z.string().min(1).max(1024),
    /** Requests a second it serves healthily. */
    capacity: z.number().gt(0).max(MAX_RATE),
    /** Median latency of a healthy request; at most the longest a function may run. */
    latencyMs: z
      .number()
      .gt(0)
      .max(FUNCTION_TIMEOUT_SECONDS.max * 1000),
    p99LatencyMs: z
      .number()
      .gt(0)
      .max(FUNCTION_TIMEOUT_SECONDS.max * 1000)
      .optional(),
    /** Share of requests failing even when healthy. */
    errorRate: z.number().min(0).max(1).optional(),
    /**
     * Latency growth per unit of overload (`world/sqs/downstream.ts`); at most 100, the
     * simulation's bound (an assumption: a hundredfold slowdown per unit of overload is already
     * a service that answers nothing in time).
     */
    overloadLatencyFactor: z.number().min(0).max(100).optional(),
  })
  .strict()
  .refine((d) => d.p99LatencyMs === undefined || d.p99LatencyMs >= d.latencyMs, {
    message: 'is below latencyMs',
    path: ['p99LatencyMs'],
  });

const brownout = z
  .object({
    /** Minutes after the start when the downstream loses capacity. */
    fromMinute: z
      .number()
      .min(0)
      .max(MAX_SECONDS / 60),
    durationMinutes: z
      .number()
      .gt(0)
      .max(MAX_SECONDS / 60),
    /** Requests a second it still serves healthily meanwhile. */
    capacity: z.number().min(0).max(MAX_RATE),
  })
  .strict();

/** Bounds as `world/sqs/circuit-breaker.ts` checks them, the longest times a day. */
const circuitBreaker = z
  .object({
    errorThresholdPercent: z.number().gt(0).max(100).optional(),
    windowSeconds: z.number().int().min(1).max(MAX_SECONDS).optional(),
    minimumRequests: z.number().int().min(1).max(MAX_RATE).optional(),
    openSeconds: z.number().int().min(1).max(MAX_SECONDS).optional(),
    fastFailMs: z.number().gt(0).max(60_000).optional(),
  })
  .strict();

export const queueIncidentSchema = z
  .object({
    /** What the incident stands for, for whoever reads the file. */
    description: z.string().max(1000).optional(),
    /** When the simulation starts (ISO 8601). */
    start: z.iso.datetime({ offset: true }),
    simulatedSeconds: z.number().int().min(60).max(MAX_SECONDS).multipleOf(60),
    arrivals,
    queue,
    mapping,
    function: consumer,
    downstream,
    brownout,
    /** The circuit-breaker baselines' breaker; absent: the world's defaults (Hystrix's, 30 s open). */
    circuitBreaker: circuitBreaker.optional(),
  })
  .strict()
  .superRefine((incident, context) => {
    const visibility = incident.queue.visibilityTimeoutSeconds ?? DEFAULT_VISIBILITY_TIMEOUT_SECONDS;
    const timeout = incident.function.timeoutSeconds ?? DEFAULT_FUNCTION_TIMEOUT_SECONDS;
    if (visibility < timeout) {
      // Lambda refuses such a mapping (CreateEventSourceMapping's InvalidParameterValueException).
      context.addIssue({
        code: 'custom',
        message: `${visibility} s is less than the function timeout of ${timeout} s, which Lambda refuses for a mapping`,
        path: ['queue', 'visibilityTimeoutSeconds'],
      });
    }
    const { fromMinute, durationMinutes } = incident.brownout;
    if ((fromMinute + durationMinutes) * 60 > incident.simulatedSeconds) {
      context.addIssue({
        code: 'custom',
        message: `ends after the simulation (${incident.simulatedSeconds} s): the recovery could not be seen`,
        path: ['brownout', 'durationMinutes'],
      });
    }
  })
  .transform(({ start, circuitBreaker: breaker, ...rest }) => ({
    ...rest,
    startMs: Date.parse(start),
    circuitBreaker: breaker ?? {},
  }));

export type QueueIncidentFile = z.output<typeof queueIncidentSchema>;

/** Reads and validates an incident file; the first problem, named by its field, in one line. */
export function readQueueIncidentFile(file: string): QueueIncidentFile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new IncidentFileError(file, (error as Error).message);
  }
  const parsed = queueIncidentSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new IncidentFileError(file, `${issue?.path.join('.') || '(top)'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}
