import { beforeAll, describe, expect, it } from 'vitest';
import { HOT_SHARD_VARIANTS, runHotShard } from '../../scenarios/hot-shard/run.ts';
import type { CostedVariantResult, VariantResult } from '../../simulations/outcome.ts';
import { HOT_SHARD_INCIDENT, incidentEndSeconds } from '../../scenarios/hot-shard/incident.ts';
import { deploymentOf } from '../../simulations/deployment.ts';
import { parseConfig } from '../../infra/config/load.ts';
import { ON_CALL_DELAY_SECONDS } from '../../scenarios/table/on-call.ts';
import {
  ON_DEMAND_INITIAL_PEAK_RCU,
  ON_DEMAND_INITIAL_PEAK_WCU,
} from '../../world/dynamodb/capacity-model.ts';

const DISPATCH_RUN = /:execution:dispatch:/;
const HOT_SHARD_RUN = /:execution:hot-shard:/;

describe('the hot-shard incident, simulated end to end', () => {
  const results = {} as Record<VariantResult['variant'], CostedVariantResult>;
  /** The on-call engineer answering five minutes after the page instead of fifteen. */
  let prompt: VariantResult;

  beforeAll(async () => {
    for (const variant of HOT_SHARD_VARIANTS) {
      results[variant] = await runHotShard({ seed: 1, variant });
    }
    prompt = await runHotShard({ seed: 1, variant: 'on-call', onCallDelaySeconds: 300 });
  }, 60_000);

  it('is detected by the throttling alarm while the surge is on', () => {
    const detected = results.selfheal?.detectedAtSeconds;
    expect(detected).not.toBeNull();
    expect(detected).toBeLessThan(incidentEndSeconds(HOT_SHARD_INCIDENT));
  });

  it('heals with selfheal: throttling stops during the surge and stays stopped', () => {
    const { healed, healedAtSeconds, detectedAtSeconds, timeline } = results.selfheal as VariantResult;
    expect(healed).toBe(true);
    expect(healedAtSeconds).toBeGreaterThanOrEqual(detectedAtSeconds ?? Infinity);
    const after = timeline.filter((m) => m.minute * 60 >= (healedAtSeconds ?? 0));
    expect(after.every((m) => m.throttledRequests.total === 0)).toBe(true);
    expect(after.some((m) => m.phase === 'surge')).toBe(true);
  });

  it('leaves no raise behind: the scheduled action hands the minimum back and the day ends where auto scaling alone ends', () => {
    const selfheal = results.selfheal as CostedVariantResult;
    const autoScaling = results['auto-scaling'] as CostedVariantResult;
    expect(selfheal.cost.restOfDay).toMatch(
      /^write [\d,]+ WCU, .*scaled in to 100 at 1 h \d\d min \(auto scaling's minimum [\d,]+, back to 100 at 1 h \d\d min\)/,
    );
    expect(autoScaling.cost.restOfDay).toMatch(/scaled in to 101 at \d+ min \(auto scaling's minimum 100\)/);
    // The raise costs about its hour: well under what the same capacity held for a day would.
    const heldAllDay = (987 - 100) * 24 * 0.00065;
    expect(selfheal.cost.usd - autoScaling.cost.usd).toBeLessThan(heldAllDay / 10);
  });

  it('heals through the production path: the alarm’s rule starts dispatch, which runs hot-shard', () => {
    const { runs, actions, stateTransitions, signals, detectedAtSeconds } = results.selfheal as VariantResult;
    const [dispatch, hotShard] = runs;
    expect(runs).toHaveLength(2);
    expect(dispatch).toMatchObject({
      executionArn: expect.stringMatching(DISPATCH_RUN),
      status: 'SUCCEEDED',
      outcome: 'hot-shard on dynamodb-table/orders: healed',
      startedAtSeconds: detectedAtSeconds,
    });
    expect(dispatch?.states.map((s) => s.name)).toEqual(
      expect.arrayContaining(['Read the signal', 'Check the guardrails', 'Run the hot-shard runbook']),
    );
    expect(hotShard).toMatchObject({
      executionArn: expect.stringMatching(HOT_SHARD_RUN),
      parentExecutionArn: dispatch?.executionArn,
      status: 'SUCCEEDED',
      outcome: 'healed',
    });
    expect(hotShard?.states.map((s) => s.name)).toContain('Apply the capacity change');
    expect(signals).toEqual([
      expect.objectContaining({
        name: 'selfheal-orders-capacity-throttling',
        rules: ['selfheal-alarms'],
        dispatched: [dispatch?.executionArn],
      }),
    ]);
    expect(actions.filter((a) => a.by === 'selfheal')).toEqual([
      expect.objectContaining({
        what: expect.stringMatching(
          /^write capacity \d+ -> \d+ \(auto scaling range raised\); minimum back to 100 60 min later \(scheduled action\)$/,
        ),
      }),
    ]);
    // Standard workflows bill each state entered (and each retry) of both: no retries in these runs.
    expect(stateTransitions).toBe((dispatch?.states.length ?? 0) + (hotShard?.states.length ?? 0));
  });

  it('acts live, the runbook switched live first, and leaves dispatch’s records in the ledger', () => {
    const { ledger, runs } = results.selfheal as VariantResult;
    expect(ledger.map((r) => [r.resource, r.decision, r.runbook])).toEqual([
      ['dynamodb-table/orders', 'started', 'hot-shard'],
      ['dynamodb-table/orders', 'succeeded', 'hot-shard'],
    ]);
    expect(ledger[1]).toMatchObject({
      executionArn: runs[1]?.executionArn,
      reason: expect.stringMatching(/healed$/),
    });
    expect(JSON.parse(ledger[1]?.actions ?? '[]')).toEqual([
      expect.objectContaining({ changes: [expect.objectContaining({ dimension: 'write' })] }),
    ]);
  });

  it('starts nothing for another deployment’s alarm: it matches none of this deployment’s rules', async () => {
    const unmatched = await runHotShard({ seed: 1, variant: 'selfheal', alarmDeployment: 'staging' });
    // Both of staging's alarms fire (with SDK retries the one partition also meets its key-range
    // limit), and neither starts anything here.
    expect(unmatched.signals.map((s) => s.name)).toEqual([
      'staging-orders-capacity-throttling',
      'staging-orders-key-range-throttling',
    ]);
    for (const signal of unmatched.signals) {
      expect(signal).toMatchObject({
        rules: [],
        dispatched: [],
        result: 'no rule of deployment selfheal matched: nothing started',
      });
    }
    expect(unmatched).toMatchObject({ runs: [], ledger: [], stateTransitions: 0 });
    // The same world as auto scaling alone: nothing of selfheal's ran.
    expect(unmatched.throttledRequests).toBe(results['auto-scaling']?.throttledRequests);
  }, 30_000);

  it('refuses a deployment that does not protect the scenario’s table', async () => {
    await expect(
      runHotShard({ seed: 1, variant: 'selfheal', deployment: deploymentOf(parseConfig({})) }),
    ).rejects.toThrow(/deployment selfheal protects no table "orders"/);
  });

  it('throttles fewer requests than auto scaling alone, which throttles fewer than doing nothing', () => {
    const { selfheal, 'auto-scaling': autoScaling, 'auto-scaling-50': at50, none } = results;
    expect(selfheal?.throttledRequests).toBeLessThan(autoScaling?.throttledRequests ?? 0);
    expect(autoScaling?.throttledRequests).toBeLessThan(none?.throttledRequests ?? 0);
    // With CloudWatch's publication delay auto scaling at 70 % no longer heals within the surge: its
    // alarms see each minute two minutes late, so each step out comes about 4 minutes after the last,
    // and throttling stops with less than the verification window of the surge left.
    expect(autoScaling).toMatchObject({ healed: false, healedAtSeconds: null });
    const writeScaleOuts = (autoScaling?.actions ?? [])
      .filter((a) => a.by === 'auto-scaling' && /^write capacity/.test(a.what))
      .map((a) => a.atSeconds);
    for (const [i, at] of writeScaleOuts.slice(1).entries()) {
      expect(at - (writeScaleOuts[i] ?? 0), `step ${i + 2}`).toBeGreaterThanOrEqual(240);
    }
    const lastThrottled = Math.max(
      ...(autoScaling?.timeline ?? []).filter((m) => m.throttledRequests.total > 0).map((m) => m.minute),
    );
    const quietFor = incidentEndSeconds(HOT_SHARD_INCIDENT) - (lastThrottled + 1) * 60;
    expect(quietFor).toBeGreaterThan(0);
    expect(quietFor).toBeLessThan(HOT_SHARD_INCIDENT.verificationMinutes * 60);
    // At 50 % auto scaling still heals, later than selfheal and throttling more.
    expect(at50?.healed).toBe(true);
    expect(selfheal?.healedAtSeconds).toBeLessThan(at50?.healedAtSeconds ?? 0);
    expect(selfheal?.throttledRequests).toBeLessThan(at50?.throttledRequests ?? 0);
  });

  it('does not heal without remediation: the table throttles until the surge ends', () => {
    expect(results.none).toMatchObject({
      healed: false,
      healedAtSeconds: null,
      actions: [],
      stateTransitions: 0,
      runs: [],
      signals: [],
      ledger: [],
    });
  });

  it('runs every baseline on the same seed and world: the same demand, minute by minute', () => {
    expect(Object.keys(results)).toEqual([
      'selfheal',
      'auto-scaling',
      'auto-scaling-50',
      'on-demand',
      'on-call',
      'none',
    ]);
    const demand = (r: VariantResult) => r.timeline.map((m) => [m.demandRcuPerSecond, m.demandWcuPerSecond]);
    for (const result of Object.values(results)) {
      expect(demand(result), result.variant).toEqual(demand(results.selfheal as VariantResult));
    }
  });

  it('scales out earlier with a 50 % target than with 70 %, and throttles less', () => {
    const firstWriteScaleOut = (r: VariantResult) =>
      r.actions.find((a) => a.by === 'auto-scaling' && /^write capacity/.test(a.what))?.atSeconds;
    const at50 = results['auto-scaling-50'] as VariantResult;
    const at70 = results['auto-scaling'] as VariantResult;
    expect(firstWriteScaleOut(at50)).toBeLessThan(firstWriteScaleOut(at70) ?? 0);
    expect(at50.actions.some((a) => /above target 50%/.test(a.what))).toBe(true);
    expect(at50.throttledRequests).toBeLessThan(at70.throttledRequests);
  });

  it('never throttles on-demand while demand stays within double a new table’s previous peak', () => {
    const onDemand = results['on-demand'] as VariantResult;
    expect(onDemand.timeline.every((m) => m.billingMode === 'PAY_PER_REQUEST')).toBe(true);
    for (const minute of onDemand.timeline) {
      expect(minute.demandWcuPerSecond).toBeLessThanOrEqual(2 * ON_DEMAND_INITIAL_PEAK_WCU);
      expect(minute.demandRcuPerSecond).toBeLessThanOrEqual(2 * ON_DEMAND_INITIAL_PEAK_RCU);
      expect(minute.throttledRequests.total, `minute ${minute.minute}`).toBe(0);
    }
    // Nothing throttled, so no alarm: healthy throughout, nothing to do (and nothing healed).
    expect(onDemand).toMatchObject({
      outcome: 'no-action-needed',
      healed: false,
      detectedAtSeconds: null,
      throttledRequests: 0,
      actions: [],
    });
  });

  it('pages the on-call engineer with the same alarm, who acts at alarm + delay and not before', () => {
    const onCall = results['on-call'] as VariantResult;
    const autoScaling = results['auto-scaling'] as VariantResult;
    expect(onCall.detectedAtSeconds).toBe(autoScaling.detectedAtSeconds);
    const [answer, ...more] = onCall.actions.filter((a) => a.by === 'operator');
    expect(more).toEqual([]);
    const actedAt = (onCall.detectedAtSeconds ?? 0) + ON_CALL_DELAY_SECONDS;
    // The engineer acts at the page plus the delay; a table still UPDATING (auto scaling's last
    // step, for the world's UpdateTable time) takes the change once ACTIVE, checked every 20 s.
    expect(answer?.atSeconds).toBeGreaterThanOrEqual(actedAt);
    expect(answer?.atSeconds).toBeLessThanOrEqual(actedAt + 80);
    // With CloudWatch's publication delay auto scaling at 70 % has not caught up fifteen minutes on
    // (still throttling, just stepped to 843 WCU): the engineer raises its minimum, and the table
    // heals. The sizing counts throttle events, which the SDK's retries inflate (1,516 for about
    // 900 writes a second plus 30 % headroom).
    expect(answer?.what).toBe(
      'write capacity 843 -> 1516 (auto scaling minimum raised by hand, 15 min after the page); minimum back to 100 60 min later (scheduled action)',
    );
    // Not before: until the change is made, every minute is auto scaling's alone; once UpdateTable
    // has taken the world's minute, the minimum holds.
    const changedAt = answer?.atSeconds ?? 0;
    const before = (r: VariantResult) => r.timeline.filter((m) => m.minute * 60 <= changedAt);
    expect(before(onCall)).toEqual(before(autoScaling));
    expect(
      onCall.timeline.find((m) => m.minute * 60 > changedAt + 60)?.provisionedWcu,
    ).toBeGreaterThanOrEqual(1516);
    expect(onCall.healed).toBe(true);
    expect(onCall.healedAtSeconds).toBeGreaterThan(actedAt);
    expect(onCall.throttledRequests).toBeLessThan(autoScaling.throttledRequests);
    // Still more than selfheal, which acts at the alarm itself.
    expect(onCall.throttledRequests).toBeGreaterThan(results.selfheal?.throttledRequests ?? Infinity);
    expect(onCall).toMatchObject({ runs: [], signals: [], ledger: [], stateTransitions: 0 });
  });

  it('with a shorter delay, the engineer’s change comes at alarm + delay: the same table as auto scaling alone until then', () => {
    const autoScaling = results['auto-scaling'] as VariantResult;
    const [answer, ...more] = prompt.actions.filter((a) => a.by === 'operator');
    expect(more).toEqual([]);
    const actedAt = (prompt.detectedAtSeconds ?? 0) + 300;
    expect(answer).toMatchObject({
      atSeconds: actedAt,
      what: expect.stringMatching(
        /^write capacity \d+ -> \d+ \(auto scaling minimum raised by hand, 5 min after the page\); minimum back to 100 60 min later \(scheduled action\)$/,
      ),
    });
    // The change applies at the next minute boundary: every minute before it is auto scaling's.
    const before = (r: VariantResult) => r.timeline.filter((m) => m.minute * 60 <= actedAt);
    expect(before(prompt)).toEqual(before(autoScaling));
    const raisedTo = Number(/-> (\d+)/.exec(answer?.what ?? '')?.[1]);
    expect(prompt.timeline.find((m) => m.minute * 60 > actedAt)?.provisionedWcu).toBeGreaterThanOrEqual(
      raisedTo,
    );
    expect(prompt.healed).toBe(true);
    expect(prompt.throttledRequests).toBeLessThan(autoScaling.throttledRequests);
  });

  it('gives the same run for the same seed, and a different one for another seed', async () => {
    const again = await runHotShard({ seed: 1, variant: 'selfheal' });
    const other = await runHotShard({ seed: 2, variant: 'selfheal' });
    expect(again).toEqual(results.selfheal);
    expect(other.throttledRequests).not.toBe(results.selfheal?.throttledRequests);
  }, 30_000);
});
