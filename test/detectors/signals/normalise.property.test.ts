import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidSignalError } from '../../../domain/errors.ts';
import { incidentSchema, type ResourceRef } from '../../../domain/incidents/incident.ts';
import { DEFAULT_ROUTING, type AlarmRoute, type Routing } from '../../../detectors/routing/routes.ts';
import { normaliseSignal, type SignalDecision } from '../../../detectors/signals/normalise.ts';
import {
  alarmFixture,
  COMPOSITE_ALARM_ROUTE,
  EXECUTION_NAME,
  fixture,
  FIXTURE_NAMES,
  FULL_ROUTING,
  insightFixture,
  type FixtureName,
  type Json,
  type MetricJson,
} from './fixtures.ts';
import { allPaths, changeAt, DELETE, getAt, jsonType, type Path } from './json-paths.ts';

const RUNS = { numRuns: 200 };

/** What normalising gives: a decision, or the error it threw. */
type Outcome = { decision: SignalDecision } | { error: unknown };

function outcome(raw: unknown, routing: Routing): Outcome {
  try {
    return { decision: normaliseSignal(raw, routing) };
  } catch (error) {
    return { error };
  }
}

/** Either a decision or an InvalidSignalError (by class and by name): never another error. */
function isDecisionOrInvalidSignal(result: Outcome): boolean {
  if ('decision' in result) return ['start', 'ignore', 'unhandled'].includes(result.decision.decision);
  return result.error instanceof InvalidSignalError && result.error.name === 'InvalidSignalError';
}

function describeOutcome(result: Outcome): string {
  if ('decision' in result) return `${result.decision.decision}: ${result.decision.reason}`;
  return result.error instanceof Error
    ? `${result.error.name}: ${result.error.message}`
    : String(result.error);
}

/** Every fixture, routed so that each that can start does. */
const ROUTING: Routing = {
  ...FULL_ROUTING,
  alarms: [...FULL_ROUTING.alarms, COMPOSITE_ALARM_ROUTE],
};

// ---------------------------------------------------------------------------------------------
// (a) Anything at all: a decision or an InvalidSignalError.

describe('normaliseSignal on arbitrary input', () => {
  it('returns a decision or throws an InvalidSignalError for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (raw) => isDecisionOrInvalidSignal(outcome(raw, ROUTING))),
      RUNS,
    );
  });

  it('returns a decision or throws an InvalidSignalError for any JavaScript value', () => {
    fc.assert(
      fc.property(
        fc.anything({ withBigInt: true, withDate: true, withMap: true, withNullPrototype: true }),
        (raw) => isDecisionOrInvalidSignal(outcome(raw, ROUTING)),
      ),
      RUNS,
    );
  });

  it('returns a decision or throws an InvalidSignalError for an envelope of a known kind with any detail', () => {
    const envelope = fc.constantFrom(...FIXTURE_NAMES).map((name) => fixture(name));
    fc.assert(
      fc.property(envelope, fc.dictionary(fc.string(), fc.jsonValue()), (event, detail) =>
        isDecisionOrInvalidSignal(outcome({ ...event, detail }, ROUTING)),
      ),
      RUNS,
    );
  });

  const UNCHECKED = new Set(['detail.StartTime', 'detail.EndTime']);
  const fieldOfAFixture = fc.constantFrom(...FIXTURE_NAMES).chain((name) =>
    fc.record({
      name: fc.constant(name),
      path: fc.constantFrom(...allPaths(fixture(name)).filter((path) => !UNCHECKED.has(path.join('.')))),
    }),
  );

  it('returns a decision or throws an InvalidSignalError when any field of a real event becomes any JSON', () => {
    fc.assert(
      fc.property(fieldOfAFixture, fc.oneof(fc.constant(DELETE), fc.jsonValue()), ({ name, path }, value) => {
        const result = outcome(changeAt(fixture(name), path, value), ROUTING);
        expect(isDecisionOrInvalidSignal(result), describeOutcome(result)).toBe(true);
      }),
      RUNS,
    );
  });

  it('returns a decision or throws an InvalidSignalError for an X-Ray insight with any numeric StartTime', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, noNaN: true, noDefaultInfinity: true }), (startTime) => {
        const raw = changeAt(insightFixture('xray-insight-active'), ['detail', 'StartTime'], startTime);
        const result = outcome(raw, ROUTING);
        expect(isDecisionOrInvalidSignal(result), describeOutcome(result)).toBe(true);
      }),
      { ...RUNS, seed: 1 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// (b) Generated alarms: start only for ALARM and a matching route, on the table the metrics name.

const ROUTED_METRICS = DEFAULT_ROUTING.alarms.flatMap((route) =>
  'metricNames' in route.match ? route.match.metricNames : [],
);
const OTHER_METRICS = [
  'ConsumedWriteCapacityUnits',
  'SuccessfulRequestLatency',
  'SystemErrors',
  'ApproximateAgeOfOldestMessage',
];

/** DynamoDB table names: 3-255 of letters, digits, `_`, `-` and `.`; a few recur, so alarms share tables. */
const tableName = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('orders', 'payments') },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z0-9_.-]{3,255}$/) },
);

