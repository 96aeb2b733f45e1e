import { describe, expect, it } from 'vitest';
import { InvalidSignalError } from '../../../domain/errors.ts';
import { incidentSchema, type Incident } from '../../../domain/incidents/incident.ts';
import {
  DEFAULT_ROUTING,
  routingFromEnvironment,
  routingSchema,
  type Routing,
} from '../../../detectors/routing/routes.ts';
import { normaliseSignal, UNROUTED, type SignalDecision } from '../../../detectors/signals/normalise.ts';
import {
  alarmFixture,
  captureError,
  EXECUTION_NAME,
  fixture,
  FIXTURE_NAMES,
  FULL_ROUTING,
  insightFixture,
  type AlarmJson,
  type Json,
  type MetricJson,
} from './fixtures.ts';

/** Routing for the composite alarm, which names alarms, not metrics: by its exact name. */
const COMPOSITE_ROUTE = {
  name: 'orders-throttling-composite',
  kind: 'table-capacity',
  match: { alarmName: 'selfheal-orders-throttling' },
  resource: { type: 'dynamodb-table', name: 'orders' },
} as const;

const withCompositeRoute: Routing = {
  ...DEFAULT_ROUTING,
  alarms: [...DEFAULT_ROUTING.alarms, COMPOSITE_ROUTE],
};

function expectStart(decision: SignalDecision): Extract<SignalDecision, { decision: 'start' }> {
  expect(decision.decision, decision.reason).toBe('start');
  return decision as Extract<SignalDecision, { decision: 'start' }>;
}

/**
 * Asserts the decision starts `runbook` for the incident (its id the signal's), an Incident as
 * the schema has it, and returns it.
 */
function expectStartedIncident(
  decision: SignalDecision,
  expected: { runbook: string; reason: string; incident: Omit<Incident, 'id'> },
): Extract<SignalDecision, { decision: 'start' }> {
  const result = expectStart(decision);
  expect(result.runbook).toBe(expected.runbook);
  expect(result.reason).toBe(expected.reason);
  expect(result.incident).toEqual({ id: result.signal.id, ...expected.incident });
  expect(incidentSchema.parse(result.incident)).toEqual(result.incident);
  return result;
}

/** Asserts the decision starts hot-shard on a table-capacity incident for the orders table. */
function expectOrdersCapacityStart(decision: SignalDecision, incident: Record<string, unknown>) {
  const result = expectStart(decision);
  expect(result.runbook).toBe('hot-shard');
  expect(result.incident).toMatchObject({
    kind: 'table-capacity',
    resource: { type: 'dynamodb-table', name: 'orders' },
    ...incident,
  });
  return result;
}

/** Asserts the decision leaves the signal unhandled, with no incident, and returns it. */
function expectUnhandled(decision: SignalDecision): SignalDecision {
  expect(decision.decision, decision.reason).toBe('unhandled');
  expect(decision.incident).toBeNull();
  return decision;
}

/** The single-metric alarm fixture, its metric changed by `change`. */
function metricAlarm(change: (metric: NonNullable<MetricJson['metricStat']>['metric']) => void): AlarmJson {
  const raw = alarmFixture('cloudwatch-alarm-metric');
  const stat = raw.detail.configuration.metrics?.[0]?.metricStat;
  if (stat) change(stat.metric);
  return raw;
}

/** Normalising must throw an InvalidSignalError (by name, as Step Functions matches it). */
function invalidSignal(raw: unknown, routing: Routing = FULL_ROUTING): InvalidSignalError {
  const error = captureError(() => normaliseSignal(raw, routing));
  expect(error).toBeInstanceOf(InvalidSignalError);
  const invalid = error as InvalidSignalError;
  expect(invalid.name).toBe('InvalidSignalError');
  expect(invalid.retryable).toBe(false);
  expect(invalid.issues.length).toBeGreaterThan(0);
  return invalid;
}

