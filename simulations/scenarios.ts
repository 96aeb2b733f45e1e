/**
 * The simulated incidents `selfheal simulate` knows, each run with selfheal first and then its
 * baselines on the same seed.
 */
import type { CloudWatchAlarmEvent } from '../detectors/events/cloudwatch-alarm-event.ts';
import { HOT_SHARD_VARIANTS, runHotShard } from './hot-shard.ts';
import { HOT_KEY_VARIANTS, runHotKey } from './hot-key.ts';
import type { VariantResult } from './outcome.ts';

export interface Scenario {
  name: string;
  summary: string;
  /** `selfheal` first, then the baselines. */
  variants: readonly string[];
  run(options: {
    seed: number;
    variant: string;
    onAlarmEvent?: (event: CloudWatchAlarmEvent, atSeconds: number) => void;
  }): Promise<VariantResult>;
}

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'hot-shard',
    summary: 'a provisioned table meets a write surge 13x its baseline (vs auto scaling alone, and nothing)',
    variants: HOT_SHARD_VARIANTS,
    run: ({ variant, ...options }) =>
      runHotShard({ ...options, variant: variant as (typeof HOT_SHARD_VARIANTS)[number] }),
  },
  {
    name: 'hot-key',
    summary:
      'one partition key asks more than a partition serves (vs auto scaling alone, and a capacity raise)',
    variants: HOT_KEY_VARIANTS,
    run: ({ variant, ...options }) =>
      runHotKey({ ...options, variant: variant as (typeof HOT_KEY_VARIANTS)[number] }),
  },
];
