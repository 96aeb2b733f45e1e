/** Planning a reshuffle: the key's demand, and the shard count that serves it within the cap. */
import type { CloudWatchPort } from '../ports.ts';
import { ChangeRejectedError } from '../errors.ts';
import { readKeyDemand, type KeyDemand } from './key-demand.ts';
import { planShardCount, type ShardCountPlan } from './plan.ts';
import { PARTITION_WRITE_LIMIT, type ReshuffleRequest } from './request.ts';
import type { ShardMapEntry } from '../../key-router/shard-map.ts';

export interface ReshufflePlan extends ShardCountPlan {
  demand: KeyDemand;
}

export async function planReshuffle(
  ports: { cloudwatch: CloudWatchPort; now: () => number },
  request: ReshuffleRequest,
): Promise<ReshufflePlan> {
  const end = new Date(ports.now());
  const start = new Date(end.getTime() - request.policy.demandWindowSeconds * 1000);
  const demand = await readKeyDemand(ports.cloudwatch, request.tableName, request.logicalKey, { start, end });
  if (demand.ruleName === null) {
    throw new ChangeRejectedError(
      `Table ${request.tableName} has no Contributor Insights rule for its most accessed keys: the key's demand, and so its shard count, is unknown`,
    );
  }
  // Each request counted as a whole write unit: the hot key is write-hot, and reads cost less.
  const plan = planShardCount(
    demand.requestsPerSecond,
    PARTITION_WRITE_LIMIT,
    request.policy.headroomPercent,
    request.policy.maxShards,
  );
  return { ...plan, demand };
}

/**
 * The plan of a run that resumes a move (`resume`): the key is already `sharding` over the shards
 * its entry names, and those stay, whatever its demand says now, since items already sit at
 * them. The demand is still read for the report; without Contributor Insights it is just unknown.
 */
export async function planResume(
  ports: { cloudwatch: CloudWatchPort; now: () => number },
  request: ReshuffleRequest,
  entry: Pick<ShardMapEntry, 'shards' | 'since'>,
): Promise<ReshufflePlan> {
  const end = new Date(ports.now());
  const start = new Date(end.getTime() - request.policy.demandWindowSeconds * 1000);
  const demand = await readKeyDemand(ports.cloudwatch, request.tableName, request.logicalKey, { start, end });
  const sized = planShardCount(
    demand.requestsPerSecond,
    PARTITION_WRITE_LIMIT,
    request.policy.headroomPercent,
    request.policy.maxShards,
  );
  return {
    ...sized,
    shards: entry.shards,
    capped: sized.required > entry.shards,
    reasons: [
      `resuming: the key has been sharding over ${entry.shards} shards since ${entry.since}; the move goes on over them`,
      ...(demand.ruleName === null
        ? ['the key demand is unknown (no Contributor Insights rule)']
        : sized.reasons),
    ],
    demand,
  };
}