const metricStatEntry = fc.record({
  id: fc.stringMatching(/^m[0-9]{1,2}$/),
  metricStat: fc.record({
    metric: fc.record(
      {
        namespace: fc.constantFrom(
          'AWS/DynamoDB',
          'AWS/DynamoDB',
          'AWS/DynamoDB',
          'Custom/Orders',
          'AWS/SQS',
        ),
        name: fc.constantFrom(...ROUTED_METRICS, ...OTHER_METRICS),
        dimensions: fc.oneof(
          { weight: 4, arbitrary: tableName.map((TableName) => ({ TableName })) },
          {
            weight: 1,
            arbitrary: tableName.map((TableName) => ({ TableName, GlobalSecondaryIndexName: 'by-customer' })),
          },
          { weight: 1, arbitrary: fc.constant({ QueueName: 'orders-events' }) },
        ),
      },
      { requiredKeys: ['namespace', 'name'] },
    ),
    period: fc.constantFrom(60, 300),
    stat: fc.constantFrom('Sum', 'Maximum'),
  }),
  returnData: fc.boolean(),
});

const expressionEntry = fc.record({
  id: fc.constant('e1'),
  expression: fc.constantFrom('FILL(m1, 0) + FILL(m2, 0)', 'SUM(METRICS())'),
  label: fc.constant('Throttle events'),
  returnData: fc.constant(true),
});

const configuration = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.array(metricStatEntry, { minLength: 1, maxLength: 3 }).map((metrics) => ({ metrics })),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(expressionEntry, fc.array(metricStatEntry, { minLength: 1, maxLength: 3 }))
      .map(([expression, metrics]) => ({ metrics: [expression, ...metrics] })),
  },
  { weight: 1, arbitrary: fc.constant({ alarmRule: 'ALARM("a") OR ALARM("b")' }) },
);

const STATES = ['OK', 'ALARM', 'INSUFFICIENT_DATA'] as const;

