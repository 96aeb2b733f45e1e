/**
 * Application Auto Scaling for DynamoDB tables in the simulated world: the scalable-target API a
 * handler uses (AutoScalingPort), target-tracking policies, and the once-a-minute evaluation that
 * changes the table through the real DynamoDB API (dynalite).
 *
 * Its alarms read CloudWatch as it stands at each minute, so under a publication delay they see the
 * newest published minutes, a few minutes old (see target-tracking.ts).
 *
 * Scheduled actions: one-time `at(...)` actions only (what selfheal sends), run at the first minute
 * evaluation at or after their time ("How scheduled scaling for Application Auto Scaling works":
 * the action sets MinCapacity and/or MaxCapacity, then capacity below the new minimum scales out
 * to it and capacity above the new maximum scales in to it). An action that has run is no longer
 * listed: an assumption, the documentation does not say.
 *
 * Simplifications: only table dimensions (no GSIs); the daily limit on capacity decreases is not
 * enforced here (dynalite does not enforce it either); a target whose table is UPDATING or not
 * PROVISIONED waits for the next minute, as AAS retries later.
 */
import type {
  DescribeScalableTargetsRequest,
  DescribeScalableTargetsResponse,
  DescribeScheduledActionsRequest,
  DescribeScheduledActionsResponse,
  PutScheduledActionRequest,
  PutScheduledActionResponse,
  ScheduledAction,
  PutScalingPolicyRequest,
  PutScalingPolicyResponse,
  RegisterScalableTargetRequest,
  RegisterScalableTargetResponse,
  ScalableTarget,
} from '@aws-sdk/client-application-auto-scaling';
import { DescribeTableCommand, UpdateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AutoScalingPort, CloudWatchPort } from '../../domain/ports.ts';
import { SimulatedServiceError, validationException } from '../service-error.ts';
import { DYNAMODB_NAMESPACE } from './table-metrics.ts';
import { decideTargetTracking, EVALUATION_RANGE_MINUTES, type UtilisationMinute } from './target-tracking.ts';
import type { TableWorld } from './table-world.ts';

export type TableDimension = 'dynamodb:table:ReadCapacityUnits' | 'dynamodb:table:WriteCapacityUnits';

export interface ScalingActivity {
  timeMs: number;
  resourceId: string;
  dimension: TableDimension;
  from: number;
  to: number;
  cause: string;
  status: 'Successful' | 'Failed';
}

export interface SimulatedAutoScalingOptions {
  dynamodb: DynamoDBClient;
  /** Where consumed and provisioned capacity are read, as AAS's alarms read CloudWatch. */
  cloudwatch: CloudWatchPort;
  /** Virtual time for CreationTime and activities outside minute evaluations. */
  now: () => number;
  accountId?: string;
  region?: string;
}

interface Target {
  resourceId: string;
  tableName: string;
  dimension: TableDimension;
  min: number;
  max: number;
  roleArn: string;
  createdMs: number;
  policy?: { name: string; targetPercent: number; scaleInDisabled: boolean };
}

interface Scheduled {
  name: string;
  target: Target;
  schedule: string;
  atMs: number;
  min?: number;
  max?: number;
  createdMs: number;
}

const DIMENSIONS: readonly string[] = [
  'dynamodb:table:ReadCapacityUnits',
  'dynamodb:table:WriteCapacityUnits',
];
const RESOURCE_ID = /^table\/([A-Za-z0-9_.-]{3,255})$/;
const MINUTE_MS = 60_000;

export class SimulatedAutoScaling implements AutoScalingPort {
  readonly activities: ScalingActivity[] = [];
  #options: SimulatedAutoScalingOptions;
  #targets = new Map<string, Target>();
  #scheduled = new Map<string, Scheduled>();

  constructor(options: SimulatedAutoScalingOptions) {
    this.#options = options;
  }

  /** Evaluates policies at each of the world's minute boundaries. */
  attach(world: TableWorld): () => void {
    return world.onMinute(({ nowMs }) => this.evaluate(nowMs));
  }

