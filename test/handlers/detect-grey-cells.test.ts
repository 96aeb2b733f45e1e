import { describe, expect, it } from 'vitest';
import { ThrottledException } from '@aws-sdk/client-xray';
import { makeHandler, type GreyCellRun } from '../../handlers/detect-grey-cells.ts';
import type { XRayPort } from '../../domain/cells/ports.ts';
import { incidentEntries } from '../../domain/cells/publish.ts';
import { incidentSchema } from '../../domain/incidents/incident.ts';
import { normaliseSignal } from '../../detectors/signals/normalise.ts';
import { DEFAULT_ROUTING } from '../../detectors/routing/routes.ts';
import { CHECKOUT_FLEET } from '../detectors/signals/fixtures.ts';
import { seededRandom } from '../../core/random.ts';
import { createCellFleet, uniformCells, type FleetFault } from '../../world/cells/cell-fleet.ts';
import { TRACE_EVERY_REQUEST } from '../../world/cells/sampling.ts';
import { simulatedXRay } from '../../world/cells/xray.ts';
import { simulatedEventBus, type SimulatedEventBus } from '../../world/cells/events.ts';
import { invocationError, invoke } from './support.ts';

const TASK = 'detect-grey-cells';
const START = Date.UTC(2026, 0, 1, 12, 0);
const cells = uniformCells('checkout', 5, { requestsPerSecond: 20, faultRate: 0.001, p50Ms: 60, p99Ms: 250 });
const ENV = { CELL_NAMES: cells.map((c) => c.name).join(',') };

/** The event an EventBridge schedule rule sends (the "Scheduled Event" example's shape). */
const scheduledEvent = (time = '2026-01-01T12:20:00Z') => ({
  version: '0',
  id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time,
  region: 'us-east-1',
  resources: ['arn:aws:events:us-east-1:123456789012:rule/selfheal-detect-grey-cells'],
  detail: {},
});

/**
 * The simulated fleet's X-Ray, half an hour in, counting the requests it answers. Every request is
 * traced (a rule with no reservoir and a fixed rate of 100 %, the one the built-in incidents
 * declare): with X-Ray's Default rule (1 a second shared by the five cells, then 5 %) a cell of 20
 * requests a second would have about 71 of its 1,200 a minute traced, some 355 over the window,
 * under the detector's floor of 500, and no cell would be judged.
 */
function worldXRay(faults: FleetFault[] = []): XRayPort & { calls: number } {
  const clock = { startMs: START, now: () => START + 30 * 60_000 };
  const xray = simulatedXRay(createCellFleet({ clock, cells, faults, random: seededRandom(1) }), {
    sampling: TRACE_EVERY_REQUEST,
  });
  const recorded = {
    calls: 0,
    getTimeSeriesServiceStatistics: (input: Parameters<XRayPort['getTimeSeriesServiceStatistics']>[0]) => {
      recorded.calls++;
      return xray.getTimeSeriesServiceStatistics(input);
    },
    getInsightSummaries: (input: Parameters<XRayPort['getInsightSummaries']>[0]) => {
      recorded.calls++;
      return xray.getInsightSummaries(input);
    },
  };
  return recorded;
}

const greyCell2: FleetFault = { kind: 'grey-cell', cell: 'checkout-cell-2', fromMinute: 5, latencyFactor: 4 };

function detect(
  xray: XRayPort,
  event: unknown = scheduledEvent(),
  env: Record<string, string> = ENV,
  events: SimulatedEventBus = simulatedEventBus(),
) {
  const handler = makeHandler(
    () => ({ xray, events }),
    () => env,
  );
  return invoke<GreyCellRun>(handler, TASK, event);
}

