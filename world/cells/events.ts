/**
 * An EventBridge bus for the local world: PutEvents as EventBridge answers it, and each accepted
 * entry kept as the event a rule's target would receive (the envelope dispatch normalises). The
 * local equivalent of `adapters/eventbridge.ts`.
 *
 * Simplifications: every bus name exists and no rule filters (every accepted event is kept); no
 * size limits; event ids are a counter. Entry failures happen only when scripted (`failNext`), or
 * for the entries EventBridge itself refuses (no Source, DetailType or Detail; Detail not a JSON
 * object).
 */
import type {
  PutEventsRequest,
  PutEventsRequestEntry,
  PutEventsResponse,
  PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge';
import type { EventsPort } from '../../domain/cells/ports.ts';
import { SimulatedServiceError } from '../service-error.ts';

/** An event as EventBridge delivers it to a rule's target. */
export interface DeliveredEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  /** ISO 8601 to the second, as EventBridge writes it. */
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

export interface SimulatedEventBus extends EventsPort {
  /** Every PutEvents request, as sent. */
  readonly requests: PutEventsRequest[];
  /** The accepted events, in order, with the bus each was put on. */
  readonly delivered: { busName: string; event: DeliveredEvent }[];
  /** Makes the next `count` entries (across calls) fail with this ErrorCode. */
  failNext(errorCode: string, count?: number, errorMessage?: string): void;
}

export interface SimulatedEventBusOptions {
  account?: string;
  region?: string;
  /** The time of an entry without `Time`; default the wall clock. */
  now?: () => number;
}

export function simulatedEventBus(options: SimulatedEventBusOptions = {}): SimulatedEventBus {
  const account = options.account ?? '123456789012';
  const region = options.region ?? 'us-east-1';
  const now = options.now ?? Date.now;
  const requests: PutEventsRequest[] = [];
  const delivered: SimulatedEventBus['delivered'] = [];
  const scripted: { code: string; message: string }[] = [];
  let nextId = 1;

  function put(entry: PutEventsRequestEntry): PutEventsResultEntry {
    const failure = scripted.shift() ?? refusal(entry);
    if (failure) return { ErrorCode: failure.code, ErrorMessage: failure.message };
    const id = `00000000-0000-4000-8000-${String(nextId++).padStart(12, '0')}`;
    delivered.push({
      busName: entry.EventBusName ?? 'default',
      event: {
        version: '0',
        id,
        'detail-type': entry.DetailType as string,
        source: entry.Source as string,
        account,
        time: new Date(entry.Time?.getTime() ?? now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        region,
        resources: entry.Resources ?? [],
        detail: JSON.parse(entry.Detail as string) as Record<string, unknown>,
      },
    });
    return { EventId: id };
  }

  return {
    requests,
    delivered,
    failNext(errorCode, count = 1, errorMessage = `Simulated ${errorCode}`) {
      for (let i = 0; i < count; i++) scripted.push({ code: errorCode, message: errorMessage });
    },
    async putEvents(input): Promise<PutEventsResponse> {
      requests.push(input);
      const entries = input.Entries ?? [];
      if (entries.length < 1 || entries.length > 10) {
        throw new SimulatedServiceError(
          'ValidationException',
          `Entries must hold between 1 and 10 entries, got ${entries.length}`,
        );
      }
      const results = entries.map(put);
      return { FailedEntryCount: results.filter((r) => r.ErrorCode).length, Entries: results };
    },
  };
}

/** The entries EventBridge fails on its own: the required fields, and Detail a JSON object. */
function refusal(entry: PutEventsRequestEntry): { code: string; message: string } | undefined {
  for (const field of ['Source', 'DetailType', 'Detail'] as const) {
    if (!entry[field]) {
      return { code: 'InvalidArgument', message: `Parameter ${field} is not valid: it is required.` };
    }
  }
  try {
    const detail: unknown = JSON.parse(entry.Detail as string);
    if (detail !== null && typeof detail === 'object' && !Array.isArray(detail)) return undefined;
  } catch {
    // Falls through to MalformedDetail.
  }
  return { code: 'MalformedDetail', message: 'Detail is malformed.' };
}
