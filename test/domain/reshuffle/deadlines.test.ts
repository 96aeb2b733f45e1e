import { describe, expect, it } from 'vitest';
import { anyExpired, expiredDeadlines } from '../../../domain/reshuffle/deadlines.ts';

const START = '2026-01-01T12:00:00.000Z';
const at = (seconds: number): number => Date.parse(START) + seconds * 1000;

describe("the mover's deadlines", () => {
  it('says, by name, which have passed: reaching a deadline counts as passing it', () => {
    const deadlines = { move: { since: START, seconds: 780 }, run: { since: START, seconds: 240 } };

    expect(expiredDeadlines(deadlines, at(239))).toEqual({ move: false, run: false });
    expect(expiredDeadlines(deadlines, at(240))).toEqual({ move: false, run: true });
    expect(expiredDeadlines(deadlines, at(781))).toEqual({ move: true, run: true });
    expect(anyExpired(expiredDeadlines(deadlines, at(239)))).toBe(false);
    expect(anyExpired(expiredDeadlines(deadlines, at(240)))).toBe(true);
  });

  it('counts each from its own moment, with any UTC offset', () => {
    const deadlines = {
      move: { since: START, seconds: 600 },
      run: { since: '2026-01-01T13:05:00+01:00', seconds: 60 },
    };

    expect(expiredDeadlines(deadlines, at(359))).toEqual({ move: false, run: false });
    expect(expiredDeadlines(deadlines, at(360))).toEqual({ move: false, run: true });
  });

  it('has none to pass when given none', () => {
    expect(expiredDeadlines({}, at(0))).toEqual({});
    expect(anyExpired({})).toBe(false);
  });

  it('refuses a deadline it cannot read, by name', () => {
    expect(() => expiredDeadlines({ move: { since: 'yesterday', seconds: 1 } }, at(0))).toThrow(
      expect.objectContaining({ name: 'InvalidRequestError', message: expect.stringMatching(/move\.since/) }),
    );
    expect(() => expiredDeadlines({ run: { since: START, seconds: -1 } }, at(0))).toThrow(/run\.seconds/);
  });
});
