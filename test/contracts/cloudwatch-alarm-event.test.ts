import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  InvalidAlarmEventError,
  isCompositeAlarmEvent,
  parseAlarmEvent,
  tableNamesOf,
} from '../../contracts/cloudwatch-alarm-event.ts';

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`../../contracts/examples/${name}.json`, import.meta.url), 'utf8'));
}

const metricEvent = fixture('cloudwatch-alarm-metric');
const metricMathEvent = fixture('cloudwatch-alarm-metric-math');
const compositeEvent = fixture('cloudwatch-alarm-composite');

describe('parseAlarmEvent', () => {
  it.each([
    ['single-metric', metricEvent],
    ['metric-math', metricMathEvent],
    ['composite', compositeEvent],
  ])('reads the documented %s alarm event without losing a field', (_kind, raw) => {
    expect(parseAlarmEvent(raw)).toEqual(raw);
  });

  it('keeps reasonData as the JSON string AWS sends', () => {
    const event = parseAlarmEvent(metricMathEvent);
    expect(JSON.parse(event.detail.state.reasonData ?? '')).toMatchObject({
      recentDatapoints: [0, 31, 57],
      threshold: 10,
    });
    expect(event.detail.previousState.reasonData).toBeUndefined();
  });

  it('tells a composite alarm from a metric alarm', () => {
    expect(isCompositeAlarmEvent(parseAlarmEvent(compositeEvent))).toBe(true);
    expect(isCompositeAlarmEvent(parseAlarmEvent(metricEvent))).toBe(false);
    expect(isCompositeAlarmEvent(parseAlarmEvent(metricMathEvent))).toBe(false);
  });

  it('rejects another kind of event with an InvalidAlarmEventError naming each problem', () => {
    const configurationChange = {
      ...(metricEvent as object),
      'detail-type': 'CloudWatch Alarm Configuration Change',
      account: 'unknown',
    };

    const error = captureError(() => parseAlarmEvent(configurationChange));

    expect(error).toBeInstanceOf(InvalidAlarmEventError);
    expect(error).toMatchObject({ name: 'InvalidAlarmEventError' });
    expect(error?.message).toContain('detail-type:');
    expect(error?.message).toContain('account: not an AWS account id');
  });

  it('rejects an alarm event whose state is not an alarm state', () => {
    const raw = structuredClone(metricEvent) as { detail: { state: { value: string } } };
    raw.detail.state.value = 'FIRING';

    expect(() => parseAlarmEvent(raw)).toThrow(/detail\.state\.value/);
  });

  it.each([
    ['30 February', '2026-02-30T10:00:00.000+0000'],
    ['29 February of a common year', '2026-02-29T10:00:00.000+0000'],
    ['hour 24', '2026-03-01T24:00:00.000+0000'],
    ['minute 60', '2026-03-01T10:60:00.000+0000'],
  ])('rejects a state timestamp on %s, which no clock shows', (_what, timestamp) => {
    const raw = structuredClone(metricEvent) as { detail: { state: { timestamp: string } } };
    raw.detail.state.timestamp = timestamp;

    expect(() => parseAlarmEvent(raw)).toThrow(/detail\.state\.timestamp: not a real date and time/);
  });

  it.each(['2024-02-29T10:00:00.000+0000', '2026-01-01T05:35:40.989+0530', '2026-01-01T05:35:40Z'])(
    'reads the real timestamp %s',
    (timestamp) => {
      const raw = structuredClone(metricEvent) as { detail: { state: { timestamp: string } } };
      raw.detail.state.timestamp = timestamp;

      expect(parseAlarmEvent(raw).detail.state.timestamp).toBe(timestamp);
    },
  );

  it('rejects what is not an event at all', () => {
    expect(() => parseAlarmEvent('ALARM')).toThrow(InvalidAlarmEventError);
    expect(() => parseAlarmEvent(undefined)).toThrow(/\(event\)/);
  });
});

describe('tableNamesOf', () => {
  it('reads the TableName dimension of an alarm’s metrics, once per table', () => {
    expect(tableNamesOf(parseAlarmEvent(metricEvent))).toEqual(['orders']);
    expect(tableNamesOf(parseAlarmEvent(metricMathEvent))).toEqual(['orders']);
  });

  it('finds no table in a composite alarm, which names alarms rather than metrics', () => {
    expect(tableNamesOf(parseAlarmEvent(compositeEvent))).toEqual([]);
  });

  it('lists every table when an expression spans several', () => {
    const raw = structuredClone(metricMathEvent) as {
      detail: {
        configuration: { metrics: { metricStat?: { metric: { dimensions: Record<string, string> } } }[] };
      };
    };
    const second = raw.detail.configuration.metrics[2]?.metricStat;
    if (second) second.metric.dimensions = { TableName: 'payments' };

    expect(tableNamesOf(parseAlarmEvent(raw))).toEqual(['orders', 'payments']);
  });
});

function captureError(fn: () => unknown): Error | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof Error) return error;
  }
  return undefined;
}
