/**
 * What the hot-shard runbook accepts: the table to heal and the policy that bounds what it may do.
 * Every limit has a safe default, so an alarm needs to name only the table.
 */
import * as z from 'zod';
import { parseOrThrow } from '../validation.ts';

// DynamoDB's own rule for table names.
const tableName = z
  .string()
  .min(3)
  .max(255)
  .regex(/^[a-zA-Z0-9_.-]+$/, 'must contain only a-z, A-Z, 0-9, underscore, dot and dash');

const capacityUnits = z.number().int().min(1).max(1_000_000);

export const capacityPolicySchema = z
  .object({
    /** Never provision more than this, whatever the demand. */
    maxReadCapacityUnits: capacityUnits.default(20_000),
    maxWriteCapacityUnits: capacityUnits.default(10_000),
    /** Capacity above the measured demand, so the fix is not outgrown at once. */
    headroomPercent: z.number().min(0).max(200).default(30),
    /** When the cap is not enough: switch the table to on-demand (PAY_PER_REQUEST). */
    allowOnDemand: z.boolean().default(false),
    /**
     * How long a raised auto scaling minimum holds before a scheduled action gives the old one back
     * and target tracking owns the capacity again. The raise is needed only to escape throttling
     * (auto scaling sizes from consumed capacity, which throttling caps); an hour outlasts target
     * tracking's 15-minute scale-in alarm, so a surge that pauses within it finds the capacity still
     * there, and a surge that goes on keeps its capacity through target tracking, which scales in only
     * when the table is used below its target.
     */
    restoreMinimumAfterMinutes: z.number().int().min(15).max(10_080).default(60),
    /** Refuse plans that would add more than this to the hourly bill (provisioned list price). */
    maxHourlyCostIncreaseUsd: z.number().positive().optional(),
    /** Capacity units one throttled request stands for (1 KB writes, 4 KB strongly consistent reads). */
    unitsPerThrottledRequest: z.number().positive().max(400).default(1),
    /** Minutes of metrics the diagnosis reads. */
    lookbackMinutes: z.number().int().min(2).max(60).default(5),
    /** How long the table must stay free of throttling for the run to call it healed. */
    verificationWindowSeconds: z.number().int().min(60).max(3600).default(180),
    /** Diagnose-act-verify rounds before giving up (demand may still be climbing). */
    maxRounds: z.number().int().min(1).max(10).default(3),
    /** On a hot key, start the key-reshuffle runbook (else only report the keys). */
    reshuffleHotKeys: z.boolean().default(true),
  })
  .strict();

export const capacityRequestSchema = z
  .object({
    tableName,
    dryRun: z.boolean().default(false),
    policy: capacityPolicySchema.default(() => capacityPolicySchema.parse({})),
    /** Where the request came from (an alarm, an operator), kept for the report. */
    trigger: z
      .object({
        source: z.string().min(1),
        alarmName: z.string().optional(),
        reason: z.string().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type CapacityPolicy = z.output<typeof capacityPolicySchema>;
export type CapacityRequest = z.output<typeof capacityRequestSchema>;

export function parseCapacityRequest(input: unknown): CapacityRequest {
  return parseOrThrow(capacityRequestSchema, input, 'The hot-shard request');
}
