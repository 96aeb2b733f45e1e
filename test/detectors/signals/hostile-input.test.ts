/**
 * The bugs the 10,000 hostile events of issue 17 found in the signal normaliser, one test each,
 * on the input that showed it (test/detectors/hostile-input.property.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { InvalidSignalError } from '../../../domain/errors.ts';
import { incidentSchema } from '../../../domain/incidents/incident.ts';
import { normaliseSignal, type SignalDecision } from '../../../detectors/signals/normalise.ts';
import { normaliseSignalTask } from '../../../handlers/normalise-signal.ts';
import { oneLine } from '../../../detectors/signals/one-line.ts';
import { DECIDED_AT, HOSTILE_ROUTING, reasonFault } from '../hostile-events.ts';
import { captureError, fixture, type Json } from './fixtures.ts';

const ROUTING = HOSTILE_ROUTING;

/** The InvalidSignalError normalising `raw` throws, and the reason dispatch's ledger keeps of it. */
function rejection(raw: unknown): { error: InvalidSignalError; reason: string } {
  const error = captureError(() => normaliseSignal(raw, ROUTING));
  expect(error).toBeInstanceOf(InvalidSignalError);
  const invalid = error as InvalidSignalError;
  return { error: invalid, reason: `${invalid.name}: ${invalid.message}` };
}

function withField(name: Parameters<typeof fixture>[0], path: string[], value: unknown): Json {
  const event = fixture(name);
  let node = event;
  for (const key of path.slice(0, -1)) node = node[key] as Json;
  node[path[path.length - 1] as string] = value;
  return event;
}

const deep = (depth: number): unknown => {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i += 1) value = { a: value };
  return value;
};

