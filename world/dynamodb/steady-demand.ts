/**
 * The smallest table world, for the runbook tests and the bench's recordings: a table under a
 * steady demand, whose CloudWatch metrics are computed from the table's *current* capacity in
 * dynalite. Before a capacity change every minute throttles; after it, none do (if the new
 * capacity covers the demand). Deliberately tiny: the full table world (`table-world.ts`) drives
 * the scenarios.
 */
import { DescribeTableCommand, UpdateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { GetMetricDataInput, GetMetricDataOutput, MetricDataResult } from '@aws-sdk/client-cloudwatch';
import type {
  PutScheduledActionRequest,
  RegisterScalableTargetRequest,
  ScalableTarget,
  ScheduledAction,
} from '@aws-sdk/client-application-auto-scaling';
import type { AutoScalingPort, CloudWatchPort } from '../../domain/ports.ts';

export interface SteadyDemand {
  /** Units per second the application asks for. */
  read: number;
  write: number;
  /** Requests per second a hot key gets throttled whatever the table's capacity (key range). */
  hotKeyThrottlesPerSecond?: number;
  /** Most-throttled partition keys, as Contributor Insights would list them. */
  hotKeys?: { key: string; count: number }[];
}

export function steadyDemandCloudWatch(dynamodb: DynamoDBClient, tableName: string, demand: SteadyDemand) {
  const calls: GetMetricDataInput[] = [];
  let failNext: Error[] = [];
  const port: CloudWatchPort = {
    async getMetricData(input) {
      calls.push(input);
      const failure = failNext.shift();
      if (failure) throw failure;
      // Each table's metrics follow its own capacity under the same demand: the table a query
      // names (its TableName dimension), else `tableName`.
      const named = input.MetricDataQueries?.[0]?.MetricStat?.Metric?.Dimensions?.find(
        (d) => d.Name === 'TableName',
      )?.Value;
      const table = (await dynamodb.send(new DescribeTableCommand({ TableName: named ?? tableName }))).Table;
      const onDemand = table?.BillingModeSummary?.BillingMode === 'PAY_PER_REQUEST';
      const capacity = {
        read: onDemand ? Infinity : (table?.ProvisionedThroughput?.ReadCapacityUnits ?? 0),
        write: onDemand ? Infinity : (table?.ProvisionedThroughput?.WriteCapacityUnits ?? 0),
      };
      const start = new Date(input.StartTime as Date).getTime();
      const end = new Date(input.EndTime as Date).getTime();
      const minutes: number[] = [];
      for (let t = start; t < end; t += 60_000) minutes.push(t);
      const results: MetricDataResult[] = (input.MetricDataQueries ?? []).map((query) => {
        const name = query.MetricStat?.Metric?.MetricName ?? '';
        const value = minuteValue(name, demand, capacity);
        return {
          Id: query.Id,
          Label: name,
          StatusCode: 'Complete',
          Timestamps: value === undefined ? [] : minutes.map((m) => new Date(m)),
          Values: value === undefined ? [] : minutes.map(() => value),
        };
      });
      return { MetricDataResults: results } satisfies GetMetricDataOutput;
    },
    async describeInsightRules() {
      return demand.hotKeys
        ? {
            InsightRules: [
              {
                Name: `DynamoDBContributorInsights-PKT-${tableName}-1700000000000`,
                State: 'ENABLED',
                Schema: '',
                Definition: '',
                ManagedRule: true,
              },
            ],
          }
        : { InsightRules: [] };
    },
    async getInsightRuleReport() {
      return {
        KeyLabels: ['PartitionKey'],
        Contributors: (demand.hotKeys ?? []).map((k) => ({
          Keys: [k.key],
          ApproximateAggregateValue: k.count,
          Datapoints: [],
        })),
      };
    },
  };
  return {
    port,
    calls,
    /** Makes the next GetMetricData calls fail with these errors, in order. */
    failWith(...errors: Error[]) {
      failNext = errors;
    },
  };
}

function minuteValue(
  metric: string,
  demand: SteadyDemand,
  capacity: { read: number; write: number },
): number | undefined {
  const dimension =
    metric.startsWith('Consumed') || metric.startsWith('Provisioned')
      ? metric.includes('Read')
        ? 'read'
        : 'write'
      : metric.startsWith('Read')
        ? 'read'
        : 'write';
  const asked = demand[dimension];
  const served = Math.min(asked, capacity[dimension]);
  const keyRange = dimension === 'write' ? Math.round((demand.hotKeyThrottlesPerSecond ?? 0) * 60) : 0;
  const provisionedLimit = Math.round((asked - served) * 60);
  const throttledPerMinute = provisionedLimit + keyRange;
  switch (metric) {
    case 'ConsumedReadCapacityUnits':
    case 'ConsumedWriteCapacityUnits':
      return served * 60;
    case 'ProvisionedReadCapacityUnits':
    case 'ProvisionedWriteCapacityUnits':
      return Number.isFinite(capacity[dimension]) ? capacity[dimension] : undefined;
    case 'ReadThrottleEvents':
    case 'WriteThrottleEvents':
      return throttledPerMinute;
    case 'ReadKeyRangeThroughputThrottleEvents':
    case 'WriteKeyRangeThroughputThrottleEvents':
      return keyRange;
    case 'ReadProvisionedThroughputThrottleEvents':
    case 'WriteProvisionedThroughputThrottleEvents':
      return provisionedLimit;
    default:
      return 0;
  }
}

/**
 * Application Auto Scaling for one table, doing what AWS does when the range moves: a MinCapacity
 * above the current capacity scales the table out to it at once.
 */
export function recordingAutoScaling(dynamodb: DynamoDBClient, targets: ScalableTarget[]) {
  const registered: RegisterScalableTargetRequest[] = [];
  // Recorded, never run: these runs end long before a restore is due.
  const scheduled: PutScheduledActionRequest[] = [];
  const port: AutoScalingPort = {
    async describeScheduledActions(input) {
      const names = input.ScheduledActionNames;
      const latest = new Map(scheduled.map((a) => [`${a.ResourceId}|${a.ScheduledActionName}`, a]));
      return {
        ScheduledActions: [...latest.values()]
          .filter(
            (a) =>
              (!input.ResourceId || a.ResourceId === input.ResourceId) &&
              (!names || names.includes(a.ScheduledActionName ?? '')),
          )
          .map((a): ScheduledAction => ({
            ...a,
            Schedule: a.Schedule ?? '',
            ScheduledActionARN: `arn:aws:autoscaling:us-east-1:123456789012:scheduledAction:${a.ScheduledActionName}`,
            CreationTime: new Date(0),
          })),
      };
    },
    async putScheduledAction(input) {
      scheduled.push(input);
      return {};
    },
    async describeScalableTargets(input) {
      return {
        ScalableTargets: targets.filter(
          (t) => !input.ResourceIds || input.ResourceIds.includes(t.ResourceId ?? ''),
        ),
      };
    },
    async registerScalableTarget(input) {
      registered.push(input);
      const target = targets.find(
        (t) => t.ResourceId === input.ResourceId && t.ScalableDimension === input.ScalableDimension,
      );
      if (!target) throw Object.assign(new Error('No scalable target'), { name: 'ObjectNotFoundException' });
      target.MinCapacity = input.MinCapacity ?? target.MinCapacity;
      target.MaxCapacity = input.MaxCapacity ?? target.MaxCapacity;
      const tableName = (input.ResourceId ?? '').replace(/^table\//, '');
      // AAS moves the capacity once the table can take an update: an UPDATING table (a raise just
      // sent by the caller; dynalite applies it on a timer) is waited for, as AAS retries later.
      const table = await activeTable(dynamodb, tableName);
      const current = {
        read: table?.ProvisionedThroughput?.ReadCapacityUnits ?? 1,
        write: table?.ProvisionedThroughput?.WriteCapacityUnits ?? 1,
      };
      const isRead = input.ScalableDimension === 'dynamodb:table:ReadCapacityUnits';
      const now = isRead ? current.read : current.write;
      if ((target.MinCapacity ?? 0) > now) {
        await dynamodb.send(
          new UpdateTableCommand({
            TableName: tableName,
            ProvisionedThroughput: {
              ReadCapacityUnits: isRead ? target.MinCapacity : current.read,
              WriteCapacityUnits: isRead ? current.write : target.MinCapacity,
            },
          }),
        );
      }
      return {};
    },
  };
  return { port, registered, scheduled };
}

async function activeTable(dynamodb: DynamoDBClient, tableName: string) {
  for (let attempt = 0; ; attempt++) {
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus !== 'UPDATING' || attempt >= 5_000) return Table;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** The auto scaling target of a table's write capacity, as Application Auto Scaling lists it. */
export const writeScalableTarget = (
  minCapacity: number,
  maxCapacity: number,
  tableName = 'orders',
): ScalableTarget => ({
  ServiceNamespace: 'dynamodb',
  ResourceId: `table/${tableName}`,
  ScalableDimension: 'dynamodb:table:WriteCapacityUnits',
  MinCapacity: minCapacity,
  MaxCapacity: maxCapacity,
  RoleARN: 'arn:aws:iam::123456789012:role/aas',
  CreationTime: new Date(0),
});
