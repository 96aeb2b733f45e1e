/**
 * The one file a deployment is described by: what selfheal protects (tables, event-source
 * mappings, cell fleets) and how it runs (name, account and region, notifications, log retention).
 * Validated like any input: synth fails on a bad file with the path of the field at fault. The
 * runbooks' own request schemas supply the fields they share (policies, health, fleets), so the
 * config cannot accept what a runbook would later refuse.
 */
import * as z from 'zod';
import { deploymentNameSchema, DEFAULT_DEPLOYMENT } from '../../domain/deployment/names.ts';
import { backpressurePolicySchema, backpressureRequestSchema } from '../../domain/backpressure/request.ts';
import { cellShiftRequestSchema } from '../../domain/cells/shift/request.ts';
import { outlierPolicySchema } from '../../domain/cells/fleet.ts';
import { routingSchema, tableTargetSchema } from '../../detectors/routing/routes.ts';

/** CloudWatch Logs' allowed retention periods, in days. */
const RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const tableNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{3,255}$/, 'a DynamoDB table name is 3-255 letters, digits and _.-');

const tableSchema = z.strictObject({
  name: tableNameSchema,
  /** The hot-shard runbook's limits for this table (its own schema: what the runbook would refuse, synth does). */
  policy: tableTargetSchema.shape.policy,
  /** Throttle events per minute at which each throttling alarm breaches (default 10). */
  alarms: z
    .strictObject({
      capacity: z.number().int().min(1).optional(),
      keyRange: z.number().int().min(1).optional(),
    })
    .optional(),
});

/** `https://sqs.<region>.amazonaws.com/<account>/<queue>`: the ARN the role is scoped to comes from it. */
export const QUEUE_URL =
  /^https:\/\/sqs\.([a-z0-9-]+)\.amazonaws\.com\/(\d{12})\/([A-Za-z0-9_-]{1,80}(\.fifo)?)$/;

const mappingTargetSchema = routingSchema.shape.mappings.unwrap().valueType;

const mappingSchema = z
  .strictObject({
    uuid: backpressureRequestSchema.shape.mappingId,
    /** The consumer's function name: the role may change this mapping only while it feeds that function. */
    functionName: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'a Lambda function name is 1-64 letters, digits, _ and -'),
    queueUrl: z
      .string()
      .regex(QUEUE_URL, 'must be an SQS queue URL: https://sqs.<region>.amazonaws.com/<account>/<queue>'),
    health: backpressureRequestSchema.shape.health,
    policy: backpressurePolicySchema.partial().optional(),
    /** p99 latency (ms) above which a second alarm starts the runbook; none when absent. */
    latencyP99ThresholdMs: z.number().positive().optional(),
  })
  .superRefine((mapping, ctx) => {
    // The routing's own rules for a mapping (e.g. probing that must fit dispatch's wait).
    const { queueUrl, health, policy } = mapping;
    const result = mappingTargetSchema.safeParse({ queueUrl, health, ...(policy ? { policy } : {}) });
    for (const issue of result.success ? [] : result.error.issues) {
      ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
    }
  })
  .refine((m) => m.health.counts !== undefined && Object.keys(m.health.dimensions).length === 1, {
    message:
      'the downstream-health alarm computes the error rate from counts: give health.counts {errors, requests} and exactly one dimension',
    path: ['health'],
  });

const fleetShape = cellShiftRequestSchema.shape;

const fleetSchema = z.strictObject({
  cells: fleetShape.fleet.shape.cells,
  tracedShare: fleetShape.fleet.shape.tracedShare,
  safety: fleetShape.safety,
  approval: fleetShape.approval,
  recovery: fleetShape.recovery,
  /** The grey-cell detector, run on a schedule over this fleet's X-Ray statistics. */
  detector: z
    .strictObject({
      xrayGroup: z.string().min(1).max(32).default('Default'),
      everyMinutes: z.number().int().min(1).max(60).default(1),
      windowMinutes: z.number().int().min(1).max(60).default(5),
      policy: outlierPolicySchema.prefault({}),
    })
    .prefault({}),
});

