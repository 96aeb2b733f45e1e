/**
 * Which incident, on which resource, an alarm means, and which runbook handles each kind of
 * incident: configuration, validated like any input, so wiring a new alarm is a change of data.
 * Alarms match by exact name first (composite alarms can only match so), then by a metric they
 * watch; the resource comes from that metric's dimension or is named in the route.
 */
import { z } from 'zod';
import { incidentKindSchema, RESOURCE_TYPES, type IncidentKind } from '../../domain/incidents/incident.ts';
import { parseOrThrow } from '../../domain/validation.ts';

const resourceFromAlarm = z.union([
  z.object({ type: z.enum(RESOURCE_TYPES), dimension: z.string().min(1) }).strict(),
  z.object({ type: z.enum(RESOURCE_TYPES), name: z.string().min(1) }).strict(),
]);

const alarmRouteSchema = z
  .object({
    /** Shown in the ledger: which route decided. */
    name: z.string().min(1),
    kind: incidentKindSchema,
    match: z.union([
      z.object({ alarmName: z.string().min(1) }).strict(),
      z.object({ namespace: z.string().min(1), metricNames: z.array(z.string().min(1)).min(1) }).strict(),
    ]),
    resource: resourceFromAlarm,
  })
  .strict();

export const routingSchema = z
  .object({
    alarms: z.array(alarmRouteSchema),
    /** The runbook (state machine name) for each kind; a kind left out is recorded as unhandled. */
    runbooks: z.partialRecord(incidentKindSchema, z.string().min(1)),
    /** X-Ray groups whose insights are incidents, and of which kind (the root-cause service is the cell). */
    insightGroups: z.record(z.string().min(1), incidentKindSchema).optional(),
  })
  .strict();

export type AlarmRoute = z.infer<typeof alarmRouteSchema>;
export type Routing = z.infer<typeof routingSchema>;

const DYNAMODB_TABLE = { type: 'dynamodb-table', dimension: 'TableName' } as const;

export const DEFAULT_ROUTING: Routing = {
  alarms: [
    {
      name: 'dynamodb-table-out-of-capacity',
      kind: 'table-capacity',
      match: {
        namespace: 'AWS/DynamoDB',
        metricNames: [
          'ReadProvisionedThroughputThrottleEvents',
          'WriteProvisionedThroughputThrottleEvents',
          'ReadThrottleEvents',
          'WriteThrottleEvents',
          'ThrottledRequests',
        ],
      },
      resource: DYNAMODB_TABLE,
    },
    {
      name: 'dynamodb-hot-key',
      kind: 'hot-key',
      match: {
        namespace: 'AWS/DynamoDB',
        metricNames: ['ReadKeyRangeThroughputThrottleEvents', 'WriteKeyRangeThroughputThrottleEvents'],
      },
      resource: DYNAMODB_TABLE,
    },
  ],
  runbooks: {
    'table-capacity': 'hot-shard',
    // The hot-shard runbook diagnoses a hot key and starts the key reshuffle instead of raising capacity.
    'hot-key': 'hot-shard',
  },
};

/** Routing from `SELFHEAL_ROUTING` (JSON) when set, else the defaults; invalid JSON is an error. */
export function routingFromEnvironment(env: NodeJS.ProcessEnv = process.env): Routing {
  const raw = env.SELFHEAL_ROUTING;
  if (!raw) return DEFAULT_ROUTING;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new SyntaxError(`SELFHEAL_ROUTING is not JSON: ${(error as Error).message}`, { cause: error });
  }
  return parseOrThrow(routingSchema, parsed, 'SELFHEAL_ROUTING');
}

export function runbookFor(routing: Routing, kind: IncidentKind): string | undefined {
  return routing.runbooks[kind];
}
