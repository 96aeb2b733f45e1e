/**
 * Hostile input for the signal normaliser and dispatch (issue 17): fast-check arbitraries built
 * from the real example events in contracts/examples/ (a field deleted, retyped, made hostile, the
 * resource unknown, the detail nested deep or swollen past 256 KB) and free-form JSON. Each event
 * says whether it may start a runbook: only an unchanged example, or one changed where the
 * normaliser does not look, may; every other is invalid (or names a resource nothing protects).
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { DEFAULT_ROUTING, type Routing } from '../../detectors/routing/routes.ts';
import { InvalidSignalError } from '../../domain/errors.ts';
import { normaliseSignalTask, type NormalisedSignal } from '../../handlers/normalise-signal.ts';
import {
  COMPOSITE_ALARM_ROUTE,
  FIXTURE_NAMES,
  FULL_ROUTING,
  type FixtureName,
  type Json,
} from './signals/fixtures.ts';
import { allPaths, changeAt, DELETE, getAt, jsonType, type Path } from './signals/json-paths.ts';

/** When the read is made, on the deployment's clock (the ledger's time; dispatch passes its own). */
export const DECIDED_AT = '2026-06-01T12:00:00.000Z';

/** What an event is, by construction: `valid` may start; `invalid` and `unknown-resource` never. */
export type Expectation = 'valid' | 'invalid' | 'unknown-resource' | 'any';

export interface HostileEvent {
  /** What was done to it, for the failure message. */
  label: string;
  expect: Expectation;
  event: unknown;
}

const EXAMPLES: Record<FixtureName, string> = Object.fromEntries(
  FIXTURE_NAMES.map((name) => [
    name,
    readFileSync(new URL(`../../contracts/examples/${name}.json`, import.meta.url), 'utf8'),
  ]),
) as Record<FixtureName, string>;

/** A fresh copy of a real example event. */
export const example = (name: FixtureName): Json => JSON.parse(EXAMPLES[name]) as Json;

/**
 * The routing the hostile events meet: every kind routed, the composite example's alarm named, and
 * the protected tables listed, so an event about any other table is unhandled, never started.
 */
export const HOSTILE_ROUTING: Routing = {
  ...FULL_ROUTING,
  alarms: [...DEFAULT_ROUTING.alarms, COMPOSITE_ALARM_ROUTE],
  tables: { orders: {}, payments: {} },
};

/** Fields the normaliser does not read, or reads leniently: changing them may leave a valid event. */
const OPTIONAL = [
  /^version$/,
  /^resources(\.\d+)?$/,
  /^detail\.configuration\.description$/,
  /^detail\.(state|previousState)\.reasonData$/,
  /^detail\.(state|previousState)\.reason$/,
  /\.label$/,
  /^detail\.(GroupARN|Categories|Summary|EndTime|ClientRequestImpactStatistics|TopAnomalousServices)(\..*)?$/,
  /^detail\.RootCauseServiceId\.(Names|AccountId|Type)(\..*)?$/,
  /^detail\.RootCauseServiceRequestImpactStatistics(\..*)?$/,
  /^detail\.evidence(\..*)?$/,
  /^detail\.configuration\.metrics\.\d+\.metricStat\.unit$/,
  /^detail\.(state|previousState)\.actionsSuppressed(By|Reason)$/,
  /^detail\.configuration\.actionsSuppressor/,
  /^detail\.(alarmTags|muteDetail)(\..*)?$/,
];
/** The metric-math example watches two metrics of one table: either alone still names it. */
const OPTIONAL_IN: Partial<Record<FixtureName, RegExp[]>> = {
  'cloudwatch-alarm-metric-math': [/^detail\.configuration\.metrics\.\d+(\..*)?$/],
};
const isOptional = (name: FixtureName, path: Path): boolean =>
  [...OPTIONAL, ...(OPTIONAL_IN[name] ?? [])].some((pattern) => pattern.test(path.join('.')));

/** The examples that start a runbook under HOSTILE_ROUTING, and the fields that decide it. */
const STARTING: readonly FixtureName[] = [
  'cloudwatch-alarm-metric',
  'cloudwatch-alarm-metric-math',
  'cloudwatch-alarm-composite',
  'xray-insight-active',
  'selfheal-grey-failure',
  'operator-request',
];

// ---------------------------------------------------------------------------------------------
// Values.

