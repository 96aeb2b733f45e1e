import { describe, expect, it } from 'vitest';
import { EventBridgeServiceException, InternalException } from '@aws-sdk/client-eventbridge';
import type { PutEventsRequest, PutEventsResponse } from '@aws-sdk/client-eventbridge';
import { greyCellIncidentId } from '../../../domain/cells/detect.ts';
import type { EventsPort } from '../../../domain/cells/ports.ts';
import { incidentEntries, publishIncidents } from '../../../domain/cells/publish.ts';
import type { Incident } from '../../../domain/incidents/incident.ts';
import { normaliseSignal } from '../../../detectors/signals/normalise.ts';
import { DEFAULT_ROUTING, type Routing } from '../../../detectors/routing/routes.ts';
import { simulatedEventBus } from '../../../world/cells/events.ts';
import { CHECKOUT_FLEET } from '../../detectors/signals/fixtures.ts';

const WINDOW_END = '2026-01-01T12:05:00.000Z';

/** An incident as `detectGreyCells` makes it (nulls and all). */
const incident = (cell: string, windowEnd = WINDOW_END): Incident => ({
  id: greyCellIncidentId(cell, windowEnd),
  kind: 'cell-grey-failure',
  resource: { type: 'cell', name: cell },
  source: 'xray-grey-failure-detector',
  observedAt: windowEnd,
  evidence: {
    windowStart: '2026-01-01T12:00:00.000Z',
    windowEnd,
    greyBy: 'p99-latency',
    judgedCells: 'checkout-cell-1,checkout-cell-2,checkout-cell-3',
    requests: 6000,
    faults: 5,
    errors: 0,
    faultRate: 0.000833,
    peerMedianFaultRate: 0.000833,
    faultRateScore: 0,
    p99LatencyMs: 1400,
    peerMedianP99LatencyMs: 250,
    p99LatencyScore: 41.2,
    meanLatencyMs: 71.3,
    activeInsights: 0,
    insightIds: null,
    insightSummary: null,
    insightRootCause: null,
    insightsError: null,
  },
});

const incidents = (count: number) =>
  Array.from({ length: count }, (_, i) => incident(`checkout-cell-${i + 1}`));

