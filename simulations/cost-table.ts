/**
 * A table incident's cost over 24 hours (hot-shard, hot-key): the table's provisioned capacity
 * minute by minute (or, on demand, the request units it served), then the rest of the day, plus
 * what selfheal's runs cost (`cost.ts`).
 *
 * The rest of the day: the workload's last phase holds (as the workload itself defines: its final
 * rates hold forever), without noise, and the table starts from the settings the simulation left
 * it with. Auto scaling, where the variant has it, then does what the world's target tracking does
 * (`world/dynamodb/target-tracking.ts`, AWS's documented rule: scale in after 15 minutes below the
 * target less 20 points, to the busiest of those minutes over the target, never below the scalable
 * target's MinCapacity), minute by minute to the end of the day. A scheduled action still pending at
 * the simulation's end (selfheal's hand-back of a raised minimum) moves the range at its minute, as
 * the world's auto scaling runs it; a raised minimum nothing hands back holds all day.
 */
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AutoScalingPort } from '../domain/ports.ts';
import type { BillingMode } from '../world/dynamodb/capacity-model.ts';
import type { TimelineEntry } from '../world/dynamodb/table-world.ts';
import {
  decideTargetTracking,
  SCALE_IN_MARGIN_POINTS,
  SCALE_IN_MINUTES,
  type UtilisationMinute,
} from '../world/dynamodb/target-tracking.ts';
import {
  readUnitsPerRequest,
  writeUnitsPerRequest,
  type Rate,
  type WorkloadSpec,
} from '../world/dynamodb/workload.ts';
import { PRICES } from './cost-prices.ts';
import {
  costItem,
  costModel,
  DAY_MINUTES,
  restOfDaySeconds,
  scenarioDayCost,
  type CostModel,
  type CountableExecution,
  type DayCost,
} from './cost.ts';

export type Dimension = 'read' | 'write';

/** A dimension's scalable target at the simulation's end. */
export interface DimensionScaling {
  min: number;
  max: number;
  /** Target tracking's target utilisation; null: a scalable target without a policy. */
  targetPercent: number | null;
  /** One-time scheduled actions still to run, at minutes since the incident's start. */
  scheduled?: ScheduledRange[];
}

/** A scheduled action's new range, at the minute it runs. */
export interface ScheduledRange {
  minute: number;
  min?: number;
  max?: number;
}

export interface TableCostInputs {
  timeline: readonly TimelineEntry[];
  /** The table's settings at the simulation's end: where the rest of the day starts. */
  end: { billingMode: BillingMode; rcu: number; wcu: number };
  /** Auto scaling at the simulation's end, per dimension; none: no scalable target. */
  autoScaling: Partial<Record<Dimension, DimensionScaling>>;
  /** What the table is asked for during the rest of the day, in capacity units a second. */
  quiet: { rcuPerSecond: number; wcuPerSecond: number };
  /** Every execution selfheal ran (none in a baseline). */
  executions: readonly CountableExecution[];
}

/** A dimension's capacity over the rest of the day. */
export interface CapacityPath {
  /** The sum of each minute's capacity. */
  capacityMinutes: number;
  startCapacity: number;
  endCapacity: number;
  /** What auto scaling changed, at minutes since the incident's start. */
  changes: { minute: number; from: number; to: number }[];
}

export interface CapacityPathOptions {
  /** The simulated minutes of this dimension, oldest first: the streaks auto scaling goes on from. */
  history: readonly UtilisationMinute[];
  /** Virtual time of minute 0 (the incident's start). */
  startMs: number;
  /** The first minute of the rest of the day. */
  fromMinute: number;
  /** The minute the day ends at (DAY_MINUTES). */
  toMinute: number;
  capacity: number;
  demandPerSecond: number;
  scaling?: DimensionScaling | undefined;
}

const MINUTE_MS = 60_000;

/**
 * Minute by minute, as the world's auto scaling evaluates: the minute is served at the capacity
 * of its start, consuming what it asks up to that capacity, and at its end target tracking
 * decides on the last minutes (the simulated ones first). CloudWatch's delay of a few minutes
 * before an alarm fires is left out: on a day, it moves a scale-in by minutes.
 */
