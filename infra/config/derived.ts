/**
 * What the config implies, worked out once and without CDK so it can be tested as plain data: the
 * routing dispatch reads (its alarms, runbooks, mappings and fleets), the CloudWatch alarms of each
 * protected resource, and the ARNs each role is scoped to.
 */
import {
  DEFAULT_ROUTING,
  routingSchema,
  type AlarmRoute,
  type Routing,
} from '../../detectors/routing/routes.ts';
import { dynamoDbThrottlingAlarms } from '../../detectors/alarms/dynamodb-throttling.ts';
import { downstreamHealthAlarms } from '../../detectors/alarms/downstream-health.ts';
import type { AlarmDefinition } from '../../contracts/alarm-definition.ts';
import { QUEUE_URL, type MappingConfig, type SelfhealConfig, type TableConfig } from './schema.ts';

/** The downstream's single dimension, which the schema requires of a mapping. */
function downstreamOf(mapping: MappingConfig): { dimension: string; service: string } {
  const [dimension, service] = Object.entries(mapping.health.dimensions)[0] ?? ['', ''];
  return { dimension, service };
}

/** Every alarm of the deployment, with the resource each watches (for the routes). */
export function alarmsOf(config: SelfhealConfig): AlarmDefinition[] {
  return [
    ...config.tables.flatMap((table) => tableAlarms(config, table)),
    ...config.mappings.flatMap((mapping) => mappingAlarms(config, mapping)),
  ];
}

/** A table's throttling alarms, named after the deployment (what its signal rule matches by prefix). */
export function tableAlarms(
  config: Pick<SelfhealConfig, 'deployment'>,
  table: TableConfig,
): AlarmDefinition[] {
  return dynamoDbThrottlingAlarms({
    tableName: table.name,
    prefix: config.deployment,
    ...(table.alarms ? { thresholds: table.alarms } : {}),
  });
}

/** A mapping's downstream-health alarms. */
export function mappingAlarms(
  config: Pick<SelfhealConfig, 'deployment'>,
  mapping: MappingConfig,
): AlarmDefinition[] {
  const { dimension, service } = downstreamOf(mapping);
  const counts = mapping.health.counts;
  return downstreamHealthAlarms({
    service,
    namespace: mapping.health.namespace,
    dimension,
    ...(counts ? { metrics: { errors: counts.errors, requests: counts.requests } } : {}),
    errorRateThresholdPercent: mapping.health.thresholdPercent,
    ...(mapping.latencyP99ThresholdMs !== undefined
      ? { latencyP99ThresholdMs: mapping.latencyP99ThresholdMs }
      : {}),
    // One downstream may feed several mappings: the mapping's id keeps the alarm names apart.
    prefix: `${config.deployment}-${mapping.uuid.slice(0, 8)}`,
  });
}

/** Dispatch's routing: the default table routes, a route per mapping alarm, the tables, mappings and fleets. */
export function routingOf(config: SelfhealConfig): Routing {
  const mappingRoutes: AlarmRoute[] = config.mappings.flatMap((mapping) =>
    mappingAlarms(config, mapping).map((alarm) => ({
      name: `downstream-of-${mapping.uuid}`,
      kind: 'queue-backpressure' as const,
      match: { alarmName: alarm.AlarmName },
      resource: { type: 'event-source-mapping' as const, name: mapping.uuid },
    })),
  );
  const insightGroups = Object.fromEntries(
    Object.values(config.fleets).map((fleet) => [fleet.detector.xrayGroup, 'cell-grey-failure' as const]),
  );
  return routingSchema.parse({
    // Exact alarm names first: a mapping's alarm must not fall to a broader metric route.
    alarms: [...mappingRoutes, ...DEFAULT_ROUTING.alarms],
    runbooks: DEFAULT_ROUTING.runbooks,
    ...(Object.keys(insightGroups).length > 0 ? { insightGroups } : {}),
    tables: Object.fromEntries(config.tables.map((t) => [t.name, t.policy ? { policy: t.policy } : {}])),
    mappings: Object.fromEntries(
      config.mappings.map((m) => [
        m.uuid,
        { queueUrl: m.queueUrl, health: m.health, ...(m.policy ? { policy: m.policy } : {}) },
      ]),
    ),
    fleets: Object.fromEntries(
      Object.entries(config.fleets).map(([name, fleet]) => [
        name,
        {
          cells: fleet.cells,
          tracedShare: fleet.tracedShare,
          safety: fleet.safety,
          approval: fleet.approval,
          recovery: fleet.recovery,
        },
      ]),
    ),
  });
}

/** `arn:aws:sqs:<region>:<account>:<queue>` from the queue's URL. */
export function queueArnOf(queueUrl: string, partition = 'aws'): string {
  const match = QUEUE_URL.exec(queueUrl);
  if (!match) throw new Error(`not an SQS queue URL: ${queueUrl}`);
  return `arn:${partition}:sqs:${match[1]}:${match[2]}:${match[3]}`;
}

export function routingControlArnsOf(config: SelfhealConfig): string[] {
  return Object.values(config.fleets).flatMap((fleet) => fleet.cells.map((cell) => cell.routingControlArn));
}
