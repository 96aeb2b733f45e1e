import { describe, expect, it } from 'vitest';
import {
  initialCapacityState,
  stepSecond,
  type CapacityState,
} from '../../../world/dynamodb/capacity-model.ts';
import {
  landingShares,
  SDK_RETRY_DEFAULTS,
  SdkRetries,
  settleWithoutRetries,
  type SdkRetryPolicy,
  type SettledSecond,
} from '../../../world/dynamodb/sdk-retries.ts';
import type { SecondDemand } from '../../../world/dynamodb/workload.ts';

/** A provisioned table with no burst left: it serves `wcu` writes a second and no more. */
function table(wcu: number): CapacityState {
  return {
    ...initialCapacityState({
      billingMode: 'PROVISIONED',
      provisionedRcu: 100,
      provisionedWcu: wcu,
      sizeGb: 1,
    }),
    writeBurst: [],
    readBurst: [],
  };
}

function writes(uniform: number, hot: Record<string, number> = {}): SecondDemand {
  const hotKeys = Object.entries(hot).map(([key, writeRequests]) => ({
    key,
    readRequests: 0,
    writeRequests,
  }));
  return {
    readRequests: 0,
    writeRequests: uniform + hotKeys.reduce((sum, h) => sum + h.writeRequests, 0),
    readUnitsPerRequest: 0.5,
    writeUnitsPerRequest: 1,
    hotKeys,
    uniform: { keyCount: 10_000, readRequests: 0, writeRequests: uniform },
  };
}

interface Totals {
  asked: number;
  served: number;
  throttleEvents: number;
  retried: number;
  failed: number;
  keyRange: number;
}

/** Runs `seconds` seconds of `demandAt` through the SDK and the table; sums what happened. */
function run(
  state: CapacityState,
  demandAt: (second: number) => SecondDemand,
  seconds: number,
  policy: Partial<SdkRetryPolicy> = {},
): Totals & { settled: SettledSecond[]; retries: SdkRetries } {
  const retries = new SdkRetries({ ...SDK_RETRY_DEFAULTS, ...policy });
  const totals: Totals = { asked: 0, served: 0, throttleEvents: 0, retried: 0, failed: 0, keyRange: 0 };
  const settled: SettledSecond[] = [];
  let current = state;
  for (let second = 0; second < seconds; second++) {
    const demand = demandAt(second);
    const offered = retries.offer(second, demand);
    const result = retries.settle(offered, stepSecond(current, offered.demand), current.billingMode);
    current = result.step.state;
    settled.push(result);
    const throttled = result.step.write.throttled;
    totals.asked += demand.writeRequests;
    totals.served += result.step.write.servedRequests;
    totals.throttleEvents += throttled.keyRange + throttled.provisioned + throttled.onDemandMax;
    totals.keyRange += throttled.keyRange;
    totals.retried += result.retriedRequests;
    totals.failed += result.failedRequests;
  }
  return { ...totals, settled, retries };
}

