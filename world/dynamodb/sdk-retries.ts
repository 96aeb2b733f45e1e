/**
 * The application's AWS SDK retrying its throttled requests. The simulated application talks to the
 * table through AWS SDK for JavaScript v3 DynamoDB clients with their default retry strategy, and a
 * throttled request (ProvisionedThroughputExceededException, ThrottlingException) is a throttling
 * error that strategy retries. Each retry is another request the table sees: served, or throttled
 * again (another throttle event in CloudWatch, another entry in Contributor Insights). A request
 * fails for the application only when its last attempt is throttled, or when the client's retry
 * quota refuses it a retry.
 *
 * The defaults (SDK_RETRY_DEFAULTS) are the retry behaviour of the @aws-sdk/client-dynamodb this
 * repository installs (3.1164.0, on @smithy/core 3.41.0, whose 3.40.0 "enable[s] the 2026 standard
 * retry behavior unconditionally"), as announced in "Announcement: Updated default retry behavior
 * (2026)" (aws/aws-sdk-js-v3 issue 8037, AWS): `standard` mode; for DynamoDB 4 attempts (the
 * SDKs and Tools Reference Guide's "Retry behavior" still gives 3 for standard mode in general, the
 * announcement makes DynamoDB's 4); after a throttling error a backoff of b * min(1,000 ms * 2^i,
 * 20 s) before retry i (i = 0, 1, 2; b uniform in [0, 1): "full jitter"); a retry quota of 500
 * tokens per client, a retry after a throttling error taking 5, a success at the first attempt
 * giving 1 back and a success after retries giving back what its last retry took, never above 500
 * ("Retry behavior": standard mode has "support for retry quotas"; the figures are the SDK's
 * `INITIAL_RETRY_TOKENS`, `Retry.throttlingCost()`, `NO_RETRY_INCREMENT`, `MAXIMUM_RETRY_DELAY`,
 * `Retry.throttlingDelay()` and the DynamoDB client's `defaultMaxAttempts`).
 *
 * The model is of expectations over a second's whole requests, deterministic (no random draws):
 * - A second's requests are spread evenly over it; a throttled attempt's retry lands
 *   floor(u + d) seconds later (u its place in its second, d its backoff), the exact distribution
 *   of that sum split over the following seconds. Expected retries are kept as fractions per key
 *   (each hot key, the uniform keys), direction and attempt, and offered as whole requests, the
 *   fraction left due the next second (nothing is lost or made up; less than a request a cohort
 *   is still on its way at any moment).
 * - Within a group of keys a second's throttles fall on every attempt in proportion (the table
 *   cannot tell a retry from a first attempt). A retry landing in the same second finds that
 *   second's capacity for its keys spent (it was throttled because it was): it is throttled again
 *   at once, with the cause its keys were throttled for.
 * - The clients share the application's requests evenly (a client's reads and writes alike: the
 *   SDK keeps one retry strategy per client), so their quotas act as one of `clients` x 500 tokens; the successes of a second refill it as that second's retries drain it
 *   (interleaved within the second, as a stream of requests does), capped at the end of the second.
 * - The application does not retry a request its SDK gave up on (an assumption: what it does then
 *   is the application's business; it counts as failed).
 * - Not modelled: the latency retries add, the `x-amz-retry-after` hint (DynamoDB's throttling
 *   responses are not documented to carry one), adaptive mode's client-side rate limiting.
 */
import type { BillingMode, DirectionOutcome, KeyGroupOutcome, StepResult } from './capacity-model.ts';
import type { SecondDemand } from './workload.ts';

