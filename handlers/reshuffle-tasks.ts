/**
 * The key-reshuffle and key-merge runbooks' tasks. Each is a thin shell over one domain function
 * (domain/reshuffle/): validate, call, return JSON. One module, one Lambda handler per export.
 */
import * as z from 'zod';
import { parseOrThrow } from '../domain/validation.ts';
import { reshuffleRequestSchema, parseReshuffleRequest } from '../domain/reshuffle/request.ts';
import { planReshuffle, planResume } from '../domain/reshuffle/plan-reshuffle.ts';
import { readKeyDemand } from '../domain/reshuffle/key-demand.ts';
import { snapshotLogicalKey } from '../domain/reshuffle/verify.ts';
import { advanceShardState, publishShardMap, readShardMap } from '../domain/reshuffle/shard-map-store.ts';
import { emptySummary, moveBatch } from '../domain/reshuffle/move.ts';
import { finishMerge, mergeBatch } from '../domain/reshuffle/merge.ts';
import { readKeys, shardKey, shardMapEntrySchema } from '../key-router/shard-map.ts';
import { ShardMapConflictError, ShardMapStateError } from '../domain/reshuffle/errors.ts';
import {
  anyExpired,
  deadlinesSchema,
  expiredDeadlines,
  type Deadlines,
} from '../domain/reshuffle/deadlines.ts';
import type { BatchResult } from '../domain/reshuffle/relocate.ts';
import type { Checkpoint } from '../domain/reshuffle/items.ts';
import { PARTITION_WRITE_LIMIT } from '../domain/reshuffle/request.ts';
import { productionReshufflePorts } from './shared/reshuffle-ports.ts';
import type { ReshufflePorts } from '../domain/reshuffle/ports.ts';
import { taskModule } from './shared/task-handler.ts';

type Ports = () => ReshufflePorts;

const withRequest = <T extends z.ZodRawShape>(shape: T) =>
  z.object({ request: reshuffleRequestSchema, ...shape }).strict();
const checkpointSchema = z.record(z.string(), z.record(z.string(), z.string())).nullable();
const entryInput = withRequest({ entry: shardMapEntrySchema });
/** A batch's deadlines (see domain/reshuffle/deadlines.ts); none: no time limit. */
const deadlinesInput = deadlinesSchema.default({});

/** What a batch task returns: the batch, and which of its deadlines have passed. */
export type TimedBatchResult = BatchResult & { expired: Record<string, boolean> };

/**
 * Runs `batch` unless a deadline has already passed (then moves nothing and hands the checkpoint
 * back as it came), and says which deadlines have passed once it is through. So a state machine
 * never begins a batch after its deadline, and learns it has passed without another invocation.
 */
async function withinDeadlines(
  deadlines: Deadlines,
  now: () => number,
  untouched: { sourceKey: string; checkpoint: Checkpoint | null },
  batch: () => Promise<BatchResult>,
): Promise<TimedBatchResult> {
  const before = expiredDeadlines(deadlines, now());
  if (anyExpired(before)) {
    return { ...untouched, read: 0, outcomes: emptySummary().outcomes, done: false, expired: before };
  }
  const result = await batch();
  return { ...result, expired: expiredDeadlines(deadlines, now()) };
}

/**
 * Sizes the shards from the key's demand; with `resume`, a key an earlier run left `sharding`
 * keeps the shards it has (its items already sit at them).
 */
export const planKeyReshuffle = (ports: Ports) => async (input: unknown) => {
  const request = parseReshuffleRequest(input);
  const resolved = ports();
  const entry = request.resume ? await readShardMap(resolved.dynamodb, resolved.controlTable, request) : null;
  const plan =
    entry?.state === 'sharding'
      ? await planResume(resolved, request, entry)
      : await planReshuffle(resolved, request);
  return { request, plan };
};

export const snapshotKey = (ports: Ports) => async (input: unknown) => {
  const { request, shards } = parseOrThrow(
    withRequest({ shards: z.number().int().min(0) }),
    input,
    'Snapshot input',
  );
  return snapshotLogicalKey(ports().dynamodb, {
    tableName: request.tableName,
    keys: request.keys,
    logicalKey: request.logicalKey,
    shards,
  });
};

export const publishKeyShardMap = (ports: Ports) => async (input: unknown) => {
  const { request, shards } = parseOrThrow(
    withRequest({ shards: z.number().int().min(2) }),
    input,
    'Publish input',
  );
  const { dynamodb, controlTable, now } = ports();
  try {
    return await publishShardMap(
      dynamodb,
      controlTable,
      { tableName: request.tableName, logicalKey: request.logicalKey, shards },
      new Date(now()),
    );
  } catch (error) {
    // Resuming: the entry an earlier run published is this run's, if it is still mid-move with
    // the shards this run planned (the plan took them from it). Anything else is another owner.
    if (!(request.resume && error instanceof ShardMapConflictError)) throw error;
    const entry = await readShardMap(dynamodb, controlTable, request);
    if (entry?.state === 'sharding' && entry.shards === shards) return entry;
    throw error;
  }
};

