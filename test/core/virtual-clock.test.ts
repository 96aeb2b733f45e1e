import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../core/virtual-clock.ts';

describe('VirtualClock', () => {
  it('shows every listener each interval once, in order, and ends at the interval end', async () => {
    const clock = new VirtualClock(0);
    const seen: [number, number][] = [];
    clock.onAdvance((from, to) => {
      seen.push([from, to]);
    });
    await Promise.all([clock.advance(60), clock.advance(30)]);
    expect(seen).toEqual([
      [0, 60_000],
      [60_000, 90_000],
    ]);
    expect(clock.elapsedSeconds()).toBe(90);
  });

  it('lets a listener move now() forward within the advance, never back nor past its end', async () => {
    const clock = new VirtualClock(0);
    const readings: number[] = [];
    clock.onAdvance(() => {
      clock.reach(20_000);
      readings.push(clock.now());
      clock.reach(10_000);
      readings.push(clock.now());
      clock.reach(500_000);
      readings.push(clock.now());
    });
    await clock.advance(60);
    expect(readings).toEqual([20_000, 20_000, 60_000]);
    expect(clock.now()).toBe(60_000);
  });

  it('stops an advance at each timer on the way, calls it at its moment, then goes on', async () => {
    const clock = new VirtualClock(0);
    const seen: string[] = [];
    clock.onAdvance((from, to) => {
      seen.push(`${from}-${to}`);
    });
    clock.at(90_000, () => seen.push(`late at ${clock.now()}`));
    clock.at(20_000, () => seen.push(`timer at ${clock.now()}`));
    const cancel = clock.at(30_000, () => seen.push('cancelled'));
    cancel();
    await clock.advance(60);
    expect(seen).toEqual(['0-20000', 'timer at 20000', '20000-60000']);
    expect(clock.now()).toBe(60_000);
  });

  it('ends an advance early where the signal it was given is aborted by a timer', async () => {
    const clock = new VirtualClock(0);
    const until = new AbortController();
    clock.at(15_000, () => until.abort());
    await clock.advance(60, until.signal);
    expect(clock.now()).toBe(15_000);
    await clock.advance(10, until.signal);
    expect(clock.now()).toBe(15_000);
  });

  it('calls back a timer whose moment has passed at once', async () => {
    const clock = new VirtualClock(1000);
    let called = false;
    clock.at(500, () => (called = true));
    await Promise.resolve();
    expect(called).toBe(true);
  });

  it('refuses to be reached outside an advance', () => {
    expect(() => new VirtualClock(0).reach(1000)).toThrow(RangeError);
  });

  it('rejects a negative advance and keeps working after a listener fails', async () => {
    const clock = new VirtualClock(0);
    await expect(clock.advance(-1)).rejects.toThrow(RangeError);
    const stop = clock.onAdvance(() => {
      throw new Error('boom');
    });
    await expect(clock.advance(10)).rejects.toThrow('boom');
    stop();
    await clock.advance(10);
    expect(clock.now()).toBe(10_000);
  });
});
