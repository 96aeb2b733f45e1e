/**
 * From any signal to a decision dispatch can act on: start a runbook for an incident, ignore a
 * signal that needs no work (an alarm going back to OK, a closed insight), or record a signal
 * nothing is configured to handle. A signal selfheal cannot read is an InvalidSignalError: it
 * starts nothing. The same event always gives the same decision and the same incident id.
 */
import { createHash } from 'node:crypto';
import type * as z from 'zod';
import { InvalidSignalError } from '../../domain/errors.ts';
import {
  incidentSchema,
  resourceKey,
  type Incident,
  type IncidentKind,
} from '../../domain/incidents/incident.ts';
import {
  ALARM_STATE_CHANGE_DETAIL_TYPE,
  cloudWatchAlarmEventSchema,
  toIsoOffset,
  type CloudWatchAlarmEvent,
} from '../../contracts/cloudwatch-alarm-event.ts';
import {
  DETECTOR_SOURCE,
  envelopeSchema,
  GREY_FAILURE_DETAIL_TYPE,
  greyFailureDetailSchema,
  OPERATOR_DETAIL_TYPE,
  OPERATOR_SOURCE,
  operatorRequestSchema,
  XRAY_INSIGHT_DETAIL_TYPE,
  xrayInsightDetailSchema,
  xrayTimeToIso,
  type EventEnvelope,
} from './signal-events.ts';
import { matchAlarm } from './match-alarm.ts';
import { runbookFor, type Routing } from '../routing/routes.ts';
import { runbookInputFor } from '../routing/runbook-input.ts';
import type { JsonObject } from '../../core/json.ts';
import { MAX_PUT_EVENTS_ENTRY_BYTES, putEventsEntrySize } from '../../contracts/eventbridge-entry.ts';
import { oneLine } from './one-line.ts';

/** What the ledger keeps of any signal, routed or not. */
export interface SignalSummary {
  /** Stable per signal; the incident id when there is an incident. */
  id: string;
  source: string;
  detailType: string;
  /** The alarm name, insight id or requester: what an operator would search for. */
  name: string;
  observedAt: string;
  /** The ledger partition: the resource, or `unrouted` when none is known. */
  resourceKey: string;
}

export type SignalDecision =
  | {
      decision: 'start';
      signal: SignalSummary;
      incident: Incident;
      runbook: string;
      /** The runbook's request, but for the dry-run flag the guardrails decide. */
      runbookInput: JsonObject;
      /** The signal asks for a dry run (an operator's request may): the guardrails honour it. */
      dryRunRequested: boolean;
      reason: string;
    }
  | { decision: 'ignore' | 'unhandled'; signal: SignalSummary; incident: Incident | null; reason: string };

export const UNROUTED = 'unrouted';

/** Step Functions' payload limit: the most a direct StartExecution could hand dispatch. */
export const MAX_EVENT_BYTES = 256 * 1024;
/** Deeper than any signal selfheal reads (an alarm event is 7 levels deep), and than JSON.stringify can go. */
export const MAX_EVENT_DEPTH = 32;
/** What a ledger reason keeps of an issue, and of an event's own text (a source, a name). */
const MAX_ISSUE_CHARS = 300;
/** An incident's facts: the detector publishes 8, an alarm gives 7; each string cut at 1,024. */
const MAX_EVIDENCE_ENTRIES = 32;
const MAX_EVIDENCE_CHARS = 1024;
/** `Date#toISOString` of a time in the years 0000 to 9999: every signal's time, as the ledger keeps it. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function normaliseSignal(raw: unknown, routing: Routing): SignalDecision {
  refuseUnreadable(raw);
  return bounded(readSignal(raw, routing));
}

/**
 * What dispatch carries on from any signal, whatever text it held: a reason the ledger keeps on
 * one short line, a short name, and an incident as the incident schema has it (a resource name of
 * at most 255 characters, so no ledger key outgrows DynamoDB's) with a few short facts, so the
 * decision leaves room in each state's 256 KiB for what dispatch adds to it.
 */
function bounded(decision: SignalDecision): SignalDecision {
  // The ledger files a record by its day and orders by this text: a year past 9999 has no place.
  if (!ISO_INSTANT.test(decision.signal.observedAt)) {
    throw new InvalidSignalError('The event is not a signal selfheal can read', [
      `it was observed at ${decision.signal.observedAt}, outside the years 0000 to 9999`,
    ]);
  }
  const signal = { ...decision.signal, name: cut(decision.signal.name, MAX_ISSUE_CHARS) };
  const reason = oneLine(decision.reason, MAX_ISSUE_CHARS * 2);
  if (decision.decision === 'start')
    return { ...decision, signal, reason, incident: checked(decision.incident) };
  return { ...decision, signal, reason, incident: decision.incident && checked(decision.incident) };
}

