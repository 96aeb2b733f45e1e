/**
 * The shapes that pass between the hot-shard runbook's states. Each task re-validates what it is
 * handed (a hand-edited execution input, or a redrive, must not slip a bad value into UpdateTable).
 */
import * as z from 'zod';
import { capacityPolicySchema, capacityRequestSchema } from './request.ts';

const units = z.number().min(0);
const dimension = z.enum(['read', 'write']);

const dimensionLoadSchema = z.object({
  provisioned: units,
  consumedPerSecond: units,
  demandPerSecond: units,
  throttleEvents: units,
  keyRangeThrottleEvents: units,
  provisionedThrottleEvents: units,
  onDemandThrottleEvents: units,
  peakUtilisation: units,
});

const scalableRangeSchema = z.object({ minCapacity: units, maxCapacity: units }).nullable();

const hotKeySchema = z.object({ partitionKey: z.string(), throttledRequests: units });

export const tableDiagnosisSchema = z.object({
  tableName: z.string().min(3),
  observedAt: z.string(),
  table: z.object({
    status: z.string(),
    billingMode: z.enum(['PROVISIONED', 'PAY_PER_REQUEST']),
    readCapacityUnits: units,
    writeCapacityUnits: units,
  }),
  load: z.object({ read: dimensionLoadSchema, write: dimensionLoadSchema }),
  autoScaling: z.object({ read: scalableRangeSchema, write: scalableRangeSchema }),
  hotKeys: z.array(hotKeySchema),
  contributorInsightsRule: z.string().nullable(),
  cause: z.enum(['none', 'table-capacity', 'hot-key', 'on-demand-limit']),
  evidence: z.array(z.string()),
});

const dimensionChangeSchema = z.object({
  dimension,
  from: units,
  to: z.number().int().min(1),
  via: z.enum(['update-table', 'scalable-target']),
  scalableTarget: z
    .object({
      fromMin: units,
      toMin: z.number().int().min(1),
      fromMax: units,
      toMax: z.number().int().min(1),
    })
    .optional(),
});

const planBase = { tableName: z.string().min(3), reasons: z.array(z.string()) };

export const capacityPlanSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('no-change'), ...planBase }),
  z.object({ kind: z.literal('hot-key'), hotKeys: z.array(hotKeySchema), ...planBase }),
  z.object({ kind: z.literal('cap-reached'), ...planBase }),
  z.object({ kind: z.literal('over-budget'), hourlyCostIncreaseUsd: z.number(), ...planBase }),
  z.object({
    kind: z.literal('raise-capacity'),
    changes: z.array(dimensionChangeSchema).min(1),
    capped: z.boolean(),
    hourlyCostIncreaseUsd: z.number(),
    restoreMinimumAfterMinutes: z.number().int().min(15).max(10_080).optional(),
    ...planBase,
  }),
  z.object({
    kind: z.literal('switch-to-on-demand'),
    from: z.object({ read: units, write: units }),
    ...planBase,
  }),
]);

export const actionablePlanSchema = capacityPlanSchema.refine(
  (plan) => plan.kind === 'raise-capacity' || plan.kind === 'switch-to-on-demand',
  { message: 'only raise-capacity and switch-to-on-demand plans change anything' },
);

const appliedChangeSchema = z.object({
  dimension,
  via: z.enum(['update-table', 'scalable-target']),
  before: units,
  after: units,
  skipped: z.string().optional(),
  restore: z
    .object({ scheduledActionName: z.string(), minCapacity: z.number().int().min(1), at: z.string() })
    .optional(),
});

export const capacityActionSchema = z.object({
  kind: z.enum(['raise-capacity', 'switch-to-on-demand']),
  tableName: z.string(),
  at: z.string(),
  changes: z.array(appliedChangeSchema),
  billingMode: z.object({ before: z.string(), after: z.string() }).optional(),
});

/** Task inputs, as the runbook's Parameters build them. */
export const diagnoseInputSchema = z.object({ request: capacityRequestSchema });
export const planInputSchema = z.object({ diagnosis: tableDiagnosisSchema, policy: capacityPolicySchema });
export const applyInputSchema = z.object({
  plan: actionablePlanSchema,
  actions: z.array(capacityActionSchema).default([]),
});
export const verifyInputSchema = z.object({
  tableName: z.string().min(3),
  verificationWindowSeconds: z.number().int().min(60),
  /** When the change took effect (the table seen ACTIVE again): the window starts after it. */
  since: z.iso.datetime({ offset: true }).optional(),
});