describe('a rejected event leaves one short line in the ledger', () => {
  it.each([
    ['a carriage return in the source', 'source', 'carriage\rreturn'],
    ['a line break in the detail-type', 'detail-type', 'line one\nline two'],
    ['control characters in the detail-type', 'detail-type', '\u0000nul\u0007bell\u001b[31mred'],
    ['a lone surrogate in the source', 'source', '\ud800lone surrogate'],
    ['a line separator in the source', 'source', '\u2028separator\u2029'],
  ])('with %s (it was echoed as it came)', (_, field, value) => {
    const { reason } = rejection({ ...fixture('operator-request'), [field]: value });

    expect(reasonFault(reason)).toBeUndefined();
    expect(reason).toMatch(/^InvalidSignalError: The event is not a signal selfheal reads: source "/);
  });

  it('with a 33,890-character detail-type (it was echoed whole: over the 32,768 characters of a Cause)', () => {
    const { reason } = rejection({ ...fixture('operator-request'), 'detail-type': 'x'.repeat(33_890) });

    expect(reason.length).toBeLessThan(2_000);
    expect(reason).toContain(`detail-type "${'x'.repeat(299)}…"`);
  });

  it('with a 5,000-character dimension name that is no string (a zod path holds the key)', () => {
    const event = withField(
      'cloudwatch-alarm-metric',
      ['detail', 'configuration', 'metrics', '0', 'metricStat', 'metric', 'dimensions'],
      { ['k\n'.repeat(2_500)]: 5 },
    );
    const { reason } = rejection(event);

    expect(reasonFault(reason)).toBeUndefined();
  });
});

describe('a decision leaves one short line in the ledger', () => {
  const reasonOf = async (raw: unknown): Promise<string | undefined> =>
    (await normaliseSignalTask(() => ROUTING)({ event: raw, now: DECIDED_AT })).ledgerItem.reason?.S;

  it('for an alarm on a metric named "line one\\nline two" (no route matches it)', async () => {
    const event = withField(
      'cloudwatch-alarm-metric',
      ['detail', 'configuration', 'metrics', '0', 'metricStat', 'metric', 'name'],
      'line one\nline two',
    );
    const reason = await reasonOf(event);

    expect(reason).toBe(
      'no route matches alarm orders-write-throttle-events (AWS/DynamoDB line one line two)',
    );
  });

  it('for a closed insight whose id has line separators', async () => {
    const event = withField('xray-insight-closed', ['detail', 'InsightId'], '\u2028separator\u2029');

    expect(await reasonOf(event)).toBe('insight  separator  closed: nothing to do');
  });

  it('for an alarm whose name is 1,019 characters with a line break (the reason had them all)', async () => {
    const name = `${'n'.repeat(1_000)}\n${'m'.repeat(18)}`;
    const event = withField('cloudwatch-alarm-metric', ['detail', 'alarmName'], name);
    ((event.detail as Json).state as Json).value = 'OK';
    const reason = (await reasonOf(event)) ?? '';

    expect(reasonFault(reason)).toBeUndefined();
    expect(reason).toMatch(/^alarm n+…$/);
  });
});

describe('an event too big, too deep or not JSON is rejected, not started', () => {
  it('rejects an alarm whose previous state reasonData is 280,539 characters (it started hot-shard)', () => {
    const event = withField(
      'cloudwatch-alarm-metric',
      ['detail', 'previousState', 'reasonData'],
      'x'.repeat(280_539),
    );
    const { reason } = rejection(event);

    expect(reason).toMatch(
      /^InvalidSignalError: The event is too large: its PutEvents entry is 28\d{4} bytes; EventBridge accepts less than 262144$/,
    );
  });

  it('rejects an event whose PutEvents entry is small but whose JSON is over 256 KiB (a direct StartExecution)', () => {
    const event = { ...fixture('operator-request'), constructor: 'x'.repeat(277_267) };
    const { reason } = rejection(event);

    expect(reason).toMatch(
      /^InvalidSignalError: The event is too large: it is \d+ bytes of JSON; Step Functions accepts at most 262144$/,
    );
  });

  it('still reads an event just under both limits', () => {
    const event = withField(
      'cloudwatch-alarm-metric',
      ['detail', 'configuration', 'description'],
      'x'.repeat(250_000),
    );

    expect(normaliseSignal(event, ROUTING).decision).toBe('start');
  });

  it('rejects an alarm with an unread field nested 10,000 deep (it started: JSON.stringify cannot write it back)', () => {
    const event = withField('cloudwatch-alarm-metric', ['detail', 'extra'], deep(10_000));

    expect(() => JSON.stringify(event)).toThrow(RangeError);
    expect(rejection(event).reason).toBe(
      'InvalidSignalError: The event is not a signal selfheal can read: it is nested more than 32 levels deep',
    );
  });

  it('reads an event nested 32 levels deep, and rejects one 33 deep', () => {
    // The root is level 1 and detail level 2: 30 more objects fit.
    const fits = withField('cloudwatch-alarm-metric', ['detail', 'extra'], deep(30));
    const over = withField('cloudwatch-alarm-metric', ['detail', 'extra'], deep(31));

    expect(normaliseSignal(fits, ROUTING).decision).toBe('start');
    expect(rejection(over).error.issues).toEqual(['it is nested more than 32 levels deep']);
  });

  it('rejects a cyclic object and a bigint, which no Lambda input can be, by name', () => {
    const cyclic = fixture('operator-request');
    (cyclic.detail as Json).self = cyclic;

    expect(rejection(cyclic).error.issues).toEqual(['it is nested more than 32 levels deep']);
    expect(rejection({ ...fixture('operator-request'), extra: 10n }).error.issues).toEqual([
      'it holds a bigint, which JSON cannot',
    ]);
  });
});

describe('the incident it describes is one the schema accepts, with room left for dispatch', () => {
  it('rejects an insight whose root-cause service is named by 20,332 characters (its ledger key outgrew DynamoDB)', () => {
    const event = withField(
      'xray-insight-active',
      ['detail', 'RootCauseServiceId', 'Name'],
      'c'.repeat(20_332),
    );
    const { error } = rejection(event);

    expect(error.message).toMatch(/^The incident it describes is invalid: resource\.name: /);
  });

  it.each([
    ['9999-12-31T23:59:59.999-2359', '+010000-01-01T23:58:59.999Z'],
    ['0000-01-01T00:00:00.000+2359', '-000001-12-31T00:01:00.000Z'],
  ])(
    'rejects an alarm that changed state at %s (it started an incident observed at %s)',
    (timestamp, observedAt) => {
      const event = withField('cloudwatch-alarm-metric', ['detail', 'state', 'timestamp'], timestamp);

      expect(new Date(Date.parse(timestamp.replace(/(\d{2})(\d{2})$/, '$1:$2'))).toISOString()).toBe(
        observedAt,
      );
      expect(rejection(event).error.issues).toEqual([
        `it was observed at ${observedAt}, outside the years 0000 to 9999`,
      ]);
    },
  );

  it('rejects such an alarm going back to OK, or that no route matches (it was recorded on day "+010000-01")', () => {
    const ok = withField(
      'cloudwatch-alarm-metric',
      ['detail', 'state', 'timestamp'],
      '9999-12-31T23:59:59.999-2359',
    );
    ((ok.detail as Json).state as Json).value = 'OK';
    const unrouted = withField(
      'cloudwatch-alarm-metric',
      ['detail', 'configuration', 'metrics', '0', 'metricStat', 'metric', 'name'],
      'ConsumedWriteCapacityUnits',
    );
    ((unrouted.detail as Json).state as Json).timestamp = '9999-12-31T23:59:59.999-2359';

    expect(rejection(ok).error.message).toMatch(/observed at \+010000-01-01T23:58:59\.999Z/);
    expect(rejection(unrouted).error.message).toMatch(/observed at \+010000-01-01T23:58:59\.999Z/);
  });

  it('rejects an alarm whose TableName dimension is 300 characters', () => {
    const event = withField(
      'cloudwatch-alarm-metric',
      ['detail', 'configuration', 'metrics', '0', 'metricStat', 'metric', 'dimensions'],
      { TableName: 't'.repeat(300) },
    );

    expect(rejection(event).error.issues[0]).toMatch(/^resource\.name: /);
  });

  it('cuts an alarm reason of 200,000 characters to 1,024 in the evidence (the result was 200 KB)', async () => {
    const event = withField('cloudwatch-alarm-metric', ['detail', 'state', 'reason'], 'r'.repeat(200_000));
    const result = await normaliseSignalTask(() => ROUTING)({ event, now: DECIDED_AT });

    expect(result.decision).toBe('start');
    expect(result.incident?.evidence.reason).toBe(`${'r'.repeat(1_023)}…`);
    expect(Buffer.byteLength(JSON.stringify(result))).toBeLessThan(8 * 1024);
    expect(incidentSchema.safeParse(result.incident).success).toBe(true);
  });

  it('rejects a detector incident with 40 facts of evidence', () => {
    const event = fixture('selfheal-grey-failure');
    (event.detail as Json).evidence = Object.fromEntries(
      Array.from({ length: 40 }, (_, i) => [`fact${i}`, i]),
    );

    expect(rejection(event).error.issues).toEqual(['evidence: 40 facts; at most 32']);
  });

  it('keeps the evidence of every real example whole', () => {
    for (const name of ['cloudwatch-alarm-metric', 'xray-insight-active', 'selfheal-grey-failure'] as const) {
      const decision: SignalDecision = normaliseSignal(fixture(name), ROUTING);
      expect(decision.incident, name).not.toBeNull();
    }
    const grey = normaliseSignal(fixture('selfheal-grey-failure'), ROUTING);
    expect(grey.incident?.evidence).toEqual((fixture('selfheal-grey-failure').detail as Json).evidence);
  });
});

describe('every signal is filed at a time to the millisecond, as the ledger orders records by its text', () => {
  it.each(['2026-01-01T00:05:00Z', '2026-01-01T00:05:00.5Z', '2026-01-01T00:05:00.123456Z'])(
    'files a detector incident observed at %s (it kept the text as published)',
    (observedAt) => {
      const event = withField('selfheal-grey-failure', ['detail', 'observedAt'], observedAt);
      const decision = normaliseSignal(event, ROUTING);

      expect(decision.signal.observedAt).toBe(new Date(observedAt).toISOString());
      expect(decision.incident?.observedAt).toBe(new Date(observedAt).toISOString());
      expect(decision.signal.observedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    },
  );

  it('keeps the incident id of a detector incident as it was (derived from the published text)', () => {
    const first = normaliseSignal(fixture('selfheal-grey-failure'), ROUTING);
    const again = normaliseSignal(fixture('selfheal-grey-failure'), ROUTING);

    expect(first.signal.id).toBe(again.signal.id);
    expect(first.signal.id).toMatch(/^detector-[0-9a-f]{24}$/);
  });
});

describe('oneLine', () => {
  it('makes line breaks, control characters and lone surrogates a space, and cuts at the limit', () => {
    expect(oneLine('a\r\nb\tc\u2028d', 100)).toBe('a b c d');
    expect(oneLine('\ud800x', 100)).toBe(' x');
    expect(oneLine('abcdef', 4)).toBe('abc…');
    // Never half a pair: 😀 is two UTF-16 units.
    expect(oneLine('ab😀cd', 4)).toBe('ab …');
    expect(oneLine('two  spaces', 100)).toBe('two  spaces');
  });
});