/** An EventsPort answering from a script, one answer per call, recording the requests. */
function scriptedEvents(
  ...answers: ((input: PutEventsRequest) => PutEventsResponse | Error)[]
): EventsPort & { requests: PutEventsRequest[] } {
  const requests: PutEventsRequest[] = [];
  return {
    requests,
    async putEvents(input) {
      requests.push(input);
      const answer = (answers[requests.length - 1] ?? accepted)(input);
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
}

const accepted = (input: PutEventsRequest): PutEventsResponse => ({
  FailedEntryCount: 0,
  Entries: (input.Entries ?? []).map((_, i) => ({ EventId: `event-${i}` })),
});

/** Fails the entry at `index` with `code`; accepts the others. */
const failingAt =
  (index: number, code: string, message = 'Rate exceeded') =>
  (input: PutEventsRequest): PutEventsResponse => ({
    FailedEntryCount: 1,
    Entries: (input.Entries ?? []).map((_, i) =>
      i === index ? { ErrorCode: code, ErrorMessage: message } : { EventId: `event-${i}` },
    ),
  });

describe('incidentEntries', () => {
  it('makes one PutEvents entry per incident, in the shape dispatch reads', () => {
    const grey = incident('checkout-cell-3');

    expect(incidentEntries('selfheal', [grey])).toStrictEqual([
      {
        Source: 'selfheal.detectors',
        DetailType: 'Cell Grey Failure Detected',
        Detail: JSON.stringify(grey),
        EventBusName: 'selfheal',
        Resources: [],
        Time: new Date('2026-01-01T12:05:00.000Z'),
      },
    ]);
    expect(JSON.parse(incidentEntries('default', [grey])[0]?.Detail as string)).toStrictEqual(grey);
  });
});

describe('publishIncidents', () => {
  it('sends 23 incidents as 10, 10 and 3 entries, in order, and returns their event ids', async () => {
    const bus = simulatedEventBus();
    const found = incidents(23);

    const result = await publishIncidents(bus, 'default', found);

    expect(bus.requests.map((request) => request.Entries?.length)).toStrictEqual([10, 10, 3]);
    expect(bus.requests.flatMap((request) => request.Entries)).toStrictEqual(
      incidentEntries('default', found),
    );
    expect(result.published).toBe(23);
    expect(result.eventIds).toHaveLength(23);
    expect(bus.delivered.map(({ event }) => event.detail)).toStrictEqual(found);
    expect(bus.delivered.map(({ event }) => event.id)).toStrictEqual(result.eventIds);
  });

  it('sends nothing when there is nothing to publish', async () => {
    const bus = simulatedEventBus();

    await expect(publishIncidents(bus, 'default', [])).resolves.toStrictEqual({
      published: 0,
      eventIds: [],
    });
    expect(bus.requests).toStrictEqual([]);
  });

  it('fails with AwsThrottledError (retryable) naming the incident of a throttled entry, after every batch', async () => {
    const events = scriptedEvents(accepted, failingAt(3, 'ThrottlingException'));
    const found = incidents(23);

    const error = await publishIncidents(events, 'selfheal', found).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'AwsThrottledError', retryable: true });
    expect((error as Error).message).toBe(
      'Publishing 23 incident(s) to event bus selfheal: 1 failed, 22 published: ' +
        `${found[13]?.id} (ThrottlingException: Rate exceeded)`,
    );
    // The other incidents still went out: the third batch was sent.
    expect(events.requests.map((request) => request.Entries?.length)).toStrictEqual([10, 10, 3]);
  });

  it('fails with AwsTransientError (retryable) on an InternalFailure entry', async () => {
    const events = scriptedEvents(failingAt(0, 'InternalFailure', 'Internal failure'));

    await expect(publishIncidents(events, 'default', incidents(2))).rejects.toMatchObject({
      name: 'AwsTransientError',
      retryable: true,
    });
  });

  it.each([['AccessDeniedException'], ['MalformedDetail'], ['NotAuthorizedForSourceException']])(
    'fails with UnexpectedAwsError (not retryable) on a %s entry',
    async (code) => {
      const events = scriptedEvents(failingAt(1, code, 'Refused'));

      const error = await publishIncidents(events, 'default', incidents(2)).catch((e: unknown) => e);

      expect(error).toMatchObject({ name: 'UnexpectedAwsError', retryable: false });
      expect((error as Error).message).toContain(`${incident('checkout-cell-2').id} (${code}: Refused)`);
    },
  );

  it('is not retryable when one entry was throttled and another refused: a rerun cannot fix the latter', async () => {
    const events = scriptedEvents(failingAt(0, 'ThrottlingException'), failingAt(0, 'AccessDeniedException'));

    await expect(publishIncidents(events, 'default', incidents(11))).rejects.toMatchObject({
      name: 'UnexpectedAwsError',
      retryable: false,
    });
  });

  it('counts an entry with neither an event id nor an error code as failed', async () => {
    const events = scriptedEvents(() => ({ FailedEntryCount: 1, Entries: [{ EventId: 'event-0' }] }));

    const error = await publishIncidents(events, 'default', incidents(2)).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'UnexpectedAwsError', retryable: false });
    expect((error as Error).message).toContain(`${incident('checkout-cell-2').id} (MissingResult: `);
  });

  it('classifies a failed call by its SDK error and sends no further batch', async () => {
    const throttled = new EventBridgeServiceException({
      name: 'ThrottlingException',
      $fault: 'client',
      $metadata: {},
      message: 'Rate exceeded',
    });
    const events = scriptedEvents(accepted, () => throttled);

    const error = await publishIncidents(events, 'default', incidents(23)).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'AwsThrottledError', retryable: true, cause: throttled });
    expect((error as Error).message).toBe(
      'Publishing 23 incident(s) to event bus default (10 published): Rate exceeded',
    );
    expect(events.requests).toHaveLength(2);
  });

  it('classifies EventBridge’s internal error as transient', async () => {
    const events = scriptedEvents(() => new InternalException({ message: 'Internal', $metadata: {} }));

    await expect(publishIncidents(events, 'default', incidents(1))).rejects.toMatchObject({
      name: 'AwsTransientError',
      retryable: true,
    });
  });
});

describe('the contract with dispatch', () => {
  const routing: Routing = {
    ...DEFAULT_ROUTING,
    runbooks: { ...DEFAULT_ROUTING.runbooks, 'cell-grey-failure': 'cell-evacuation' },
    ...(CHECKOUT_FLEET ? { fleets: CHECKOUT_FLEET } : {}),
  };

  it('delivers events that dispatch’s normaliser reads as the incident, and routes to the runbook', async () => {
    const bus = simulatedEventBus();
    const grey = incident('checkout-cell-3');

    await publishIncidents(bus, 'default', [grey]);

    const [delivered] = bus.delivered;
    expect(delivered?.event).toMatchObject({
      source: 'selfheal.detectors',
      'detail-type': 'Cell Grey Failure Detected',
      time: '2026-01-01T12:05:00Z',
      resources: [],
    });
    const decision = normaliseSignal(delivered?.event, routing);
    expect(decision).toMatchObject({
      decision: 'start',
      runbook: 'cell-evacuation',
      reason: 'cell-grey-failure on cell/checkout-cell-3: runbook cell-evacuation',
      signal: {
        source: 'selfheal.detectors',
        detailType: 'Cell Grey Failure Detected',
        name: grey.id,
        observedAt: grey.observedAt,
        resourceKey: 'cell/checkout-cell-3',
      },
    });
    // The incident as published, under an id that can name a Step Functions execution.
    const { id, ...rest } = decision.incident as Incident;
    const { id: _publishedId, ...published } = grey;
    expect(rest).toStrictEqual(published);
    expect(id).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
  });

  it('gives the same incident id when the same incident is published again (a rerun)', async () => {
    const bus = simulatedEventBus();
    const grey = incident('checkout-cell-3');

    await publishIncidents(bus, 'default', [grey]);
    await publishIncidents(bus, 'default', [grey]);

    const ids = bus.delivered.map(({ event }) => normaliseSignal(event, routing).incident?.id);
    expect(ids[0]).toBeDefined();
    expect(ids[1]).toBe(ids[0]);
  });
});