export function capacityPath(options: CapacityPathOptions): CapacityPath {
  const scaling = options.scaling ? { ...options.scaling } : undefined;
  let capacity = scaling ? Math.min(scaling.max, Math.max(scaling.min, options.capacity)) : options.capacity;
  const startCapacity = capacity;
  const window: UtilisationMinute[] = options.history.slice(-SCALE_IN_MINUTES);
  const changes: CapacityPath['changes'] = [];
  const pending = [...(scaling?.scheduled ?? [])].sort((a, b) => a.minute - b.minute);
  let capacityMinutes = 0;
  for (let minute = options.fromMinute; minute < options.toMinute; minute++) {
    // A scheduled action moves the range at its minute; capacity outside it moves into it.
    while (scaling && pending[0] && pending[0].minute <= minute) {
      const action = pending.shift() as ScheduledRange;
      scaling.min = action.min ?? scaling.min;
      scaling.max = action.max ?? scaling.max;
      const bounded = Math.min(scaling.max, Math.max(scaling.min, capacity));
      if (bounded !== capacity) {
        changes.push({ minute, from: capacity, to: bounded });
        capacity = bounded;
      }
    }
    capacityMinutes += capacity;
    window.push({
      timestampMs: options.startMs + minute * MINUTE_MS,
      consumedPerSecond: Math.min(options.demandPerSecond, capacity),
      provisioned: capacity,
    });
    if (window.length > SCALE_IN_MINUTES) window.shift();
    if (!scaling || scaling.targetPercent === null) continue;
    const decision = decideTargetTracking(
      window,
      capacity,
      { targetPercent: scaling.targetPercent, min: scaling.min, max: scaling.max },
      options.startMs + (minute + 1) * MINUTE_MS,
    );
    if (decision.action === 'none') continue;
    changes.push({ minute: minute + 1, from: capacity, to: decision.capacity });
    capacity = decision.capacity;
  }
  return { capacityMinutes, startCapacity, endCapacity: capacity, changes };
}

/** The table's 24 hours: each simulated minute as the world ran it, then the rest of the day. */
export function tableDayCost(inputs: TableCostInputs): DayCost {
  const { timeline, end, quiet } = inputs;
  const simulatedMinutes = timeline.length;
  const simulated = { rcuMinutes: 0, wcuMinutes: 0, rru: 0, wru: 0 };
  for (const m of timeline) {
    if (m.billingMode === 'PROVISIONED') {
      simulated.rcuMinutes += m.provisionedRcu;
      simulated.wcuMinutes += m.provisionedWcu;
    } else {
      // On demand, what was served is billed: a throttled request is not.
      simulated.rru += m.consumedRcuPerSecond * 60;
      simulated.wru += m.consumedWcuPerSecond * 60;
    }
  }
  const rest = { rcuMinutes: 0, wcuMinutes: 0, rru: 0, wru: 0 };
  let restOfDay: string;
  if (end.billingMode === 'PROVISIONED') {
    const startMs = timeline[0]?.startMs ?? 0;
    const path = (dimension: Dimension): CapacityPath =>
      capacityPath({
        history: timeline
          .filter((m) => m.billingMode === 'PROVISIONED')
          .map((m) => ({
            timestampMs: m.startMs,
            consumedPerSecond: dimension === 'read' ? m.consumedRcuPerSecond : m.consumedWcuPerSecond,
            provisioned: dimension === 'read' ? m.provisionedRcu : m.provisionedWcu,
          })),
        startMs,
        fromMinute: simulatedMinutes,
        toMinute: Math.max(simulatedMinutes, DAY_MINUTES),
        capacity: dimension === 'read' ? end.rcu : end.wcu,
        demandPerSecond: dimension === 'read' ? quiet.rcuPerSecond : quiet.wcuPerSecond,
        scaling: inputs.autoScaling[dimension],
      });
    const write = path('write');
    const read = path('read');
    rest.wcuMinutes = write.capacityMinutes;
    rest.rcuMinutes = read.capacityMinutes;
    restOfDay = [
      describePath('write', 'WCU', write, inputs.autoScaling.write),
      describePath('read', 'RCU', read, inputs.autoScaling.read),
    ].join('; ');
  } else {
    const seconds = restOfDaySeconds(simulatedMinutes);
    rest.wru = quiet.wcuPerSecond * seconds;
    rest.rru = quiet.rcuPerSecond * seconds;
    restOfDay = `${units(quiet.wcuPerSecond)} write and ${units(quiet.rcuPerSecond)} read request units a second, on demand`;
  }
  return scenarioDayCost(
    [
      costItem(
        'DynamoDB provisioned write capacity',
        'WCU-hours',
        PRICES.dynamodbWcuHour,
        simulated.wcuMinutes / 60,
        rest.wcuMinutes / 60,
      ),
      costItem(
        'DynamoDB provisioned read capacity',
        'RCU-hours',
        PRICES.dynamodbRcuHour,
        simulated.rcuMinutes / 60,
        rest.rcuMinutes / 60,
      ),
      costItem(
        'DynamoDB on-demand write request units',
        'WRUs',
        PRICES.dynamodbWriteRequestUnit,
        simulated.wru,
        rest.wru,
      ),
      costItem(
        'DynamoDB on-demand read request units',
        'RRUs',
        PRICES.dynamodbReadRequestUnit,
        simulated.rru,
        rest.rru,
      ),
    ],
    inputs.executions,
    simulatedMinutes,
    restOfDay,
  );
}