export const advanceKeyShardMap = (ports: Ports) => async (input: unknown) => {
  const { entry } = parseOrThrow(entryInput, input, 'Advance input');
  const { dynamodb, controlTable, now } = ports();
  const { tableName, logicalKey, state, version } = entry;
  return advanceShardState(
    dynamodb,
    controlTable,
    { tableName, logicalKey, state, version },
    new Date(now()),
  );
};

export const moveKeyBatch = (ports: Ports) => async (input: unknown) => {
  const { request, entry, checkpoint, deadlines } = parseOrThrow(
    withRequest({ entry: shardMapEntrySchema, checkpoint: checkpointSchema, deadlines: deadlinesInput }),
    input,
    'Move batch input',
  );
  const { dynamodb, controlTable, now } = ports();
  const from = checkpoint as Checkpoint | null;
  return withinDeadlines(deadlines, now, { sourceKey: entry.logicalKey, checkpoint: from }, () =>
    moveBatch(dynamodb, {
      entry,
      controlTable,
      keys: request.keys,
      batchSize: request.policy.batchSize,
      checkpoint: from,
    }),
  );
};

export const mergeKeyBatch = (ports: Ports) => async (input: unknown) => {
  const { request, entry, shard, checkpoint, deadlines } = parseOrThrow(
    withRequest({
      entry: shardMapEntrySchema,
      shard: z.number().int().min(0),
      checkpoint: checkpointSchema,
      deadlines: deadlinesInput,
    }),
    input,
    'Merge batch input',
  );
  const { dynamodb, controlTable, now } = ports();
  const from = checkpoint as Checkpoint | null;
  const sourceKey = shardKey(entry.logicalKey, shard);
  return withinDeadlines(deadlines, now, { sourceKey, checkpoint: from }, () =>
    mergeBatch(dynamodb, {
      entry,
      shard,
      controlTable,
      keys: request.keys,
      batchSize: request.policy.batchSize,
      checkpoint: from,
    }),
  );
};

export const finishKeyMerge = (ports: Ports) => async (input: unknown) => {
  const { request, entry } = parseOrThrow(entryInput, input, 'Finish merge input');
  const { dynamodb, controlTable, now } = ports();
  return finishMerge(dynamodb, { entry, controlTable, keys: request.keys }, new Date(now()));
};

/**
 * Whether a sharded key has been cool long enough to merge: its demand fits one partition. With
 * `resume`, a key an earlier merge left `merging` goes on whatever its demand: its writes already
 * go to the logical key, so the only way forward is to finish.
 */
export const checkKeyCool = (ports: Ports) => async (input: unknown) => {
  const request = parseReshuffleRequest(input);
  const { dynamodb, controlTable, cloudwatch, now } = ports();
  const entry = await readShardMap(dynamodb, controlTable, request);
  const resuming = request.resume && entry?.state === 'merging';
  if (!entry || !(entry.state === 'active' || resuming)) {
    throw new ShardMapStateError(
      `${request.tableName} key ${request.logicalKey} is not sharded and active${request.resume ? ', nor merging' : ''}: nothing to merge`,
    );
  }
  const end = new Date(now());
  const start = new Date(end.getTime() - request.policy.coolSeconds * 1000);
  // The shards' demand, summed (each busiest minute: conservative): each shard is its own key in
  // Contributor Insights. Without the rule nothing says the key is cool, so it is not.
  let requestsPerSecond = 0;
  let measured = true;
  for (const key of readKeys(entry)) {
    const demand = await readKeyDemand(cloudwatch, request.tableName, key, { start, end });
    measured &&= demand.ruleName !== null;
    requestsPerSecond += demand.requestsPerSecond;
  }
  const limit = PARTITION_WRITE_LIMIT / (1 + request.policy.headroomPercent / 100);
  return {
    request,
    entry,
    requestsPerSecond,
    measured,
    cool: resuming || (measured && requestsPerSecond <= limit),
  };
};

const make = taskModule<Ports>(productionReshufflePorts);

export const makePlanHandler = make('plan-key-reshuffle', planKeyReshuffle);
export const makeSnapshotHandler = make('snapshot-key', snapshotKey);
export const makePublishHandler = make('publish-shard-map', publishKeyShardMap);
export const makeAdvanceHandler = make('advance-shard-map', advanceKeyShardMap);
export const makeMoveHandler = make('move-key-batch', moveKeyBatch);
export const makeMergeHandler = make('merge-key-batch', mergeKeyBatch);
export const makeFinishMergeHandler = make('finish-key-merge', finishKeyMerge);
export const makeCheckCoolHandler = make('check-key-cool', checkKeyCool);

export const planHandler = makePlanHandler();
export const snapshotHandler = makeSnapshotHandler();
export const publishHandler = makePublishHandler();
export const advanceHandler = makeAdvanceHandler();
export const moveHandler = makeMoveHandler();
export const mergeHandler = makeMergeHandler();
export const finishMergeHandler = makeFinishMergeHandler();
export const checkCoolHandler = makeCheckCoolHandler();
