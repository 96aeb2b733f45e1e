/**
 * `verifyShift`: did the routing control read back as asked, and did the cell's traffic follow, in
 * a minute X-Ray shows since the change? The runbook turned the grey cell Off at 10:40; the
 * verification loop starts. X-Ray shows a minute 30 s after it ends (the world's assumption, which
 * the runbook does not know), and clients follow the change as their 60 s TTL runs out.
 */
import { describe, expect, it } from 'vitest';
import type { CellShiftRequest } from '../../../../domain/cells/shift/request.ts';
import { assessSafety, setCellRouting } from '../../../../domain/cells/shift/runbook.ts';
import { verifyShift, type Verification } from '../../../../domain/cells/shift/verify.ts';
import { MAX_STATISTICS_WAITS, VERIFY_MAX_CHECKS } from '../../../../domain/cells/shift/minutes.ts';
import {
  at,
  cellFleetPorts,
  GREY,
  iso,
  parsedRequest,
  served,
  type CellFleetPorts,
} from '../../../support/cell-fleet-ports.ts';

interface Shift {
  request: CellShiftRequest;
  cellRps: number;
  /** When the control changed: where the loop's minutes begin. */
  at: string;
}

/** The grey cell shifted Off at 10:40, with what it served before (what verification compares with). */
async function shifted(world: CellFleetPorts): Promise<Shift> {
  const request = parsedRequest();
  const { cellRps } = await assessSafety(world.ports, request);
  const change = await setCellRouting(world.ports, request, 'Off');
  world.forget();
  return { request, cellRps, at: change.at };
}
type Loop = Pick<Verification, 'checks' | 'waits' | 'judgeFrom'>;
const start = (shift: Shift): Loop => ({ checks: 0, waits: 0, judgeFrom: shift.at });
const verify = (world: CellFleetPorts, shift: Shift, expected: 'On' | 'Off', loop: Loop) =>
  verifyShift(world.ports, shift.request, expected, {
    cellRps: shift.cellRps,
    maxChecks: VERIFY_MAX_CHECKS,
    maxWaits: MAX_STATISTICS_WAITS,
    ...loop,
  });
/** The cell's requests a second in minute `minute`, as the world served them (all traced). */
const rpsIn = (world: CellFleetPorts, minute: number) =>
  Math.round((served(world, GREY, minute, minute + 1).requests / 60) * 10) / 10;

