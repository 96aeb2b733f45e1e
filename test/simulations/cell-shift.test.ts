import { beforeAll, describe, expect, it } from 'vitest';
import {
  runCellShift,
  CELL_VARIANTS,
  MANUAL_APPROVAL_SECONDS,
  type CellVariantResult,
} from '../../scenarios/cell-shift/run.ts';
import { ON_CALL_DELAY_SECONDS } from '../../scenarios/cell-shift/on-call.ts';
import {
  FLEET_SLOWDOWN_INCIDENT,
  GREY_CELL as GREY,
  GREY_CELL_INCIDENT,
} from '../../scenarios/cell-shift/incident.ts';
import { exampleDeployment } from '../../simulations/deployment.ts';

describe('the cell-shift incident, simulated end to end', () => {
  let selfheal: CellVariantResult;
  let manual: CellVariantResult;
  let none: CellVariantResult;
  let onCall: CellVariantResult;
  let quickOnCall: CellVariantResult;

  beforeAll(async () => {
    selfheal = await runCellShift({ seed: 1, variant: 'selfheal', approve: 'auto' });
    manual = await runCellShift({ seed: 1, variant: 'selfheal', approve: 'manual' });
    none = await runCellShift({ seed: 1, variant: 'none' });
    onCall = await runCellShift({ seed: 1, variant: 'on-call' });
    quickOnCall = await runCellShift({ seed: 1, variant: 'on-call', onCallDelaySeconds: 5 * 60 });
  }, 120_000);

  it('runs selfheal, the on-call engineer and nothing', () => {
    expect(CELL_VARIANTS).toEqual(['selfheal', 'on-call', 'none']);
  });

  it('has the on-call engineer flip the grey cell off by hand at the page plus the delay, not before, and back on the delay after the fault', () => {
    const faultEnd = GREY_CELL_INCIDENT.faultEndMinute * 60;
    // Paged by the same detector's incident, at the same minute selfheal is started.
    expect(onCall.detectedAtSeconds).toBe(selfheal.detectedAtSeconds);
    expect(ON_CALL_DELAY_SECONDS).toBe(15 * 60);
    const paged = onCall.detectedAtSeconds ?? NaN;
    expect(onCall.shiftedAtSeconds).toBe(paged + ON_CALL_DELAY_SECONDS);
    expect(onCall.timeToShiftSeconds).toBe(ON_CALL_DELAY_SECONDS);
    expect(onCall.shiftedBackAtSeconds).toBe(faultEnd + ON_CALL_DELAY_SECONDS);
    expect(onCall.actions).toEqual([
      {
        atSeconds: paged + ON_CALL_DELAY_SECONDS,
        by: 'operator',
        what: `routing control of ${GREY} On -> Off (by hand)`,
      },
      {
        atSeconds: faultEnd + ON_CALL_DELAY_SECONDS,
        by: 'operator',
        what: `routing control of ${GREY} Off -> On (by hand)`,
      },
    ]);
    // Until then every cell takes its share: nothing moved before the engineer acted.
    const before = onCall.timeline.filter((m) => (m.minute + 1) * 60 <= paged + ON_CALL_DELAY_SECONDS);
    expect(before.every((m) => m.cells.every((c) => c.state === 'On'))).toBe(true);
    expect(onCall).toMatchObject({
      healed: true,
      trafficBack: true,
      runs: [],
      signals: [],
      ledger: [],
      stateTransitions: 0,
    });
    // The delay is the scenario's to set.
    expect(quickOnCall.shiftedAtSeconds).toBe(paged + 5 * 60);
    expect(quickOnCall.shiftedBackAtSeconds).toBe(faultEnd + 5 * 60);
  });

  it('fails more requests with the on-call engineer than with selfheal, and fewer than with nothing', () => {
    expect(onCall.failedRequests).toBeGreaterThan(selfheal.failedRequests);
    expect(onCall.failedRequests).toBeLessThan(none.failedRequests);
    expect(quickOnCall.failedRequests).toBeLessThan(onCall.failedRequests);
  });

  it('fails fewer requests than no remediation, by moving the grey cell traffic to its peers', () => {
    expect(selfheal.failedRequests).toBeLessThan(none.failedRequests / 5);
    expect(selfheal.healed).toBe(true);
    expect(none.healed).toBe(false);
    // While the cell was off its users' requests went to the four others: none failed on it.
    const offMinutes = selfheal.timeline.filter((m) => m.cells.find((c) => c.cell === GREY)?.state === 'Off');
    expect(offMinutes.length).toBeGreaterThan(20);
    for (const minute of offMinutes) {
      expect(minute.cells.find((c) => c.cell === GREY)).toMatchObject({
        requests: 0,
        faults: 0,
        sharePercent: 0,
      });
      expect(minute.cells.filter((c) => c.state === 'On').map((c) => c.sharePercent)).toEqual([
        25, 25, 25, 25,
      ]);
    }
  });

  it('turns the cell back on only after the fault has ended and the bake time has passed, and its traffic returns', () => {
    const faultEnd = GREY_CELL_INCIDENT.faultEndMinute * 60;
    // The bake the deployment configures for the fleet.
    const bake = exampleDeployment().config.fleets.checkout?.recovery.bakeSeconds ?? Infinity;
    expect(selfheal.shiftedBackAtSeconds).toBeGreaterThanOrEqual(faultEnd + bake);
    expect(selfheal.trafficBack).toBe(true);
    expect(selfheal.timeline.at(-1)?.cells.map((c) => c.sharePercent)).toEqual([20, 20, 20, 20, 20]);
    expect(selfheal.actions.map((a) => a.what)).toEqual([
      `routing control of ${GREY} On -> Off`,
      `routing control of ${GREY} Off -> On`,
    ]);
  });

  it('takes the production path: the detector’s incident, through its rule, to dispatch, which hands the shift over', () => {
    const [dispatch, shift] = selfheal.runs;
    expect(selfheal.runs).toHaveLength(2);
    expect(dispatch).toMatchObject({
      executionArn: expect.stringMatching(/:execution:dispatch:/),
      status: 'SUCCEEDED',
      startedAtSeconds: selfheal.detectedAtSeconds,
    });
    expect(dispatch?.states.map((s) => s.name)).toContain('Start the cell-traffic-shift runbook');
    expect(shift).toMatchObject({
      executionArn: expect.stringMatching(/:execution:cell-traffic-shift:/),
      parentExecutionArn: dispatch?.executionArn,
      status: 'SUCCEEDED',
      outcome: 'shifted-back',
    });
    expect(selfheal.signals).toEqual([
      expect.objectContaining({
        source: 'selfheal.detectors',
        detailType: 'Cell Grey Failure Detected',
        rules: ['selfheal-grey-cells'],
        dispatched: [dispatch?.executionArn],
      }),
    ]);
    expect(selfheal.ledger.map((r) => [r.resource, r.decision])).toEqual([
      [`cell/${GREY}`, 'started'],
      [`cell/${GREY}`, 'recorded'],
      [`cell/${GREY}`, 'handed-over'],
    ]);
    expect(selfheal.ledger[2]?.executionArn).toBe(shift?.executionArn);
    expect(none).toMatchObject({ runs: [], signals: [], ledger: [] });
  });

  it('shifts later, and fails more requests, when a person approves five minutes after being paged', () => {
    expect(selfheal.timeToShiftSeconds).toBe(0);
    expect(manual.timeToShiftSeconds).toBe(MANUAL_APPROVAL_SECONDS);
    expect(manual.failedRequests).toBeGreaterThan(selfheal.failedRequests);
    expect(manual.failedRequests).toBeLessThan(none.failedRequests);
  });

  it('takes no action when the whole fleet slows down together, and pages no one', async () => {
    const paged = await runCellShift({ seed: 1, variant: 'on-call', incident: FLEET_SLOWDOWN_INCIDENT });
    expect(paged).toMatchObject({ detectedAtSeconds: null, actions: [], healed: true });
    const slowdown = await runCellShift({ seed: 1, variant: 'selfheal', incident: FLEET_SLOWDOWN_INCIDENT });
    expect(slowdown.detectedAtSeconds).toBeNull();
    expect(slowdown.actions).toEqual([]);
    expect(slowdown.runs).toEqual([]);
    expect(slowdown.signals).toEqual([]);
    expect(slowdown.healed).toBe(true);
    expect(slowdown.timeline.every((m) => m.cells.every((c) => c.state === 'On'))).toBe(true);
  });
});
