import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  compactNumber,
  linearScale,
  stackedStepAreas,
  stepPath,
  timeTicks,
  valueAxis,
} from '../../cli/render/report/geometry.ts';

// Ten pixels a minute, y measured down from 100: easy coordinates to read in paths.
const x = (seconds: number) => (seconds / 60) * 10;
const y = (value: number) => 100 - value;

describe('linearScale', () => {
  it('maps the domain onto the range, inverted ranges included', () => {
    const scale = linearScale([0, 200], [170, 10]);
    expect(scale(0)).toBe(170);
    expect(scale(200)).toBe(10);
    expect(scale(100)).toBe(90);
  });

  it('maps a flat domain to the range start instead of dividing by zero', () => {
    expect(linearScale([5, 5], [0, 100])(5)).toBe(0);
  });
});

describe('valueAxis', () => {
  it.each([
    [48_123, true, 50_000, [0, 10_000, 20_000, 30_000, 40_000, 50_000]],
    [100, false, 100, [0, 20, 40, 60, 80, 100]],
    [7, true, 8, [0, 2, 4, 6, 8]],
    [1_281, true, 1_500, [0, 500, 1_000, 1_500]],
    [0.3, false, 0.3, [0, 0.1, 0.2, 0.3]],
    [0, true, 1, [0, 1]],
  ])('%d (integer: %s) -> up to %d', (max, integer, top, ticks) => {
    expect(valueAxis(max, { integer })).toEqual({ max: top, ticks });
  });

  it('always reaches the data, from 0, in even steps, with a handful of ticks', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.001, max: 1e9, noNaN: true }), fc.boolean(), (max, integer) => {
        const axis = valueAxis(max, { integer });
        expect(axis.max).toBeGreaterThanOrEqual(max * (1 - 1e-9));
        expect(axis.ticks[0]).toBe(0);
        expect(axis.ticks.at(-1)).toBe(axis.max);
        expect(axis.ticks.length).toBeGreaterThanOrEqual(2);
        expect(axis.ticks.length).toBeLessThanOrEqual(12);
        const step = (axis.ticks[1] ?? 0) - (axis.ticks[0] ?? 0);
        axis.ticks.forEach((tick, i) => expect(tick).toBeCloseTo(i * step, 6));
        if (integer) axis.ticks.forEach((tick) => expect(Number.isInteger(tick)).toBe(true));
      }),
    );
  });
});

describe('timeTicks', () => {
  it.each([
    [45 * 60, 5],
    [60 * 60, 10],
    [90 * 60, 10],
    [8 * 60, 1],
    [300 * 60, 30],
  ])('%d s: a tick every %d minutes from 0', (duration, everyMinutes) => {
    const ticks = timeTicks(duration);
    expect(ticks[0]).toBe(0);
    expect(ticks[1]).toBe(everyMinutes * 60);
    expect(ticks.at(-1)).toBeLessThanOrEqual(duration);
    expect(ticks.length).toBeLessThanOrEqual(11);
  });
});

describe('stepPath', () => {
  it('holds each minute’s value for the minute and leaves gaps for null', () => {
    expect(stepPath([1, 2, null, 3], x, y)).toBe('M0 99H10V98H20M30 97H40');
  });

  it('is empty when no minute has a value', () => {
    expect(stepPath([], x, y)).toBe('');
    expect(stepPath([null, null], x, y)).toBe('');
  });

  it('rounds coordinates to a tenth of a unit', () => {
    expect(
      stepPath(
        [1 / 3],
        (s) => s / 7,
        (v) => v,
      ),
    ).toBe('M0 0.3H8.6');
  });

  it('draws one horizontal run per minute with a value, across its whole minute', () => {
    fc.assert(
      fc.property(fc.array(fc.option(fc.integer({ min: 0, max: 1000 }), { nil: null })), (values) => {
        const path = stepPath(values, x, y);
        const runs = path.match(/H[\d.]+/g) ?? [];
        expect(runs).toHaveLength(values.filter((v) => v !== null).length);
        const starts = path.match(/M/g) ?? [];
        const segments = values.filter((v, i) => v !== null && (i === 0 || values[i - 1] === null)).length;
        expect(starts).toHaveLength(segments);
      }),
    );
  });
});

describe('stackedStepAreas', () => {
  it('stacks each series on the ones before it, null as 0', () => {
    const [bottom, top] = stackedStepAreas(
      [
        [10, 10],
        [20, null],
      ],
      x,
      y,
    );
    expect(bottom).toBe('M0 90L10 90L20 90L20 100L10 100L0 100Z');
    expect(top).toBe('M0 70L10 70L10 90L20 90L10 90L0 90Z');
  });
});

describe('compactNumber', () => {
  it.each([
    [0, '0'],
    [950, '950'],
    [1_500, '1.5k'],
    [12_000, '12k'],
    [250_000, '250k'],
    [1_250_000, '1.25M'],
    [0.25, '0.25'],
    [2.5, '2.5'],
  ])('%d -> %s', (value, text) => {
    expect(compactNumber(value)).toBe(text);
  });
});
