/**
 * An incident: one signal (an alarm transition, an X-Ray insight, the grey-failure detector, an
 * operator) normalised to what dispatch needs to pick a runbook and guard it. Every source maps to
 * this one shape, so the guardrails and the ledger never look at raw events.
 */
import * as z from 'zod';

export const INCIDENT_KINDS = [
  /** A DynamoDB table out of capacity (table-level throttling). */
  'table-capacity',
  /** One partition key too hot for any partition. */
  'hot-key',
  /** A queue's consumers overwhelm an unhealthy downstream. */
  'queue-backpressure',
  /** A cell failing grey: worse than its peers, not down. */
  'cell-grey-failure',
] as const;

export const incidentKindSchema = z.enum(INCIDENT_KINDS);
export type IncidentKind = z.infer<typeof incidentKindSchema>;

export const INCIDENT_SOURCES = [
  'cloudwatch-alarm',
  'xray-insight',
  'xray-grey-failure-detector',
  'operator',
] as const;
export const incidentSourceSchema = z.enum(INCIDENT_SOURCES);
export type IncidentSource = z.infer<typeof incidentSourceSchema>;

export const RESOURCE_TYPES = ['dynamodb-table', 'event-source-mapping', 'cell'] as const;

/** The resource a remediation would change: the unit of locking, cooldown and the ledger. */
export const resourceRefSchema = z
  .object({
    type: z.enum(RESOURCE_TYPES),
    /**
     * Table name, mapping UUID, cell name. It keys the lock, the cooldown and the ledger's
     * partition, and is printed on one line: never a control character or a line break.
     */
    name: z
      .string()
      .min(1)
      .max(255)
      .regex(/^[^\p{Cc}\u2028\u2029]+$/u, 'a name with a control character or a line break'),
  })
  .strict()
  .superRefine((resource, context) => {
    // DynamoDB's naming rules ("Supported data types and naming rules"): 3-255 of a-z A-Z 0-9 _ - .
    if (resource.type === 'dynamodb-table' && !/^[a-zA-Z0-9_.-]{3,255}$/.test(resource.name)) {
      context.addIssue({ code: 'custom', path: ['name'], message: 'not a DynamoDB table name' });
    }
  });
export type ResourceRef = z.infer<typeof resourceRefSchema>;

/** `dynamodb-table/orders`: the key of the resource's lock and ledger partition. */
export function resourceKey(resource: ResourceRef): string {
  return `${resource.type}/${resource.name}`;
}

export const incidentSchema = z
  .object({
    /** Stable for one signal: the same event normalised twice gives the same id. */
    id: z.string().min(1).max(128),
    kind: incidentKindSchema,
    resource: resourceRefSchema,
    /** Facts for the runbook and the reader, in plain words or numbers (never the raw event). */
    evidence: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
    source: incidentSourceSchema,
    /** ISO 8601, when the signal saw the problem (the alarm's transition time, not now). */
    observedAt: z.iso.datetime(),
  })
  .strict();
export type Incident = z.infer<typeof incidentSchema>;
