/**
 * The SQS-backpressure runbook's request: which event-source mapping and queue, how to judge the
 * downstream's health (a CloudWatch metric, ErrorRate by default, and a threshold), and the
 * throttling policy (multiplicative decrease to a floor, additive increase back to the original).
 */
import * as z from 'zod';
import { parseOrThrow } from '../validation.ts';

/** SQS event-source mappings take MaximumConcurrency 2..1,000 (aws-facts.md). */
export const MIN_MAXIMUM_CONCURRENCY = 2;
export const MAX_MAXIMUM_CONCURRENCY = 1000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const backpressurePolicySchema = z
  .object({
    /** `throttle` lowers MaximumConcurrency; `disable` turns the mapping off instead. */
    mode: z.enum(['throttle', 'disable']).default('throttle'),
    /** Multiplicative decrease: the next limit is the current one times this. */
    decreaseFactor: z.number().gt(0).lt(1).default(0.5),
    floor: z.number().int().min(MIN_MAXIMUM_CONCURRENCY).max(MAX_MAXIMUM_CONCURRENCY).default(2),
    /** Additive increase per healthy probe. */
    increaseStep: z.number().int().min(1).max(MAX_MAXIMUM_CONCURRENCY).default(10),
    /** Wait between a change and the next probe. */
    probeSeconds: z.number().int().min(10).max(3600).default(120),
    /**
     * Probes before the run ends: restoring the original (healthy), or giving up (still unhealthy).
     * The default 18 probes of 120 s, each after a change settles, end a run within dispatch's
     * 50-minute wait, inside the lock's one-hour lease.
     */
    maxProbes: z.number().int().min(1).max(500).default(18),
    /** Wait between GetEventSourceMapping polls while a change settles. */
    settleSeconds: z.number().int().min(1).max(300).default(5),
    settleMaxPolls: z.number().int().min(1).max(100).default(24),
    /** The oldest message's age, as a share of the retention period, that raises the alarm. */
    retentionGuardPercent: z.number().gt(0).max(100).default(80),
  })
  .strict();

export const backpressureRequestSchema = z
  .object({
    mappingId: z.string().regex(UUID, 'must be an event-source mapping UUID'),
    queueUrl: z.url(),
    /** The ledger's resource; default `event-source-mapping/<mappingId>`. */
    resource: z.string().min(1).optional(),
    incidentId: z.string().min(1).optional(),
    dryRun: z.boolean().default(false),
    health: z
      .object({
        namespace: z.string().min(1),
        /** A published error-rate metric (percent), read when `counts` is not given. */
        metricName: z.string().min(1).default('ErrorRate'),
        /**
         * Or the error and request counts the service publishes, the rate computed from them as
         * the downstream-health alarm does (`100 * FILL(errors, 0) / requests`).
         */
        counts: z
          .object({ errors: z.string().min(1), requests: z.string().min(1) })
          .strict()
          .optional(),
        dimensions: z.record(z.string().min(1), z.string().min(1)),
        /** Healthy while the metric's latest minute is at most this (percent). */
        thresholdPercent: z.number().min(0).max(100),
        lookbackSeconds: z.number().int().min(60).max(3600).default(180),
      })
      .strict(),
    policy: backpressurePolicySchema.prefault({}),
  })
  .strict();

export type BackpressureRequest = z.output<typeof backpressureRequestSchema>;
export type BackpressurePolicy = BackpressureRequest['policy'];

export function parseBackpressureRequest(input: unknown): BackpressureRequest {
  return parseOrThrow(backpressureRequestSchema, input, 'Backpressure request');
}

export const ledgerResourceOf = (request: BackpressureRequest): string =>
  request.resource ?? `event-source-mapping/${request.mappingId}`;

/** `https://sqs.us-east-1.amazonaws.com/123456789012/orders` -> `orders`. */
export const queueNameOf = (queueUrl: string): string => queueUrl.replace(/\/+$/, '').split('/').at(-1) ?? '';