function describePath(
  dimension: Dimension,
  unit: string,
  path: CapacityPath,
  scaling: DimensionScaling | undefined,
): string {
  const steps = path.changes.map(
    (c) => `${c.to < c.from ? 'scaled in' : 'scaled out'} to ${units(c.to)} at ${sinceStart(c.minute)}`,
  );
  const handBack = (scaling?.scheduled ?? []).filter((a) => a.min !== undefined);
  const floor = !scaling
    ? ' (no auto scaling)'
    : handBack.length > 0
      ? ` (auto scaling's minimum ${units(scaling.min)}, back to ${units(handBack.at(-1)?.min ?? 0)} at ${sinceStart(handBack.at(-1)?.minute ?? 0)})`
      : ` (auto scaling's minimum ${units(scaling.min)})`;
  if (steps.length === 0) return `${dimension} ${units(path.startCapacity)} ${unit} all day${floor}`;
  return `${dimension} ${units(path.startCapacity)} ${unit}, ${steps.join(', ')}${floor}`;
}

const units = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: 2 });

/** Minutes since the incident's start: `49 min`, `2 h 05 min`. */
export const sinceStart = (minute: number): string =>
  minute < 60 ? `${minute} min` : `${Math.floor(minute / 60)} h ${String(minute % 60).padStart(2, '0')} min`;

/** What a workload asks once its last phase holds: capacity units a second, without noise. */
export function quietDemand(workload: WorkloadSpec): TableCostInputs['quiet'] {
  const last = workload.phases[workload.phases.length - 1];
  const final = (rate: Rate | undefined): number =>
    rate === undefined ? 0 : typeof rate === 'number' ? rate : rate[1];
  return {
    rcuPerSecond: final(last?.readsPerSecond) * readUnitsPerRequest(workload),
    wcuPerSecond: final(last?.writesPerSecond) * writeUnitsPerRequest(workload),
  };
}

export interface TableCostWorld {
  dynamodb: DynamoDBClient;
  autoScaling: Pick<AutoScalingPort, 'describeScalableTargets' | 'describeScheduledActions'>;
  tableName: string;
  timeline: readonly TimelineEntry[];
  workload: WorkloadSpec;
  /** Target tracking's target on both dimensions; null: the table has no auto scaling policy. */
  targetPercent: number | null;
  executions: readonly CountableExecution[];
}

