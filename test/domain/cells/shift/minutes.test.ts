/** Which minutes a check of the cell shift may judge, and how long it waits for X-Ray to show them. */
import { describe, expect, it } from 'vitest';
import { countWait, minuteEnd, unjudgedWindow } from '../../../../domain/cells/shift/minutes.ts';
import { StatisticsUnavailableError } from '../../../../domain/cells/shift/errors.ts';

const T = (hms: string) => Date.parse(`2026-11-23T09:${hms}.000Z`);
const iso = (hms: string) => new Date(T(hms)).toISOString();

describe('unjudgedWindow', () => {
  it('starts at the first minute begun after the change: a minute holding the change is partly before it', () => {
    expect(unjudgedWindow(iso('10:40'), T('13:05'))).toEqual({
      start: new Date(T('11:00')),
      end: new Date(T('13:00')),
    });
  });

  it('starts at the change itself when the change falls on a minute’s first millisecond, or after a minute judged', () => {
    expect(unjudgedWindow(iso('11:00'), T('12:30'))).toEqual({
      start: new Date(T('11:00')),
      end: new Date(T('12:00')),
    });
    expect(unjudgedWindow(minuteEnd(T('11:00')), T('13:30'))?.start).toEqual(new Date(T('12:00')));
  });

  it('is null while no minute since has ended: there is nothing to ask X-Ray for', () => {
    expect(unjudgedWindow(iso('10:40'), T('11:59'))).toBeNull();
    expect(unjudgedWindow(iso('11:00'), T('11:59'))).toBeNull();
  });
});

describe('countWait', () => {
  const unavailable = (reads: number) => new StatisticsUnavailableError(`${reads} reads`);

  it('counts the reads in a row that found nothing new, up to the limit, then ends the waiting by name', () => {
    expect(countWait(0, 5, unavailable)).toBe(1);
    expect(countWait(4, 5, unavailable)).toBe(5);
    expect(() => countWait(5, 5, unavailable)).toThrow(StatisticsUnavailableError);
    expect(() => countWait(5, 5, unavailable)).toThrow('6 reads');
  });
});