describe('the detect-grey-cells handler', () => {
  it('returns a cell-grey-failure incident for the one grey cell, judged over the schedule’s window', async () => {
    const xray = worldXRay([greyCell2]);

    const detection = await detect(xray);

    expect(detection).toMatchObject({
      windowStart: '2026-01-01T12:15:00.000Z',
      windowEnd: '2026-01-01T12:20:00.000Z',
      verdict: 'grey-cells',
      peers: 5,
    });
    expect(detection.incidents).toHaveLength(1);
    expect(incidentSchema.parse(detection.incidents[0])).toMatchObject({
      id: 'cell-grey-failure/checkout-cell-2/2026-01-01T12:20:00.000Z',
      kind: 'cell-grey-failure',
      resource: { type: 'cell', name: 'checkout-cell-2' },
      source: 'xray-grey-failure-detector',
      observedAt: '2026-01-01T12:20:00.000Z',
      evidence: { greyBy: 'p99-latency', activeInsights: 0 },
    });
  });

  it('publishes the incident to the default bus, as the event dispatch starts a runbook for', async () => {
    const events = simulatedEventBus();

    const run = await detect(worldXRay([greyCell2]), scheduledEvent(), ENV, events);

    expect(run).toMatchObject({ eventBusName: 'default', published: 1 });
    expect(events.requests).toStrictEqual([{ Entries: incidentEntries('default', run.incidents) }]);
    expect(events.requests[0]?.Entries?.[0]).toMatchObject({
      Source: 'selfheal.detectors',
      DetailType: 'Cell Grey Failure Detected',
      EventBusName: 'default',
      Resources: [],
      Time: new Date('2026-01-01T12:20:00.000Z'),
    });
    const routing = { ...DEFAULT_ROUTING, ...(CHECKOUT_FLEET ? { fleets: CHECKOUT_FLEET } : {}) };
    const decisions = events.delivered.map(({ event }) => normaliseSignal(event, routing));
    expect(decisions).toMatchObject([
      {
        decision: 'start',
        runbook: 'cell-traffic-shift',
        incident: { kind: 'cell-grey-failure', resource: { type: 'cell', name: 'checkout-cell-2' } },
      },
    ]);
  });

  it('publishes to the bus EVENT_BUS_NAME names', async () => {
    const events = simulatedEventBus();
    const bus = 'arn:aws:events:us-east-1:123456789012:event-bus/selfheal';

    const run = await detect(
      worldXRay([greyCell2]),
      scheduledEvent(),
      { ...ENV, EVENT_BUS_NAME: bus },
      events,
    );

    expect(run).toMatchObject({ eventBusName: bus, published: 1 });
    expect(events.delivered.map((delivered) => delivered.busName)).toStrictEqual([bus]);
  });

  it('returns no incident when every cell slows down together', async () => {
    const xray = worldXRay([{ kind: 'fleet-slowdown', fromMinute: 5, latencyFactor: 6 }]);

    const detection = await detect(xray);

    expect(detection.verdict).toBe('no-outliers');
    expect(detection.incidents).toEqual([]);
  });

  it('publishes nothing when it finds nothing', async () => {
    const events = simulatedEventBus();

    const run = await detect(worldXRay(), scheduledEvent(), ENV, events);

    expect(run).toMatchObject({ verdict: 'no-outliers', incidents: [], published: 0 });
    expect(events.requests).toStrictEqual([]);
  });

  it('takes its fleet and thresholds from the environment', async () => {
    const xray = worldXRay([{ kind: 'grey-cell', cell: 'checkout-cell-2', fromMinute: 5, latencyFactor: 4 }]);

    const detection = await detect(xray, scheduledEvent(), {
      CELL_NAMES: ' checkout-cell-1, checkout-cell-2 ,checkout-cell-3,',
      WINDOW_MINUTES: '10',
      MIN_P99_RATIO: '5',
    });

    expect(detection.cells.map((c) => c.cell)).toEqual([
      'checkout-cell-1',
      'checkout-cell-2',
      'checkout-cell-3',
    ]);
    expect(detection.windowStart).toBe('2026-01-01T12:10:00.000Z');
    // Four times slower is not five times: under this deployment's ratio, nothing is grey.
    expect(detection.incidents).toEqual([]);
  });

  describe('given an event that is not a schedule’s', () => {
    it.each([
      [
        'an alarm event',
        { ...scheduledEvent(), 'detail-type': 'CloudWatch Alarm State Change', source: 'aws.cloudwatch' },
      ],
      ['a scheduled event without a time', { ...scheduledEvent(), time: undefined }],
      ['a time that is not ISO 8601', scheduledEvent('01/01/2026 12:20')],
      ['nothing', null],
    ])('fails with InvalidRequestError on %s, before reading X-Ray', async (_what, event) => {
      const xray = worldXRay();
      const events = simulatedEventBus();

      const error = await invocationError(detect(xray, event, ENV, events));

      expect(error).toMatchObject({ name: 'InvalidRequestError', retryable: false });
      expect(error.message).toMatch(/^The scheduled event is invalid: /);
      expect(xray.calls).toBe(0);
      expect(events.requests).toStrictEqual([]);
    });
  });

  describe('given a deployment with a bad environment', () => {
    it.each([
      ['no CELL_NAMES', {}, /CELL_NAMES/],
      ['two cells', { CELL_NAMES: 'checkout-cell-1,checkout-cell-2' }, /CELL_NAMES: at least 3 cells/],
      ['a window that is not a number', { ...ENV, WINDOW_MINUTES: 'five' }, /WINDOW_MINUTES: not a number/],
      ['a fault-rate floor over 1', { ...ENV, MIN_FAULT_RATE_INCREASE: '2' }, /MIN_FAULT_RATE_INCREASE/],
      ['a fractional request floor', { ...ENV, MIN_REQUESTS_PER_CELL: '10.5' }, /MIN_REQUESTS_PER_CELL/],
      [
        'a bus name with a space',
        { ...ENV, EVENT_BUS_NAME: 'self heal' },
        /EVENT_BUS_NAME: not an event bus/,
      ],
      ['an empty bus name', { ...ENV, EVENT_BUS_NAME: '' }, /EVENT_BUS_NAME/],
    ])('fails with InvalidRequestError naming the variable on %s', async (_what, env, message) => {
      const xray = worldXRay();

      const error = await invocationError(detect(xray, scheduledEvent(), env));

      expect(error.name).toBe('InvalidRequestError');
      expect(error.message).toMatch(/^The grey-cell detector's environment is invalid: /);
      expect(error.message).toMatch(message);
      expect(xray.calls).toBe(0);
    });
  });

  it('fails with AwsThrottledError, which a later run retries, when X-Ray throttles it', async () => {
    const throttled: XRayPort = {
      getTimeSeriesServiceStatistics: () =>
        Promise.reject(new ThrottledException({ message: 'Rate exceeded', $metadata: {} })),
      getInsightSummaries: () => Promise.reject(new Error('not expected')),
    };

    const error = await invocationError(detect(throttled));

    expect(error).toMatchObject({ name: 'AwsThrottledError', retryable: true });
  });

  it.each([
    ['ThrottlingException', 'AwsThrottledError', true],
    ['InternalFailure', 'AwsTransientError', true],
    ['AccessDeniedException', 'UnexpectedAwsError', false],
  ])('fails by name when EventBridge fails the entry with %s', async (code, name, retryable) => {
    const events = simulatedEventBus();
    events.failNext(code);

    const error = await invocationError(detect(worldXRay([greyCell2]), scheduledEvent(), ENV, events));

    expect(error).toMatchObject({ name, retryable });
    expect(error.message).toContain(`cell-grey-failure/checkout-cell-2/2026-01-01T12:20:00.000Z (${code}`);
    expect(events.delivered).toStrictEqual([]);
  });
});
