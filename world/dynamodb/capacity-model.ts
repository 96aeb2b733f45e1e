/**
 * One second of a DynamoDB table under load, as pure arithmetic: what the table serves, what it
 * throttles and why. Key limits (per partition-key value and per partition) apply first, then the
 * table's limit (provisioned plus burst, or on-demand's allowance), as DynamoDB checks them.
 *
 * Simplifications, beside those noted in place:
 * - A second's demand is whatever the caller offers: the application's SDK retries of throttled
 *   requests are added to it by `sdk-retries.ts`, not here (this model serves and throttles).
 * - Every request is a single-item GetItem or PutItem, so a throttled request is one throttle
 *   event; ThrottledRequests therefore equals read plus write throttle events.
 * - Capacity is granted per whole second (no sub-second smoothing); per-second demand is whole
 *   requests, and partially affordable requests are throttled.
 * - The account-level limits (AccountLimit throttles) and GSIs are not modelled.
 */
import type { SecondDemand } from './workload.ts';
import { fairShare, type Claimant } from './fair-share.ts';
import { nextPartitionCount, partitionOf, PARTITION_MAX_RCU, PARTITION_MAX_WCU } from './partitions.ts';

export type BillingMode = 'PROVISIONED' | 'PAY_PER_REQUEST';

/** DynamoDB retains the unused capacity of the last 300 seconds for bursts (aws-facts.md). */
export const BURST_SECONDS = 300;

/**
 * Unused provisioned capacity of the last BURST_SECONDS seconds, one entry a second, oldest
 * first. A window, not a bank: capacity left unused longer ago is gone, so a table that idles for
 * an hour has no more burst than one that idled for five minutes.
 */
export type BurstWindow = readonly number[];

export function burstUnits(window: BurstWindow): number {
  return window.reduce((sum, units) => sum + units, 0);
}
/**
 * Default per-table on-demand quota (account-adjustable in AWS). This and the constants below:
 * "DynamoDB on-demand capacity mode" (section "Initial throughput and scaling properties") and the
 * AWS Knowledge Center's "Why is my on-demand DynamoDB table being throttled?".
 */
export const ON_DEMAND_TABLE_QUOTA_RCU = 40_000;
export const ON_DEMAND_TABLE_QUOTA_WCU = 40_000;
/** A new on-demand table sustains 12,000 reads and 4,000 writes per second: double these peaks. */
export const ON_DEMAND_INITIAL_PEAK_RCU = 6_000;
export const ON_DEMAND_INITIAL_PEAK_WCU = 2_000;
/**
 * DynamoDB may throttle traffic that exceeds double the previous peak within 30 minutes. Modelled
 * as a previous peak that follows served traffic upward but at most doubles per 30 minutes
 * (compounded per second), so a surge past double the peak throttles for minutes, not forever.
 */
export const ON_DEMAND_PEAK_GROWTH_PER_SECOND = 2 ** (1 / 1800);

export interface CapacityState {
  billingMode: BillingMode;
  provisionedRcu: number;
  provisionedWcu: number;
  partitions: number;
  readBurst: BurstWindow;
  writeBurst: BurstWindow;
  /** On-demand previous peak, units per second: up to double it is served instantly. */
  onDemandPeakRcu: number;
  onDemandPeakWcu: number;
}

export interface TableSettings {
  billingMode: BillingMode;
  provisionedRcu: number;
  provisionedWcu: number;
  /** Stored data; only its partition count matters here. */
  sizeGb: number;
}

export interface ThrottleSplit {
  keyRange: number;
  provisioned: number;
  onDemandMax: number;
}

export interface DirectionOutcome {
  demandRequests: number;
  servedRequests: number;
  consumedUnits: number;
  /** Requests throttled in this second, by cause. */
  throttled: ThrottleSplit;
}

export interface KeyGroupOutcome {
  servedReads: number;
  servedWrites: number;
  throttledReads: number;
  throttledWrites: number;
  /** Of the throttled, those the key limits throttled (the rest met the table's limit). */
  keyRangeReads: number;
  keyRangeWrites: number;
}

