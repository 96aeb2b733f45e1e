/**
 * Scheduled actions in the simulated auto scaling, as "How scheduled scaling for Application Auto
 * Scaling works" describes them: at its time the action sets the range, capacity outside it moves
 * into it, and target tracking goes on within the new range. This is how the hot-shard runbook's
 * raised minimum is handed back.
 */
import { describe, expect, it } from 'vitest';
import { simulatedTable, steadyWrites, useHarness, withAutoScaling, writeTarget } from './harness.ts';

const harness = useHarness();

const at = (ms: number) => `at(${new Date(ms).toISOString().slice(0, 19)})`;

describe('a one-time scheduled action', () => {
  it('gives the old minimum back at its time, after which target tracking scales the idle table in', async () => {
    const table = await simulatedTable(harness(), { rcu: 100, wcu: 100, workload: steadyWrites(40) });
    const autoScaling = await withAutoScaling(harness(), table, { min: 100, max: 4000, target: 70 });
    // A runbook's raise: the minimum to 650, which scales the table out to it at once.
    await autoScaling.registerScalableTarget({ ...writeTarget(table), MinCapacity: 650, MaxCapacity: 4000 });
    await autoScaling.putScheduledAction({
      ...writeTarget(table),
      ScheduledActionName: 'selfheal-restore-write-minimum',
      Schedule: at(table.clock.startMs + 20 * 60_000),
      ScalableTargetAction: { MinCapacity: 100 },
    });

    await table.clock.advance(19 * 60);
    const listed = await autoScaling.describeScheduledActions({ ServiceNamespace: 'dynamodb' });
    expect(listed.ScheduledActions?.map((a) => a.ScalableTargetAction)).toEqual([{ MinCapacity: 100 }]);
    await table.clock.advance(41 * 60);
    table.world.detach();

    const capacityAt = (minute: number) => table.world.timeline[minute]?.provisionedWcu;
    // Held at the raised minimum until the action, however idle (40 of 650 units: 6 %).
    expect(capacityAt(1)).toBe(650);
    expect(capacityAt(20)).toBe(650);
    const scaleIn = autoScaling.activities.find((a) => a.to < a.from);
    // Its minutes have been below the target less 20 points for over 15 minutes already (the
    // scale-in alarm is in ALARM, held back only by the minimum): in it goes once the minimum drops.
    const minute = Math.round(((scaleIn?.timeMs ?? 0) - table.clock.startMs) / 60_000);
    expect(minute).toBe(20);
    expect(scaleIn?.to).toBe(100);
    expect(capacityAt(59)).toBe(100);
    const after = await autoScaling.describeScheduledActions({ ServiceNamespace: 'dynamodb' });
    expect(after.ScheduledActions).toEqual([]);
  });

  it("scales a table below its new minimum out to it at the action's time", async () => {
    const table = await simulatedTable(harness(), { rcu: 100, wcu: 100, workload: steadyWrites(40) });
    const autoScaling = await withAutoScaling(harness(), table, { min: 100, max: 4000 });
    await autoScaling.putScheduledAction({
      ...writeTarget(table),
      ScheduledActionName: 'morning',
      Schedule: at(table.clock.startMs + 5 * 60_000),
      ScalableTargetAction: { MinCapacity: 300, MaxCapacity: 4000 },
    });

    await table.clock.advance(10 * 60);
    table.world.detach();

    expect(table.world.timeline[4]?.provisionedWcu).toBe(100);
    expect(table.world.timeline[6]?.provisionedWcu).toBe(300);
  });

  it('is refused for a dimension with no scalable target, and for schedules it does not run', async () => {
    const table = await simulatedTable(harness(), { rcu: 100, wcu: 100, workload: steadyWrites(40) });
    const autoScaling = await withAutoScaling(harness(), table, { min: 100, max: 4000 });
    const read = { ...writeTarget(table), ScalableDimension: 'dynamodb:table:ReadCapacityUnits' as const };

    await expect(
      autoScaling.putScheduledAction({
        ...read,
        ScheduledActionName: 'x',
        Schedule: at(table.clock.startMs),
        ScalableTargetAction: { MinCapacity: 5 },
      }),
    ).rejects.toMatchObject({ name: 'ObjectNotFoundException' });
    await expect(
      autoScaling.putScheduledAction({
        ...writeTarget(table),
        ScheduledActionName: 'nightly',
        Schedule: 'cron(0 1 * * ? *)',
        ScalableTargetAction: { MinCapacity: 5 },
      }),
    ).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(
      autoScaling.putScheduledAction({
        ...writeTarget(table),
        ScheduledActionName: 'inverted',
        Schedule: at(table.clock.startMs),
        ScalableTargetAction: { MinCapacity: 500, MaxCapacity: 200 },
      }),
    ).rejects.toMatchObject({ name: 'ValidationException' });
    table.world.detach();
  });
});
