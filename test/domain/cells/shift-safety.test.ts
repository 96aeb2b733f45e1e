import { describe, expect, it } from 'vitest';
import { checkSafety, type CellLoad } from '../../../domain/cells/shift/safety.ts';
import { judgeRecovery } from '../../../domain/cells/shift/recovery.ts';
import { parseCellShiftRequest } from '../../../domain/cells/shift/request.ts';
import { outlierPolicySchema } from '../../../domain/cells/fleet.ts';
import { InvalidRequestError } from '../../../domain/errors.ts';

const SAFETY = { maxShareOffPercent: 34, minCellsOn: 2, headroomPercent: 20 };
const fleet = (count: number, rps = 100, capacityRps = 200, off: string[] = []): CellLoad[] =>
  Array.from({ length: count }, (_, i) => {
    const cell = `checkout-cell-${i + 1}`;
    return { cell, state: off.includes(cell) ? 'Off' : 'On', rps, capacityRps };
  });

describe('the shift safety rules', () => {
  it('allows turning one of five cells off when the four others have headroom for its traffic', () => {
    const verdict = checkSafety({ cell: 'checkout-cell-2', safety: SAFETY }, fleet(5));
    expect(verdict).toMatchObject({ safe: true, refusals: [], cellsOnAfter: 4, shareOffPercentAfter: 20 });
    // 100 rps spread over four cells of 100: 125 each, 62.5 % of 200.
    expect(verdict.receivers.map((r) => [r.cell, r.rpsAfter, r.utilisationPercent])).toEqual([
      ['checkout-cell-1', 125, 62.5],
      ['checkout-cell-3', 125, 62.5],
      ['checkout-cell-4', 125, 62.5],
      ['checkout-cell-5', 125, 62.5],
    ]);
  });

  it('refuses to turn off more than the allowed share of cells', () => {
    const verdict = checkSafety(
      { cell: 'checkout-cell-2', safety: SAFETY },
      fleet(5, 100, 1000, ['checkout-cell-1']),
    );
    expect(verdict.safe).toBe(false);
    expect(verdict.refusals).toEqual([
      'turning checkout-cell-2 off would leave 2 of 5 cells off (40 %), more than the 34 % allowed',
    ]);
  });

  it('refuses to leave fewer cells on than required', () => {
    const verdict = checkSafety(
      { cell: 'checkout-cell-1', safety: { ...SAFETY, maxShareOffPercent: 50, minCellsOn: 3 } },
      fleet(3, 10, 1000),
    );
    expect(verdict.refusals).toEqual([
      'turning checkout-cell-1 off would leave 2 cells on, fewer than the 3 required',
    ]);
  });

  it('refuses when a receiving cell would run above its capacity less the headroom, naming it', () => {
    const loads = fleet(5);
    loads[3] = { ...loads[3]!, capacityRps: 140 };
    const verdict = checkSafety({ cell: 'checkout-cell-2', safety: SAFETY }, loads);
    expect(verdict.refusals).toEqual([
      'the receiving cells lack headroom: checkout-cell-4 would run at 89.3 % of its capacity, above the 80 % allowed',
    ]);
  });

  it('refuses a cell that is already off, and lists every rule that refuses', () => {
    const verdict = checkSafety(
      { cell: 'checkout-cell-1', safety: { ...SAFETY, minCellsOn: 3 } },
      fleet(3, 100, 150, ['checkout-cell-1']),
    );
    expect(verdict.refusals).toEqual([
      'checkout-cell-1 is already Off: there is nothing to shift',
      'turning checkout-cell-1 off would leave 2 cells on, fewer than the 3 required',
    ]);
  });
});

describe('judging a drained cell recovered', () => {
  const policy = outlierPolicySchema.parse({});
  const peers = [1, 2, 3, 4].map((i) => ({ cell: `c${i}`, requests: 6000, faults: 6, p99Ms: 200 }));

  it('needs enough canary requests to judge at all', () => {
    expect(
      judgeRecovery({ cell: 'c0', requests: 10, faults: 0, p99Ms: 150 }, peers, policy, 30),
    ).toMatchObject({
      recovered: false,
      reason: 'only 10 canary requests, fewer than 30',
    });
  });

  it('is not recovered while its fault rate or p99 stands above the peers by the detector margins', () => {
    expect(
      judgeRecovery({ cell: 'c0', requests: 60, faults: 6, p99Ms: 200 }, peers, policy, 30).recovered,
    ).toBe(false);
    expect(
      judgeRecovery({ cell: 'c0', requests: 60, faults: 0, p99Ms: 900 }, peers, policy, 30),
    ).toMatchObject({
      recovered: false,
      reason: "p99 900 ms against the peers' 200 ms",
    });
  });

  it('is recovered when its faults and p99 are in line with its peers', () => {
    expect(
      judgeRecovery({ cell: 'c0', requests: 60, faults: 0, p99Ms: 250 }, peers, policy, 30),
    ).toMatchObject({
      recovered: true,
      peerP99Ms: 200,
    });
  });
});

describe('the cell shift request', () => {
  const cells = [1, 2, 3].map((i) => ({
    name: `checkout-cell-${i}`,
    routingControlArn: `arn:aws:route53-recovery-control::123456789012:controlpanel/abc/routingcontrol/cell${i}`,
    capacityRps: 200,
  }));

  it('fills in the defaults: approval required, a 10-minute bake, a third of the cells at most off', () => {
    const request = parseCellShiftRequest({ cell: 'checkout-cell-1', fleet: { name: 'checkout', cells } });
    expect(request).toMatchObject({
      dryRun: false,
      approval: { required: true },
      recovery: { bakeSeconds: 600, checkSeconds: 60 },
      safety: { maxShareOffPercent: 34, minCellsOn: 2, headroomPercent: 20 },
      evidence: { windowMinutes: 5 },
    });
  });

  it.each([
    [
      'a cell outside the fleet',
      { cell: 'checkout-cell-9' },
      'cell: checkout-cell-9 is not a cell of fleet checkout',
    ],
    [
      'a bad routing control ARN',
      {
        fleet: { name: 'checkout', cells: [{ ...cells[0], routingControlArn: 'cell1' }, ...cells.slice(1)] },
      },
      'routingControlArn',
    ],
    ['a fleet of two', { fleet: { name: 'checkout', cells: cells.slice(0, 2) } }, 'at least 3 cells'],
    ['minCellsOn as large as the fleet', { safety: { minCellsOn: 3 } }, 'safety.minCellsOn'],
    [
      'checks that can never cover the bake',
      { recovery: { bakeSeconds: 7200 } },
      'recovery.maxChecks: maxChecks x checkSeconds (3600 s) must cover bakeSeconds (7200 s)',
    ],
  ])('refuses %s, naming the field', (_what, change, issue) => {
    const attempt = () =>
      parseCellShiftRequest({ cell: 'checkout-cell-1', fleet: { name: 'checkout', cells }, ...change });
    expect(attempt).toThrow(InvalidRequestError);
    expect(attempt).toThrow(issue);
  });
});