export interface StepResult {
  state: CapacityState;
  read: DirectionOutcome;
  write: DirectionOutcome;
  /** In the order of `demand.hotKeys`. */
  hotKeys: (KeyGroupOutcome & { key: string })[];
  uniform: KeyGroupOutcome & { keyCount: number };
}

/**
 * A table as it starts a simulation. The burst window starts full, as for a table that sat idle
 * for the five minutes before; a scenario's baseline traffic then replaces it second by second.
 */
export function initialCapacityState(settings: TableSettings): CapacityState {
  const state: CapacityState = {
    billingMode: settings.billingMode,
    provisionedRcu: settings.provisionedRcu,
    provisionedWcu: settings.provisionedWcu,
    partitions: 1,
    readBurst: new Array<number>(BURST_SECONDS).fill(settings.provisionedRcu),
    writeBurst: new Array<number>(BURST_SECONDS).fill(settings.provisionedWcu),
    onDemandPeakRcu: ON_DEMAND_INITIAL_PEAK_RCU,
    onDemandPeakWcu: ON_DEMAND_INITIAL_PEAK_WCU,
  };
  return { ...state, partitions: nextPartitionCount(1, sizingOf(state, settings.sizeGb)) };
}

/** The table after a settings change took effect (UpdateTable reached ACTIVE). */
export function applyTableSettings(state: CapacityState, settings: TableSettings): CapacityState {
  const next: CapacityState = {
    ...state,
    billingMode: settings.billingMode,
    provisionedRcu: settings.provisionedRcu,
    provisionedWcu: settings.provisionedWcu,
  };
  if (state.billingMode === 'PROVISIONED' && settings.billingMode === 'PAY_PER_REQUEST') {
    // A table switched to on-demand keeps at least the throughput it had provisioned (its previous
    // peak counts as half of it). Simplification: AWS uses the highest capacity ever provisioned;
    // this model only knows the current one.
    next.onDemandPeakRcu = Math.max(state.onDemandPeakRcu, state.provisionedRcu / 2);
    next.onDemandPeakWcu = Math.max(state.onDemandPeakWcu, state.provisionedWcu / 2);
  }
  if (state.billingMode === 'PAY_PER_REQUEST' && settings.billingMode === 'PROVISIONED') {
    // Burst is banked from unused *provisioned* capacity: a table just back from on-demand has none.
    next.readBurst = [];
    next.writeBurst = [];
  }
  // Burst is counted in seconds of the capacity now provisioned: lowering it shrinks the window.
  next.readBurst = next.readBurst.map((units) => Math.min(units, next.provisionedRcu));
  next.writeBurst = next.writeBurst.map((units) => Math.min(units, next.provisionedWcu));
  next.partitions = nextPartitionCount(state.partitions, sizingOf(next, settings.sizeGb));
  return next;
}