/** Reads where the simulation left the table (its settings, its scalable targets) and prices the day. */
export async function tableCostOf(world: TableCostWorld): Promise<DayCost> {
  const { Table } = await world.dynamodb.send(new DescribeTableCommand({ TableName: world.tableName }));
  const billingMode: BillingMode =
    Table?.BillingModeSummary?.BillingMode === 'PAY_PER_REQUEST' ? 'PAY_PER_REQUEST' : 'PROVISIONED';
  const { ScalableTargets = [] } = await world.autoScaling.describeScalableTargets({
    ServiceNamespace: 'dynamodb',
    ResourceIds: [`table/${world.tableName}`],
  });
  const { ScheduledActions = [] } = await world.autoScaling.describeScheduledActions({
    ServiceNamespace: 'dynamodb',
    ResourceId: `table/${world.tableName}`,
  });
  const startMs = world.timeline[0]?.startMs ?? 0;
  const dimensionOf = (scalableDimension: string | undefined): Dimension =>
    scalableDimension?.endsWith('ReadCapacityUnits') ? 'read' : 'write';
  const autoScaling: TableCostInputs['autoScaling'] = {};
  for (const target of ScalableTargets) {
    const dimension = dimensionOf(target.ScalableDimension);
    const scheduled: ScheduledRange[] = [];
    for (const action of ScheduledActions) {
      const at = /^at\((.+)\)$/.exec(action.Schedule ?? '');
      if (!at || dimensionOf(action.ScalableDimension) !== dimension) continue;
      const minute = Math.ceil((Date.parse(`${at[1]}Z`) - startMs) / MINUTE_MS);
      scheduled.push({
        minute,
        ...(action.ScalableTargetAction?.MinCapacity === undefined
          ? {}
          : { min: action.ScalableTargetAction.MinCapacity }),
        ...(action.ScalableTargetAction?.MaxCapacity === undefined
          ? {}
          : { max: action.ScalableTargetAction.MaxCapacity }),
      });
    }
    autoScaling[dimension] = {
      min: target.MinCapacity ?? 1,
      max: target.MaxCapacity ?? Infinity,
      targetPercent: world.targetPercent,
      ...(scheduled.length > 0 ? { scheduled } : {}),
    };
  }
  return tableDayCost({
    timeline: world.timeline,
    end: {
      billingMode,
      rcu: Table?.ProvisionedThroughput?.ReadCapacityUnits ?? 0,
      wcu: Table?.ProvisionedThroughput?.WriteCapacityUnits ?? 0,
    },
    autoScaling,
    quiet: quietDemand(world.workload),
    executions: world.executions,
  });
}

/** What a table scenario's costs assume: `--json`'s `costModel`. */
export function tableCostModel(): CostModel {
  return costModel(
    {
      dynamodbWcuHour: PRICES.dynamodbWcuHour,
      dynamodbRcuHour: PRICES.dynamodbRcuHour,
      dynamodbWriteRequestUnit: PRICES.dynamodbWriteRequestUnit,
      dynamodbReadRequestUnit: PRICES.dynamodbReadRequestUnit,
      stepFunctionsTransition: PRICES.stepFunctionsTransition,
      lambdaRequest: PRICES.lambdaRequest,
      lambdaArmGbSecond: PRICES.lambdaArmGbSecond,
    },
    [
      "The 24 hours from the incident's start: the simulated minutes as the world ran them, then the rest of the day at the workload's last phase (its final rates hold, as the workload defines), without noise, with no other incident.",
      'Provisioned capacity is charged for the capacity the table had each minute (capacity-hours counted by the minute; AWS prices capacity by the hour).',
      `For the rest of the day each table starts from the settings the simulation left it with. Where the variant has auto scaling, it scales as the world's target tracking does (world/dynamodb/target-tracking.ts, after AWS's documented alarms: in after ${SCALE_IN_MINUTES} minutes below the target less ${SCALE_IN_MARGIN_POINTS} points, to the busiest of those minutes over the target, never below the scalable target's MinCapacity), decided minute by minute to the end of the day; without auto scaling the capacity holds. selfheal raises MinCapacity and schedules an Application Auto Scaling action that gives the old minimum back (after the policy's restoreMinimumAfterMinutes, default 60); the on-call engineer, who follows its runbook, does the same. A pending action runs at its minute, after which target tracking scales in as above.`,
      'On demand, the request units served are charged (a 1 KB write is one write request unit, an eventually consistent read of up to 4 KB half a read request unit); a throttled request is not.',
      "DynamoDB's limit on capacity decreases a day is not applied (the world does not enforce it either); each variant's rest of the day lists its scale-ins.",
    ],
    [
      'Storage, backups and streams: the same in every variant.',
      "Contributor Insights on the table (selfheal's hot-key diagnosis needs it): priced per rule and per event matched; not counted.",
    ],
  );
}
