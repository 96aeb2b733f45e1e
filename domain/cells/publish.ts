/**
 * The detector's incidents, published to EventBridge as the events dispatch reads
 * (`detectors/signals/normalise.ts`): source `selfheal.detectors`, detail-type
 * `Cell Grey Failure Detected`, detail the incident as it is. An EventBridge rule on that pattern
 * starts dispatch.
 *
 * PutEvents takes at most 10 entries a call and answers 200 even when entries fail: each failed
 * entry carries an ErrorCode in the answer, in the request's order. Every batch is sent; then any
 * failure is one named error, retryable only if every failed entry's code is (a rerun of the
 * schedule publishes the same incidents again, under the same ids, so a retry is safe).
 */
import type { PutEventsRequestEntry, PutEventsResultEntry } from '@aws-sdk/client-eventbridge';
import * as z from 'zod';
import type { Incident } from '../incidents/incident.ts';
import {
  AwsThrottledError,
  AwsTransientError,
  classifyAwsError,
  UnexpectedAwsError,
  type SelfHealError,
} from '../errors.ts';
import { DETECTOR_SOURCE, GREY_FAILURE_DETAIL_TYPE } from '../incidents/event-types.ts';
import type { EventsPort } from './ports.ts';

/** PutEvents' limit on entries per call. */
export const MAX_ENTRIES_PER_CALL = 10;

/** A bus name or ARN as PutEvents accepts it (its `EventBusName` pattern and length). */
export const eventBusNameSchema = z
  .string()
  .min(1)
  .max(256)
  .regex(
    /^(arn:aws[\w-]*:events:[a-z]+-[a-z]+-[\w-]+:[0-9]{12}:event-bus\/)?[/.\-_A-Za-z0-9]+$/,
    'not an event bus name or ARN',
  );

/**
 * One PutEvents entry per incident. Cells have no ARN, so `Resources` is empty; `Time` is when the
 * detector saw the problem (the window's end), which becomes the event's `time`.
 */
export function incidentEntries(busName: string, incidents: readonly Incident[]): PutEventsRequestEntry[] {
  return incidents.map((incident) => ({
    Source: DETECTOR_SOURCE,
    DetailType: GREY_FAILURE_DETAIL_TYPE,
    Detail: JSON.stringify(incident),
    EventBusName: busName,
    Resources: [],
    Time: new Date(incident.observedAt),
  }));
}

export interface PublishResult {
  published: number;
  /** EventBridge's ids of the events, in the incidents' order. */
  eventIds: string[];
}

/** Entry error codes EventBridge documents as retryable. */
const THROTTLED_ENTRY = new Set(['ThrottlingException']);
const TRANSIENT_ENTRY = new Set(['InternalFailure']);

interface FailedEntry {
  incidentId: string;
  code: string;
  message: string;
}

/** Publishes every incident, 10 to a call; throws one named error if any of them failed. */
export async function publishIncidents(
  events: EventsPort,
  busName: string,
  incidents: readonly Incident[],
): Promise<PublishResult> {
  const entries = incidentEntries(busName, incidents);
  const eventIds: string[] = [];
  const failed: FailedEntry[] = [];
  for (let first = 0; first < entries.length; first += MAX_ENTRIES_PER_CALL) {
    const batch = entries.slice(first, first + MAX_ENTRIES_PER_CALL);
    const batchIncidents = incidents.slice(first, first + MAX_ENTRIES_PER_CALL);
    let answer;
    try {
      answer = await events.putEvents({ Entries: batch });
    } catch (error) {
      // The whole call failed: later batches would meet the same fate, and a rerun resends all.
      throw classifyAwsError(
        error,
        `Publishing ${incidents.length} incident(s) to event bus ${busName} (${eventIds.length} published)`,
      );
    }
    const results = answer.Entries ?? [];
    batchIncidents.forEach((incident, index) => {
      const failure = entryFailure(results[index], answer.FailedEntryCount ?? 0);
      if (failure) failed.push({ incidentId: incident.id, ...failure });
      else eventIds.push((results[index] as PutEventsResultEntry).EventId as string);
    });
  }
  if (failed.length > 0) throw publishError(busName, incidents.length, failed);
  return { published: eventIds.length, eventIds };
}

/**
 * Why an entry was not published, or null when it was. An entry with no result, or one with
 * neither an ErrorCode nor an EventId, counts as failed: nothing says the event exists.
 */
function entryFailure(
  result: PutEventsResultEntry | undefined,
  failedEntryCount: number,
): Omit<FailedEntry, 'incidentId'> | null {
  if (result?.ErrorCode) return { code: result.ErrorCode, message: result.ErrorMessage ?? '' };
  if (result?.EventId) return null;
  return {
    code: 'MissingResult',
    message: `PutEvents answered no event id for the entry (FailedEntryCount ${failedEntryCount})`,
  };
}

/** Retryable only when every failure is: a rerun cannot fix an entry EventBridge refused. */
function publishError(busName: string, total: number, failed: FailedEntry[]): SelfHealError {
  const listed = failed
    .map(({ incidentId, code, message }) => `${incidentId} (${code}${message ? `: ${message}` : ''})`)
    .join('; ');
  const message =
    `Publishing ${total} incident(s) to event bus ${busName}: ` +
    `${failed.length} failed, ${total - failed.length} published: ${listed}`;
  const codes = failed.map((entry) => entry.code);
  if (codes.every((code) => THROTTLED_ENTRY.has(code) || TRANSIENT_ENTRY.has(code))) {
    return codes.some((code) => THROTTLED_ENTRY.has(code))
      ? new AwsThrottledError(message)
      : new AwsTransientError(message);
  }
  return new UnexpectedAwsError(message);
}