/** Serves one second of demand. Pure: the returned state is a new object. */
export function stepSecond(state: CapacityState, demand: SecondDemand): StepResult {
  const next: CapacityState = { ...state };
  const read = serveDirection({
    hot: demand.hotKeys.map((hot) => ({ key: hot.key, requests: hot.readRequests })),
    uniform: { keyCount: demand.uniform.keyCount, requests: demand.uniform.readRequests },
    unitsPerRequest: demand.readUnitsPerRequest,
    partitions: state.partitions,
    partitionMax: PARTITION_MAX_RCU,
    table:
      state.billingMode === 'PROVISIONED'
        ? { mode: 'PROVISIONED', provisioned: state.provisionedRcu, burst: state.readBurst }
        : { mode: 'PAY_PER_REQUEST', peak: state.onDemandPeakRcu, quota: ON_DEMAND_TABLE_QUOTA_RCU },
  });
  const write = serveDirection({
    hot: demand.hotKeys.map((hot) => ({ key: hot.key, requests: hot.writeRequests })),
    uniform: { keyCount: demand.uniform.keyCount, requests: demand.uniform.writeRequests },
    unitsPerRequest: demand.writeUnitsPerRequest,
    partitions: state.partitions,
    partitionMax: PARTITION_MAX_WCU,
    table:
      state.billingMode === 'PROVISIONED'
        ? { mode: 'PROVISIONED', provisioned: state.provisionedWcu, burst: state.writeBurst }
        : { mode: 'PAY_PER_REQUEST', peak: state.onDemandPeakWcu, quota: ON_DEMAND_TABLE_QUOTA_WCU },
  });
  if (typeof read.bank === 'number') next.onDemandPeakRcu = read.bank;
  else next.readBurst = read.bank;
  if (typeof write.bank === 'number') next.onDemandPeakWcu = write.bank;
  else next.writeBurst = write.bank;

  return {
    state: next,
    read: read.outcome,
    write: write.outcome,
    hotKeys: demand.hotKeys.map((hot, i) => ({
      key: hot.key,
      servedReads: read.hot[i]?.served ?? 0,
      servedWrites: write.hot[i]?.served ?? 0,
      throttledReads: read.hot[i]?.throttled ?? 0,
      throttledWrites: write.hot[i]?.throttled ?? 0,
      keyRangeReads: read.hot[i]?.keyRange ?? 0,
      keyRangeWrites: write.hot[i]?.keyRange ?? 0,
    })),
    uniform: {
      keyCount: demand.uniform.keyCount,
      servedReads: read.uniform.served,
      servedWrites: write.uniform.served,
      throttledReads: read.uniform.throttled,
      throttledWrites: write.uniform.throttled,
      keyRangeReads: read.uniform.keyRange,
      keyRangeWrites: write.uniform.keyRange,
    },
  };
}

type TableLimit =
  | { mode: 'PROVISIONED'; provisioned: number; burst: BurstWindow }
  | { mode: 'PAY_PER_REQUEST'; peak: number; quota: number };

interface DirectionInput {
  hot: { key: string; requests: number }[];
  uniform: { keyCount: number; requests: number };
  unitsPerRequest: number;
  partitions: number;
  partitionMax: number;
  table: TableLimit;
}

interface GroupResult {
  served: number;
  throttled: number;
  /** Of `throttled`, those the key limits throttled. */
  keyRange: number;
}

interface DirectionResult {
  outcome: DirectionOutcome;
  hot: GroupResult[];
  uniform: GroupResult;
  /** Burst window (provisioned) or previous peak (on-demand) after this second. */
  bank: BurstWindow | number;
}

function serveDirection(input: DirectionInput): DirectionResult {
  const upr = input.unitsPerRequest;
  const afterKeys = applyKeyLimits(input);
  const keyLimited = [...afterKeys.hot, afterKeys.uniform];
  const demandRequests = input.hot.reduce((sum, g) => sum + g.requests, 0) + input.uniform.requests;
  const keyRange = demandRequests - keyLimited.reduce((sum, served) => sum + served, 0);

  const wanted = keyLimited.reduce((sum, served) => sum + served * upr, 0);
  const { limit, bankAfter } = tableLimit(input.table);
  // The table limit throttles across all keys alike: requests beyond it are as likely to come
  // from any key, so each group keeps the same fraction of what passed the key limits.
  const ratio = wanted > limit ? limit / wanted : 1;
  const served = keyLimited.map((requests) => (ratio < 1 ? Math.floor(requests * ratio) : requests));
  const tableThrottled = keyLimited.reduce((sum, requests, i) => sum + requests - (served[i] ?? 0), 0);
  const servedRequests = served.reduce((sum, requests) => sum + requests, 0);
  const consumedUnits = servedRequests * upr;

  const groupDemand = [...input.hot.map((g) => g.requests), input.uniform.requests];
  const groups = served.map((requests, i) => ({
    served: requests,
    throttled: (groupDemand[i] ?? 0) - requests,
    keyRange: (groupDemand[i] ?? 0) - (keyLimited[i] ?? 0),
  }));
  return {
    outcome: {
      demandRequests,
      servedRequests,
      consumedUnits,
      throttled: {
        keyRange,
        provisioned: input.table.mode === 'PROVISIONED' ? tableThrottled : 0,
        onDemandMax: input.table.mode === 'PAY_PER_REQUEST' ? tableThrottled : 0,
      },
    },
    hot: groups.slice(0, input.hot.length),
    uniform: groups[input.hot.length] ?? { served: 0, throttled: 0, keyRange: 0 },
    bank: bankAfter(consumedUnits),
  };
}