export interface SdkRetryPolicy {
  /** Attempts a request makes at most, the first included. */
  maxAttempts: number;
  /** Base of the exponential backoff after a throttling error, milliseconds. */
  throttlingBaseDelayMs: number;
  /** No backoff is longer than this, milliseconds. */
  maxBackoffMs: number;
  /** One client's retry quota: the tokens its bucket starts with and can hold. */
  retryQuotaTokens: number;
  /** Tokens a retry after a throttling error takes from the quota. */
  throttlingRetryCost: number;
  /** Tokens a request served at its first attempt gives back to the quota. */
  noRetryIncrement: number;
  /**
   * SDK clients the application's requests are spread over, each with its own quota. An
   * assumption (the incident does not say how many processes the application runs): 1. Its
   * retries are limited, once its quota has run down, by what its successes give back, which does
   * not depend on how many clients share them; only the reserve at the start (500 tokens a
   * client, 100 retries) does.
   */
  clients: number;
}

/** The retry defaults of the AWS SDK for JavaScript v3 DynamoDB client installed here (see above). */
export const SDK_RETRY_DEFAULTS: Readonly<SdkRetryPolicy> = Object.freeze({
  maxAttempts: 4,
  throttlingBaseDelayMs: 1_000,
  maxBackoffMs: 20_000,
  retryQuotaTokens: 500,
  throttlingRetryCost: 5,
  noRetryIncrement: 1,
  clients: 1,
});

type Direction = 'read' | 'write';
const DIRECTIONS: readonly Direction[] = ['read', 'write'];
/** The uniformly loaded keys, as one group. */
const UNIFORM = '';

/** A second as the table is asked to serve it: the application's requests and its SDK's retries. */
export interface OfferedSecond {
  second: number;
  demand: SecondDemand;
  /** Whole requests by group (hot key, or UNIFORM) and direction, indexed by attempt (0: first). */
  cohorts: Map<string, number[]>;
  /** Retries among them (attempts after the first). */
  retried: number;
}

/** What a second came to for the application and for the table. */
export interface SettledSecond {
  /** The table's second, with the throttles of retries that landed in it after it was served. */
  step: StepResult;
  /** Requests the table saw (every attempt), by direction. */
  offeredReads: number;
  offeredWrites: number;
  /** Attempts that were retries. */
  retriedRequests: number;
  /** Requests that failed for the application (an expectation: it can be fractional). */
  failedRequests: number;
}

interface Throttled {
  direction: Direction;
  group: string;
  /** Attempt index (0: first attempt) of the throttled attempt. */
  attempt: number;
  amount: number;
}

export class SdkRetries {
  readonly policy: Readonly<SdkRetryPolicy>;
  /** Expected retries due, by second, then by cohort key. */
  #pending = new Map<number, Map<string, number>>();
  /** Fractions of a throttle not yet given a cause, by group. */
  #carry = new Map<string, number>();
  #tokens: number;
  /** For retry index i (after attempt i + 1), the share landing 0, 1, 2... seconds later. */
  #landing: number[][];

