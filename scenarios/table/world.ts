/**
 * A table incident's world: the table in dynalite, its simulated load and metrics, auto scaling as
 * AWS documents it (or none), and the throttling alarms. `simulate` runs it to the end;
 * `dispatch --scenario` runs it up to the alarm and hands over an event.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../../engine/arns.ts';
import { VirtualClock } from '../../core/virtual-clock.ts';
import { MetricStore } from '../../world/metric-store.ts';
import { seededRandom } from '../../core/random.ts';
import { AlarmEvaluator } from '../../world/cloudwatch-alarms.ts';
import { createTable, TableWorld, type TableWorldOptions } from '../../world/dynamodb/table-world.ts';
import type { ApplicationShardMap } from '../../world/dynamodb/application-routing.ts';
import { SimulatedAutoScaling } from '../../world/dynamodb/auto-scaling.ts';
import { dynamoDbThrottlingAlarms } from '../../detectors/alarms/dynamodb-throttling.ts';
import type { AlarmDefinition } from '../../contracts/alarm-definition.ts';
import type { CapacityPorts } from '../../domain/capacity/ports.ts';
import type { BillingMode } from '../../world/dynamodb/capacity-model.ts';
import type { TableIncident } from './incident.ts';

export const INCIDENT_START_MS = Date.UTC(2026, 10, 23, 9, 0, 0);

export interface TableIncidentWorld {
  clock: VirtualClock;
  world: TableWorld;
  metrics: MetricStore;
  autoScaling: SimulatedAutoScaling;
  alarms: AlarmEvaluator;
  /** What the tasks see: this world's DynamoDB, CloudWatch and auto scaling. */
  ports: CapacityPorts;
}

export interface TableIncidentWorldOptions {
  seed: number;
  incident: TableIncident;
  /** Target tracking on both dimensions, as most production tables have (provisioned tables only). */
  autoScaling: boolean;
  /** Target tracking's target utilisation, when not the incident's (AWS allows 20-90 %). */
  autoScalingTargetPercent?: number;
  /**
   * The table's capacity mode from its creation (default PROVISIONED, at the incident's capacity).
   * A PAY_PER_REQUEST table has no provisioned capacity and no auto scaling.
   */
  billingMode?: BillingMode;
  /** Virtual time the incident starts at (default INCIDENT_START_MS). */
  startMs?: number;
  /** The application's view of sharded keys (see world/dynamodb/application-routing.ts). */
  shardMap?: () => ApplicationShardMap;
  /** The table's alarms, as a deployment defines them (default: selfheal's, named `selfheal-...`). */
  alarms?: readonly AlarmDefinition[];
  /** The application's SDK retries (default: the AWS SDK for JavaScript v3's; see the table world). */
  clientRetries?: TableWorldOptions['clientRetries'];
  /** Virtual seconds an UpdateTable keeps the table UPDATING (default: the table world's). */
  updateTableSeconds?: number;
}

export async function buildTableIncidentWorld(
  dynamodb: DynamoDBClient,
  options: TableIncidentWorldOptions,
): Promise<TableIncidentWorld> {
  const { incident } = options;
  const { tableName } = incident;
  const startMs = options.startMs ?? INCIDENT_START_MS;
  const clock = new VirtualClock(startMs);
  const billingMode = options.billingMode ?? 'PROVISIONED';
  await createTable(
    dynamodb,
    billingMode === 'PAY_PER_REQUEST'
      ? { tableName, billingMode }
      : {
          tableName,
          billingMode,
          readCapacityUnits: incident.readCapacityUnits,
          writeCapacityUnits: incident.writeCapacityUnits,
        },
  );
  const metrics = new MetricStore({ now: () => clock.now() });
  const world = new TableWorld({
    clock,
    dynamodb,
    tableName,
    workload: incident.workload,
    metrics,
    random: seededRandom(options.seed),
    ...(options.shardMap ? { shardMap: options.shardMap } : {}),
    ...(options.clientRetries === undefined ? {} : { clientRetries: options.clientRetries }),
    ...(options.updateTableSeconds === undefined ? {} : { updateTableSeconds: options.updateTableSeconds }),
  });
  const autoScaling = new SimulatedAutoScaling({ dynamodb, cloudwatch: metrics, now: () => clock.now() });
  if (options.autoScaling) {
    if (billingMode === 'PAY_PER_REQUEST') {
      throw new RangeError('auto scaling manages provisioned capacity: an on-demand table has none');
    }
    await enableAutoScaling(autoScaling, incident, options.autoScalingTargetPercent);
  }
  autoScaling.attach(world);

  const alarms = new AlarmEvaluator({
    alarms: options.alarms ?? dynamoDbThrottlingAlarms({ tableName }),
    cloudwatch: metrics,
    accountId: LOCAL_ACCOUNT,
    region: LOCAL_REGION,
    createdAtMs: startMs,
  });
  world.onMinute(({ nowMs }) => alarms.evaluate(nowMs).then(() => undefined));

  const ports = { dynamodb, cloudwatch: metrics, autoScaling, now: () => clock.now() };
  return { clock, world, metrics, autoScaling, alarms, ports };
}

async function enableAutoScaling(
  autoScaling: SimulatedAutoScaling,
  incident: TableIncident,
  targetPercent = incident.autoScalingTargetPercent,
): Promise<void> {
  const dimensions = [
    {
      dimension: 'dynamodb:table:ReadCapacityUnits',
      min: incident.readCapacityUnits,
      metric: 'DynamoDBReadCapacityUtilization',
    },
    {
      dimension: 'dynamodb:table:WriteCapacityUnits',
      min: incident.writeCapacityUnits,
      metric: 'DynamoDBWriteCapacityUtilization',
    },
  ] as const;
  for (const { dimension, min, metric } of dimensions) {
    const target = {
      ServiceNamespace: 'dynamodb',
      ResourceId: `table/${incident.tableName}`,
      ScalableDimension: dimension,
    } as const;
    await autoScaling.registerScalableTarget({
      ...target,
      MinCapacity: min,
      MaxCapacity: incident.autoScalingMaxCapacity,
    });
    await autoScaling.putScalingPolicy({
      ...target,
      PolicyName: `${incident.tableName}-${metric}`,
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: targetPercent,
        PredefinedMetricSpecification: { PredefinedMetricType: metric },
      },
    });
  }
}