/** Strings meant to break a one-line reason, a key, an id or a parser. */
export const hostileString = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    'line one\nline two',
    'carriage\rreturn',
    'tab\there',
    '\u2028separator\u2029',
    '\u0000nul\u0007bell\u001b[31mred',
    '{"errorType":"TypeError","errorMessage":"x","trace":["TypeError: x","    at f (a.js:1:1)"]}',
    'Error: boom\n    at Object.<anonymous> (/var/task/index.js:1:1)',
    '__proto__',
    'constructor',
    'toString',
    'hasOwnProperty',
    '\ud800lone surrogate',
    'emoji 🧯 and ünïcödé',
    '${NormaliseSignalFunctionArn}',
    "States.Format('{}', $.x)",
    '{}',
    '$.event',
    '../../etc/passwd',
    '2026-13-45T99:99:99Z',
    '9999-12-31T23:59:59.999+9999',
    '9999-12-31T23:59:59.999-2359',
    '0000-01-01T00:00:00.000+2359',
    'ALARM',
    'aws.cloudwatch',
    'CloudWatch Alarm State Change',
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ minLength: 300, maxLength: 2000 }),
  fc.integer({ min: 1_000, max: 40_000 }).map((n) => `${'x'.repeat(n)}\n${'y'.repeat(10)}`),
);

/** Values of every JSON type, hostile ones included. */
const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(null, true, false, 0, -1, 1e308, -0, 0.5, 2 ** 53 + 1, [], {}, [null], {
    '': null,
  }),
  hostileString,
  fc.double(),
  fc.integer(),
  fc.jsonValue({ maxDepth: 3 }),
);

/** Nesting deeper than any signal: `[[[…]]]` or `{"a":{"a":…}}`, depth 50 to 20,000. */
export const deeplyNested = fc
  .record({ depth: fc.integer({ min: 50, max: 20_000 }), asArray: fc.boolean() })
  .map(({ depth, asArray }) => {
    let value: unknown = 'bottom';
    for (let i = 0; i < depth; i += 1) value = asArray ? [value] : { a: value };
    return value;
  });

/** A string that makes any event over 256 KB (EventBridge's and Step Functions' limit). */
export const oversizedString = fc.integer({ min: 256 * 1024, max: 300 * 1024 }).map((n) => 'x'.repeat(n));

/** A string that leaves the event just under 256 KB: the result must still leave dispatch room. */
export const bigString = fc.integer({ min: 100 * 1024, max: 250 * 1024 }).map((n) => 'z'.repeat(n));

// ---------------------------------------------------------------------------------------------
// Events.

const exampleName = fc.constantFrom(...FIXTURE_NAMES);

const unchanged = exampleName.map((name): HostileEvent => ({
  label: `${name} unchanged`,
  expect: STARTING.includes(name) ? 'valid' : 'any',
  event: example(name),
}));

const aField = exampleName.chain((name) =>
  fc.record({ name: fc.constant(name), path: fc.constantFrom(...allPaths(example(name))) }),
);

/** A field deleted: invalid unless the field is optional. */
const deleted = aField.map(({ name, path }): HostileEvent => ({
  label: `${name} without ${path.join('.')}`,
  expect: isOptional(name, path) || !STARTING.includes(name) ? 'any' : 'invalid',
  event: changeAt(example(name), path, DELETE),
}));

/** A field of another JSON type (null, an array, a number...): invalid unless optional. */
const retyped = aField.chain(({ name, path }) => {
  const type = jsonType(getAt(example(name), path));
  return anyJson
    .filter((value) => jsonType(value) !== type)
    .map((value): HostileEvent => ({
      label: `${name} with ${path.join('.')} a ${jsonType(value)}`,
      expect: isOptional(name, path) || !STARTING.includes(name) ? 'any' : 'invalid',
      event: changeAt(example(name), path, value),
    }));
});

/** A field made any value at all, a hostile string, a deep nest or too big to send. */
const mutated = aField.chain(({ name, path }) =>
  fc
    .oneof(
      { weight: 6, arbitrary: anyJson.map((value) => ({ value, expect: 'any' as Expectation })) },
      { weight: 1, arbitrary: deeplyNested.map((value) => ({ value, expect: 'any' as Expectation })) },
      {
        weight: 1,
        arbitrary: oversizedString.map((value) => ({ value, expect: 'invalid' as Expectation })),
      },
      { weight: 1, arbitrary: bigString.map((value) => ({ value, expect: 'any' as Expectation })) },
    )
    .map(({ value, expect }): HostileEvent => ({
      label: `${name} with ${path.join('.')} = ${describe(value)}`,
      expect,
      event: changeAt(example(name), path, value),
    })),
);

