import { describe, expect, it } from 'vitest';
import { decideTargetTracking, type UtilisationMinute } from '../../../world/dynamodb/target-tracking.ts';

const NOW = Date.UTC(2026, 0, 1, 1, 0, 0);

/** The `count` minutes before NOW, oldest first. */
function minutes(count: number, consumedPerSecond: number, provisioned: number): UtilisationMinute[] {
  return Array.from({ length: count }, (_, i) => ({
    timestampMs: NOW - (count - i) * 60_000,
    consumedPerSecond,
    provisioned,
  }));
}

const bounds = { targetPercent: 70, min: 5, max: 40_000 };

describe('target tracking', () => {
  it('grows a throttled table by only about 43 % per step at a 70 % target', () => {
    // Throttled: consumption is pinned at the provisioned level, whatever the demand.
    let capacity = 1000;
    const steps: number[] = [];
    for (let i = 0; i < 4; i++) {
      const decision = decideTargetTracking(minutes(2, capacity, capacity), capacity, bounds, NOW);
      expect(decision.action).toBe('scale-out');
      if (decision.action === 'none') break;
      steps.push(decision.capacity / capacity);
      capacity = decision.capacity;
    }
    for (const growth of steps) expect(growth).toBeCloseTo(1 / 0.7, 2);
  });

  it('waits for two consecutive minutes above target before scaling out', () => {
    const one = [...minutes(2, 500, 1000).slice(0, 1), ...minutes(1, 900, 1000)];
    expect(decideTargetTracking(one, 1000, bounds, NOW).action).toBe('none');
    expect(decideTargetTracking(minutes(2, 900, 1000), 1000, bounds, NOW)).toMatchObject({
      action: 'scale-out',
      capacity: 1286,
    });
  });

  it('scales in only after 15 consecutive minutes below target minus 20 points', () => {
    expect(decideTargetTracking(minutes(14, 100, 1000), 1000, bounds, NOW).action).toBe('none');
    expect(decideTargetTracking(minutes(15, 100, 1000), 1000, bounds, NOW)).toMatchObject({
      action: 'scale-in',
      capacity: 143,
    });
    expect(
      decideTargetTracking(minutes(15, 100, 1000), 1000, { ...bounds, scaleInDisabled: true }, NOW).action,
    ).toBe('none');
  });

  it('decides nothing on fewer published minutes than the alarm evaluates (DynamoDB alarms ignore missing data)', () => {
    const gap = minutes(15, 100, 1000).filter((_, i) => i !== 7);
    expect(decideTargetTracking(gap, 1000, bounds, NOW).action).toBe('none');
    // Older than the alarm's range of 2 + 2 minutes: one datapoint left in it, too few.
    const stale = minutes(2, 900, 1000).map((m) => ({ ...m, timestampMs: m.timestampMs - 3 * 60_000 }));
    expect(decideTargetTracking(stale, 1000, bounds, NOW).action).toBe('none');
  });

  it('judges the newest published minutes, as its alarms do, when the last ones are not published yet', () => {
    // CloudWatch publishes a minute 2 minutes after it ends: at NOW, the newest is NOW − 3 min.
    const delayed = (ms: UtilisationMinute[]) =>
      ms.map((m) => ({ ...m, timestampMs: m.timestampMs - 2 * 60_000 }));
    expect(decideTargetTracking(delayed(minutes(2, 900, 1000)), 1000, bounds, NOW)).toMatchObject({
      action: 'scale-out',
      capacity: 1286,
    });
    expect(decideTargetTracking(delayed(minutes(15, 100, 1000)), 1000, bounds, NOW)).toMatchObject({
      action: 'scale-in',
      capacity: 143,
    });
    // The newest published minute below target: the alarm is OK, whatever came before it.
    const cooled = delayed([...minutes(3, 900, 1000).slice(0, 2), ...minutes(1, 500, 1000)]);
    expect(decideTargetTracking(cooled, 1000, bounds, NOW).action).toBe('none');
  });

  it('scales out from the newest datapoint of the two, and in for the busiest of the fifteen', () => {
    const rising = [...minutes(2, 800, 1000).slice(0, 1), ...minutes(1, 900, 1000)];
    expect(decideTargetTracking(rising, 1000, bounds, NOW)).toMatchObject({ capacity: 1286 });
    const quiet = minutes(15, 100, 1000).map((m, i) => (i === 3 ? { ...m, consumedPerSecond: 200 } : m));
    expect(decideTargetTracking(quiet, 1000, bounds, NOW)).toMatchObject({
      action: 'scale-in',
      capacity: 286,
    });
  });

  it('stays within MinCapacity and MaxCapacity', () => {
    expect(decideTargetTracking(minutes(2, 900, 1000), 1000, { ...bounds, max: 1100 }, NOW)).toMatchObject({
      capacity: 1100,
    });
    expect(decideTargetTracking(minutes(15, 1, 1000), 1000, { ...bounds, min: 200 }, NOW)).toMatchObject({
      capacity: 200,
    });
  });
});