describe('where a retry lands', () => {
  it('spreads a backoff uniform in [0, D) plus the place in the second over the next seconds', () => {
    expect(landingShares(1)).toEqual([0.5, 0.5]);
    expect(landingShares(2)).toEqual([0.25, 0.5, 0.25]);
    expect(landingShares(4)).toEqual([0.125, 0.25, 0.25, 0.25, 0.125]);
    expect(landingShares(0)).toEqual([1]);
    for (const d of [0.3, 1, 2.5, 20]) {
      expect(landingShares(d).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    }
  });
});

describe('the application’s SDK retrying throttled requests', () => {
  it('uses the SDK’s defaults: 4 attempts, backoff from 1 s after throttling, capped at 20 s, 500 tokens, 5 a retry', () => {
    expect(SDK_RETRY_DEFAULTS).toEqual({
      maxAttempts: 4,
      throttlingBaseDelayMs: 1000,
      maxBackoffMs: 20_000,
      retryQuotaTokens: 500,
      throttlingRetryCost: 5,
      noRetryIncrement: 1,
      clients: 1,
    });
  });

  it('sends every retry to the table, and fails a request only once the SDK gives up on it', () => {
    // 150 writes a second on a table serving 100: throttling all along, then 20 quiet seconds.
    const totals = run(table(100), (s) => writes(s < 60 ? 150 : 0), 80, { retryQuotaTokens: 1e9 });
    // Every request is served once or fails once; every throttled attempt is retried or fails
    // (to within the fraction of a request each retry cohort may still have on its way).
    expect(Math.abs(totals.served + totals.failed - totals.asked)).toBeLessThan(3);
    expect(Math.abs(totals.retried + totals.failed - totals.throttleEvents)).toBeLessThan(3);
    // The table sees more than the application asks, and throttles more often than requests fail.
    expect(totals.throttleEvents).toBeGreaterThan(totals.failed * 1.5);
    expect(totals.failed).toBeGreaterThan(0);
    // Saturated for a minute, the table serves its 100 a second, then retries still on their way.
    expect(totals.served).toBeGreaterThan(100 * 60);
  });

  it('serves a short overload from retries alone: nothing fails when capacity comes back in time', () => {
    // One second of 150 writes on a table of 100, then nothing asked: the retries are served.
    const totals = run(table(100), (s) => writes(s === 0 ? 150 : 0), 15);
    expect(totals.failed).toBeCloseTo(0, 6);
    expect(totals.served).toBe(150);
    // The 50 throttled at first; half their retries land in the same second, throttled again
    // (25); a quarter of those second retries land in it too (6 whole requests), throttled again.
    expect(totals.throttleEvents).toBe(50 + 25 + 6);
  });

  it('retries no more than the quota pays for: 500 tokens, 5 a retry, nothing given back without successes', () => {
    // A table that serves nothing: every attempt is throttled.
    const { settled, retries } = run(table(0), (s) => writes(s === 0 ? 1000 : 0), 1);
    const [first] = settled;
    // 100 retries paid for: 50 land in the same second (throttled again, nothing left to pay a
    // third attempt), 50 later; the other 900 requests fail at their first attempt.
    expect(first?.failedRequests).toBe(950);
    expect(first?.retriedRequests).toBe(50);
    expect(first?.step.write.throttled.provisioned).toBe(1050);
    expect(retries.tokens).toBe(0);
  });

  it('fails a request throttled at all 4 attempts, however large the quota', () => {
    const totals = run(table(0), (s) => writes(s === 0 ? 1000 : 0), 12, { retryQuotaTokens: 1e9 });
    expect(totals.failed).toBeCloseTo(1000, 6);
    expect(totals.throttleEvents).toBe(4000);
    expect(totals.retried).toBe(3000);
  });

  it('retries a hot key’s throttled requests on the same key, throttled again for its key range', () => {
    // 1,500 writes a second on one key of a big table: the partition serves 1,000.
    const totals = run(table(20_000), () => writes(0, { 'tenant#hot': 1500 }), 30, { retryQuotaTokens: 1e9 });
    expect(totals.keyRange).toBe(totals.throttleEvents);
    expect(totals.throttleEvents).toBeGreaterThan(30 * 500);
  });

  it('with one attempt, is what a client without retries gets: every throttled request fails', () => {
    const state = table(100);
    const demand = writes(150);
    const once = new SdkRetries({ ...SDK_RETRY_DEFAULTS, maxAttempts: 1 });
    const offered = once.offer(0, demand);
    const step = stepSecond(state, offered.demand);
    expect(once.settle(offered, step, 'PROVISIONED')).toEqual(settleWithoutRetries(demand, step));
    expect(settleWithoutRetries(demand, step).failedRequests).toBe(50);
  });

  it('gives the same seconds for the same demand (no random draws)', () => {
    const demandAt = (s: number) => writes(120 + (s % 7) * 10, { 'tenant#hot': 300 });
    const a = run(table(100), demandAt, 40);
    const b = run(table(100), demandAt, 40);
    expect(a.settled).toEqual(b.settled);
  });

  it('refuses a policy the SDK could not have', () => {
    expect(() => new SdkRetries({ ...SDK_RETRY_DEFAULTS, maxAttempts: 0 })).toThrow(/maxAttempts/);
    expect(() => new SdkRetries({ ...SDK_RETRY_DEFAULTS, throttlingRetryCost: 0 })).toThrow(
      /throttlingRetryCost/,
    );
    expect(() => new SdkRetries({ ...SDK_RETRY_DEFAULTS, clients: 1.5 })).toThrow(/clients/);
  });
});
