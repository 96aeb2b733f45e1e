/**
 * How many shards a hot key needs: enough partitions' worth of throughput for its demand plus
 * headroom. Pure, so the runbook's sizing is a unit test.
 */
import * as z from 'zod';
import { parseOrThrow } from '../validation.ts';
import { MAX_SHARDS } from '../../key-router/shard-map.ts';

export interface ShardCountPlan {
  /** The shard count to publish: in [2, cap]. */
  shards: number;
  /** ceil(demand × (1 + headroom) / limit), before the floor of 2 and the cap. */
  required: number;
  /** min(maxShards, MAX_SHARDS). */
  cap: number;
  /** true when `required` is above the cap: the shards will still run hot. */
  capped: boolean;
  reasons: string[];
}

const planInputSchema = z.object({
  demandUnitsPerSecond: z.number().min(0),
  perPartitionLimit: z.number().positive(),
  headroomPercent: z.number().min(0).max(1000),
  maxShards: z.number().int().min(2),
});

export function planShardCount(
  demandUnitsPerSecond: number,
  perPartitionLimit: number,
  headroomPercent: number,
  maxShards: number = MAX_SHARDS,
): ShardCountPlan {
  parseOrThrow(
    planInputSchema,
    { demandUnitsPerSecond, perPartitionLimit, headroomPercent, maxShards },
    'Shard count request',
  );
  // demand × (100 + headroom) / (100 × limit): exact for whole numbers, where 1 + 20/100 is not.
  const required = Math.ceil((demandUnitsPerSecond * (100 + headroomPercent)) / (100 * perPartitionLimit));
  const cap = Math.min(maxShards, MAX_SHARDS);
  const capped = required > cap;
  const shards = Math.min(Math.max(required, 2), cap);
  const need = `${demandUnitsPerSecond} units/s with ${headroomPercent}% headroom over ${perPartitionLimit} units/s per partition needs ${required} shard(s)`;
  const reasons = [need];
  if (required < 2) reasons.push('2 shards at least: fewer is no reshuffle');
  if (capped) reasons.push(`capped at ${cap} shards: each shard stays above the per-partition limit`);
  return { shards, required, cap, capped, reasons };
}
