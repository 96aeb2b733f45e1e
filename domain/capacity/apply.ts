/**
 * Acting: carries out a plan, after checking the table is still as the plan saw it. The returned
 * action record (before/after values) is what the report and the audit ledger keep.
 */
import { DescribeTableCommand, UpdateTableCommand, type TableDescription } from '@aws-sdk/client-dynamodb';
import type { CapacityPorts } from './ports.ts';
import { ResourceBusyError, classifyAwsError } from '../errors.ts';
import type { CapacityPlan, DimensionChange } from './plan.ts';
import type { Dimension } from './table-metrics.ts';

export interface AppliedChange {
  dimension: Dimension;
  via: DimensionChange['via'];
  before: number;
  after: number;
  /** Why nothing was sent for this change, when nothing was. */
  skipped?: string;
  /** The scheduled action that gives auto scaling's old minimum back, and when. */
  restore?: ScheduledRestore;
}

export interface ScheduledRestore {
  scheduledActionName: string;
  minCapacity: number;
  /** ISO 8601, UTC, to the second (what the action's at() expression says). */
  at: string;
}

export interface CapacityAction {
  kind: 'raise-capacity' | 'switch-to-on-demand';
  tableName: string;
  at: string;
  changes: AppliedChange[];
  billingMode?: { before: string; after: string };
}

export type ActionablePlan = Extract<CapacityPlan, { kind: 'raise-capacity' | 'switch-to-on-demand' }>;

export async function applyCapacityPlan(ports: CapacityPorts, plan: ActionablePlan): Promise<CapacityAction> {
  const table = await describe(ports, plan.tableName);
  if (table.TableStatus !== 'ACTIVE') {
    throw new ResourceBusyError(
      `Table ${plan.tableName} is ${table.TableStatus}; waiting for ACTIVE before changing it`,
    );
  }
  const at = new Date(ports.now()).toISOString();
  if (plan.kind === 'switch-to-on-demand') {
    const before = table.BillingModeSummary?.BillingMode ?? 'PROVISIONED';
    if (before !== 'PAY_PER_REQUEST') {
      await update(ports, plan.tableName, { BillingMode: 'PAY_PER_REQUEST' });
    }
    return {
      kind: plan.kind,
      tableName: plan.tableName,
      at,
      changes: [],
      billingMode: { before, after: 'PAY_PER_REQUEST' },
    };
  }

  const current: Record<Dimension, number> = {
    read: table.ProvisionedThroughput?.ReadCapacityUnits ?? 0,
    write: table.ProvisionedThroughput?.WriteCapacityUnits ?? 0,
  };
  const applied: AppliedChange[] = [];
  const direct: Partial<Record<Dimension, number>> = {};
  const ranges: DimensionChange[] = [];
  for (const change of plan.changes) {
    const base = { dimension: change.dimension, via: change.via, before: current[change.dimension] };
    // Someone (auto scaling, an operator) may have raised it since the diagnosis: never lower it.
    if (current[change.dimension] >= change.to) {
      applied.push({
        ...base,
        after: current[change.dimension],
        skipped: 'already at or above the planned capacity',
      });
      continue;
    }
    if (change.via === 'scalable-target' && change.scalableTarget) ranges.push(change);
    else direct[change.dimension] = change.to;
    applied.push({ ...base, after: change.to });
  }
  const restoreAtMs = ports.now() + (plan.restoreMinimumAfterMinutes ?? DEFAULT_RESTORE_MINUTES) * 60_000;
  if (direct.read !== undefined || direct.write !== undefined) {
    // One UpdateTable carries every raise, the managed dimension's too: registering its range first
    // would let auto scaling raise it, and this call, built from the earlier read, would lower it.
    for (const change of ranges) direct[change.dimension] = change.to;
    await update(ports, plan.tableName, {
      ProvisionedThroughput: {
        ReadCapacityUnits: direct.read ?? current.read,
        WriteCapacityUnits: direct.write ?? current.write,
      },
    });
  }
  // The raised minimum keeps auto scaling from scaling the table back in below the fix.
  for (const change of ranges) {
    if (!change.scalableTarget) continue;
    await registerRange(ports, plan.tableName, change.dimension, change.scalableTarget);
    const restore = await scheduleRestore(
      ports,
      plan.tableName,
      change.dimension,
      change.scalableTarget.fromMin,
      restoreAtMs,
    );
    const entry = applied.find((a) => a.dimension === change.dimension);
    if (entry) entry.restore = restore;
  }
  return { kind: plan.kind, tableName: plan.tableName, at, changes: applied };
}