  constructor(policy: Readonly<SdkRetryPolicy> = SDK_RETRY_DEFAULTS) {
    checkPolicy(policy);
    this.policy = policy;
    this.#tokens = this.#capacity();
    this.#landing = Array.from({ length: Math.max(0, policy.maxAttempts - 1) }, (_, i) =>
      landingShares(Math.min(policy.throttlingBaseDelayMs * 2 ** i, policy.maxBackoffMs) / 1000),
    );
  }

  /** Tokens left in the clients' quotas together. */
  get tokens(): number {
    return this.#tokens;
  }

  /** The application's requests of second `second` plus the retries due in it. */
  offer(second: number, demand: SecondDemand): OfferedSecond {
    const due = this.#pending.get(second) ?? new Map<string, number>();
    this.#pending.delete(second);
    const cohorts = new Map<string, number[]>();
    const cohort = (direction: Direction, group: string): number[] => {
      const key = groupKey(direction, group);
      let counts = cohorts.get(key);
      if (!counts) {
        counts = new Array<number>(this.policy.maxAttempts).fill(0);
        cohorts.set(key, counts);
      }
      return counts;
    };
    for (const hot of demand.hotKeys) {
      cohort('read', hot.key)[0] = hot.readRequests;
      cohort('write', hot.key)[0] = hot.writeRequests;
    }
    cohort('read', UNIFORM)[0] = demand.uniform.readRequests;
    cohort('write', UNIFORM)[0] = demand.uniform.writeRequests;

    let retried = 0;
    // Sorted, so the same retries are offered in the same order whatever order they were scheduled.
    for (const [key, expected] of [...due].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const { direction, group, attempt } = parseCohortKey(key);
      const whole = this.#wholeNow(second, key, expected);
      if (whole === 0) continue;
      cohort(direction, group)[attempt] = (cohort(direction, group)[attempt] ?? 0) + whole;
      retried += whole;
    }

    const total = (direction: Direction, group: string) =>
      (cohorts.get(groupKey(direction, group)) ?? []).reduce((sum, n) => sum + n, 0);
    const hotKeys = demand.hotKeys.map((hot) => hot.key);
    for (const key of cohorts.keys()) {
      const { group } = parseGroupKey(key);
      // A key that only retries ask for now (the router moved its writes elsewhere meanwhile).
      if (group !== UNIFORM && !hotKeys.includes(group)) hotKeys.push(group);
    }
    const hot = hotKeys.map((key) => ({
      key,
      readRequests: total('read', key),
      writeRequests: total('write', key),
    }));
    const uniform = {
      keyCount: demand.uniform.keyCount,
      readRequests: total('read', UNIFORM),
      writeRequests: total('write', UNIFORM),
    };
    return {
      second,
      cohorts,
      retried,
      demand: {
        ...demand,
        hotKeys: hot,
        uniform,
        readRequests: uniform.readRequests + hot.reduce((sum, h) => sum + h.readRequests, 0),
        writeRequests: uniform.writeRequests + hot.reduce((sum, h) => sum + h.writeRequests, 0),
      },
    };
  }

  /**
   * What the table's second (`step`, the table serving `offered.demand`) means for the clients:
   * successes refill their quotas, throttled attempts are retried (later, or at once and throttled
   * again) while attempts and quota last, and fail otherwise.
   */
  settle(offered: OfferedSecond, step: StepResult, billingMode: BillingMode): SettledSecond {
    const { policy } = this;
    const groups: { group: string; outcome: KeyGroupOutcome }[] = [
      ...step.hotKeys.map((outcome) => ({ group: outcome.key, outcome })),
      { group: UNIFORM, outcome: step.uniform },
    ];
    let refill = 0;
    let level: Throttled[] = [];
    /** Share of a group's throttles the key limits made, for retries throttled again at once. */
    const keyRangeShare = new Map<string, number>();
    for (const { group, outcome } of groups) {
      for (const direction of DIRECTIONS) {
        const counts = offered.cohorts.get(groupKey(direction, group)) ?? [];
        const asked = counts.reduce((sum, n) => sum + n, 0);
        if (asked === 0) continue;
        const served = direction === 'read' ? outcome.servedReads : outcome.servedWrites;
        const throttled = direction === 'read' ? outcome.throttledReads : outcome.throttledWrites;
        const keyRange = direction === 'read' ? outcome.keyRangeReads : outcome.keyRangeWrites;
        if (throttled > 0) keyRangeShare.set(groupKey(direction, group), keyRange / throttled);
        counts.forEach((n, attempt) => {
          if (n === 0) return;
          refill +=
            (served * n * (attempt === 0 ? policy.noRetryIncrement : policy.throttlingRetryCost)) / asked;
          if (throttled > 0) level.push({ direction, group, attempt, amount: (throttled * n) / asked });
        });
      }
    }

    let available = this.#tokens + refill;
    let failed = 0;
    let retriedAtOnce = 0;
    const atOnce = new Map<string, number>();
    while (level.length > 0) {
      const next: Throttled[] = [];
      const eligible = level.filter((t) => t.attempt + 1 < policy.maxAttempts);
      for (const last of level) if (last.attempt + 1 >= policy.maxAttempts) failed += last.amount;
      const wanted = eligible.reduce((sum, t) => sum + t.amount, 0);
      const granted = wanted > 0 ? Math.min(1, available / policy.throttlingRetryCost / wanted) : 0;
      available = Math.max(0, available - wanted * granted * policy.throttlingRetryCost);
      for (const throttled of eligible) {
        const retries = throttled.amount * granted;
        failed += throttled.amount - retries;
        const shares = this.#landing[throttled.attempt] ?? [1];
        const attempt = throttled.attempt + 1;
        const key = cohortKey(throttled.direction, throttled.group, attempt);
        shares.forEach((share, later) => {
          if (later > 0 && share > 0) this.#schedule(offered.second + later, key, retries * share);
        });
        const now = this.#wholeNow(offered.second, key, retries * (shares[0] ?? 0));
        if (now === 0) continue;
        next.push({ direction: throttled.direction, group: throttled.group, attempt, amount: now });
        const group = groupKey(throttled.direction, throttled.group);
        atOnce.set(group, (atOnce.get(group) ?? 0) + now);
        retriedAtOnce += now;
      }
      level = next;
    }
    this.#tokens = Math.min(this.#capacity(), available);

    const augmented = this.#withThrottledAtOnce(step, atOnce, keyRangeShare, billingMode);
    return {
      step: augmented,
      offeredReads: offered.demand.readRequests + sumFor(atOnce, 'read'),
      offeredWrites: offered.demand.writeRequests + sumFor(atOnce, 'write'),
      retriedRequests: offered.retried + retriedAtOnce,
      failedRequests: failed,
    };
  }

  /** `step` with the retries that landed in its own second, each throttled again. */
  #withThrottledAtOnce(
    step: StepResult,
    atOnce: Map<string, number>,
    keyRangeShare: Map<string, number>,
    billingMode: BillingMode,
  ): StepResult {
    if (atOnce.size === 0) return step;
    const added = { read: { keyRange: 0, table: 0 }, write: { keyRange: 0, table: 0 } };
    const bump = (group: string, outcome: KeyGroupOutcome): KeyGroupOutcome => {
      const next = { ...outcome };
      for (const direction of DIRECTIONS) {
        const key = groupKey(direction, group);
        const count = atOnce.get(key) ?? 0;
        if (count === 0) continue;
        const keyRange = Math.min(count, this.#whole(`cause|${key}`, count * (keyRangeShare.get(key) ?? 0)));
        added[direction].keyRange += keyRange;
        added[direction].table += count - keyRange;
        if (direction === 'read') {
          next.throttledReads += count;
          next.keyRangeReads += keyRange;
        } else {
          next.throttledWrites += count;
          next.keyRangeWrites += keyRange;
        }
      }
      return next;
    };
    const direction = (outcome: DirectionOutcome, more: { keyRange: number; table: number }) => ({
      ...outcome,
      demandRequests: outcome.demandRequests + more.keyRange + more.table,
      throttled: {
        keyRange: outcome.throttled.keyRange + more.keyRange,
        provisioned: outcome.throttled.provisioned + (billingMode === 'PROVISIONED' ? more.table : 0),
        onDemandMax: outcome.throttled.onDemandMax + (billingMode === 'PROVISIONED' ? 0 : more.table),
      },
    });
    const hotKeys = step.hotKeys.map((hot) => ({ ...bump(hot.key, hot), key: hot.key }));
    const uniform = { ...bump(UNIFORM, step.uniform), keyCount: step.uniform.keyCount };
    return {
      ...step,
      hotKeys,
      uniform,
      read: direction(step.read, added.read),
      write: direction(step.write, added.write),
    };
  }

  #schedule(second: number, key: string, expected: number): void {
    let due = this.#pending.get(second);
    if (!due) {
      due = new Map();
      this.#pending.set(second, due);
    }
    due.set(key, (due.get(key) ?? 0) + expected);
  }

  /**
   * The whole requests of an expectation of retries due in `second`; the fraction left is due the
   * next second (so nothing waits for a cohort that may never come again).
   */
  #wholeNow(second: number, key: string, expected: number): number {
    const whole = Math.max(0, Math.floor(expected + 1e-9));
    const rest = expected - whole;
    if (rest > 1e-9) this.#schedule(second + 1, key, rest);
    return whole;
  }

  /** Whole requests out of an expectation, the fraction carried to the next call with `key`. */
  #whole(key: string, expected: number): number {
    const total = expected + (this.#carry.get(key) ?? 0);
    const whole = Math.max(0, Math.floor(total + 1e-9));
    const rest = total - whole;
    if (rest > 1e-12) this.#carry.set(key, rest);
    else this.#carry.delete(key);
    return whole;
  }

  #capacity(): number {
    return this.policy.retryQuotaTokens * this.policy.clients;
  }
}