const arcEndpointSchema = z.strictObject({ Endpoint: z.url(), Region: z.string().min(1) });

export const configSchema = z
  .strictObject({
    deployment: deploymentNameSchema.default(DEFAULT_DEPLOYMENT),
    environment: z
      .strictObject({
        account: z
          .string()
          .regex(/^\d{12}$/, 'an AWS account id is 12 digits')
          .optional(),
        region: z
          .string()
          .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region, such as eu-west-1')
          .optional(),
      })
      .prefault({}),
    notifications: z.strictObject({ emails: z.array(z.email()).default([]) }).prefault({}),
    logRetentionDays: z
      .number()
      .refine((days) => (RETENTION_DAYS as readonly number[]).includes(days), {
        message: `CloudWatch Logs keeps logs ${RETENTION_DAYS.join(', ')} days`,
      })
      .default(90),
    /**
     * Node maps logged stack traces through the bundles' source maps (NODE_OPTIONS=
     * --enable-source-maps): readable traces, for some 17 % more cold start (the bench). The maps
     * ship with every bundle either way; off unless asked.
     */
    sourceMapsAtRuntime: z.boolean().default(false),
    tables: z.array(tableSchema).default([]),
    mappings: z.array(mappingSchema).default([]),
    fleets: z
      .record(
        // Names the fleet's detector function (`<deployment>-detect-grey-cells-<fleet>`, 64 at most).
        z.string().regex(/^[A-Za-z0-9_-]{1,24}$/, 'a fleet name is 1-24 letters, digits, _ and -'),
        fleetSchema,
      )
      .default({}),
    /** The Route 53 ARC cluster the fleets' routing controls live in, its endpoints as DescribeCluster lists them. */
    arcCluster: z.strictObject({ endpoints: z.array(arcEndpointSchema).min(1) }).optional(),
  })
  .superRefine((config, ctx) => {
    const duplicates = (values: string[]) => values.filter((v, i) => values.indexOf(v) !== i);
    for (const name of duplicates(config.tables.map((t) => t.name)))
      ctx.addIssue({ code: 'custom', path: ['tables'], message: `table "${name}" is listed twice` });
    for (const uuid of duplicates(config.mappings.map((m) => m.uuid)))
      ctx.addIssue({ code: 'custom', path: ['mappings'], message: `mapping "${uuid}" is listed twice` });
    const cells = Object.values(config.fleets).flatMap((fleet) => fleet.cells.map((c) => c.name));
    for (const cell of duplicates(cells))
      ctx.addIssue({ code: 'custom', path: ['fleets'], message: `cell "${cell}" is in more than one fleet` });
    // A queue's mapping and consumer are in the stack's region and account (SQS event sources
    // cannot cross regions), so the queue must be too, and the stack must know which.
    config.mappings.forEach((mapping, index) => {
      const [, region, account] = QUEUE_URL.exec(mapping.queueUrl) ?? [];
      const { environment } = config;
      if (environment.region === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['environment', 'region'],
          message: `mappings live in one region: give it (mappings.${index}'s queue is in ${region})`,
        });
      } else if (region !== environment.region) {
        ctx.addIssue({
          code: 'custom',
          path: ['mappings', index, 'queueUrl'],
          message: `the queue is in ${region}, the deployment in ${environment.region}: a mapping's queue is in its function's region`,
        });
      }
      if (environment.account !== undefined && account !== environment.account) {
        ctx.addIssue({
          code: 'custom',
          path: ['mappings', index, 'queueUrl'],
          message: `the queue is in account ${account}, the deployment in ${environment.account}`,
        });
      }
    });
    if (Object.keys(config.fleets).length > 0 && config.arcCluster === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['arcCluster'],
        message: "fleets shift traffic through Route 53 ARC: give the cluster's endpoints",
      });
    }
  });

export type SelfhealConfig = z.output<typeof configSchema>;
export type TableConfig = SelfhealConfig['tables'][number];
export type MappingConfig = SelfhealConfig['mappings'][number];
export type FleetConfig = SelfhealConfig['fleets'][string];