describe('verifyShift (Verify traffic has left the cell; Verify the cell is back on)', () => {
  it('waits while no minute since the change has ended, and while X-Ray does not show it yet: not yet known, never a check', async () => {
    const world = await cellFleetPorts();
    const shift = await shifted(world);
    expect(shift.cellRps).toBe(101);

    // 11:40: the change came at 10:40; minute 11, the first to begin after it, has not ended.
    await world.goTo(11);
    const first = await verify(world, shift, 'Off', start(shift));
    expect(first).toEqual({
      verdict: 'not-yet-known',
      verified: false,
      state: 'Off',
      rpsNow: null,
      minute: null,
      checks: 0,
      waits: 1,
      judgeFrom: shift.at,
    });
    // Nothing to ask X-Ray for.
    expect(world.calls).toEqual([`GetRoutingControlState ${GREY}`]);

    // 12:20: minute 11 has ended, but X-Ray shows it only from 12:30.
    await world.goTo(12, 20);
    const second = await verify(world, shift, 'Off', first);
    expect(second).toMatchObject({ verdict: 'not-yet-known', checks: 0, waits: 2, rpsNow: null });
  });

  it('judges the newest minute X-Ray shows since the change, each minute once: not verified while the clients’ DNS answers run out, verified once the traffic has left', async () => {
    const world = await cellFleetPorts();
    const shift = await shifted(world);
    const waited = { checks: 0, waits: 2, judgeFrom: shift.at };

    // 12:40: minute 11 is shown. The clients' answers expired from 10:40 to 11:40, so a third of
    // them still came in its first 20 s, fewer and fewer up to 11:40: more than a tenth of 101.
    await world.goTo(12);
    const first = await verify(world, shift, 'Off', waited);
    expect(rpsIn(world, 11)).toBeGreaterThan(101 / 10);
    expect(first).toEqual({
      verdict: 'not-verified',
      verified: false,
      state: 'Off',
      rpsNow: rpsIn(world, 11),
      minute: iso(at(11, 0)),
      checks: 1,
      waits: 0,
      judgeFrom: iso(at(12, 0)),
    });

    // 12:50: nothing newer than minute 11, which was judged: not yet known, not judged again.
    await world.goTo(12, 50);
    expect(await verify(world, shift, 'Off', first)).toMatchObject({
      verdict: 'not-yet-known',
      checks: 1,
      waits: 1,
      judgeFrom: iso(at(12, 0)),
    });

    // 13:40: minute 12 brought it its canary's 60 requests only, under a tenth of 101 a second.
    await world.goTo(13);
    const second = await verify(world, shift, 'Off', first);
    expect(second).toEqual({
      verdict: 'verified',
      verified: true,
      state: 'Off',
      rpsNow: 1,
      minute: iso(at(12, 0)),
      checks: 2,
      waits: 0,
      judgeFrom: iso(at(13, 0)),
    });
  });

  it("reads the control back and the cell's minutes since the change, of that cell alone", async () => {
    const world = await cellFleetPorts();
    const shift = await shifted(world);
    await world.goTo(14);

    const result = await verify(world, shift, 'Off', start(shift));

    expect(world.calls).toEqual([`GetRoutingControlState ${GREY}`, `GetTimeSeriesServiceStatistics ${GREY}`]);
    // From the first minute to begin after the change to the last whole one: the newest is judged.
    expect(world.statistics[0]).toMatchObject({
      StartTime: new Date(at(11, 0)),
      EndTime: new Date(at(14, 0)),
      Period: 60,
    });
    expect(result).toMatchObject({ verified: true, minute: iso(at(13, 0)), judgeFrom: iso(at(14, 0)) });
    expect(world.updates).toEqual([]);
  });

  it('does not take a minute X-Ray has no bucket for as drained: it waits, and says so once it has waited as often as allowed in a row', async () => {
    const world = await cellFleetPorts();
    const shift = await shifted(world);
    await world.goTo(13);
    // X-Ray has not aggregated the minutes (or nothing was traced): no bucket at all.
    const noBucket = {
      ...world.ports,
      xray: {
        ...world.ports.xray,
        getTimeSeriesServiceStatistics: async () => ({ TimeSeriesServiceStatistics: [] }),
      },
    };
    const check = (loop: Loop) =>
      verifyShift(noBucket, shift.request, 'Off', {
        cellRps: shift.cellRps,
        maxChecks: VERIFY_MAX_CHECKS,
        maxWaits: MAX_STATISTICS_WAITS,
        ...loop,
      });

    expect(await check({ checks: 3, waits: 0, judgeFrom: shift.at })).toMatchObject({
      verdict: 'not-yet-known',
      rpsNow: null,
      checks: 3,
      waits: 1,
    });
    expect(MAX_STATISTICS_WAITS).toBe(5);
    expect(await check({ checks: 3, waits: 4, judgeFrom: shift.at })).toMatchObject({ waits: 5 });
    await expect(check({ checks: 3, waits: 5, judgeFrom: shift.at })).rejects.toMatchObject({
      name: 'StatisticsUnavailableError',
      message: `${GREY}: routing control reads Off (asked Off), but X-Ray has shown no minute of the cell's traffic since ${shift.at} in 6 reads in a row`,
    });
    // The same minutes, their buckets there: the canary's trickle, drained.
    expect(await verify(world, shift, 'Off', start(shift))).toMatchObject({ verified: true, rpsNow: 1 });
  });

  it('does not verify a shift Off while the control reads On, however little traffic the cell serves, and counts it a check', async () => {
    const world = await cellFleetPorts();
    const shift = await shifted(world);
    await world.goTo(13);
    await world.set(GREY, 'On');

    const result = await verify(world, shift, 'Off', start(shift));

    expect(result).toMatchObject({ verdict: 'not-verified', state: 'On', rpsNow: 1, checks: 1 });
  });

  it('counts a control read otherwise as a check even when X-Ray shows no minute yet', async () => {
    const world = await cellFleetPorts();
    const shift = await shifted(world);
    await world.goTo(11);
    await world.set(GREY, 'On');

    const result = await verify(world, shift, 'Off', start(shift));

    expect(result).toMatchObject({ verdict: 'not-verified', state: 'On', rpsNow: null, checks: 1 });
  });

  it('puts the shift back (ShiftNotEffectiveError) on the fifth check that finds it not so', async () => {
    const world = await cellFleetPorts();
    const shift = await shifted(world);
    await world.goTo(13);
    await world.set(GREY, 'On');

    await expect(
      verify(world, shift, 'Off', { checks: VERIFY_MAX_CHECKS - 1, waits: 0, judgeFrom: shift.at }),
    ).rejects.toMatchObject({
      name: 'ShiftNotEffectiveError',
      message: `${GREY}: routing control reads On (asked Off) and the cell served 1 requests a second in the minute from ${iso(at(12, 0))} (101 before) after 5 checks`,
    });
  });

  it('verifies the cell back On once its control reads On and half its traffic has returned, in a minute since the change', async () => {
    const world = await cellFleetPorts();
    const shift = await shifted(world);
    await world.goTo(45);
    const back = await setCellRouting(world.ports, shift.request, 'On');
    const loop = { checks: 0, waits: 0, judgeFrom: back.at };

    // Changed at 45:40: the first minute to judge is 46, which has not ended at 46:40.
    await world.goTo(46);
    expect(await verify(world, shift, 'On', loop)).toMatchObject({
      verdict: 'not-yet-known',
      state: 'On',
      checks: 0,
    });

    // 47:40: minute 46 shown, most clients back by then (their answers expired from 45:40 to 46:40).
    await world.goTo(47);
    const result = await verify(world, shift, 'On', loop);
    expect(result).toMatchObject({ verdict: 'verified', state: 'On', minute: iso(at(46, 0)), checks: 1 });
    expect(result.rpsNow).toBe(rpsIn(world, 46));
    expect(result.rpsNow).toBeGreaterThanOrEqual(101 / 2);
  });

  it('does not verify the cell back On while its control still reads Off', async () => {
    const world = await cellFleetPorts();
    const shift = await shifted(world);
    await world.goTo(45);

    const first = await verify(world, shift, 'On', { checks: 0, waits: 0, judgeFrom: iso(at(43, 10)) });

    expect(first).toMatchObject({ verdict: 'not-verified', state: 'Off', rpsNow: 1, checks: 1 });
  });
});