/**
 * A table's second without SDK retries: every throttled request fails for the application, and the
 * table sees only the application's requests.
 */
export function settleWithoutRetries(demand: SecondDemand, step: StepResult): SettledSecond {
  const throttled = (d: DirectionOutcome) =>
    d.throttled.keyRange + d.throttled.provisioned + d.throttled.onDemandMax;
  return {
    step,
    offeredReads: demand.readRequests,
    offeredWrites: demand.writeRequests,
    retriedRequests: 0,
    failedRequests: throttled(step.read) + throttled(step.write),
  };
}

/**
 * Shares of the retries of a request throttled somewhere in a second that land 0, 1, 2... seconds
 * later, for a backoff uniform in [0, maxDelaySeconds): the distribution of floor(u + d), u uniform
 * in [0, 1) (where in its second the attempt was throttled) and d the backoff.
 */
export function landingShares(maxDelaySeconds: number): number[] {
  if (!(maxDelaySeconds > 0)) return [1];
  const d = maxDelaySeconds;
  // P(u + d <= z) = (H(z) - H(z - D)) / D, H the integral of the clamp of t to [0, 1].
  const h = (t: number) => (t <= 0 ? 0 : t <= 1 ? (t * t) / 2 : t - 0.5);
  const cdf = (z: number) => Math.min(1, Math.max(0, (h(z) - h(z - d)) / d));
  const last = Math.ceil(d);
  return Array.from({ length: last + 1 }, (_, j) => cdf(j + 1) - cdf(j));
}

