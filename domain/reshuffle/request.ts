/**
 * What the key-reshuffle and key-merge runbooks are asked to do, validated at the edge: the table,
 * the hot key, the key attributes, and the caps.
 */
import * as z from 'zod';
import { parseOrThrow } from '../validation.ts';
import { MAX_SHARDS } from '../../key-router/shard-map.ts';

/**
 * The most batches one execution of the key-move-batches state machine may move. Its history is
 * about 33 events a batch at worst (every retry taken: statemachines/key-move-batches.asl.json says
 * how), so 400 batches stay near 13,200 events, about half of Step Functions' 25,000. The state
 * machine refuses a larger budget itself; this keeps a request from asking for one.
 */
export const MAX_BATCHES_PER_EXECUTION = 400;

export const reshufflePolicySchema = z
  .object({
    /** Never more shards than this: a scatter-gather read costs one query per shard. */
    maxShards: z.number().int().min(2).max(MAX_SHARDS).default(16),
    headroomPercent: z.number().min(0).max(300).default(30),
    /** Items per mover batch. */
    batchSize: z.number().int().min(1).max(1000).default(100),
    /**
     * Batches one child execution (key-move-batches) moves before it hands its checkpoint back and
     * the runbook starts the next: what keeps each execution's history far from the 25,000-event
     * quota however big the key is.
     */
    batchesPerExecution: z.number().int().min(1).max(MAX_BATCHES_PER_EXECUTION).default(200),
    /** Seconds of recent demand the plan looks at (sized by the busiest minute). */
    demandWindowSeconds: z.number().int().min(60).max(3600).default(300),
    /** Seconds the runbook waits after publishing a shard map change, for every router's cache. */
    routerCacheSeconds: z.number().int().min(0).max(600).default(60),
    /** A merge starts only when the key's demand over this many seconds fits one partition. */
    coolSeconds: z.number().int().min(60).max(86_400).default(1800),
  })
  .strict();

export const reshuffleRequestSchema = z
  .object({
    tableName: z.string().min(3).max(255),
    logicalKey: z.string().min(1).max(1024),
    keys: z
      .object({ partitionKey: z.string().min(1), sortKey: z.string().min(1) })
      .strict()
      .default({ partitionKey: 'pk', sortKey: 'sk' }),
    dryRun: z.boolean().default(false),
    /**
     * Go on with a move an earlier run of the same runbook left unfinished (out of time, or
     * failed): a reshuffle adopts a key that is still `sharding`, a merge one that is still
     * `merging`, and moves what is left from the key's first item (items already moved are gone
     * from the source, so nothing is moved twice). Only once that run has ended: two movers must
     * never work on one key at once. hot-shard asks for it, as dispatch's lock on the table and
     * the runbooks' nested timeouts guarantee the earlier run has ended.
     */
    resume: z.boolean().default(false),
    policy: reshufflePolicySchema.default(() => reshufflePolicySchema.parse({})),
  })
  .strict();

export type ReshuffleRequest = z.output<typeof reshuffleRequestSchema>;

export function parseReshuffleRequest(input: unknown): ReshuffleRequest {
  return parseOrThrow(reshuffleRequestSchema, input, 'The key-reshuffle request');
}

/** A partition serves at most 1,000 WCU: the limit a shard is sized against (writes make keys hot). */
export const PARTITION_WRITE_LIMIT = 1000;
