/**
 * Deciding: from a diagnosis and a policy, the one change to make (or why to make none). Pure, so
 * every branch of the runbook's decision is a unit test.
 */
import type { CapacityPolicy } from './request.ts';
import type { DimensionLoad, TableDiagnosis } from './diagnose.ts';
import type { Dimension } from './table-metrics.ts';
import type { HotKey } from './hot-keys.ts';
import { hourlyCostUsd } from './pricing.ts';

export interface DimensionChange {
  dimension: Dimension;
  from: number;
  to: number;
  /** Auto scaling undoes an UpdateTable outside its range, so a managed table moves its range. */
  via: 'update-table' | 'scalable-target';
  scalableTarget?: { fromMin: number; toMin: number; fromMax: number; toMax: number };
}

interface PlanBase {
  tableName: string;
  reasons: string[];
}

export type CapacityPlan =
  | (PlanBase & { kind: 'no-change' })
  | (PlanBase & { kind: 'hot-key'; hotKeys: HotKey[] })
  | (PlanBase & { kind: 'cap-reached' })
  | (PlanBase & { kind: 'over-budget'; hourlyCostIncreaseUsd: number })
  | (PlanBase & {
      kind: 'raise-capacity';
      changes: DimensionChange[];
      capped: boolean;
      hourlyCostIncreaseUsd: number;
      /** For a raised auto scaling minimum: when a scheduled action gives the old one back. */
      restoreMinimumAfterMinutes?: number;
    })
  | (PlanBase & { kind: 'switch-to-on-demand'; from: Record<Dimension, number> });

export type CapacityPlanKind = CapacityPlan['kind'];

const CAP: Record<Dimension, keyof CapacityPolicy> = {
  read: 'maxReadCapacityUnits',
  write: 'maxWriteCapacityUnits',
};

export function planCapacity(diagnosis: TableDiagnosis, policy: CapacityPolicy): CapacityPlan {
  const { tableName } = diagnosis;
  const reasons = [...diagnosis.evidence];
  switch (diagnosis.cause) {
    case 'none':
      return { kind: 'no-change', tableName, reasons: [...reasons, 'no throttling in the lookback window'] };
    case 'hot-key':
      return { kind: 'hot-key', tableName, hotKeys: diagnosis.hotKeys, reasons };
    case 'on-demand-limit':
      return {
        kind: 'no-change',
        tableName,
        reasons: [
          ...reasons,
          'the on-demand table is at its maximum throughput: raise the table quota by hand',
        ],
      };
    case 'table-capacity':
      break;
  }
  if (diagnosis.table.billingMode === 'PAY_PER_REQUEST') {
    return {
      kind: 'no-change',
      tableName,
      reasons: [...reasons, 'on-demand table: no provisioned capacity to raise'],
    };
  }

  const changes: DimensionChange[] = [];
  let capped = false;
  for (const dimension of ['read', 'write'] as const) {
    const load = diagnosis.load[dimension];
    if (!isThrottled(load)) continue;
    // The epsilon keeps a binary-fraction error (100 x 1.1 = 110.00000000000001) from costing a unit.
    const needed = Math.ceil(load.demandPerSecond * (1 + policy.headroomPercent / 100) - 1e-9);
    const cap = policy[CAP[dimension]] as number;
    const to = Math.min(needed, cap);
    if (needed > cap) {
      capped = true;
      reasons.push(`${dimension}: demand needs ${needed} units, above the cap of ${cap}`);
    }
    if (to <= load.provisioned) continue;
    const range = diagnosis.autoScaling[dimension];
    changes.push({
      dimension,
      from: load.provisioned,
      to,
      via: range ? 'scalable-target' : 'update-table',
      ...(range
        ? {
            scalableTarget: {
              fromMin: range.minCapacity,
              toMin: Math.max(range.minCapacity, to),
              fromMax: range.maxCapacity,
              toMax: Math.max(range.maxCapacity, to),
            },
          }
        : {}),
    });
  }

  if (capped && policy.allowOnDemand) {
    return {
      kind: 'switch-to-on-demand',
      tableName,
      from: { read: diagnosis.table.readCapacityUnits, write: diagnosis.table.writeCapacityUnits },
      reasons: [...reasons, 'the cap is not enough and on-demand is allowed: switch to PAY_PER_REQUEST'],
    };
  }
  if (changes.length === 0) {
    const why = capped ? 'the table is already at the configured cap' : 'capacity already covers the demand';
    return { kind: capped ? 'cap-reached' : 'no-change', tableName, reasons: [...reasons, why] };
  }

  const after = (dimension: Dimension) =>
    changes.find((c) => c.dimension === dimension)?.to ?? diagnosis.load[dimension].provisioned;
  const hourlyCostIncreaseUsd = round(
    hourlyCostUsd(after('read'), after('write')) -
      hourlyCostUsd(diagnosis.load.read.provisioned, diagnosis.load.write.provisioned),
  );
  if (
    policy.maxHourlyCostIncreaseUsd !== undefined &&
    hourlyCostIncreaseUsd > policy.maxHourlyCostIncreaseUsd
  ) {
    return {
      kind: 'over-budget',
      tableName,
      hourlyCostIncreaseUsd,
      reasons: [
        ...reasons,
        `the change adds $${hourlyCostIncreaseUsd}/h, above the $${policy.maxHourlyCostIncreaseUsd}/h limit`,
      ],
    };
  }
  const throughRange = changes.some((c) => c.via === 'scalable-target');
  for (const change of changes) {
    reasons.push(
      `${change.dimension}: ${change.from} -> ${change.to} units` +
        (change.via === 'scalable-target' ? ' through the auto scaling range' : '') +
        (capped && change.to === policy[CAP[change.dimension]] ? ' (capped)' : ''),
    );
  }
  if (throughRange) {
    reasons.push(
      `auto scaling's minimum goes back to what it was ${policy.restoreMinimumAfterMinutes} minutes after the raise (a scheduled action)`,
    );
  }
  if (changes.some((c) => c.via === 'update-table')) {
    reasons.push(
      'without auto scaling nothing lowers the raised capacity: lower it by hand once the surge is over',
    );
  }
  return {
    kind: 'raise-capacity',
    tableName,
    changes,
    capped,
    hourlyCostIncreaseUsd,
    ...(throughRange ? { restoreMinimumAfterMinutes: policy.restoreMinimumAfterMinutes } : {}),
    reasons,
  };
}

function isThrottled(load: DimensionLoad): boolean {
  return (
    load.throttleEvents > 0 || load.provisionedThrottleEvents > 0 || load.demandPerSecond > load.provisioned
  );
}

const round = (n: number): number => Math.round(n * 10_000) / 10_000;