  async describeScalableTargets(
    input: DescribeScalableTargetsRequest,
  ): Promise<DescribeScalableTargetsResponse> {
    if (!input.ServiceNamespace) throw validationException('ServiceNamespace is required');
    const ids = input.ResourceIds && input.ResourceIds.length > 0 ? new Set(input.ResourceIds) : undefined;
    const targets = [...this.#targets.values()].filter(
      (t) =>
        input.ServiceNamespace === 'dynamodb' &&
        (!ids || ids.has(t.resourceId)) &&
        (!input.ScalableDimension || input.ScalableDimension === t.dimension),
    );
    return { ScalableTargets: targets.map((t) => this.#describe(t)) };
  }

  async registerScalableTarget(
    input: RegisterScalableTargetRequest,
  ): Promise<RegisterScalableTargetResponse> {
    const { resourceId, tableName, dimension } = parseTarget(input);
    const key = targetKey(resourceId, dimension);
    const known = this.#targets.get(key);
    if (!known && (input.MinCapacity === undefined || input.MaxCapacity === undefined)) {
      throw validationException('MinCapacity and MaxCapacity are required to register a new scalable target');
    }
    const min = input.MinCapacity ?? (known as Target).min;
    const max = input.MaxCapacity ?? (known as Target).max;
    if (!Number.isInteger(min) || min < 1)
      throw validationException(`MinCapacity must be at least 1, got ${min}`);
    if (!Number.isInteger(max) || max < min) {
      throw validationException(`MaxCapacity (${max}) must be at least MinCapacity (${min})`);
    }
    const table = await this.#table(tableName).catch((error: unknown) => {
      if (error instanceof Error && error.name === 'ResourceNotFoundException') {
        throw validationException(`DynamoDB table ${tableName} does not exist`);
      }
      throw error;
    });
    const target: Target = {
      resourceId,
      tableName,
      dimension,
      min,
      max,
      roleArn: input.RoleARN ?? known?.roleArn ?? this.#serviceLinkedRole(),
      createdMs: known?.createdMs ?? this.#options.now(),
      ...(known?.policy ? { policy: known.policy } : {}),
    };
    this.#targets.set(key, target);
    // AAS moves the capacity into the new range right away, not at the next alarm; a table that
    // cannot take an update now (UPDATING) is moved at the next minute's evaluation.
    if (table) await this.#apply(table, this.#boundChanges(table), this.#options.now());
    return { ScalableTargetARN: this.#targetArn(target) };
  }

  async putScalingPolicy(input: PutScalingPolicyRequest): Promise<PutScalingPolicyResponse> {
    const { resourceId, dimension } = parseTarget(input);
    const target = this.#targets.get(targetKey(resourceId, dimension));
    if (!target) {
      throw new SimulatedServiceError(
        'ObjectNotFoundException',
        `No scalable target for ${resourceId} ${dimension}`,
      );
    }
    if (!input.PolicyName) throw validationException('PolicyName is required');
    if (input.PolicyType !== 'TargetTrackingScaling') {
      throw validationException('The simulated auto scaling supports TargetTrackingScaling policies only');
    }
    const config = input.TargetTrackingScalingPolicyConfiguration;
    const expected =
      dimension === 'dynamodb:table:ReadCapacityUnits'
        ? 'DynamoDBReadCapacityUtilization'
        : 'DynamoDBWriteCapacityUtilization';
    if (config?.PredefinedMetricSpecification?.PredefinedMetricType !== expected) {
      throw validationException(`A ${dimension} policy tracks the predefined metric ${expected}`);
    }
    const targetPercent = config.TargetValue ?? Number.NaN;
    if (!(targetPercent >= 20 && targetPercent <= 90)) {
      throw validationException(`TargetValue must be between 20 and 90 percent, got ${config.TargetValue}`);
    }
    target.policy = {
      name: input.PolicyName,
      targetPercent,
      scaleInDisabled: config.DisableScaleIn === true,
    };
    return {
      PolicyARN: `arn:aws:autoscaling:${this.#region()}:${this.#account()}:scalingPolicy:${resourceId}:${input.PolicyName}`,
    };
  }

  async putScheduledAction(input: PutScheduledActionRequest): Promise<PutScheduledActionResponse> {
    const { resourceId, dimension } = parseTarget(input);
    const target = this.#targets.get(targetKey(resourceId, dimension));
    if (!target) {
      throw new SimulatedServiceError(
        'ObjectNotFoundException',
        `No scalable target registered for service namespace dynamodb, resource ${resourceId}, dimension ${dimension}`,
      );
    }
    const name = input.ScheduledActionName ?? '';
    if (!/^[^:/|]{1,256}$/.test(name)) {
      throw validationException(`ScheduledActionName must be 1 to 256 characters without : / |, got ${name}`);
    }
    const key = `${targetKey(resourceId, dimension)}|${name}`;
    const known = this.#scheduled.get(key);
    const schedule = input.Schedule ?? known?.schedule;
    const at = /^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$/.exec(schedule ?? '');
    if (!at) {
      throw validationException(
        `The simulated auto scaling runs one-time at(yyyy-mm-ddThh:mm:ss) schedules only, got ${schedule}`,
      );
    }
    const atMs = Date.parse(`${at[1]}Z`);
    if (!Number.isFinite(atMs)) throw validationException(`Invalid date in schedule ${schedule}`);
    const action = input.ScalableTargetAction ?? {};
    const min = action.MinCapacity ?? (input.ScalableTargetAction ? undefined : known?.min);
    const max = action.MaxCapacity ?? (input.ScalableTargetAction ? undefined : known?.max);
    if (min === undefined && max === undefined) {
      throw validationException('ScalableTargetAction needs MinCapacity, MaxCapacity or both');
    }
    if (min !== undefined && max !== undefined && max < min) {
      throw validationException(`MaxCapacity (${max}) must be at least MinCapacity (${min})`);
    }
    this.#scheduled.set(key, {
      name,
      target,
      schedule: schedule as string,
      atMs,
      ...(min === undefined ? {} : { min }),
      ...(max === undefined ? {} : { max }),
      createdMs: known?.createdMs ?? this.#options.now(),
    });
    return {};
  }

  async describeScheduledActions(
    input: DescribeScheduledActionsRequest,
  ): Promise<DescribeScheduledActionsResponse> {
    if (!input.ServiceNamespace) throw validationException('ServiceNamespace is required');
    const names = input.ScheduledActionNames;
    const actions = [...this.#scheduled.values()].filter(
      (a) =>
        input.ServiceNamespace === 'dynamodb' &&
        (!input.ResourceId || input.ResourceId === a.target.resourceId) &&
        (!input.ScalableDimension || input.ScalableDimension === a.target.dimension) &&
        (!names || names.length === 0 || names.includes(a.name)),
    );
    return {
      ScheduledActions: actions.map((a): ScheduledAction => ({
        ScheduledActionName: a.name,
        ScheduledActionARN: `arn:aws:autoscaling:${this.#region()}:${this.#account()}:scheduledAction:${a.target.resourceId}:scheduledActionName/${a.name}`,
        ServiceNamespace: 'dynamodb',
        Schedule: a.schedule,
        ResourceId: a.target.resourceId,
        ScalableDimension: a.target.dimension,
        ScalableTargetAction: {
          ...(a.min === undefined ? {} : { MinCapacity: a.min }),
          ...(a.max === undefined ? {} : { MaxCapacity: a.max }),
        },
        CreationTime: new Date(a.createdMs),
      })),
    };
  }

  /** Runs the scheduled actions due by now: the range moves; the minute's evaluation moves capacity. */
  #runScheduled(nowMs: number): void {
    for (const [key, action] of this.#scheduled) {
      if (action.atMs > nowMs) continue;
      this.#scheduled.delete(key);
      const target = this.#targets.get(targetKey(action.target.resourceId, action.target.dimension));
      if (!target) continue;
      const min = action.min ?? target.min;
      const max = action.max ?? target.max;
      // A range the action would invert is refused, as RegisterScalableTarget refuses it.
      if (max < min) continue;
      target.min = min;
      target.max = max;
    }
  }

  /**
   * One minute of AAS: scheduled actions due by now move the range, then capacity outside
   * [min, max] is moved back inside first (this is how an
   * UpdateTable outside the bounds gets undone), else each dimension's target tracking decides;
   * one UpdateTable per table carries both dimensions.
   */
  async evaluate(nowMs: number): Promise<void> {
    this.#runScheduled(nowMs);
    const tables = new Set([...this.#targets.values()].map((t) => t.tableName));
    for (const tableName of tables) {
      const table = await this.#table(tableName);
      if (!table) continue;
      const bounded = this.#boundChanges(table);
      if (bounded.length > 0) {
        await this.#apply(table, bounded, nowMs);
        continue;
      }
      const changes: Change[] = [];
      for (const target of this.#targetsOf(tableName)) {
        if (!target.policy) continue;
        const current = capacityOf(table, target.dimension);
        const minutes = await this.#utilisation(target, nowMs);
        const decision = decideTargetTracking(
          minutes,
          current,
          {
            targetPercent: target.policy.targetPercent,
            min: target.min,
            max: target.max,
            scaleInDisabled: target.policy.scaleInDisabled,
          },
          nowMs,
        );
        if (decision.action !== 'none') {
          changes.push({ target, from: current, to: decision.capacity, cause: decision.cause });
        }
      }
      await this.#apply(table, changes, nowMs);
    }
  }

  #boundChanges(table: TableCapacity): Change[] {
    const changes: Change[] = [];
    for (const target of this.#targetsOf(table.name)) {
      const current = capacityOf(table, target.dimension);
      const to = Math.min(target.max, Math.max(target.min, current));
      if (to !== current) {
        const cause = to > current ? `below MinCapacity ${target.min}` : `above MaxCapacity ${target.max}`;
        changes.push({ target, from: current, to, cause });
      }
    }
    return changes;
  }

  async #apply(table: TableCapacity, changes: Change[], nowMs: number): Promise<void> {
    if (changes.length === 0) return;
    const next = { read: table.read, write: table.write };
    for (const change of changes) {
      if (change.target.dimension === 'dynamodb:table:ReadCapacityUnits') next.read = change.to;
      else next.write = change.to;
    }
    // Same-value updates are a ValidationException in DynamoDB: never send one.
    if (next.read === table.read && next.write === table.write) return;
    let status: ScalingActivity['status'] = 'Successful';
    let failure = '';
    try {
      await this.#options.dynamodb.send(
        new UpdateTableCommand({
          TableName: table.name,
          ProvisionedThroughput: { ReadCapacityUnits: next.read, WriteCapacityUnits: next.write },
        }),
      );
    } catch (error) {
      status = 'Failed';
      failure = `: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
    }
    for (const change of changes) {
      this.activities.push({
        timeMs: nowMs,
        resourceId: change.target.resourceId,
        dimension: change.target.dimension,
        from: change.from,
        to: change.to,
        cause: change.cause + failure,
        status,
      });
    }
  }

  async #utilisation(target: Target, nowMs: number): Promise<UtilisationMinute[]> {
    const read = target.dimension === 'dynamodb:table:ReadCapacityUnits';
    const metric = (name: string) => ({
      Namespace: DYNAMODB_NAMESPACE,
      MetricName: name,
      Dimensions: [{ Name: 'TableName', Value: target.tableName }],
    });
    const endMs = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS;
    const { MetricDataResults = [] } = await this.#options.cloudwatch.getMetricData({
      StartTime: new Date(endMs - EVALUATION_RANGE_MINUTES * MINUTE_MS),
      EndTime: new Date(endMs),
      ScanBy: 'TimestampAscending',
      MetricDataQueries: [
        {
          Id: 'consumed',
          MetricStat: {
            Metric: metric(read ? 'ConsumedReadCapacityUnits' : 'ConsumedWriteCapacityUnits'),
            Period: 60,
            Stat: 'Sum',
          },
        },
        {
          Id: 'provisioned',
          MetricStat: {
            Metric: metric(read ? 'ProvisionedReadCapacityUnits' : 'ProvisionedWriteCapacityUnits'),
            Period: 60,
            Stat: 'Average',
          },
        },
      ],
    });
    const byId = (id: string) => {
      const result = MetricDataResults.find((r) => r.Id === id);
      const series = new Map<number, number>();
      (result?.Timestamps ?? []).forEach((t, i) => series.set(t.getTime(), result?.Values?.[i] ?? 0));
      return series;
    };
    const consumed = byId('consumed');
    const provisioned = byId('provisioned');
    return [...consumed]
      .filter(([t]) => provisioned.has(t))
      .map(([timestampMs, sum]) => ({
        timestampMs,
        consumedPerSecond: sum / 60,
        provisioned: provisioned.get(timestampMs) ?? 0,
      }));
  }

  /** The table's provisioned capacity if it can take an update now (ACTIVE and PROVISIONED). */
  async #table(tableName: string): Promise<TableCapacity | undefined> {
    const { Table } = await this.#options.dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus !== 'ACTIVE') return undefined;
    if (Table.BillingModeSummary?.BillingMode === 'PAY_PER_REQUEST') return undefined;
    return {
      name: tableName,
      read: Table.ProvisionedThroughput?.ReadCapacityUnits ?? 0,
      write: Table.ProvisionedThroughput?.WriteCapacityUnits ?? 0,
    };
  }

  #targetsOf(tableName: string): Target[] {
    return [...this.#targets.values()].filter((t) => t.tableName === tableName);
  }

  #describe(target: Target): ScalableTarget {
    return {
      ServiceNamespace: 'dynamodb',
      ResourceId: target.resourceId,
      ScalableDimension: target.dimension,
      MinCapacity: target.min,
      MaxCapacity: target.max,
      RoleARN: target.roleArn,
      CreationTime: new Date(target.createdMs),
      SuspendedState: {
        DynamicScalingInSuspended: false,
        DynamicScalingOutSuspended: false,
        ScheduledScalingSuspended: false,
      },
      ScalableTargetARN: this.#targetArn(target),
    };
  }

  #targetArn(target: Target): string {
    const id = `${target.resourceId}/${target.dimension}`.replace(/[^A-Za-z0-9]/g, '').slice(0, 32);
    return `arn:aws:application-autoscaling:${this.#region()}:${this.#account()}:scalable-target/${id}`;
  }

  #serviceLinkedRole(): string {
    return `arn:aws:iam::${this.#account()}:role/aws-service-role/dynamodb.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_DynamoDBTable`;
  }

  #account(): string {
    return this.#options.accountId ?? '123456789012';
  }

  #region(): string {
    return this.#options.region ?? 'us-east-1';
  }
}