function checked(incident: Incident): Incident {
  const entries = Object.entries(incident.evidence);
  if (entries.length > MAX_EVIDENCE_ENTRIES) {
    throw new InvalidSignalError('The incident it describes is invalid', [
      `evidence: ${entries.length} facts; at most ${MAX_EVIDENCE_ENTRIES}`,
    ]);
  }
  const evidence = Object.fromEntries(
    entries.map(([key, value]) => [key, typeof value === 'string' ? cut(value, MAX_EVIDENCE_CHARS) : value]),
  );
  return parse(incidentSchema, { ...incident, evidence }, 'The incident it describes is invalid');
}

/** At most `max` characters, never half a surrogate pair. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = /[\ud800-\udbff]/.test(text.charAt(max - 2)) ? max - 2 : max - 1;
  return `${text.slice(0, end)}…`;
}

/**
 * An event no signal can be, whatever its fields say: nested deeper than MAX_EVENT_DEPTH (or
 * cyclic), holding what JSON cannot (a bigint), or too big: a PutEvents entry of 256 KB or more
 * (EventBridge refuses it) or, sent by a direct StartExecution, JSON over Step Functions' 256 KiB.
 */
function refuseUnreadable(raw: unknown): void {
  if (raw === null || typeof raw !== 'object') return; // the envelope's schema words it
  const fault = jsonFault(raw);
  if (fault) throw new InvalidSignalError('The event is not a signal selfheal can read', [fault]);
  const entry = putEventsEntrySize(raw as Record<string, unknown>);
  if (entry >= MAX_PUT_EVENTS_ENTRY_BYTES) {
    throw new InvalidSignalError('The event is too large', [
      `its PutEvents entry is ${entry} bytes; EventBridge accepts less than ${MAX_PUT_EVENTS_ENTRY_BYTES}`,
    ]);
  }
  const bytes = Buffer.byteLength(JSON.stringify(raw), 'utf8');
  if (bytes > MAX_EVENT_BYTES) {
    throw new InvalidSignalError('The event is too large', [
      `it is ${bytes} bytes of JSON; Step Functions accepts at most ${MAX_EVENT_BYTES}`,
    ]);
  }
}