function checkPolicy(policy: Readonly<SdkRetryPolicy>): void {
  const problems: string[] = [];
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) {
    problems.push(`maxAttempts must be a whole number, at least 1 (got ${policy.maxAttempts})`);
  }
  for (const name of [
    'throttlingBaseDelayMs',
    'maxBackoffMs',
    'retryQuotaTokens',
    'noRetryIncrement',
  ] as const) {
    if (!Number.isFinite(policy[name]) || policy[name] < 0) problems.push(`${name} must be 0 or more`);
  }
  if (!(policy.throttlingRetryCost > 0)) problems.push('throttlingRetryCost must be more than 0');
  if (!Number.isInteger(policy.clients) || policy.clients < 1) {
    problems.push(`clients must be a whole number, at least 1 (got ${policy.clients})`);
  }
  if (problems.length > 0) throw new RangeError(`Invalid SDK retry policy: ${problems.join('; ')}`);
}

function groupKey(direction: Direction, group: string): string {
  return `${direction}|${group}`;
}

function cohortKey(direction: Direction, group: string, attempt: number): string {
  return `${attempt}|${direction}|${group}`;
}

function parseGroupKey(key: string): { direction: Direction; group: string } {
  const bar = key.indexOf('|');
  return { direction: key.slice(0, bar) === 'read' ? 'read' : 'write', group: key.slice(bar + 1) };
}

function parseCohortKey(key: string): { direction: Direction; group: string; attempt: number } {
  const bar = key.indexOf('|');
  return { attempt: Number(key.slice(0, bar)), ...parseGroupKey(key.slice(bar + 1)) };
}

function sumFor(counts: Map<string, number>, direction: Direction): number {
  let sum = 0;
  for (const [key, count] of counts) if (parseGroupKey(key).direction === direction) sum += count;
  return sum;
}
