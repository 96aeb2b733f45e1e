/**
 * The baselines a sceptical operator would compare selfheal with on a table incident. Each is the
 * same incident on the same seed (the same demand, second by second) with one thing changed: how
 * the table's capacity is managed, or who answers the alarm. Every parameter below is AWS's
 * documented behaviour (with the page it comes from) or marked as an assumption.
 */
import type { BillingMode } from '../../world/dynamodb/capacity-model.ts';

/**
 * - `auto-scaling`: target tracking at the incident's target, the console's default 70 % ("Managing
 *   throughput capacity automatically with DynamoDB auto scaling"), nobody acting on the alarm.
 * - `auto-scaling-50`: the same at a 50 % target, what an operator who expects surges might pick
 *   (AWS allows 20-90 %, same page). 50 is an assumption of a cautious choice, not a documented
 *   default; the minimum and maximum stay the incident's.
 * - `on-demand`: the table is PAY_PER_REQUEST from its creation and for the whole incident, never
 *   provisioned. AWS documents that on-demand instantly accommodates up to double the previous peak
 *   and may throttle traffic beyond it within 30 minutes; a new on-demand table's previous peak is
 *   2,000 write / 6,000 read request units; the default per-table quota is 40,000 of each ("DynamoDB
 *   on-demand capacity mode", its section "Initial throughput and scaling properties"; AWS
 *   Knowledge Center "Why is my on-demand DynamoDB table being throttled?"; the world's model is
 *   `world/dynamodb/capacity-model.ts`). Assumed: a table created on-demand (never
 *   provisioned, so not half a provisioned capacity), whose own traffic never beat a new table's
 *   peak; no configured maximum throughput.
 * - `on-call`: auto scaling at 70 %, and an engineer paged by the same alarm who, after a delay,
 *   does by hand what the runbook does once (see `on-call.ts`).
 */
export const TABLE_BASELINES = ['auto-scaling', 'auto-scaling-50', 'on-demand', 'on-call'] as const;

export type TableBaseline = (typeof TABLE_BASELINES)[number];

/** The cautious target of the `auto-scaling-50` baseline: an assumption, inside AWS's 20-90 %. */
export const CAUTIOUS_TARGET_PERCENT = 50;

/** How a variant's table is set up before the incident starts. */
export interface TableSetup {
  billingMode: BillingMode;
  autoScaling: boolean;
  /** Target tracking's target, when not the incident's. */
  autoScalingTargetPercent?: number;
}

/**
 * The table of a variant: selfheal's and every scenario-specific baseline not named here (the
 * hot-key capacity raise) run on the incident's provisioned table with its auto scaling, as most
 * production tables are; `none` has no auto scaling at all.
 */
export function tableSetupOf(variant: string): TableSetup {
  switch (variant) {
    case 'auto-scaling-50':
      return {
        billingMode: 'PROVISIONED',
        autoScaling: true,
        autoScalingTargetPercent: CAUTIOUS_TARGET_PERCENT,
      };
    case 'on-demand':
      return { billingMode: 'PAY_PER_REQUEST', autoScaling: false };
    case 'none':
      return { billingMode: 'PROVISIONED', autoScaling: false };
    default:
      return { billingMode: 'PROVISIONED', autoScaling: true };
  }
}
