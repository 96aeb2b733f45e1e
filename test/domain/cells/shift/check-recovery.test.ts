/**
 * `checkRecovery`: one health check of the drained cell, its canary traffic against its peers',
 * and the bake time it adds up to. The grey cell was drained at 10:20; the bake is under way.
 */
import { describe, expect, it } from 'vitest';
import { checkRecovery, type Bake } from '../../../../domain/cells/shift/runbook.ts';
import { at, CELLS, GREY, greyCellDrained, served } from '../../../support/cell-fleet-ports.ts';

describe('checkRecovery (Check whether the cell has recovered)', () => {
  it('finds the cell unhealthy while the fault holds, and starts the bake time again', async () => {
    const { world, request } = await greyCellDrained();
    await world.goTo(15);

    const bake = await checkRecovery(world.ports, request, { checks: 3, healthySeconds: 120 });

    const truth = served(world, GREY, 14, 15);
    expect(truth.requests).toBe(60);
    expect(bake).toMatchObject({ checks: 4, healthySeconds: 0, baked: false, exhausted: false });
    expect(bake.latest).toMatchObject({ recovered: false, requests: 60, faultRate: truth.faults / 60 });
    expect(bake.latest.reason).toMatch(/^fault rate \d+(\.\d+)? % against the peers' 0(\.\d+)? %$/);
    // One minute (the check interval) of every cell.
    expect(world.calls).toEqual(CELLS.map((c) => `GetTimeSeriesServiceStatistics ${c}`));
    expect(world.statistics[0]).toMatchObject({
      StartTime: new Date(at(14, 0)),
      EndTime: new Date(at(15, 0)),
    });
  });

  it.each<[string, Record<string, unknown>, number, Pick<Bake, 'checks' | 'healthySeconds'>, object]>([
    [
      'counts the healthy time once the fault has ended, a check interval at a time',
      {},
      37,
      { checks: 22, healthySeconds: 60 },
      {
        checks: 23,
        healthySeconds: 120,
        baked: false,
        exhausted: false,
        latest: { recovered: true, reason: 'faults and p99 in line with its peers', requests: 60 },
      },
    ],
    [
      'is baked once healthy for the bake time (300 s): the runbook turns the cell back on',
      {},
      40,
      { checks: 25, healthySeconds: 240 },
      { checks: 26, healthySeconds: 300, baked: true, exhausted: false },
    ],
    [
      'is exhausted on its last check (the 60th) if the cell is still unhealthy: it stays off for an operator',
      {},
      15,
      { checks: 59, healthySeconds: 0 },
      { checks: 60, healthySeconds: 0, baked: false, exhausted: true },
    ],
    [
      'is not exhausted when its last check completes the bake',
      { recovery: { bakeSeconds: 300, checkSeconds: 60, maxChecks: 10 } },
      40,
      { checks: 9, healthySeconds: 240 },
      { checks: 10, baked: true, exhausted: false },
    ],
  ])('%s', async (_what, extra, minute, previous, expected) => {
    const { world, request } = await greyCellDrained(extra);
    await world.goTo(minute);

    const bake = await checkRecovery(world.ports, request, previous);

    expect(bake).toMatchObject(expected);
  });

  it('reads as many minutes as the check interval, and judges none on fewer canary requests than asked for', async () => {
    const { world, request } = await greyCellDrained({
      recovery: { bakeSeconds: 600, checkSeconds: 120, minRequests: 200 },
    });
    await world.goTo(40);

    const bake = await checkRecovery(world.ports, request, { checks: 0, healthySeconds: 0 });

    expect(world.statistics[0]).toMatchObject({
      StartTime: new Date(at(38, 0)),
      EndTime: new Date(at(40, 0)),
    });
    expect(bake).toMatchObject({
      checks: 1,
      healthySeconds: 0,
      latest: { recovered: false, requests: 120, reason: 'only 120 canary requests, fewer than 200' },
    });
  });
});