interface TableCapacity {
  name: string;
  read: number;
  write: number;
}

interface Change {
  target: Target;
  from: number;
  to: number;
  cause: string;
}

function capacityOf(table: TableCapacity, dimension: TableDimension): number {
  return dimension === 'dynamodb:table:ReadCapacityUnits' ? table.read : table.write;
}

function targetKey(resourceId: string, dimension: string): string {
  return `${resourceId}|${dimension}`;
}

function parseTarget(input: {
  ServiceNamespace?: string | undefined;
  ResourceId?: string | undefined;
  ScalableDimension?: string | undefined;
}): { resourceId: string; tableName: string; dimension: TableDimension } {
  if (input.ServiceNamespace !== 'dynamodb') {
    throw validationException(
      `Only the dynamodb service namespace is simulated, got ${input.ServiceNamespace}`,
    );
  }
  const match = RESOURCE_ID.exec(input.ResourceId ?? '');
  if (!match) throw validationException(`ResourceId must be table/<table name>, got ${input.ResourceId}`);
  if (!DIMENSIONS.includes(input.ScalableDimension ?? '')) {
    throw validationException(`Unsupported scalable dimension ${input.ScalableDimension}`);
  }
  return {
    resourceId: input.ResourceId as string,
    tableName: match[1] as string,
    dimension: input.ScalableDimension as TableDimension,
  };
}