async function describe(ports: CapacityPorts, tableName: string): Promise<TableDescription> {
  try {
    const output = await ports.dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
    return output.Table ?? {};
  } catch (error) {
    throw classifyAwsError(error, `Describing table ${tableName}`);
  }
}

async function update(
  ports: CapacityPorts,
  tableName: string,
  change: Omit<ConstructorParameters<typeof UpdateTableCommand>[0], 'TableName'>,
): Promise<void> {
  try {
    await ports.dynamodb.send(new UpdateTableCommand({ TableName: tableName, ...change }));
  } catch (error) {
    throw classifyAwsError(error, `Updating table ${tableName}`);
  }
}

const SCALABLE_DIMENSION: Record<
  Dimension,
  'dynamodb:table:ReadCapacityUnits' | 'dynamodb:table:WriteCapacityUnits'
> = {
  read: 'dynamodb:table:ReadCapacityUnits',
  write: 'dynamodb:table:WriteCapacityUnits',
};

/** The policy's default, for a plan made before plans carried it (an execution in flight). */
const DEFAULT_RESTORE_MINUTES = 60;

/** One name per table dimension: a later raise updates the same action instead of adding one. */
export const restoreActionName = (dimension: Dimension): string => `selfheal-restore-${dimension}-minimum`;

/**
 * The raised minimum is temporary: a one-time scheduled action of auto scaling's own gives the old
 * minimum back, so the undo survives the run (and a failed or stopped run) and needs no selfheal
 * to be running then. The maximum stays where the raise put it: a higher ceiling costs nothing,
 * and lowering it could cut capacity the surge still uses.
 *
 * A raise while an earlier one is still pending (another round, another incident) keeps the
 * pending action's minimum, the one from before any raise, and moves its time later.
 */
async function scheduleRestore(
  ports: CapacityPorts,
  tableName: string,
  dimension: Dimension,
  minimumBeforeRaise: number,
  atMs: number,
): Promise<ScheduledRestore> {
  const name = restoreActionName(dimension);
  const target = {
    ServiceNamespace: 'dynamodb' as const,
    ResourceId: `table/${tableName}`,
    ScalableDimension: SCALABLE_DIMENSION[dimension],
  };
  try {
    const { ScheduledActions = [] } = await ports.autoScaling.describeScheduledActions({
      ...target,
      ScheduledActionNames: [name],
    });
    const pending = ScheduledActions.find((a) => a.ScheduledActionName === name)?.ScalableTargetAction
      ?.MinCapacity;
    const minCapacity = pending ?? minimumBeforeRaise;
    // at() takes UTC to the second, without a zone designator.
    const at = new Date(Math.ceil(atMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
    await ports.autoScaling.putScheduledAction({
      ...target,
      ScheduledActionName: name,
      Schedule: `at(${at.slice(0, -1)})`,
      ScalableTargetAction: { MinCapacity: minCapacity },
    });
    return { scheduledActionName: name, minCapacity, at };
  } catch (error) {
    throw classifyAwsError(error, `Scheduling the return of table ${tableName}'s ${dimension} minimum`);
  }
}

async function registerRange(
  ports: CapacityPorts,
  tableName: string,
  dimension: Dimension,
  range: NonNullable<DimensionChange['scalableTarget']>,
): Promise<void> {
  try {
    // Raising MinCapacity above the current capacity makes auto scaling scale out to it at once.
    await ports.autoScaling.registerScalableTarget({
      ServiceNamespace: 'dynamodb',
      ResourceId: `table/${tableName}`,
      ScalableDimension: SCALABLE_DIMENSION[dimension],
      MinCapacity: range.toMin,
      MaxCapacity: range.toMax,
    });
  } catch (error) {
    throw classifyAwsError(error, `Raising the auto scaling range of table ${tableName} (${dimension})`);
  }
}