/** A new field anywhere in the detail: a deep nest, or enough to pass 256 KB. */
const swollen = fc
  .record({
    name: exampleName,
    key: fc.constantFrom('extra', '__proto__', 'constructor', 'a'.repeat(300)),
    value: fc.oneof(
      deeplyNested.map((value) => ({ value, expect: 'any' as Expectation })),
      oversizedString.map((value) => ({ value, expect: 'invalid' as Expectation })),
      fc.integer({ min: 263, max: 300 }).map((n) => ({
        value: Array.from({ length: n }, () => 'y'.repeat(1000)),
        expect: 'invalid' as Expectation,
      })),
    ),
    where: fc.constantFrom<Path>([], ['detail']),
  })
  .map(({ name, key, value, where }): HostileEvent => {
    const event = example(name);
    const target = (where.length === 0 ? event : getAt(event, where)) as Json;
    Object.defineProperty(target, key, {
      value: value.value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
    return {
      label: `${name} with ${[...where, key.slice(0, 20)].join('.')} = ${describe(value.value)}`,
      expect: value.expect,
      event,
    };
  });

/** A string field of the example made hostile (newlines, JSON, control characters, huge). */
const stringFields = exampleName.chain((name) => {
  const paths = allPaths(example(name)).filter((path) => typeof getAt(example(name), path) === 'string');
  return fc.record({ name: fc.constant(name), path: fc.constantFrom(...paths), value: hostileString });
});
const hostileStrings = stringFields.map(({ name, path, value }): HostileEvent => ({
  label: `${name} with ${path.join('.')} = ${describe(value)}`,
  expect: 'any',
  event: changeAt(example(name), path, value),
}));

/** The example's resource replaced by one no routing protects (or of the wrong type). */
const UNKNOWN_RESOURCE: Partial<Record<FixtureName, Path[]>> = {
  'cloudwatch-alarm-metric': [
    ['detail', 'configuration', 'metrics', 0, 'metricStat', 'metric', 'dimensions', 'TableName'],
  ],
  'xray-insight-active': [['detail', 'RootCauseServiceId', 'Name']],
  'selfheal-grey-failure': [['detail', 'resource', 'name']],
  'operator-request': [['detail', 'resource', 'name']],
};
const unknownName = fc.oneof(
  fc.constantFrom('carts', 'constructor', '__proto__', 'toString', 'orders ', 'ORDERS', 'checkout-cell-9'),
  fc
    .stringMatching(/^[A-Za-z0-9_.-]{3,64}$/)
    .filter((name) => !['orders', 'payments'].includes(name) && !name.startsWith('checkout-cell-')),
);
const unknownResource = fc
  .constantFrom(...(Object.entries(UNKNOWN_RESOURCE) as [FixtureName, Path[]][]))
  .chain(([name, paths]) =>
    fc.record({ name: fc.constant(name), path: fc.constantFrom(...paths), value: unknownName }),
  )
  .map(({ name, path, value }): HostileEvent => ({
    label: `${name} about unknown ${value}`,
    expect: 'unknown-resource',
    event: changeAt(example(name), path, value),
  }));

/** The operator asking for a runbook on a resource of the wrong type for the kind. */
const wrongResourceType = fc
  .record({
    kind: fc.constantFrom('table-capacity', 'hot-key', 'queue-backpressure', 'cell-grey-failure'),
    type: fc.constantFrom('dynamodb-table', 'event-source-mapping', 'cell'),
  })
  .filter(({ kind, type }) =>
    kind === 'table-capacity' || kind === 'hot-key' ? type !== 'dynamodb-table' : true,
  )
  .map(({ kind, type }): HostileEvent => {
    const event = example('operator-request');
    (event.detail as Json).kind = kind;
    (event.detail as Json).resource = { type, name: 'orders' };
    return { label: `operator request for ${kind} on ${type}/orders`, expect: 'unknown-resource', event };
  });

/** One example's envelope with another's detail: its source and detail-type promise another shape. */
const swappedDetail = fc
  .tuple(exampleName, exampleName)
  .filter(([a, b]) => a.split('-')[0] !== b.split('-')[0])
  .map(([a, b]): HostileEvent => ({
    label: `${a} with the detail of ${b}`,
    expect: 'invalid',
    event: { ...example(a), detail: example(b).detail },
  }));

/** Anything at all as the event: JSON of any shape, null, arrays, scalars. */
const freeForm = fc
  .oneof(
    fc.constantFrom<unknown>(null, [], {}, '', 'ALARM', 0, true, [example('operator-request')]),
    fc.jsonValue(),
    fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 5 }),
    fc.dictionary(fc.constantFrom('source', 'detail-type', 'detail', 'id', 'time', 'account', 'x'), anyJson),
    deeplyNested,
  )
  .map((event): HostileEvent => ({ label: `free-form ${describe(event)}`, expect: 'invalid', event }));

/** Every kind of hostile event, with the real examples among them. */
export const hostileEvent: fc.Arbitrary<HostileEvent> = fc.oneof(
  { weight: 1, arbitrary: unchanged },
  { weight: 3, arbitrary: deleted },
  { weight: 3, arbitrary: retyped },
  { weight: 3, arbitrary: mutated },
  { weight: 1, arbitrary: swollen },
  { weight: 3, arbitrary: hostileStrings },
  { weight: 2, arbitrary: unknownResource },
  { weight: 1, arbitrary: wrongResourceType },
  { weight: 1, arbitrary: swappedDetail },
  { weight: 3, arbitrary: freeForm },
);

