/**
 * `checkRecovery`: one health check of the drained cell, its canary traffic against its peers',
 * on the minutes X-Ray shows since the last check, and the bake time they add up to. The grey cell
 * was drained at 10:40; the bake is under way. X-Ray shows a minute 30 s after it ends (the world's
 * assumption, which the runbook does not know).
 */
import { describe, expect, it } from 'vitest';
import { checkRecovery, type BakeSoFar } from '../../../../domain/cells/shift/runbook.ts';
import { MAX_STATISTICS_WAITS } from '../../../../domain/cells/shift/minutes.ts';
import { at, CELLS, GREY, greyCellDrained, iso, served } from '../../../support/cell-fleet-ports.ts';

/** The bake so far, its next minutes beginning at `minute`:00. */
const soFar = (checks: number, healthySeconds: number, minute: number, waits = 0): BakeSoFar => ({
  checks,
  healthySeconds,
  waits,
  judgeFrom: iso(at(minute, 0)),
});

describe('checkRecovery (Check whether the cell has recovered)', () => {
  it('finds the cell unhealthy while the fault holds, and starts the bake time again', async () => {
    const { world, request } = await greyCellDrained();
    await world.goTo(15);

    const bake = await checkRecovery(world.ports, request, soFar(3, 120, 14));

    const truth = served(world, GREY, 14, 15);
    expect(truth.requests).toBe(60);
    expect(bake).toMatchObject({
      verdict: 'unhealthy',
      checks: 4,
      waits: 0,
      healthySeconds: 0,
      baked: false,
      exhausted: false,
      judged: { from: iso(at(14, 0)), to: iso(at(15, 0)) },
      judgeFrom: iso(at(15, 0)),
    });
    expect(bake.latest).toMatchObject({ recovered: false, requests: 60, faultRate: truth.faults / 60 });
    expect(bake.latest?.reason).toMatch(/^fault rate \d+(\.\d+)? % against the peers' 0(\.\d+)? %$/);
    // The minute since the last check, of every cell.
    expect(world.calls).toEqual(CELLS.map((c) => `GetTimeSeriesServiceStatistics ${c}`));
    expect(world.statistics[0]).toMatchObject({
      StartTime: new Date(at(14, 0)),
      EndTime: new Date(at(15, 0)),
    });
  });

  it.each<[string, Record<string, unknown>, number, BakeSoFar, object]>([
    [
      'counts the healthy time once the fault has ended, a minute for each minute judged',
      {},
      37,
      soFar(22, 60, 36),
      {
        verdict: 'healthy',
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
      soFar(25, 240, 39),
      { checks: 26, healthySeconds: 300, baked: true, exhausted: false },
    ],
    [
      'is exhausted on its last check (the 60th) if the cell is still unhealthy: it stays off for an operator',
      {},
      15,
      soFar(59, 0, 14),
      { checks: 60, healthySeconds: 0, baked: false, exhausted: true },
    ],
    [
      'is not exhausted when its last check completes the bake',
      { recovery: { bakeSeconds: 300, checkSeconds: 60, maxChecks: 10 } },
      40,
      soFar(9, 240, 39),
      { checks: 10, baked: true, exhausted: false },
    ],
    [
      'adds every healthy minute X-Ray shows since the last check, however many (the checks fell behind)',
      {},
      40,
      soFar(21, 60, 36),
      { verdict: 'healthy', checks: 22, healthySeconds: 300, baked: true, judgeFrom: iso(at(40, 0)) },
    ],
  ])('%s', async (_what, extra, minute, previous, expected) => {
    const { world, request } = await greyCellDrained(extra);
    await world.goTo(minute);

    const bake = await checkRecovery(world.ports, request, previous);

    expect(bake).toMatchObject(expected);
  });

  it('reads every minute since the last check, and judges none on fewer canary requests than asked for', async () => {
    const { world, request } = await greyCellDrained({
      recovery: { bakeSeconds: 600, checkSeconds: 120, minRequests: 200 },
    });
    await world.goTo(40);

    const bake = await checkRecovery(world.ports, request, soFar(0, 0, 38));

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

  it('does not judge a minute X-Ray does not show yet: not yet known, neither healthy nor unhealthy, and not a check', async () => {
    const { world, request } = await greyCellDrained();
    // 40:20: minute 39 has ended, but X-Ray shows it only from 40:30.
    await world.goTo(40, 20);

    const early = await checkRecovery(world.ports, request, soFar(25, 240, 39));

    expect(early).toEqual({
      verdict: 'not-yet-known',
      checks: 25,
      waits: 1,
      healthySeconds: 240,
      baked: false,
      exhausted: false,
      latest: null,
      judged: null,
      judgeFrom: iso(at(39, 0)),
    });
    // 40:40: there it is, and the bake completes on it.
    await world.goTo(40);
    expect(await checkRecovery(world.ports, request, early)).toMatchObject({
      verdict: 'healthy',
      checks: 26,
      waits: 0,
      healthySeconds: 300,
      baked: true,
    });
  });

  it('asks X-Ray nothing before a minute since the last check has ended', async () => {
    const { world, request } = await greyCellDrained();
    await world.goTo(39, 50);

    const bake = await checkRecovery(world.ports, request, soFar(25, 240, 39));

    expect(bake).toMatchObject({ verdict: 'not-yet-known', checks: 25, waits: 1 });
    expect(world.calls).toEqual([]);
  });

  it('stops waiting for X-Ray (StatisticsUnavailableError) after as many reads in a row as allowed: the cell stays off for a person', async () => {
    const { world, request } = await greyCellDrained();
    await world.goTo(40);
    world.ports.xray.getTimeSeriesServiceStatistics = async () => ({ TimeSeriesServiceStatistics: [] });

    expect(await checkRecovery(world.ports, request, soFar(25, 240, 39, 4))).toMatchObject({
      verdict: 'not-yet-known',
      waits: 5,
      healthySeconds: 240,
    });
    await expect(
      checkRecovery(world.ports, request, soFar(25, 240, 39, MAX_STATISTICS_WAITS)),
    ).rejects.toMatchObject({
      name: 'StatisticsUnavailableError',
      message: `${GREY}: X-Ray has shown no minute of the drained cell's traffic since ${iso(at(39, 0))} in 6 reads in a row`,
    });
  });
});
