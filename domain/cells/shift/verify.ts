/**
 * Verifying a shift: did the routing control read back as asked, and did the cell's traffic follow?
 *
 * Traffic is read from X-Ray's one-minute buckets, and only from minutes X-Ray has made available
 * since the change (`minutes.ts`): each check judges the newest whole minute, begun at or after the
 * change and not judged before, that X-Ray returns a bucket for. X-Ray has no bucket for a minute
 * it has not aggregated yet, nor for one the cell served nothing in: a missing bucket is not
 * known, never "no traffic". A drained cell keeps its canaries' trickle, so a verified drain always
 * rests on a bucket that is there.
 *
 * Three verdicts:
 *  - verified: the control reads as asked and the minute's traffic followed;
 *  - not-verified: the control reads otherwise, or the minute's traffic did not follow (the
 *    clients' DNS answers have not expired yet, or the change did not take): a check, and after
 *    `maxChecks` of them the shift is put back (ShiftNotEffectiveError);
 *  - not-yet-known: the control reads as asked but X-Ray shows no new minute since the change yet.
 *    Not a check: the runbook waits and reads again, at most `maxWaits` times in a row
 *    (StatisticsUnavailableError after that).
 */
import { readCellMinutes } from '../cell-statistics.ts';
import { ShiftNotEffectiveError, StatisticsUnavailableError } from './errors.ts';
import { countWait, minuteEnd, unjudgedWindow } from './minutes.ts';
import type { CellShiftPorts } from './ports.ts';
import type { CellShiftRequest, FleetCell } from './request.ts';
import { readControl } from './routing.ts';
import type { ControlState } from './safety.ts';

export type VerificationVerdict = 'verified' | 'not-verified' | 'not-yet-known';

export interface Verification {
  verdict: VerificationVerdict;
  /** verdict === 'verified', for the runbook's Choice. */
  verified: boolean;
  state: ControlState;
  /** The cell's requests a second in the minute judged; null: no new minute to judge. */
  rpsNow: number | null;
  /** The start of the minute judged; null: none. */
  minute: string | null;
  /** Checks so far: reads that judged a minute, or found the control otherwise than asked. */
  checks: number;
  /** Reads in a row that found nothing new (0 after a check). */
  waits: number;
  /** Where the next check's minutes begin: the end of the minute judged, or as given. */
  judgeFrom: string;
}

export interface VerificationLoop {
  /** The cell's requests a second before the shift: what its traffic is compared with. */
  cellRps: number;
  checks: number;
  maxChecks: number;
  waits: number;
  maxWaits: number;
  /** The change's time at first; then the end of the last minute judged. */
  judgeFrom: string;
}

/** The share of its traffic a drained cell may still get (DNS caches running out)… */
const DRAINED_SHARE = 0.1;
/** …or this many requests a second, whichever is more: its canaries, which a quiet cell's tenth would not cover. */
const DRAINED_FLOOR_RPS = 2;
/** The share of its traffic a cell turned back on must have again. */
const RETURNED_SHARE = 0.5;

/**
 * Reads the control back, and whether the cell's traffic followed in the newest minute X-Ray shows
 * since `judgeFrom`: Off, at most a tenth of what it served before (or its canaries' trickle); On,
 * at least half of it again.
 */
export async function verifyShift(
  ports: CellShiftPorts,
  request: CellShiftRequest,
  expected: ControlState,
  loop: VerificationLoop,
): Promise<Verification> {
  const cell = cellOf(request);
  const state = await readControl(ports.routing, cell);
  const newest = await newestMinute(ports, cell.name, loop.judgeFrom);

  if (state === expected && newest === null) {
    const waits = countWait(
      loop.waits,
      loop.maxWaits,
      (reads) =>
        new StatisticsUnavailableError(
          `${request.cell}: routing control reads ${state} (asked ${expected}), but X-Ray has shown no minute of the cell's traffic since ${loop.judgeFrom} in ${reads} reads in a row`,
        ),
    );
    return {
      verdict: 'not-yet-known',
      verified: false,
      state,
      rpsNow: null,
      minute: null,
      checks: loop.checks,
      waits,
      judgeFrom: loop.judgeFrom,
    };
  }

  const rpsNow = newest === null ? null : round(newest.requests / request.fleet.tracedShare / 60, 1);
  const followed =
    rpsNow !== null &&
    (expected === 'Off'
      ? rpsNow <= Math.max(loop.cellRps * DRAINED_SHARE, DRAINED_FLOOR_RPS)
      : rpsNow >= loop.cellRps * RETURNED_SHARE);
  const checks = loop.checks + 1;
  const verified = state === expected && followed;
  const minute = newest === null ? null : new Date(newest.startMs).toISOString();
  if (!verified && checks >= loop.maxChecks) {
    const traffic =
      minute === null
        ? `X-Ray shows no minute of its traffic since ${loop.judgeFrom}`
        : `the cell served ${rpsNow} requests a second in the minute from ${minute}`;
    throw new ShiftNotEffectiveError(
      `${request.cell}: routing control reads ${state} (asked ${expected}) and ${traffic} (${loop.cellRps} before) after ${checks} checks`,
    );
  }
  return {
    verdict: verified ? 'verified' : 'not-verified',
    verified,
    state,
    rpsNow,
    minute,
    checks,
    waits: 0,
    judgeFrom: newest === null ? loop.judgeFrom : minuteEnd(newest.startMs),
  };
}

/**
 * The cell's newest whole minute since `judgeFrom` that X-Ray returns a bucket for (its traced
 * requests); null: none yet, or no minute since has ended (X-Ray is not asked).
 */
async function newestMinute(
  ports: CellShiftPorts,
  cell: string,
  judgeFrom: string,
): Promise<{ startMs: number; requests: number } | null> {
  const window = unjudgedWindow(judgeFrom, ports.now());
  if (!window) return null;
  const minutes = await readCellMinutes(ports.xray, cell, window);
  return minutes.at(-1) ?? null;
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
