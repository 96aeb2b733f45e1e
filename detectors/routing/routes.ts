/**
 * Which incident, on which resource, an alarm means, and which runbook handles each kind of
 * incident: configuration, validated like any input, so wiring a new alarm is a change of data.
 * Alarms match by exact name first (composite alarms can only match so), then by a metric they
 * watch; the resource comes from that metric's dimension or is named in the route.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as z from 'zod';
import { incidentKindSchema, RESOURCE_TYPES, type IncidentKind } from '../../domain/incidents/incident.ts';
import { parseOrThrow } from '../../domain/validation.ts';
import { backpressurePolicySchema, backpressureRequestSchema } from '../../domain/backpressure/request.ts';
import { cellShiftRequestSchema } from '../../domain/cells/shift/request.ts';
import { capacityPolicySchema, capacityRequestSchema } from '../../domain/capacity/request.ts';

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

const DEFAULT_POLICY = backpressurePolicySchema.parse({});
/** A backpressure run's probing fits in dispatch's 50-minute wait, with time to settle and restore. */
const MAX_PROBING_SECONDS = 2700;
/** Time kept for restoring the original (its retries) and the run's own tasks. */
const RESTORE_MARGIN_SECONDS = 300;

/**
 * What the SQS-backpressure runbook needs besides the mapping: its queue, the downstream's health
 * metric and threshold, and the throttling policy. An alarm says none of it (only which metric
 * breached), so it is configuration, per mapping.
 */
const backpressureTargetSchema = z
  .object({
    queueUrl: backpressureRequestSchema.shape.queueUrl,
    health: backpressureRequestSchema.shape.health,
    policy: backpressurePolicySchema.partial().optional(),
  })
  .strict()
  .refine(({ policy }) => probingSeconds({ ...DEFAULT_POLICY, ...policy }) <= MAX_PROBING_SECONDS, {
    message: `maxProbes x (probeSeconds + settleSeconds) + ${RESTORE_MARGIN_SECONDS} s to restore must be at most ${MAX_PROBING_SECONDS} s: dispatch waits 50 minutes for a run, inside the lock's one-hour lease`,
    path: ['policy'],
  });

/** A run's probing at the least: each probe waits, and each change settles for one poll at least. */
function probingSeconds(policy: typeof DEFAULT_POLICY): number {
  return policy.maxProbes * (policy.probeSeconds + policy.settleSeconds) + RESTORE_MARGIN_SECONDS;
}

/**
 * What the hot-shard runbook needs besides the table, which an alarm cannot say: the policy that
 * bounds what it may do (caps, headroom, rounds). Configuration, per table; a table not listed
 * gets the runbook's defaults.
 */
export const tableTargetSchema = z.object({ policy: capacityPolicySchema.partial().optional() }).strict();

/**
 * A fleet of cells the cell-traffic-shift runbook may shift traffic between: its cells' routing
 * controls and capacities, and its safety, approval and recovery settings (defaults as the runbook's).
 */
const cellFleetSchema = z
  .object({
    cells: cellShiftRequestSchema.shape.fleet.shape.cells,
    tracedShare: cellShiftRequestSchema.shape.fleet.shape.tracedShare,
    safety: cellShiftRequestSchema.shape.safety,
    approval: cellShiftRequestSchema.shape.approval,
    recovery: cellShiftRequestSchema.shape.recovery,
  })
  .strict();

export const routingSchema = z
  .object({
    alarms: z.array(alarmRouteSchema),
    /** The runbook (state machine name) for each kind; a kind left out is recorded as unhandled. */
    runbooks: z.partialRecord(incidentKindSchema, z.string().min(1)),
    /** X-Ray groups whose insights are incidents, and of which kind (the root-cause service is the cell). */
    insightGroups: z.record(z.string().min(1), incidentKindSchema).optional(),
    /** The cell fleets selfheal may shift traffic in, by fleet name. */
    fleets: z.record(z.string().regex(/^[A-Za-z0-9._-]{1,64}$/), cellFleetSchema).optional(),
    /**
     * The DynamoDB tables the deployment protects, by table name, each with its policy (if any).
     * When given, an incident on any other table is recorded as unhandled, not remediated.
     */
    tables: z.record(capacityRequestSchema.shape.tableName, tableTargetSchema).optional(),
    /** The event-source mappings selfheal may throttle, by mapping UUID. */
    mappings: z.record(backpressureRequestSchema.shape.mappingId, backpressureTargetSchema).optional(),
  })
  .strict();

export type AlarmRoute = z.infer<typeof alarmRouteSchema>;
export type BackpressureTarget = z.input<typeof backpressureTargetSchema>;
export type TableTarget = z.infer<typeof tableTargetSchema>;
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
    // Needs the mapping in `mappings`: its queue and downstream health are configuration.
    'queue-backpressure': 'sqs-backpressure',
    // Needs the cell's fleet in `fleets`: its routing controls and capacities are configuration.
    'cell-grey-failure': 'cell-traffic-shift',
  },
};

/**
 * Routing from `SELFHEAL_ROUTING_FILE` (a JSON file; a relative path is read from the function's
 * code, `$LAMBDA_TASK_ROOT`, where the CDK app bundles it: Lambda's environment holds only 4 KB),
 * or `SELFHEAL_ROUTING` (JSON), else the defaults. Unreadable or invalid routing is an error.
 */
export function routingFromEnvironment(
  env: NodeJS.ProcessEnv = process.env,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): Routing {
  const file = env.SELFHEAL_ROUTING_FILE;
  const source = file ? `SELFHEAL_ROUTING_FILE ${file}` : 'SELFHEAL_ROUTING';
  let raw: string | undefined;
  try {
    raw = file ? readFile(resolve(env.LAMBDA_TASK_ROOT ?? '.', file)) : env.SELFHEAL_ROUTING;
  } catch (error) {
    throw new Error(`${source} cannot be read: ${(error as Error).message}`, { cause: error });
  }
  if (!raw) return DEFAULT_ROUTING;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new SyntaxError(`${source} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  return parseOrThrow(routingSchema, parsed, source);
}

export function runbookFor(routing: Routing, kind: IncidentKind): string | undefined {
  return routing.runbooks[kind];
}
