/**
 * A table incident as a file: the table as provisioned, its auto scaling, the workload that hits it
 * and what counts as healed, validated like any input — a user brings their own table with
 * `selfheal simulate hot-shard --incident FILE.json`, and the built-in incidents are such files.
 * Bounds are DynamoDB's where it has them (names, per-table on-demand quota, auto scaling's target
 * range) and the simulation's otherwise (at most a day of virtual time).
 */
import { readFileSync } from 'node:fs';
import * as z from 'zod';
import type { TableIncident } from './incident.ts';

export class IncidentFileError extends Error {
  constructor(file: string, detail: string) {
    super(`${file}: ${detail}`);
    this.name = 'IncidentFileError';
  }
}

/** A day of virtual time: the longest a simulation runs. */
const MAX_SECONDS = 86_400;
/** DynamoDB's default per-table quota ("Service, account, and table quotas in Amazon DynamoDB"). */
const MAX_UNITS = 40_000;

const rate = z.union([
  z.number().min(0).max(1_000_000),
  z.tuple([z.number().min(0).max(1_000_000), z.number().min(0).max(1_000_000)]),
]);

const phase = z
  .object({
    name: z.string().min(1).max(40),
    durationSeconds: z.number().int().min(1).max(MAX_SECONDS),
    readsPerSecond: rate,
    writesPerSecond: rate,
  })
  .strict();

const workload = z
  .object({
    phases: z.array(phase).min(1).max(50),
    itemSizeKb: z.number().gt(0).max(400),
    readConsistency: z.enum(['eventual', 'strong']),
    hotKeys: z
      .array(
        z
          .object({
            key: z.string().min(1).max(2048),
            readShare: z.number().min(0).max(1),
            writeShare: z.number().min(0).max(1),
          })
          .strict(),
      )
      .max(10),
    uniformKeyCount: z.number().int().min(1).max(10_000_000),
    uniformKeyPrefix: z.string().min(1).max(100).optional(),
    noise: z.number().min(0).max(1).optional(),
  })
  .strict()
  .refine((w) => w.hotKeys.reduce((sum, k) => sum + k.readShare, 0) <= 1, {
    message: 'the hot keys take more than all the reads (readShare sums above 1)',
    path: ['hotKeys'],
  })
  .refine((w) => w.hotKeys.reduce((sum, k) => sum + k.writeShare, 0) <= 1, {
    message: 'the hot keys take more than all the writes (writeShare sums above 1)',
    path: ['hotKeys'],
  });

const tableFields = {
  /** What the incident stands for, for whoever reads the file. */
  description: z.string().max(1000).optional(),
  tableName: z
    .string()
    .regex(/^[a-zA-Z0-9_.-]{3,255}$/, 'a DynamoDB table name (3-255 of a-z A-Z 0-9 _ . -)'),
  readCapacityUnits: z.number().int().min(1).max(MAX_UNITS),
  writeCapacityUnits: z.number().int().min(1).max(MAX_UNITS),
  workload,
  incidentPhase: z.string().min(1),
  simulatedSeconds: z.number().int().min(60).max(MAX_SECONDS).multipleOf(60),
  /** Target tracking's target utilisation: AWS allows 20 to 90 %. */
  autoScalingTargetPercent: z.number().min(20).max(90),
  autoScalingMaxCapacity: z.number().int().min(1).max(MAX_UNITS),
  verificationMinutes: z.number().int().min(1).max(60),
};

/** What holds any table incident together, beyond each field's own bounds. */
function checkTableIncident(
  incident: z.infer<z.ZodObject<typeof tableFields>>,
  context: z.RefinementCtx,
): void {
  if (!incident.workload.phases.some((p) => p.name === incident.incidentPhase)) {
    context.addIssue({ code: 'custom', message: 'names no phase of the workload', path: ['incidentPhase'] });
  }
  if (incident.autoScalingMaxCapacity < Math.max(incident.readCapacityUnits, incident.writeCapacityUnits)) {
    context.addIssue({
      code: 'custom',
      message: "is below the table's own capacity",
      path: ['autoScalingMaxCapacity'],
    });
  }
}

export const tableIncidentSchema = z.object(tableFields).strict().superRefine(checkTableIncident);

export const hotKeyIncidentSchema = z
  .object({
    ...tableFields,
    /** The partition key that turns hot; one of the workload's hot keys. */
    hotKey: z.string().min(1).max(2048),
    /** Items stored under it before the incident, which a reshuffle must move without losing one. */
    existingItems: z.number().int().min(0).max(100_000),
  })
  .strict()
  .superRefine((incident, context) => {
    checkTableIncident(incident, context);
    if (!incident.workload.hotKeys.some((k) => k.key === incident.hotKey)) {
      context.addIssue({ code: 'custom', message: "is none of the workload's hotKeys", path: ['hotKey'] });
    }
  });

/** Reads and validates an incident file; the first problem, named by its field, in one line. */
export function readIncidentFile<T extends TableIncident>(file: string, schema: z.ZodType<T>): T {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new IncidentFileError(file, (error as Error).message);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new IncidentFileError(file, `${issue?.path.join('.') || '(top)'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}