/** Far below Step Functions' 32,768-character Cause and DynamoDB's 400 KB item. */
export const MAX_REASON_CHARS = 2_000;

/** Why a ledger reason is not one plain line, or undefined when it is. */
export function reasonFault(reason: string): string | undefined {
  if (reason.length === 0) return 'empty';
  if (reason.length > MAX_REASON_CHARS) return `${reason.length} characters`;
  if (/[\r\n\u2028\u2029]/.test(reason)) return 'more than one line';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(reason)) return 'a control character';
  if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(reason))
    return 'a lone surrogate';
  if (/^\s*[[{]/.test(reason)) return 'JSON';
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Through the normaliser.

/**
 * The task's result becomes the state's output, and dispatch adds its guardrails, lock and
 * outcome beside it under Step Functions' 256 KiB: the normaliser keeps to an eighth of it.
 */
const MAX_RESULT_BYTES = 32 * 1024;
const readSignal = normaliseSignalTask(() => HOSTILE_ROUTING);

type Outcome = { result: NormalisedSignal } | { error: unknown };

async function outcomeOf(event: unknown): Promise<Outcome> {
  try {
    return { result: await readSignal({ event, now: DECIDED_AT }) };
  } catch (error) {
    return { error };
  }
}

export interface Tally {
  events: number;
  rejected: number;
  start: number;
  ignore: number;
  unhandled: number;
  untypedErrors: string[];
  startedInvalid: string[];
  badReasons: string[];
  oversizedResults: string[];
}

function check(tally: Tally, { label, expect: expectation }: HostileEvent, outcome: Outcome): void {
  tally.events += 1;
  if ('error' in outcome) {
    const { error } = outcome;
    if (!(error instanceof InvalidSignalError) || error.name !== 'InvalidSignalError') {
      const name = error instanceof Error ? `${error.name}: ${error.message.slice(0, 200)}` : String(error);
      tally.untypedErrors.push(`${label}: ${name}`);
      return;
    }
    tally.rejected += 1;
    if (expectation === 'valid') tally.startedInvalid.push(`${label}: a valid event was rejected`);
    // What dispatch's "Record the rejected signal" writes: `{Error}: {errorMessage}`.
    const fault = reasonFault(`${error.name}: ${error.message}`);
    if (fault) tally.badReasons.push(`${label}: rejection reason has ${fault}`);
    return;
  }
  const { result } = outcome;
  tally[result.decision] += 1;
  if (result.decision === 'start' && (expectation === 'invalid' || expectation === 'unknown-resource'))
    tally.startedInvalid.push(`${label}: started ${result.runbook}`);
  if (expectation === 'valid' && result.decision !== 'start')
    tally.startedInvalid.push(`${label}: a valid event was not started (${result.reason})`);
  const fault = reasonFault(result.ledgerItem.reason?.S ?? '');
  if (fault) tally.badReasons.push(`${label}: ${result.decision} reason has ${fault}`);
  // The ledger sorts and files by day on the time: it must be ISO 8601, in years 0000-9999.
  const time = result.ledgerItem.time?.S ?? '';
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(time))
    tally.badReasons.push(`${label}: ${result.decision} at "${time}"`);
  const bytes = Buffer.byteLength(JSON.stringify(result));
  if (bytes >= MAX_RESULT_BYTES) tally.oversizedResults.push(`${label}: a ${bytes}-byte result`);
}

/**
 * `count` hostile events (seeded) through the task dispatch's "Read the signal" state runs, each
 * fault tallied with what was done to the event. Sampled, not asserted: all faults are shown.
 */
export async function normaliseHostileEvents(count: number, seed: number): Promise<Tally> {
  const tally: Tally = {
    events: 0,
    rejected: 0,
    start: 0,
    ignore: 0,
    unhandled: 0,
    untypedErrors: [],
    startedInvalid: [],
    badReasons: [],
    oversizedResults: [],
  };
  // A thousand at a time: events of 256 KB and more are not all kept at once.
  for (let done = 0; done < count; done += 1_000) {
    const batch = fc.sample(hostileEvent, { numRuns: Math.min(1_000, count - done), seed: seed + done });
    for (const hostile of batch) check(tally, hostile, await outcomeOf(hostile.event));
  }
  return tally;
}

/** A short description of a value for a failure message. */
export function describe(value: unknown): string {
  if (typeof value === 'string')
    return value.length > 40 ? `a ${value.length}-char string` : JSON.stringify(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value === null) return 'null';
  if (typeof value === 'object') return `an object of ${Object.keys(value).length} keys`;
  return String(value);
}