/** CloudWatch's timestamp style, at UTC or at an offset: `2026-01-01T05:35:40.989+0530`. */
function cloudWatchTimestamp(date: Date, offsetMinutes: number): string {
  const local = new Date(date.getTime() + offsetMinutes * 60_000).toISOString().slice(0, 23);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const offset = `${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
  return `${local}${sign}${offset}`;
}

const transitionTime = fc.record({
  date: fc.date({
    min: new Date('2001-01-01T00:00:00Z'),
    max: new Date('2099-12-31T00:00:00Z'),
    noInvalidDate: true,
  }),
  offsetMinutes: fc.constantFrom(0, 0, 330, -300, 60),
});

const generatedAlarm = fc.record({
  alarmName: fc.string({ minLength: 1, maxLength: 80 }),
  state: fc.oneof(fc.constant('ALARM' as const), fc.constantFrom(...STATES)),
  previousState: fc.constantFrom(...STATES),
  time: transitionTime,
  configuration,
});
type GeneratedAlarm = typeof generatedAlarm extends fc.Arbitrary<infer T> ? T : never;

/** The routing: defaults, maybe with a route naming this alarm, maybe without some runbooks. */
const routingFor = (alarmName: string) =>
  fc
    .record({
      named: fc.option(
        fc.record({
          kind: fc.constantFrom('table-capacity' as const, 'hot-key' as const),
          resource: fc.oneof(
            fc.constant({ type: 'dynamodb-table' as const, dimension: 'TableName' }),
            tableName.map((name) => ({ type: 'dynamodb-table' as const, name })),
          ),
        }),
        { nil: undefined },
      ),
      runbooks: fc.constantFrom<Routing['runbooks']>(
        DEFAULT_ROUTING.runbooks,
        { 'table-capacity': 'hot-shard' },
        { 'hot-key': 'hot-shard' },
        {},
      ),
    })
    .map(({ named, runbooks }): Routing => ({
      alarms: named
        ? [...DEFAULT_ROUTING.alarms, { name: 'named', match: { alarmName }, ...named }]
        : DEFAULT_ROUTING.alarms,
      runbooks,
    }));

const alarmAndRouting = generatedAlarm.chain((alarm) =>
  fc.record({ alarm: fc.constant(alarm), routing: routingFor(alarm.alarmName) }),
);

/** The metric fixture, with the generated alarm's name, states, time and metrics. */
function alarmEvent(alarm: GeneratedAlarm): Json {
  const raw = alarmFixture('cloudwatch-alarm-metric');
  const timestamp = cloudWatchTimestamp(alarm.time.date, alarm.time.offsetMinutes);
  raw.detail.alarmName = alarm.alarmName;
  raw.resources = [`arn:aws:cloudwatch:us-east-1:123456789012:alarm:${alarm.alarmName}`];
  raw.detail.state = { ...raw.detail.state, value: alarm.state, timestamp };
  raw.detail.previousState = { ...raw.detail.previousState, value: alarm.previousState };
  raw.detail.configuration = structuredClone(alarm.configuration) as AlarmConfiguration;
  return raw;
}
type AlarmConfiguration = { metrics?: MetricJson[]; alarmRule?: string };

function tableOf(metric: { dimensions?: Record<string, string> }): string | undefined {
  return metric.dimensions?.TableName;
}

type WatchedMetric = NonNullable<MetricJson['metricStat']>['metric'];

function watchedMetrics(alarm: GeneratedAlarm): WatchedMetric[] {
  const { metrics = [] } = alarm.configuration as AlarmConfiguration;
  return metrics.flatMap((entry) => (entry.metricStat ? [entry.metricStat.metric] : []));
}

/**
 * What the routing documentation says should happen: a route naming the alarm wins, else the
 * first route watching one of its metrics; the resource is the route's, or the one table that
 * route's metrics name.
 */
function expectedIncident(
  alarm: GeneratedAlarm,
  routing: Routing,
): { route: AlarmRoute; resource: ResourceRef } | null {
  const metrics = watchedMetrics(alarm);
  const named = routing.alarms.find((r) => 'alarmName' in r.match && r.match.alarmName === alarm.alarmName);
  const route =
    named ??
    routing.alarms.find((r) => {
      const match = r.match;
      return (
        'metricNames' in match &&
        metrics.some((m) => m.namespace === match.namespace && match.metricNames.includes(m.name))
      );
    });
  if (!route) return null;
  if ('name' in route.resource)
    return { route, resource: { type: route.resource.type, name: route.resource.name } };
  const match = route.match;
  const relevant =
    'metricNames' in match
      ? metrics.filter((m) => m.namespace === match.namespace && match.metricNames.includes(m.name))
      : metrics;
  const tables = new Set(relevant.flatMap((m) => tableOf(m) ?? []));
  if (tables.size !== 1) return null;
  return { route, resource: { type: route.resource.type, name: [...tables][0] as string } };
}

describe('normaliseSignal on generated alarm events', () => {
  it('starts only for an ALARM that a route matches, on the table its metrics name', () => {
    fc.assert(
      fc.property(alarmAndRouting, ({ alarm, routing }) => {
        const result = normaliseSignal(alarmEvent(alarm), routing);
        if (result.decision !== 'start') return;

        expect(alarm.state).toBe('ALARM');
        const expected = expectedIncident(alarm, routing);
        expect(expected).not.toBeNull();
        expect(result.incident.resource).toEqual(expected?.resource);
        // A table from the dimensions, unless the route names its resource itself.
        if (expected && 'dimension' in expected.route.resource) {
          const tables = watchedMetrics(alarm).map(tableOf);
          expect(tables).toContain(result.incident.resource.name);
        }
        expect(result.runbook).toBe(routing.runbooks[result.incident.kind]);
      }),
      RUNS,
    );
  });

  it('decides as the routing documentation says: ignore unless ALARM, start when routed and handled', () => {
    fc.assert(
      fc.property(alarmAndRouting, ({ alarm, routing }) => {
        const result = normaliseSignal(alarmEvent(alarm), routing);
        const expected = expectedIncident(alarm, routing);

        const handled = expected !== null && routing.runbooks[expected.route.kind] !== undefined;
        expect(result.decision).toBe(alarm.state !== 'ALARM' ? 'ignore' : handled ? 'start' : 'unhandled');
        expect(result.incident?.resource ?? null).toEqual(expected?.resource ?? null);
        expect(result.incident?.kind ?? null).toBe(expected?.route.kind ?? null);
        if (result.decision === 'unhandled' && !expected) expect(result.reason).toContain(alarm.alarmName);
        expect(result.signal.name).toBe(alarm.alarmName);
        expect(result.signal.observedAt).toBe(alarm.time.date.toISOString());
      }),
      RUNS,
    );
  });

  it('always gives an id that is a valid execution name, and an incident the incident schema accepts', () => {
    fc.assert(
      fc.property(alarmAndRouting, ({ alarm, routing }) => {
        const result = normaliseSignal(alarmEvent(alarm), routing);

        expect(result.signal.id).toMatch(EXECUTION_NAME);
        if (result.incident) {
          expect(incidentSchema.safeParse(result.incident).error).toBeUndefined();
          expect(result.incident.id).toBe(result.signal.id);
          expect(result.signal.resourceKey).toBe(`dynamodb-table/${result.incident.resource.name}`);
        } else {
          expect(result.signal.resourceKey).toBe('unrouted');
        }
      }),
      RUNS,
    );
  });
});

describe('normaliseSignal on generated X-Ray insights', () => {
  const FLEET_CELLS = Object.values(FULL_ROUTING.fleets ?? {}).flatMap((fleet) =>
    fleet.cells.map((c) => c.name),
  );

  const insight = fc.record({
    group: fc.oneof(
      fc.constantFrom('cells', 'payments', 'Default', 'constructor', 'toString', '__proto__'),
      fc.stringMatching(/^[A-Za-z0-9_.-]{1,32}$/),
    ),
    state: fc.constantFrom('ACTIVE', 'CLOSED'),
    rootCause: fc.option(
      fc.oneof(fc.constantFrom(...FLEET_CELLS), fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,63}$/)),
      { nil: undefined },
    ),
    start: fc.date({
      min: new Date('2001-01-01T00:00:00Z'),
      max: new Date('2099-12-31T00:00:00Z'),
      noInvalidDate: true,
    }),
    asIsoString: fc.boolean(),
  });

  it('starts only for an ACTIVE insight of a routed group, on its root-cause cell, when a fleet has it', () => {
    fc.assert(
      fc.property(insight, ({ group, state, rootCause, start, asIsoString }) => {
        const raw = insightFixture('xray-insight-active');
        raw.detail.GroupName = group;
        raw.detail.State = state;
        raw.detail.StartTime = asIsoString ? start.toISOString() : start.getTime();
        if (rootCause) raw.detail.RootCauseServiceId = { Name: rootCause };
        else delete raw.detail.RootCauseServiceId;

        const result = normaliseSignal(raw, FULL_ROUTING);

        const routed = group === 'cells' && rootCause !== undefined;
        const inFleet = routed && FLEET_CELLS.includes(rootCause);
        expect(result.decision).toBe(state === 'CLOSED' ? 'ignore' : inFleet ? 'start' : 'unhandled');
        expect(result.incident?.resource ?? null).toEqual(routed ? { type: 'cell', name: rootCause } : null);
        expect(result.signal.observedAt).toBe(start.toISOString());
        expect(result.signal.id).toMatch(EXECUTION_NAME);
        if (result.incident) expect(incidentSchema.safeParse(result.incident).error).toBeUndefined();
      }),
      RUNS,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// (c) A real event missing a required field, or with one of the wrong type, never starts anything.

const ENVELOPE_FIELDS: Path[] = [
  ['version'],
  ['id'],
  ['detail-type'],
  ['source'],
  ['account'],
  ['time'],
  ['region'],
  ['resources'],
  ['detail'],
];

const metric = ['detail', 'configuration', 'metrics', 0] as const;

/** Per fixture that starts, the fields it cannot start without. */
const REQUIRED: Partial<Record<FixtureName, Path[]>> = {
  'cloudwatch-alarm-metric': [
    ...ENVELOPE_FIELDS,
    ['detail', 'alarmName'],
    ...['state', 'previousState'].flatMap((s): Path[] => [
      ['detail', s],
      ['detail', s, 'value'],
      ['detail', s, 'reason'],
      ['detail', s, 'timestamp'],
    ]),
    ['detail', 'configuration'],
    ['detail', 'configuration', 'metrics'],
    [...metric],
    [...metric, 'id'],
    [...metric, 'returnData'],
    [...metric, 'metricStat'],
    [...metric, 'metricStat', 'period'],
    [...metric, 'metricStat', 'stat'],
    [...metric, 'metricStat', 'metric'],
    [...metric, 'metricStat', 'metric', 'namespace'],
    [...metric, 'metricStat', 'metric', 'name'],
    [...metric, 'metricStat', 'metric', 'dimensions'],
    [...metric, 'metricStat', 'metric', 'dimensions', 'TableName'],
  ],
  'xray-insight-active': [
    ...ENVELOPE_FIELDS,
    ['detail', 'InsightId'],
    ['detail', 'GroupName'],
    ['detail', 'State'],
    ['detail', 'StartTime'],
    ['detail', 'RootCauseServiceId'],
    ['detail', 'RootCauseServiceId', 'Name'],
  ],
  'selfheal-grey-failure': [
    ...ENVELOPE_FIELDS,
    ...['id', 'kind', 'resource', 'evidence', 'source', 'observedAt'].map((field) => ['detail', field]),
    ['detail', 'resource', 'type'],
    ['detail', 'resource', 'name'],
  ],
  'operator-request': [
    ...ENVELOPE_FIELDS,
    ...['kind', 'resource', 'reason', 'requestedBy'].map((field) => ['detail', field]),
    ['detail', 'resource', 'type'],
    ['detail', 'resource', 'name'],
  ],
};

const requiredField = fc.constantFrom(
  ...Object.entries(REQUIRED).flatMap(([name, paths]) =>
    (paths ?? []).map((path) => ({ name: name as FixtureName, path })),
  ),
);

/** Deleted, or replaced by any JSON value of another type than the original's. */
const brokenField = requiredField.chain(({ name, path }) => {
  const type = jsonType(getAt(fixture(name), path));
  return fc.record({
    name: fc.constant(name),
    path: fc.constant(path),
    value: fc.oneof(
      fc.constant<unknown>(DELETE),
      fc.constantFrom<unknown>(null, true).filter((value) => jsonType(value) !== type),
      fc.jsonValue().filter((value) => jsonType(value) !== type),
    ),
  });
});

describe('normaliseSignal on a broken real event', () => {
  it('starts every fixture the mutations below break', () => {
    for (const name of Object.keys(REQUIRED) as FixtureName[]) {
      expect(normaliseSignal(fixture(name), ROUTING).decision, name).toBe('start');
      for (const path of REQUIRED[name] ?? [])
        expect(getAt(fixture(name), path), path.join('.')).toBeDefined();
    }
  });

  it('never starts when a required field is missing or of the wrong type', () => {
    fc.assert(
      fc.property(brokenField, ({ name, path, value }) => {
        const result = outcome(changeAt(fixture(name), path, value), ROUTING);

        expect(isDecisionOrInvalidSignal(result), describeOutcome(result)).toBe(true);
        expect('decision' in result && result.decision.decision, describeOutcome(result)).not.toBe('start');
      }),
      RUNS,
    );
  });

  it('never starts when the source, detail-type or account is any other string', () => {
    const field = fc.constantFrom<Path>(['source'], ['detail-type'], ['account']);
    fc.assert(
      fc.property(
        fc.constantFrom(...(Object.keys(REQUIRED) as FixtureName[])),
        field,
        fc.string(),
        (name, path, value) => {
          const original = fixture(name);
          fc.pre(value !== getAt(original, path));
          const result = outcome(changeAt(original, path, value), ROUTING);

          expect('error' in result && result.error, describeOutcome(result)).toBeInstanceOf(
            InvalidSignalError,
          );
        },
      ),
      RUNS,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// (d) The same event, the same result.

function sameOutcome(raw: unknown, routing: Routing): void {
  const first = outcome(raw, routing);
  const second = outcome(structuredClone(raw), routing);
  if ('decision' in first) {
    expect(second).toEqual(first);
  } else {
    expect('error' in second && second.error).toBeInstanceOf(Error);
    const [a, b] = [first.error, (second as { error: unknown }).error] as Error[];
    expect({ name: b?.name, message: b?.message }).toEqual({ name: a?.name, message: a?.message });
  }
}

describe('normaliseSignal is deterministic', () => {
  it('gives deep-equal decisions for a generated alarm normalised twice', () => {
    fc.assert(
      fc.property(alarmAndRouting, ({ alarm, routing }) => sameOutcome(alarmEvent(alarm), routing)),
      RUNS,
    );
  });

  it('gives the same decision or the same error for a changed real event normalised twice', () => {
    fc.assert(
      fc.property(
        fc
          .constantFrom(...FIXTURE_NAMES)
          .chain((name) =>
            fc.record({ name: fc.constant(name), path: fc.constantFrom(...allPaths(fixture(name))) }),
          ),
        fc.oneof(fc.constant(DELETE), fc.jsonValue()),
        ({ name, path }, value) => sameOutcome(changeAt(fixture(name), path, value), ROUTING),
      ),
      RUNS,
    );
  });
});
