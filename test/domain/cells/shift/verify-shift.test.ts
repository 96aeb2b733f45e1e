/**
 * `verifyShift`: did the routing control read back as asked, and did the cell's traffic follow?
 * The runbook turned the grey cell Off at 10:20; the verification loop starts.
 */
import { describe, expect, it } from 'vitest';
import type { CellShiftRequest } from '../../../../domain/cells/shift/request.ts';
import { assessSafety, setCellRouting } from '../../../../domain/cells/shift/runbook.ts';
import { verifyShift } from '../../../../domain/cells/shift/verify.ts';
import {
  at,
  cellFleetPorts,
  GREY,
  parsedRequest,
  type CellFleetPorts,
} from '../../../support/cell-fleet-ports.ts';

/** The runbook's limit (`maxChecks` in its verification states' Payload). */
const MAX_CHECKS = 5;

/** The grey cell shifted Off at 10:20, with what it served before (what verification compares with). */
async function shifted(world: CellFleetPorts) {
  const request = parsedRequest();
  const { cellRps } = await assessSafety(world.ports, request);
  await setCellRouting(world.ports, request, 'Off');
  world.forget();
  return { request, cellRps };
}
const verify = (
  world: CellFleetPorts,
  shift: { request: CellShiftRequest; cellRps: number },
  expected: 'On' | 'Off',
  checks: number,
) =>
  verifyShift(world.ports, shift.request, expected, {
    cellRps: shift.cellRps,
    checks,
    maxChecks: MAX_CHECKS,
  });

describe('verifyShift (Verify traffic has left the cell; Verify the cell is back on)', () => {
  it('does not verify a shift Off in the minute it has not yet taken effect, and verifies it once the traffic left', async () => {
    const world = await cellFleetPorts();
    const shift = await shifted(world);
    expect(shift.cellRps).toBe(101);

    // 11:20: minute 10 had begun when the control changed; the cell served all of it.
    await world.goTo(11);
    const first = await verify(world, shift, 'Off', 0);
    expect(first).toEqual({ verified: false, state: 'Off', rpsNow: 101, checks: 1 });

    // 12:20: minute 11 brought it its canary's 60 requests only, under a tenth of 101 a second.
    await world.goTo(12);
    const second = await verify(world, shift, 'Off', first.checks);
    expect(second).toEqual({ verified: true, state: 'Off', rpsNow: 1, checks: 2 });
  });

  it("reads the control back and the cell's last whole minute, of that cell alone", async () => {
    const world = await cellFleetPorts();
    const shift = await shifted(world);
    await world.goTo(12);

    await verify(world, shift, 'Off', 0);

    expect(world.calls).toEqual([`GetRoutingControlState ${GREY}`, `GetTimeSeriesServiceStatistics ${GREY}`]);
    expect(world.statistics[0]).toMatchObject({
      StartTime: new Date(at(11, 0)),
      EndTime: new Date(at(12, 0)),
    });
    expect(world.updates).toEqual([]);
  });

  it('does not take a minute X-Ray has no bucket for as drained, and says so when out of checks', async () => {
    const world = await cellFleetPorts();
    const shift = await shifted(world);
    await world.goTo(12);
    // X-Ray has not aggregated the last minute (or nothing was traced): no bucket at all.
    const noBucket = {
      ...world.ports,
      xray: {
        ...world.ports.xray,
        getTimeSeriesServiceStatistics: async () => ({ TimeSeriesServiceStatistics: [] }),
      },
    };
    const check = (checks: number) =>
      verifyShift(noBucket, shift.request, 'Off', { cellRps: shift.cellRps, checks, maxChecks: MAX_CHECKS });

    expect(await check(0)).toEqual({ verified: false, state: 'Off', rpsNow: null, checks: 1 });
    await expect(check(MAX_CHECKS - 1)).rejects.toMatchObject({
      name: 'ShiftNotEffectiveError',
      message: expect.stringContaining('X-Ray has no statistics for its last minute'),
    });
    // The same minute, its bucket there: the canary's trickle, drained.
    expect(await verify(world, shift, 'Off', 0)).toMatchObject({ verified: true, rpsNow: 1 });
  });

  it('does not verify a shift Off while the control reads On, however little traffic the cell serves', async () => {
    const world = await cellFleetPorts();
    const shift = await shifted(world);
    await world.goTo(12);
    await world.set(GREY, 'On');

    const result = await verify(world, shift, 'Off', 0);

    expect(result).toEqual({ verified: false, state: 'On', rpsNow: 1, checks: 1 });
  });

  it('verifies the cell back On once its control reads On and half its traffic has returned', async () => {
    const world = await cellFleetPorts();
    const shift = await shifted(world);
    await world.goTo(45);
    await setCellRouting(world.ports, shift.request, 'On');
    await world.goTo(45, 40);

    // Changed at 45:20, it applies from minute 46: the last whole minute (44) was drained.
    const early = await verify(world, shift, 'On', 0);
    expect(early).toEqual({ verified: false, state: 'On', rpsNow: 1, checks: 1 });

    await world.goTo(47, 40);
    const back = await verify(world, shift, 'On', 1);
    expect(back).toMatchObject({ verified: true, state: 'On', checks: 2 });
    expect(back.rpsNow).toBeGreaterThanOrEqual(101 / 2);
  });

  it('does not verify the cell back On while its control still reads Off', async () => {
    const world = await cellFleetPorts();
    const shift = await shifted(world);
    await world.goTo(45);

    const first = await verify(world, shift, 'On', 0);

    expect(first).toEqual({ verified: false, state: 'Off', rpsNow: 1, checks: 1 });
  });
});
