/**
 * The signals dispatch reads besides CloudWatch alarms: X-Ray insight updates ("AWS X-Ray
 * events"), the grey-failure detector's own incidents, and an operator's request. The envelope is
 * EventBridge's; `detail` differs by source.
 */
import * as z from 'zod';
import { incidentKindSchema, incidentSchema, resourceRefSchema } from '../../domain/incidents/incident.ts';

export const envelopeSchema = z.object({
  version: z.string(),
  id: z.string().min(1),
  'detail-type': z.string().min(1),
  source: z.string().min(1),
  account: z.string().regex(/^\d{12}$/, 'not an AWS account id'),
  time: z.iso.datetime(),
  region: z.string().min(1),
  resources: z.array(z.string()),
  detail: z.record(z.string(), z.unknown()),
});
export type EventEnvelope = z.infer<typeof envelopeSchema>;

export const XRAY_INSIGHT_DETAIL_TYPE = 'AWS X-Ray Insight Update';
export {
  DETECTOR_SOURCE,
  GREY_FAILURE_DETAIL_TYPE,
  OPERATOR_DETAIL_TYPE,
  OPERATOR_SOURCE,
} from '../../domain/incidents/event-types.ts';

const impactSchema = z.object({
  FaultCount: z.number().nonnegative().optional(),
  OkCount: z.number().nonnegative().optional(),
  TotalCount: z.number().nonnegative().optional(),
});

const serviceIdSchema = z.object({
  Name: z.string().min(1),
  Names: z.array(z.string()).optional(),
  AccountId: z.string().optional(),
  Type: z.string().optional(),
});

/** Epoch milliseconds of 9999-12-31T23:59:59.999Z: later times have no ISO 8601 form. */
const LAST_ISO_MS = 253_402_300_799_999;

/** X-Ray sends times as epoch milliseconds; older examples show ISO strings. */
const xrayTimeSchema = z.union([z.number().nonnegative().max(LAST_ISO_MS), z.iso.datetime()]);

export const xrayInsightDetailSchema = z.object({
  InsightId: z.string().min(1),
  GroupName: z.string().min(1),
  GroupARN: z.string().optional(),
  State: z.enum(['ACTIVE', 'CLOSED']),
  Categories: z.array(z.string()).optional(),
  Summary: z.string().optional(),
  StartTime: xrayTimeSchema,
  EndTime: xrayTimeSchema.nullish(),
  RootCauseServiceId: serviceIdSchema.optional(),
  ClientRequestImpactStatistics: impactSchema.optional(),
  RootCauseServiceRequestImpactStatistics: impactSchema.optional(),
  TopAnomalousServices: z.array(z.object({ ServiceId: serviceIdSchema })).optional(),
});
export type XRayInsightDetail = z.infer<typeof xrayInsightDetailSchema>;

/** The detector publishes its incidents as they are. */
export const greyFailureDetailSchema = incidentSchema;

export const operatorRequestSchema = z
  .object({
    kind: incidentKindSchema,
    resource: resourceRefSchema,
    reason: z.string().min(1).max(1000),
    requestedBy: z.string().min(1).max(200),
    /** Run it as a dry run even if the runbook is live. A request can never make a dry-run runbook live. */
    dryRun: z.boolean().optional(),
  })
  .strict();
export type OperatorRequest = z.infer<typeof operatorRequestSchema>;

export function xrayTimeToIso(time: number | string): string {
  return new Date(time).toISOString();
}
