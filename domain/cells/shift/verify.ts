/**
 * Verifying a shift: did the routing control read back as asked, and did the cell's traffic follow?
 *
 * Traffic is read from X-Ray's one-minute bucket of the last whole minute. X-Ray has no bucket for
 * a minute the cell served nothing in, and none for a minute it has not aggregated yet: a missing
 * bucket is not known, never "no traffic". A drained cell keeps its canaries' trickle, so a
 * verified drain always rests on a bucket that is there. Without one the check is not verified
 * (and counts against `maxChecks`), whichever way the shift went.
 */
import { cellStatisticsRequest, statisticsWindow } from '../cell-statistics.ts';
import { classifyAwsError } from '../../errors.ts';
import { ShiftNotEffectiveError } from './errors.ts';
import type { CellShiftPorts } from './ports.ts';
import type { CellShiftRequest, FleetCell } from './request.ts';
import { readControl } from './routing.ts';
import type { ControlState } from './safety.ts';

export interface Verification {
  verified: boolean;
  state: ControlState;
  /** The cell's requests a second in the last whole minute; null: X-Ray has no bucket for it. */
  rpsNow: number | null;
  checks: number;
}

/** The share of its traffic a drained cell may still get (DNS caches running out)… */
const DRAINED_SHARE = 0.1;
/** …or this many requests a second, whichever is more: its canaries, which a quiet cell's tenth would not cover. */
const DRAINED_FLOOR_RPS = 2;
/** The share of its traffic a cell turned back on must have again. */
const RETURNED_SHARE = 0.5;

/**
 * Reads the control back, and whether the cell's traffic followed: Off, at most a tenth of what it
 * served before (or its canaries' trickle); On, at least half of it again. Fails once `maxChecks`
 * checks found it not so.
 */
export async function verifyShift(
  ports: CellShiftPorts,
  request: CellShiftRequest,
  expected: ControlState,
  before: { cellRps: number; checks: number; maxChecks: number },
): Promise<Verification> {
  const cell = cellOf(request);
  const state = await readControl(ports.routing, cell);
  const traced = await lastMinuteRequests(ports, cell.name);
  const rpsNow = traced === null ? null : round(traced / request.fleet.tracedShare / 60, 1);
  const followed =
    rpsNow !== null &&
    (expected === 'Off'
      ? rpsNow <= Math.max(before.cellRps * DRAINED_SHARE, DRAINED_FLOOR_RPS)
      : rpsNow >= before.cellRps * RETURNED_SHARE);
  const checks = before.checks + 1;
  const verified = state === expected && followed;
  if (!verified && checks >= before.maxChecks) {
    const traffic =
      rpsNow === null
        ? 'X-Ray has no statistics for its last minute'
        : `the cell serves ${rpsNow} requests a second`;
    throw new ShiftNotEffectiveError(
      `${request.cell}: routing control reads ${state} (asked ${expected}) and ${traffic} (${before.cellRps} before) after ${checks} checks`,
    );
  }
  return { verified, state, rpsNow, checks };
}

/** Requests X-Ray traced for the cell in its bucket of the last whole minute; null: no bucket. */
async function lastMinuteRequests(ports: CellShiftPorts, cell: string): Promise<number | null> {
  const window = statisticsWindow(ports.now(), 1);
  const output = await ports.xray
    .getTimeSeriesServiceStatistics(cellStatisticsRequest(cell, window))
    .catch((error: unknown) => {
      throw classifyAwsError(error, `Reading X-Ray statistics for cell ${cell}`);
    });
  // The window is one period: a bucket X-Ray returns for it is that minute's.
  const counts = (output.TimeSeriesServiceStatistics ?? []).flatMap((bucket) => {
    const total = bucket.ServiceSummaryStatistics?.TotalCount;
    return total === undefined ? [] : [total];
  });
  return counts.length === 0 ? null : counts.reduce((sum, count) => sum + count, 0);
}

function cellOf(request: CellShiftRequest): FleetCell {
  const cell = request.fleet.cells.find((c) => c.name === request.cell);
  // The request schema guarantees it; this keeps the type honest.
  if (!cell) throw new RangeError(`${request.cell} is not a cell of ${request.fleet.name}`);
  return cell;
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
