/**
 * An operator asking for a runbook, as the EventBridge event dispatch reads (source
 * `selfheal.operator`, detail-type `Remediation Requested`): dispatch starts it, so the guardrails
 * (kill switches, dry-run, cooldown, rate limits, the resource's lock) apply as to any alarm. The
 * operator names the runbook; the request names the incident kind the routing sends to it.
 */
import type * as z from 'zod';
import { INCIDENT_KINDS, RESOURCE_TYPES, resourceRefSchema } from '../../domain/incidents/incident.ts';
import type { IncidentKind, ResourceRef } from '../../domain/incidents/incident.ts';
import {
  envelopeSchema,
  OPERATOR_DETAIL_TYPE,
  OPERATOR_SOURCE,
  operatorRequestSchema,
  type EventEnvelope,
} from './signal-events.ts';
import type { Routing } from '../routing/routes.ts';

/** The resource each kind of incident is about: what dispatch hands the runbook. */
const RESOURCE_TYPE_OF: Readonly<Record<IncidentKind, ResourceRef['type']>> = {
  'table-capacity': 'dynamodb-table',
  'hot-key': 'dynamodb-table',
  'queue-backpressure': 'event-source-mapping',
  'cell-grey-failure': 'cell',
};

export const RESOURCE_REF_FORMAT = `TYPE/NAME, TYPE one of ${RESOURCE_TYPES.join(', ')} (e.g. dynamodb-table/orders)`;

/** The runbooks dispatch can start: those the routing sends some kind of incident to. */
export function routedRunbooks(routing: Routing): string[] {
  return [...new Set(INCIDENT_KINDS.flatMap((kind) => routing.runbooks[kind] ?? []))];
}

/**
 * The incident kind to ask for, so that dispatch starts `runbook`: the first kind (in
 * INCIDENT_KINDS' order) the routing sends to it. Undefined when no kind is routed to it.
 */
export function kindForRunbook(routing: Routing, runbook: string): IncidentKind | undefined {
  return INCIDENT_KINDS.find((kind) => routing.runbooks[kind] === runbook);
}

/** `dynamodb-table/orders` -> `{ type, name }`; undefined when it is not a resource reference. */
export function parseResourceRef(text: string): ResourceRef | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const parsed = resourceRefSchema.safeParse({ type: text.slice(0, slash), name: text.slice(slash + 1) });
  return parsed.success ? parsed.data : undefined;
}

/** The type of resource a kind of incident is about: what dispatch hands its runbook. */
export const resourceTypeFor = (kind: IncidentKind): ResourceRef['type'] => RESOURCE_TYPE_OF[kind];

export interface OperatorRequest {
  kind: IncidentKind;
  resource: ResourceRef;
  reason: string;
  requestedBy: string;
  dryRun: boolean;
}

export interface EventSource {
  /** The event's id (EventBridge's is a UUID): the incident's id is derived from it. */
  id: string;
  time: Date;
  account: string;
  region: string;
}

/** Invalid details (an empty reason, a name too long) are reported as the schema words them. */
export class InvalidOperatorRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export type OperatorRequestDetail = z.output<typeof operatorRequestSchema>;

/** The request's detail, checked against what dispatch reads (InvalidOperatorRequestError if not). */
export function operatorRequestDetail(request: OperatorRequest): OperatorRequestDetail {
  const checked = operatorRequestSchema.safeParse({
    kind: request.kind,
    resource: request.resource,
    reason: request.reason,
    requestedBy: request.requestedBy,
    ...(request.dryRun ? { dryRun: true } : {}),
  });
  if (checked.success) return checked.data;
  const issue = checked.error.issues[0];
  throw new InvalidOperatorRequestError(
    `${issue?.path.join('.') || 'request'}: ${issue?.message ?? 'invalid'}`,
  );
}

/** The event as EventBridge would deliver it to dispatch. */
export function operatorRequestEvent(detail: OperatorRequestDetail, source: EventSource): EventEnvelope {
  return envelopeSchema.parse({
    version: '0',
    id: source.id,
    'detail-type': OPERATOR_DETAIL_TYPE,
    source: OPERATOR_SOURCE,
    account: source.account,
    time: source.time.toISOString(),
    region: source.region,
    resources: [],
    detail,
  });
}