describe('normaliseSignal: CloudWatch alarms', () => {
  it('starts the hot-shard runbook for dynamodb-table/orders when a throttling metric alarm goes to ALARM', () => {
    const result = expectStartedIncident(
      normaliseSignal(alarmFixture('cloudwatch-alarm-metric'), DEFAULT_ROUTING),
      {
        runbook: 'hot-shard',
        reason: 'table-capacity on dynamodb-table/orders: runbook hot-shard',
        incident: {
          kind: 'table-capacity',
          resource: { type: 'dynamodb-table', name: 'orders' },
          source: 'cloudwatch-alarm',
          // The alarm's own transition time, not the envelope's delivery time (00:05:40Z).
          observedAt: '2026-01-01T00:05:40.989Z',
          evidence: {
            alarmName: 'orders-write-throttle-events',
            route: 'dynamodb-table-out-of-capacity',
            state: 'ALARM',
            previousState: 'OK',
            reason: expect.stringMatching(/^Threshold Crossed: 1 out of the last 1 datapoints \[42\.0/),
            metric: 'AWS/DynamoDB/WriteThrottleEvents',
          },
        },
      },
    );
    expect(result.signal).toEqual({
      id: result.incident.id,
      source: 'aws.cloudwatch',
      detailType: 'CloudWatch Alarm State Change',
      name: 'orders-write-throttle-events',
      observedAt: '2026-01-01T00:05:40.989Z',
      resourceKey: 'dynamodb-table/orders',
    });
  });

  it('routes a metric-math alarm by the metrics its expression reads (its metricStat entries)', () => {
    expectOrdersCapacityStart(
      normaliseSignal(alarmFixture('cloudwatch-alarm-metric-math'), DEFAULT_ROUTING),
      {
        observedAt: '2026-01-01T00:05:00.554Z',
        evidence: {
          alarmName: 'selfheal-orders-capacity-throttling',
          state: 'ALARM',
          previousState: 'INSUFFICIENT_DATA',
          metric: 'AWS/DynamoDB/ReadProvisionedThroughputThrottleEvents',
        },
      },
    );
  });

  it.each(['WriteKeyRangeThroughputThrottleEvents', 'ReadKeyRangeThroughputThrottleEvents'])(
    'calls throttling on %s a hot key, handled by the hot-shard runbook',
    (metricName) => {
      const raw = metricAlarm((metric) => {
        metric.name = metricName;
      });

      const result = expectStart(normaliseSignal(raw, DEFAULT_ROUTING));

      expect(result.incident.kind).toBe('hot-key');
      expect(result.incident.resource).toEqual({ type: 'dynamodb-table', name: 'orders' });
      expect(result.incident.evidence).toMatchObject({
        route: 'dynamodb-hot-key',
        metric: `AWS/DynamoDB/${metricName}`,
      });
      expect(result.runbook).toBe('hot-shard');
    },
  );

  it('leaves a composite alarm unhandled by default: it names alarms, not metrics', () => {
    const result = expectUnhandled(
      normaliseSignal(alarmFixture('cloudwatch-alarm-composite'), DEFAULT_ROUTING),
    );

    expect(result.reason).toContain('selfheal-orders-throttling');
    expect(result.reason).toContain('no metrics');
    expect(result.signal).toMatchObject({ name: 'selfheal-orders-throttling', resourceKey: UNROUTED });
  });

  it('starts for a composite alarm that a route names, on the resource the route names', () => {
    const result = expectOrdersCapacityStart(
      normaliseSignal(alarmFixture('cloudwatch-alarm-composite'), withCompositeRoute),
      {
        observedAt: '2026-01-01T00:05:00.594Z',
        evidence: { alarmName: 'selfheal-orders-throttling', route: 'orders-throttling-composite' },
      },
    );
    // A composite alarm watches no metric of its own.
    expect(result.incident.evidence).not.toHaveProperty('metric');
  });

  it('cannot take the resource of a composite alarm from a dimension: it has none', () => {
    const routing: Routing = {
      ...DEFAULT_ROUTING,
      alarms: [{ ...COMPOSITE_ROUTE, resource: { type: 'dynamodb-table', dimension: 'TableName' } }],
    };

    const result = normaliseSignal(alarmFixture('cloudwatch-alarm-composite'), routing);

    expect(result.decision).toBe('unhandled');
    expect(result.reason).toContain('0 TableName values');
  });

  it('lets a route naming the alarm win over a route watching its metric', () => {
    const routing: Routing = {
      ...DEFAULT_ROUTING,
      alarms: [
        ...DEFAULT_ROUTING.alarms,
        {
          name: 'orders-writes-are-a-hot-key',
          kind: 'hot-key',
          match: { alarmName: 'orders-write-throttle-events' },
          resource: { type: 'dynamodb-table', dimension: 'TableName' },
        },
      ],
    };

    const result = expectStart(normaliseSignal(alarmFixture('cloudwatch-alarm-metric'), routing));

    expect(result.incident.kind).toBe('hot-key');
    expect(result.incident.evidence.route).toBe('orders-writes-are-a-hot-key');
  });

  it.each([
    ['OK', 'ALARM'],
    ['INSUFFICIENT_DATA', 'ALARM'],
  ])('ignores a transition to %s, keeping the incident it would have been', (value, previous) => {
    const raw = alarmFixture('cloudwatch-alarm-metric');
    raw.detail.state.value = value;
    raw.detail.previousState.value = previous;

    const result = normaliseSignal(raw, DEFAULT_ROUTING);

    expect(result.decision).toBe('ignore');
    expect(result.reason).toBe(`alarm orders-write-throttle-events went to ${value}: nothing to do`);
    expect(result.incident).toMatchObject({
      kind: 'table-capacity',
      resource: { type: 'dynamodb-table', name: 'orders' },
      evidence: { state: value, previousState: previous },
    });
    expect(result.signal.resourceKey).toBe('dynamodb-table/orders');
  });

  it('ignores an unrouted alarm going back to OK, with no incident', () => {
    const raw = alarmFixture('cloudwatch-alarm-composite');
    raw.detail.state.value = 'OK';

    const result = normaliseSignal(raw, DEFAULT_ROUTING);

    expect(result.decision).toBe('ignore');
    expect(result.incident).toBeNull();
    expect(result.signal.resourceKey).toBe(UNROUTED);
  });

  it('leaves an alarm on a metric no route watches unhandled, naming the alarm and its metric', () => {
    const raw = metricAlarm((metric) => {
      metric.name = 'SuccessfulRequestLatency';
    });

    const result = expectUnhandled(normaliseSignal(raw, DEFAULT_ROUTING));

    expect(result.reason).toBe(
      'no route matches alarm orders-write-throttle-events (AWS/DynamoDB SuccessfulRequestLatency)',
    );
    expect(result.signal).toMatchObject({ name: 'orders-write-throttle-events', resourceKey: UNROUTED });
  });

  it('does not take a metric of the same name in another namespace for DynamoDB’s', () => {
    const raw = metricAlarm((metric) => {
      metric.namespace = 'Custom/Orders';
    });

    const result = expectUnhandled(normaliseSignal(raw, DEFAULT_ROUTING));

    expect(result.reason).toContain('orders-write-throttle-events');
  });

  it('leaves an alarm whose metrics name two tables unhandled: one remediation, one resource', () => {
    const raw = alarmFixture('cloudwatch-alarm-metric-math');
    const second = raw.detail.configuration.metrics?.[2]?.metricStat;
    if (second) second.metric.dimensions = { TableName: 'payments' };

    const result = expectUnhandled(normaliseSignal(raw, DEFAULT_ROUTING));

    expect(result.reason).toContain('selfheal-orders-capacity-throttling');
    expect(result.reason).toContain('2 TableName values');
  });

  it('leaves an alarm whose metric has no TableName dimension unhandled', () => {
    const raw = metricAlarm((metric) => {
      delete metric.dimensions;
    });

    const result = expectUnhandled(normaliseSignal(raw, DEFAULT_ROUTING));

    expect(result.reason).toContain('0 TableName values');
  });

  it('leaves an incident of a kind no runbook handles unhandled, keeping the incident', () => {
    const routing: Routing = { ...DEFAULT_ROUTING, runbooks: { 'hot-key': 'hot-shard' } };

    const result = normaliseSignal(alarmFixture('cloudwatch-alarm-metric'), routing);

    expect(result.decision).toBe('unhandled');
    expect(result.reason).toBe('no runbook is configured for table-capacity incidents');
    expect(result.incident).toMatchObject({ kind: 'table-capacity', resource: { name: 'orders' } });
  });

  it('reads a transition time with a non-UTC offset as the same instant', () => {
    const raw = alarmFixture('cloudwatch-alarm-metric');
    raw.detail.state.timestamp = '2026-01-01T05:35:40.989+0530';

    const result = normaliseSignal(raw, DEFAULT_ROUTING);

    expect(result.signal.observedAt).toBe('2026-01-01T00:05:40.989Z');
    expect(result.signal.id).toBe(
      normaliseSignal(alarmFixture('cloudwatch-alarm-metric'), DEFAULT_ROUTING).signal.id,
    );
  });
});

describe('normaliseSignal: X-Ray insights', () => {
  it('makes an ACTIVE insight of a routed group an incident on its root-cause cell', () => {
    const result = expectStartedIncident(
      normaliseSignal(insightFixture('xray-insight-active'), FULL_ROUTING),
      {
        runbook: 'cell-evacuation',
        reason: 'cell-grey-failure on cell/checkout-cell-2: runbook cell-evacuation',
        incident: {
          kind: 'cell-grey-failure',
          resource: { type: 'cell', name: 'checkout-cell-2' },
          source: 'xray-insight',
          // StartTime, epoch milliseconds.
          observedAt: '2026-01-01T00:03:00.000Z',
          evidence: {
            insightId: '7a1c5e9f-3b2d-4e8a-9c6f-2d4b8e1a7c30',
            group: 'cells',
            state: 'ACTIVE',
            summary: 'Fault rate of checkout-cell-2 is higher than expected: 389 of 2,400 requests faulted',
            categories: 'FAULT',
            faultCount: 389,
            totalCount: 2400,
          },
        },
      },
    );
    expect(result.signal).toMatchObject({
      source: 'aws.xray',
      detailType: 'AWS X-Ray Insight Update',
      name: '7a1c5e9f-3b2d-4e8a-9c6f-2d4b8e1a7c30',
      resourceKey: 'cell/checkout-cell-2',
    });
  });

  it('ignores the insight closing, under the same id as when it opened', () => {
    const opened = normaliseSignal(insightFixture('xray-insight-active'), FULL_ROUTING);
    const closed = normaliseSignal(insightFixture('xray-insight-closed'), FULL_ROUTING);

    expect(closed.decision).toBe('ignore');
    expect(closed.reason).toBe('insight 7a1c5e9f-3b2d-4e8a-9c6f-2d4b8e1a7c30 closed: nothing to do');
    expect(closed.incident).toMatchObject({ resource: { type: 'cell', name: 'checkout-cell-2' } });
    expect(closed.signal.id).toBe(opened.signal.id);
  });

  it('leaves insights of a group no route names unhandled', () => {
    const result = expectUnhandled(normaliseSignal(insightFixture('xray-insight-active'), DEFAULT_ROUTING));

    expect(result.reason).toBe('insights of X-Ray group cells are not routed');
    expect(result.signal.resourceKey).toBe(UNROUTED);
  });

  it('leaves an insight of a routed group unhandled when no runbook handles grey failures', () => {
    const routing: Routing = {
      ...DEFAULT_ROUTING,
      runbooks: { 'table-capacity': 'hot-shard' },
      insightGroups: { cells: 'cell-grey-failure' },
    };

    const result = normaliseSignal(insightFixture('xray-insight-active'), routing);

    expect(result.decision).toBe('unhandled');
    expect(result.reason).toBe('no runbook is configured for cell-grey-failure incidents');
    expect(result.incident?.resource).toEqual({ type: 'cell', name: 'checkout-cell-2' });
  });

  it('leaves an insight that names no root-cause service unhandled', () => {
    const raw = insightFixture('xray-insight-active');
    delete raw.detail.RootCauseServiceId;

    const result = expectUnhandled(normaliseSignal(raw, FULL_ROUTING));

    expect(result.reason).toBe('insight 7a1c5e9f-3b2d-4e8a-9c6f-2d4b8e1a7c30 names no root-cause service');
  });

  it('reads a StartTime given as an ISO string like one given in epoch milliseconds', () => {
    const raw = insightFixture('xray-insight-active');
    raw.detail.StartTime = '2026-01-01T00:03:00Z';

    const result = normaliseSignal(raw, FULL_ROUTING);

    expect(result).toEqual(normaliseSignal(insightFixture('xray-insight-active'), FULL_ROUTING));
  });

  it('leaves insights of a group named like an Object.prototype member unhandled', () => {
    for (const group of ['constructor', 'toString', '__proto__']) {
      const raw = insightFixture('xray-insight-active');
      raw.detail.GroupName = group;

      const result = expectUnhandled(normaliseSignal(raw, FULL_ROUTING));

      expect(result.reason).toBe(`insights of X-Ray group ${group} are not routed`);
    }
  });

  it('rejects a StartTime outside the dates an incident can carry as an InvalidSignalError', () => {
    for (const startTime of [1e300, 8.64e15 + 1, 1e15]) {
      const raw = insightFixture('xray-insight-active');
      raw.detail.StartTime = startTime;

      const error = captureError(() => normaliseSignal(raw, FULL_ROUTING));

      expect(error).toBeInstanceOf(InvalidSignalError);
      expect((error as Error).message).toContain('StartTime');
    }
  });
});

describe('normaliseSignal: the grey-failure detector’s incidents', () => {
  const published = (fixture('selfheal-grey-failure').detail ?? {}) as Incident;

  it('passes the detector’s incident through, under a signal id that names an execution', () => {
    const result = expectStart(normaliseSignal(fixture('selfheal-grey-failure'), FULL_ROUTING));

    // Its time to the millisecond, as every signal's: the ledger orders records by this text.
    expect(result.incident).toEqual({
      ...published,
      id: result.signal.id,
      observedAt: '2026-01-01T00:05:00.000Z',
    });
    expect(result.runbook).toBe('cell-evacuation');
    expect(result.signal).toEqual({
      id: expect.stringMatching(EXECUTION_NAME),
      source: 'selfheal.detectors',
      detailType: 'Cell Grey Failure Detected',
      name: 'grey-3f9b1d7e5c2a48e6b0d4a1c7',
      observedAt: '2026-01-01T00:05:00.000Z',
      resourceKey: 'cell/checkout-cell-2',
    });
  });

  it('leaves it unhandled under the default routing, which configures no fleet of cells', () => {
    const result = normaliseSignal(fixture('selfheal-grey-failure'), DEFAULT_ROUTING);

    expect(result.decision).toBe('unhandled');
    expect(result.incident).toEqual({
      ...published,
      id: result.signal.id,
      observedAt: '2026-01-01T00:05:00.000Z',
    });
    expect(result.reason).toBe(
      "cell/checkout-cell-2 is in no configured fleet (routing.fleets names each fleet's cells and routing controls)",
    );
  });

  it('hands cell-traffic-shift the fleet of the cell, its routing controls and its limits', () => {
    const result = expectStart(normaliseSignal(fixture('selfheal-grey-failure'), FULL_ROUTING));
    expect(result.runbookInput).toMatchObject({
      cell: 'checkout-cell-2',
      incidentId: result.incident.id,
      fleet: {
        name: 'checkout',
        cells: expect.arrayContaining([expect.objectContaining({ name: 'checkout-cell-2' })]),
      },
      approval: { required: true },
      safety: { maxShareOffPercent: 34 },
    });
  });

  it('rejects a published incident that is not an Incident', () => {
    const raw = fixture('selfheal-grey-failure');
    raw.detail = { ...published, kind: 'cell-on-fire', evidence: { nested: { not: 'allowed' } } };

    const error = invalidSignal(raw);

    expect(error.message).toMatch(/^The detector incident is invalid: /);
    expect(error.message).toContain('kind');
    expect(error.message).toContain('evidence.nested');
  });

  it('gives a detector incident a signal id that is a valid execution name', () => {
    const raw = fixture('selfheal-grey-failure');
    // The shape domain/cells/detect.ts (greyCellIncidentId) publishes: "/" and ":" are not allowed in execution names.
    raw.detail = { ...published, id: 'cell-grey-failure/checkout-cell-2/2026-01-01T00:05:00.000Z' };

    const result = normaliseSignal(raw, FULL_ROUTING);

    expect(result.signal.id).toMatch(EXECUTION_NAME);
    expect(result.incident?.id).toBe(result.signal.id);
  });
});

describe('normaliseSignal: operator requests', () => {
  it('starts the runbook for the kind and resource an operator asks for', () => {
    const result = expectStartedIncident(normaliseSignal(fixture('operator-request'), DEFAULT_ROUTING), {
      runbook: 'hot-shard',
      reason: 'table-capacity on dynamodb-table/orders: runbook hot-shard',
      incident: {
        kind: 'table-capacity',
        resource: { type: 'dynamodb-table', name: 'orders' },
        source: 'operator',
        observedAt: '2026-01-01T08:30:00.000Z',
        evidence: {
          reason: 'Sale starts at 09:00: raise orders capacity ahead of the launch surge',
          requestedBy: 'alice@example.com',
        },
      },
    });
    expect(result.signal).toMatchObject({ name: 'alice@example.com', resourceKey: 'dynamodb-table/orders' });
  });

  it('tells two requests apart by their event id, and the same request delivered twice not', () => {
    const first = normaliseSignal(fixture('operator-request'), DEFAULT_ROUTING);
    const again = normaliseSignal(fixture('operator-request'), DEFAULT_ROUTING);
    const other = fixture('operator-request');
    other.id = '9d1e4a27-6c3b-4f85-a0e2-5b7c8d9f0a13';

    expect(again.signal.id).toBe(first.signal.id);
    expect(normaliseSignal(other, DEFAULT_ROUTING).signal.id).not.toBe(first.signal.id);
  });

  it.each([
    ['an unknown kind', { kind: 'reboot-everything' }, 'kind'],
    ['an unknown resource type', { resource: { type: 's3-bucket', name: 'orders' } }, 'resource.type'],
    ['no requester', { requestedBy: undefined }, 'requestedBy'],
    ['an empty reason', { reason: '' }, 'reason'],
    ['a field it does not know', { force: true }, 'force'],
  ])('rejects a request with %s', (_case, change, path) => {
    const raw = fixture('operator-request');
    raw.detail = { ...(raw.detail as Json), ...change };

    const error = invalidSignal(raw, DEFAULT_ROUTING);

    expect(error.message).toMatch(/^The operator request is invalid: /);
    expect(error.message).toContain(path);
  });
});

describe('normaliseSignal: identity', () => {
  it.each(FIXTURE_NAMES)('gives %s the same decision and id every time', (name) => {
    const first = normaliseSignal(fixture(name), withCompositeRouteAndCells());
    const second = normaliseSignal(fixture(name), withCompositeRouteAndCells());

    expect(second).toEqual(first);
    expect(second.signal.id).toBe(first.signal.id);
    if (first.incident) expect(first.incident.id).toBe(first.signal.id);
  });

  it.each(FIXTURE_NAMES)('gives %s an id that is a valid Step Functions execution name', (name) => {
    for (const routing of [DEFAULT_ROUTING, withCompositeRouteAndCells()]) {
      expect(normaliseSignal(fixture(name), routing).signal.id).toMatch(EXECUTION_NAME);
    }
  });

  it('gives different transitions of the same alarm different ids', () => {
    const alarm = normaliseSignal(alarmFixture('cloudwatch-alarm-metric'), DEFAULT_ROUTING);
    const later = alarmFixture('cloudwatch-alarm-metric');
    later.detail.state.timestamp = '2026-01-01T00:45:40.989+0000';

    expect(normaliseSignal(later, DEFAULT_ROUTING).signal.id).not.toBe(alarm.signal.id);
  });

  it('does not let the routing change the id of a signal', () => {
    for (const name of FIXTURE_NAMES) {
      expect(normaliseSignal(fixture(name), DEFAULT_ROUTING).signal.id).toBe(
        normaliseSignal(fixture(name), withCompositeRouteAndCells()).signal.id,
      );
    }
  });

  it('does not change the event it reads', () => {
    for (const name of FIXTURE_NAMES) {
      const raw = fixture(name);
      normaliseSignal(raw, withCompositeRouteAndCells());
      expect(raw).toEqual(fixture(name));
    }
  });
});

describe('normaliseSignal: what is not a signal', () => {
  it.each([
    ['a string', 'ALARM'],
    ['a number', 42],
    ['null', null],
    ['undefined', undefined],
    ['an array', [fixture('cloudwatch-alarm-metric')]],
  ])('rejects %s as not an EventBridge event', (_case, raw) => {
    const error = invalidSignal(raw);

    expect(error.message).toMatch(/^The event is not an EventBridge event: \(event\): /);
  });

  it('rejects an event without a detail, naming the field', () => {
    for (const name of FIXTURE_NAMES) {
      const raw = fixture(name);
      delete raw.detail;

      const error = invalidSignal(raw);

      expect(error.message).toContain('detail');
    }
  });

  it.each(['unknown', '12345678901', '1234567890123', 'abcdefghijkl'])(
    'rejects the account id %s',
    (account) => {
      for (const name of FIXTURE_NAMES) {
        const raw = { ...fixture(name), account };

        expect(invalidSignal(raw).message).toContain('account: not an AWS account id');
      }
    },
  );

  it('rejects an event from a source selfheal does not read, naming what it reads', () => {
    const raw = {
      ...fixture('cloudwatch-alarm-metric'),
      source: 'aws.health',
      'detail-type': 'AWS Health Event',
    };

    const error = invalidSignal(raw);

    expect(error.message).toMatch(/^The event is not a signal selfheal reads: /);
    expect(error.message).toContain('source "aws.health" with detail-type "AWS Health Event"');
    expect(error.message).toContain('aws.cloudwatch "CloudWatch Alarm State Change"');
    expect(error.message).toContain('aws.xray "AWS X-Ray Insight Update"');
  });

  it('rejects a known source with a detail-type it does not send to selfheal', () => {
    const raw = {
      ...fixture('cloudwatch-alarm-metric'),
      'detail-type': 'CloudWatch Alarm Configuration Change',
    };

    expect(invalidSignal(raw).message).toContain('detail-type "CloudWatch Alarm Configuration Change"');
  });

  it.each(['FIRING', 'alarm', ''])('rejects an alarm whose state is %j', (value) => {
    const raw = alarmFixture('cloudwatch-alarm-metric');
    raw.detail.state.value = value;

    const error = invalidSignal(raw);

    expect(error.message).toMatch(/^The alarm event is invalid: /);
    expect(error.message).toContain('detail.state.value');
  });

  it('rejects an alarm event that names no alarm ARN in its resources', () => {
    const raw = { ...alarmFixture('cloudwatch-alarm-metric'), resources: [] };

    expect(invalidSignal(raw).message).toContain('resources');
  });

  it('rejects an alarm transition time that is not CloudWatch’s', () => {
    const raw = alarmFixture('cloudwatch-alarm-metric');
    raw.detail.state.timestamp = 'Thursday 01 January, 2026 00:05:40 UTC';

    expect(invalidSignal(raw).message).toContain('detail.state.timestamp: not a CloudWatch timestamp');
  });

  it('rejects an alarm transition time that is shaped right but is no date', () => {
    const raw = alarmFixture('cloudwatch-alarm-metric');
    raw.detail.state.timestamp = '2026-13-45T99:99:99.000+0000';

    expect(invalidSignal(raw).message).toContain('detail.state.timestamp');
  });

  it.each([
    ['a state it does not have', { State: 'RESOLVED' }, 'State'],
    ['no insight id', { InsightId: undefined }, 'InsightId'],
    ['a StartTime that is not a time', { StartTime: 'yesterday' }, 'StartTime'],
    ['a negative fault count', { RootCauseServiceRequestImpactStatistics: { FaultCount: -1 } }, 'FaultCount'],
  ])('rejects an X-Ray insight with %s', (_case, change, path) => {
    const raw = insightFixture('xray-insight-active');
    Object.assign(raw.detail, change);

    const error = invalidSignal(raw);

    expect(error.message).toMatch(/^The X-Ray insight event is invalid: /);
    expect(error.message).toContain(path);
  });
});

describe('routingFromEnvironment', () => {
  it('uses the default routing when SELFHEAL_ROUTING is unset or empty', () => {
    expect(routingFromEnvironment({})).toBe(DEFAULT_ROUTING);
    expect(routingFromEnvironment({ SELFHEAL_ROUTING: '' })).toBe(DEFAULT_ROUTING);
  });

  it('keeps a default routing that its own schema accepts', () => {
    expect(routingSchema.parse(DEFAULT_ROUTING)).toEqual(DEFAULT_ROUTING);
  });

  it('reads a routing given as JSON, and normalising follows it', () => {
    const routing = routingFromEnvironment({
      SELFHEAL_ROUTING: JSON.stringify(withCompositeRouteAndCells()),
    });

    expect(routing).toEqual(withCompositeRouteAndCells());
    expect(normaliseSignal(alarmFixture('cloudwatch-alarm-composite'), routing).decision).toBe('start');
    expect(normaliseSignal(insightFixture('xray-insight-active'), routing).decision).toBe('start');
  });

  it('reads the routing file the CDK app bundles, from the function code’s root, ahead of the variable', () => {
    const read: string[] = [];
    const routing = routingFromEnvironment(
      { SELFHEAL_ROUTING_FILE: 'routing.json', LAMBDA_TASK_ROOT: '/var/task', SELFHEAL_ROUTING: '{}' },
      (path) => {
        read.push(path);
        return JSON.stringify(withCompositeRouteAndCells());
      },
    );
    expect(read).toEqual(['/var/task/routing.json']);
    expect(routing).toEqual(withCompositeRouteAndCells());
  });

  it('says which file it could not read or parse', () => {
    const missing = () => {
      throw new Error('ENOENT: no such file');
    };
    expect(() => routingFromEnvironment({ SELFHEAL_ROUTING_FILE: '/x/routing.json' }, missing)).toThrow(
      /^SELFHEAL_ROUTING_FILE \/x\/routing\.json cannot be read: ENOENT/,
    );
    expect(() => routingFromEnvironment({ SELFHEAL_ROUTING_FILE: '/x/routing.json' }, () => '{')).toThrow(
      /^SELFHEAL_ROUTING_FILE \/x\/routing\.json is not JSON: /,
    );
  });

  it('refuses SELFHEAL_ROUTING that is not JSON with a SyntaxError naming the variable', () => {
    expect(() => routingFromEnvironment({ SELFHEAL_ROUTING: '{alarms: []' })).toThrow(SyntaxError);
    expect(() => routingFromEnvironment({ SELFHEAL_ROUTING: '{alarms: []' })).toThrow(
      /^SELFHEAL_ROUTING is not JSON: /,
    );
  });

  it.each([
    ['an unknown kind', { alarms: [], runbooks: { 'disk-full': 'cleanup' } }, 'runbooks'],
    ['no alarms', { runbooks: {} }, 'alarms'],
    [
      'a route matching both a name and metrics',
      {
        alarms: [
          {
            name: 'r',
            kind: 'hot-key',
            match: { alarmName: 'a', namespace: 'AWS/DynamoDB', metricNames: ['ThrottledRequests'] },
            resource: { type: 'dynamodb-table', dimension: 'TableName' },
          },
        ],
        runbooks: {},
      },
      'alarms.0.match',
    ],
    [
      'an insight group of an unknown kind',
      { alarms: [], runbooks: {}, insightGroups: { cells: 'x' } },
      'cells',
    ],
    ['a field it does not know', { alarms: [], runbooks: {}, extra: true }, 'extra'],
  ])('refuses a routing with %s as an InvalidRequestError naming the field', (_case, routing, path) => {
    const error = captureError(() => routingFromEnvironment({ SELFHEAL_ROUTING: JSON.stringify(routing) }));

    expect(error).toMatchObject({ name: 'InvalidRequestError' });
    expect((error as Error).message).toMatch(/^SELFHEAL_ROUTING is invalid: /);
    expect((error as Error).message).toContain(path);
  });
});

function withCompositeRouteAndCells(): Routing {
  return { ...FULL_ROUTING, alarms: [...FULL_ROUTING.alarms, COMPOSITE_ROUTE] };
}

describe('normaliseSignal: queue backpressure', () => {
  const UUID = '6c1d8a4e-3b2f-4e7a-9c51-0d2e7f4a8b13';
  const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/orders';
  const operatorRequest = (mapping: string) => {
    const raw = fixture('operator-request');
    (raw as { detail: Record<string, unknown> }).detail = {
      ...(raw as { detail: Record<string, unknown> }).detail,
      kind: 'queue-backpressure',
      resource: { type: 'event-source-mapping', name: mapping },
    };
    return raw;
  };
  const routing = routingSchema.parse({
    ...DEFAULT_ROUTING,
    mappings: {
      [UUID]: {
        queueUrl: QUEUE_URL,
        health: { namespace: 'Downstream', dimensions: { Service: 'payments' }, thresholdPercent: 5 },
        policy: { probeSeconds: 60 },
      },
    },
  });

  it('hands sqs-backpressure the configured queue, downstream health and policy of the mapping', () => {
    const result = expectStart(normaliseSignal(operatorRequest(UUID), routing));
    expect(result.runbook).toBe('sqs-backpressure');
    expect(result.runbookInput).toEqual({
      mappingId: UUID,
      queueUrl: QUEUE_URL,
      incidentId: result.incident.id,
      health: {
        namespace: 'Downstream',
        metricName: 'ErrorRate',
        dimensions: { Service: 'payments' },
        thresholdPercent: 5,
        lookbackSeconds: 180,
      },
      // The policy as configured, its defaults filled in: the run's policy is in the ledger's input.
      policy: expect.objectContaining({ probeSeconds: 60, maxProbes: 18, floor: 2 }),
    });
  });

  it('leaves a mapping the routing does not configure unhandled, saying what is missing', () => {
    const decision = normaliseSignal(operatorRequest('00000000-0000-4000-8000-000000000000'), routing);
    expect(decision.decision).toBe('unhandled');
    expect(decision.reason).toMatch(/is not a configured event-source mapping \(routing\.mappings/);
  });

  it('gives hot-shard the table it should look at, with the runbook’s defaults when the routing sets no policy', () => {
    const result = expectStart(normaliseSignal(fixture('operator-request'), DEFAULT_ROUTING));
    expect(result.runbookInput).toEqual({ tableName: 'orders', policy: {} });
  });

  it('gives hot-shard the table’s policy from the routing', () => {
    const withTables = routingSchema.parse({
      ...DEFAULT_ROUTING,
      tables: { orders: { policy: { maxWriteCapacityUnits: 4000, maxRounds: 2 } } },
    });
    const result = expectStart(normaliseSignal(fixture('operator-request'), withTables));
    expect(result.runbookInput).toEqual({
      tableName: 'orders',
      // Its defaults filled in, as for a mapping's policy.
      policy: expect.objectContaining({ maxWriteCapacityUnits: 4000, maxRounds: 2, headroomPercent: 30 }),
    });
  });

  it('leaves a table the routing does not list unhandled, when it lists the tables it protects', () => {
    const withTables = routingSchema.parse({ ...DEFAULT_ROUTING, tables: { carts: {} } });
    const decision = normaliseSignal(fixture('operator-request'), withTables);
    expect(decision.decision).toBe('unhandled');
    expect(decision.reason).toMatch(/dynamodb-table\/orders is not a table this deployment protects/);
  });
});