/** Requests of each group that pass the partition limits: `hot` in input order, then uniform. */
function applyKeyLimits(input: DirectionInput): { hot: number[]; uniform: number } {
  const { partitions, partitionMax, unitsPerRequest: upr } = input;
  // Uniform keys hash evenly over all partitions; each hot key lives in exactly one.
  const slice: Claimant = {
    demand: (input.uniform.requests * upr) / partitions,
    keyCount: input.uniform.keyCount / partitions,
  };
  const byPartition = new Map<number, number[]>();
  input.hot.forEach((group, i) => {
    const p = partitionOf(group.key, partitions);
    byPartition.set(p, [...(byPartition.get(p) ?? []), i]);
  });

  const hotServed = new Array<number>(input.hot.length).fill(0);
  let uniformUnits = Math.min(slice.demand, partitionMax) * (partitions - byPartition.size);
  for (const members of byPartition.values()) {
    const claimants = members.map((i) => ({ demand: (input.hot[i]?.requests ?? 0) * upr, keyCount: 1 }));
    const grants = fairShare([...claimants, slice], partitionMax);
    members.forEach((hotIndex, j) => {
      hotServed[hotIndex] = wholeRequests(grants[j] ?? 0, upr, input.hot[hotIndex]?.requests ?? 0);
    });
    uniformUnits += grants[members.length] ?? 0;
  }
  return { hot: hotServed, uniform: wholeRequests(uniformUnits, upr, input.uniform.requests) };
}

function tableLimit(table: TableLimit): {
  limit: number;
  bankAfter: (consumed: number) => BurstWindow | number;
} {
  if (table.mode === 'PROVISIONED') {
    const { provisioned, burst } = table;
    return {
      limit: provisioned + burstUnits(burst),
      bankAfter: (consumed) => slideBurstWindow(burst, provisioned - consumed),
    };
  }
  const { peak, quota } = table;
  return {
    limit: Math.min(2 * peak, quota),
    bankAfter: (consumed) =>
      consumed > peak ? Math.min(consumed, peak * ON_DEMAND_PEAK_GROWTH_PER_SECOND, quota) : peak,
  };
}

function wholeRequests(units: number, unitsPerRequest: number, cap: number): number {
  // The epsilon keeps 2999.9999999 units (float sums) from losing a whole request.
  return Math.min(cap, Math.floor(units / unitsPerRequest + 1e-9));
}

function sizingOf(state: CapacityState, sizeGb: number) {
  // Simplification: an on-demand table is sized for what it serves instantly (double its
  // previous peak); AWS does not publish how on-demand tables are partitioned.
  return state.billingMode === 'PROVISIONED'
    ? { rcu: state.provisionedRcu, wcu: state.provisionedWcu, sizeGb }
    : {
        rcu: Math.min(2 * state.onDemandPeakRcu, ON_DEMAND_TABLE_QUOTA_RCU),
        wcu: Math.min(2 * state.onDemandPeakWcu, ON_DEMAND_TABLE_QUOTA_WCU),
        sizeGb,
      };
}

/**
 * One second of the burst window: an overrun spends the oldest savings first (they expire first),
 * spare capacity is saved, and the second that fell out of the window takes its savings with it.
 */
function slideBurstWindow(window: BurstWindow, spare: number): BurstWindow {
  const next = [...window];
  let overrun = Math.max(0, -spare);
  for (let i = 0; i < next.length && overrun > 0; i++) {
    const spent = Math.min(next[i] ?? 0, overrun);
    next[i] = (next[i] ?? 0) - spent;
    overrun -= spent;
  }
  next.push(Math.max(0, spare));
  return next.length > BURST_SECONDS ? next.slice(next.length - BURST_SECONDS) : next;
}