/** Why `value` cannot be read as JSON (too deep, cyclic, a bigint), without recursing. */
function jsonFault(value: object): string | undefined {
  const stack: { node: unknown; depth: number }[] = [{ node: value, depth: 1 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop() as { node: unknown; depth: number };
    if (typeof node === 'bigint') return 'it holds a bigint, which JSON cannot';
    if (node === null || typeof node !== 'object') continue;
    if (depth > MAX_EVENT_DEPTH) return `it is nested more than ${MAX_EVENT_DEPTH} levels deep`;
    for (const child of Object.values(node)) stack.push({ node: child, depth: depth + 1 });
  }
  return undefined;
}

function readSignal(raw: unknown, routing: Routing): SignalDecision {
  const envelope = parse(envelopeSchema, raw, 'The event is not an EventBridge event');
  const source = envelope.source;
  const type = envelope['detail-type'];
  if (source === 'aws.cloudwatch' && type === ALARM_STATE_CHANGE_DETAIL_TYPE) {
    return fromAlarm(parse(cloudWatchAlarmEventSchema, raw, 'The alarm event is invalid'), routing);
  }
  if (source === 'aws.xray' && type === XRAY_INSIGHT_DETAIL_TYPE) return fromInsight(envelope, routing);
  if (source === DETECTOR_SOURCE && type === GREY_FAILURE_DETAIL_TYPE) {
    const published = parse(greyFailureDetailSchema, envelope.detail, 'The detector incident is invalid');
    // The detector's id may hold any character; dispatch's must be a valid execution name. Its
    // time, as every signal's, to the millisecond: the ledger orders records by this text.
    const incident = {
      ...published,
      id: signalId('detector', published.id, published.observedAt),
      observedAt: new Date(published.observedAt).toISOString(),
    };
    return decide(
      summaryOf(envelope, incident.id, published.id, incident.observedAt, incident),
      incident,
      routing,
    );
  }
  if (source === OPERATOR_SOURCE && type === OPERATOR_DETAIL_TYPE) return fromOperator(envelope, routing);
  throw new InvalidSignalError('The event is not a signal selfheal reads', [
    `source "${oneLine(source, MAX_ISSUE_CHARS)}" with detail-type "${oneLine(type, MAX_ISSUE_CHARS)}" is none of: aws.cloudwatch "${ALARM_STATE_CHANGE_DETAIL_TYPE}", ` +
      `aws.xray "${XRAY_INSIGHT_DETAIL_TYPE}", ${DETECTOR_SOURCE} "${GREY_FAILURE_DETAIL_TYPE}", ` +
      `${OPERATOR_SOURCE} "${OPERATOR_DETAIL_TYPE}"`,
  ]);
}

function fromAlarm(event: CloudWatchAlarmEvent, routing: Routing): SignalDecision {
  const { alarmName, state, previousState } = event.detail;
  const observedAt = new Date(toIsoOffset(state.timestamp)).toISOString();
  const id = signalId('alarm', alarmName, observedAt);
  const match = matchAlarm(event, routing.alarms);
  const incident: Incident | null =
    'resource' in match
      ? {
          id,
          kind: match.route.kind,
          resource: match.resource,
          source: 'cloudwatch-alarm',
          observedAt,
          evidence: {
            alarmName,
            route: match.route.name,
            state: state.value,
            previousState: previousState.value,
            reason: state.reason,
            ...(match.metric ? { metric: match.metric } : {}),
          },
        }
      : null;
  const signal = summaryOf(event, id, alarmName, observedAt, incident);
  if (state.value !== 'ALARM') {
    return {
      decision: 'ignore',
      signal,
      incident,
      reason: `alarm ${alarmName} went to ${state.value}: nothing to do`,
    };
  }
  if (!incident)
    return { decision: 'unhandled', signal, incident: null, reason: (match as { reason: string }).reason };
  return decide(signal, incident, routing);
}

function fromInsight(envelope: EventEnvelope, routing: Routing): SignalDecision {
  const detail = parse(xrayInsightDetailSchema, envelope.detail, 'The X-Ray insight event is invalid');
  const observedAt = xrayTimeToIso(detail.StartTime);
  const id = signalId('insight', detail.InsightId, observedAt);
  // An own key only: a group named `constructor` must not find Object.prototype's.
  const groups = routing.insightGroups ?? {};
  const cellGroup = Object.hasOwn(groups, detail.GroupName) ? groups[detail.GroupName] : undefined;
  const service = detail.RootCauseServiceId?.Name;
  const incident: Incident | null =
    cellGroup && service
      ? {
          id,
          kind: cellGroup,
          resource: { type: 'cell', name: service },
          source: 'xray-insight',
          observedAt,
          evidence: {
            insightId: detail.InsightId,
            group: detail.GroupName,
            state: detail.State,
            summary: detail.Summary ?? null,
            categories: (detail.Categories ?? []).join(','),
            faultCount: detail.RootCauseServiceRequestImpactStatistics?.FaultCount ?? null,
            totalCount: detail.RootCauseServiceRequestImpactStatistics?.TotalCount ?? null,
          },
        }
      : null;
  const signal = summaryOf(envelope, id, detail.InsightId, observedAt, incident);
  if (detail.State === 'CLOSED') {
    return {
      decision: 'ignore',
      signal,
      incident,
      reason: `insight ${detail.InsightId} closed: nothing to do`,
    };
  }
  if (!incident) {
    const reason = !cellGroup
      ? `insights of X-Ray group ${detail.GroupName} are not routed`
      : `insight ${detail.InsightId} names no root-cause service`;
    return { decision: 'unhandled', signal, incident: null, reason };
  }
  return decide(signal, incident, routing);
}

function fromOperator(envelope: EventEnvelope, routing: Routing): SignalDecision {
  const request = parse(operatorRequestSchema, envelope.detail, 'The operator request is invalid');
  const observedAt = new Date(envelope.time).toISOString();
  const incident: Incident = {
    id: signalId('operator', envelope.id, observedAt),
    kind: request.kind,
    resource: request.resource,
    source: 'operator',
    observedAt,
    evidence: { reason: request.reason, requestedBy: request.requestedBy },
  };
  return decide(
    summaryOf(envelope, incident.id, request.requestedBy, observedAt, incident),
    incident,
    routing,
    request.dryRun === true,
  );
}

function decide(
  signal: SignalSummary,
  incident: Incident,
  routing: Routing,
  dryRunRequested = false,
): SignalDecision {
  const runbook = runbookFor(routing, incident.kind);
  if (!runbook) {
    return {
      decision: 'unhandled',
      signal,
      incident,
      reason: `no runbook is configured for ${incident.kind} incidents`,
    };
  }
  const prepared = runbookInputFor(incident, routing);
  if ('reason' in prepared) return { decision: 'unhandled', signal, incident, reason: prepared.reason };
  return {
    decision: 'start',
    signal,
    incident,
    runbook,
    runbookInput: prepared.input,
    dryRunRequested,
    reason: `${incident.kind} on ${resourceKey(incident.resource)}: runbook ${runbook}`,
  };
}

function summaryOf(
  envelope: Pick<EventEnvelope, 'source' | 'detail-type'>,
  id: string,
  name: string,
  observedAt: string,
  incident: Incident | null,
): SignalSummary {
  return {
    id,
    source: envelope.source,
    detailType: envelope['detail-type'],
    name,
    observedAt,
    resourceKey: incident ? resourceKey(incident.resource) : UNROUTED,
  };
}

/** Short, stable, and valid as a Step Functions execution name (no spaces, at most 80 chars). */
function signalId(kind: string, name: string, observedAt: string): string {
  const digest = createHash('sha256').update(`${kind}\n${name}\n${observedAt}`).digest('hex').slice(0, 24);
  return `${kind}-${digest}`;
}

function parse<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new InvalidSignalError(
    what,
    result.error.issues
      .slice(0, 5)
      .map((issue) => oneLine(`${issue.path.join('.') || '(event)'}: ${issue.message}`, MAX_ISSUE_CHARS)),
  );
}

export type { IncidentKind };
