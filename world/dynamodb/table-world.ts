/**
 * A DynamoDB table under load in virtual time. Its settings live in dynalite, changed through the
 * real DynamoDB API by whoever wants to (handlers, auto scaling); its traffic is simulated second
 * by second and published each minute as CloudWatch metrics and Contributor Insights.
 *
 * Two of AWS's delays are parameters of the world, both on by default:
 * - `updateTableSeconds`: an UpdateTable keeps the table UPDATING, the previous settings serving,
 *   for that long in virtual time (`update-table-delay.ts`: default and sources there). The world
 *   applies the new settings at the second the table is ACTIVE again. With 0, dynalite's own
 *   UPDATING (real milliseconds) applies, and the world picks the change up at the next minute.
 * - `clientRetries`: the application's AWS SDK retries its throttled requests (`sdk-retries.ts`:
 *   defaults and sources there). Every retry is a request the table sees; a request fails for the
 *   application only when its SDK gives up. With `false`, every throttled request fails at once.
 *
 * Simplifications: besides that second, settings are read back with DescribeTable at each minute
 * boundary; a minute's published ProvisionedRead/WriteCapacityUnits is the level at its end.
 */
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { VirtualClock } from '../../core/virtual-clock.ts';
import type { MetricStore } from '../metric-store.ts';
import type { Random } from '../../core/random.ts';
import {
  applyTableSettings,
  initialCapacityState,
  stepSecond,
  type BillingMode,
  type CapacityState,
  type TableSettings,
} from './capacity-model.ts';
import { MinuteTally, totalThrottled, type MinuteSummary } from './minute-tally.ts';
import {
  SDK_RETRY_DEFAULTS,
  SdkRetries,
  settleWithoutRetries,
  type SdkRetryPolicy,
  type SettledSecond,
} from './sdk-retries.ts';
import { DEFAULT_UPDATE_TABLE_SECONDS, VirtualTableUpdates } from './update-table-delay.ts';
import {
  contributorRuleNames,
  publishContributors,
  publishTableMinute,
  registerContributorRules,
  type ContributorRuleNames,
} from './table-metrics.ts';
import { routeDemand, type ApplicationShardMap } from './application-routing.ts';
import { createWorkload, uniformKeyName, type Workload, type WorkloadSpec } from './workload.ts';

export { createTable, type CreateTableOptions } from './create-table.ts';

export interface TableWorldOptions {
  clock: VirtualClock;
  dynamodb: DynamoDBClient;
  tableName: string;
  workload: WorkloadSpec;
  metrics: MetricStore;
  random: Random;
  /** Stored data, for the partition count; default 1 GB. */
  sizeGb?: number;
  /** Attribute name Contributor Insights reports keys under; default `pk`. */
  partitionKeyName?: string;
  /** Suffix of the Contributor Insights rule names; default the clock's time at construction. */
  insightsEnabledAtMs?: number;
  /** The application's view of sharded keys (through the key router); none: keys as written. */
  shardMap?: () => ApplicationShardMap;
  /**
   * How the application's SDK retries throttled requests: the AWS SDK for JavaScript v3 DynamoDB
   * client's defaults (SDK_RETRY_DEFAULTS) unless some are given; `false`: no retries.
   */
  clientRetries?: Partial<SdkRetryPolicy> | false;
  /**
   * Virtual seconds an UpdateTable keeps the table UPDATING (default DEFAULT_UPDATE_TABLE_SECONDS,
   * an assumption); 0 leaves it to dynalite's real-time UPDATING.
   */
  updateTableSeconds?: number;
}

/** The delays and client behaviour a world runs with, as it was built. */
export interface TableWorldParameters {
  /** The application's SDK retry policy, or null when throttled requests are not retried. */
  clientRetries: Readonly<SdkRetryPolicy> | null;
  updateTableSeconds: number;
}

export interface ThrottledByCause {
  keyRange: number;
  provisioned: number;
  onDemandMax: number;
  total: number;
}

export interface TimelineEntry {
  /** Minutes since the world started. */
  minute: number;
  startMs: number;
  time: string;
  /** Workload phase at the minute's start. */
  phase: string;
  billingMode: BillingMode;
  /** As DescribeTable last reported it during the minute. */
  tableStatus: string;
  provisionedRcu: number;
  provisionedWcu: number;
  partitions: number;
  demandRcuPerSecond: number;
  demandWcuPerSecond: number;
  /** What the table was asked for: the application's demand plus its SDK's retries. */
  offeredRcuPerSecond: number;
  offeredWcuPerSecond: number;
  consumedRcuPerSecond: number;
  consumedWcuPerSecond: number;
  /**
   * Throttle events in the minute, reads and writes together: every throttled attempt, a retry's
   * too, as CloudWatch counts them (ThrottledRequests, the Read/WriteThrottleEvents by cause).
   */
  throttledRequests: ThrottledByCause;
  /** Attempts in the minute that were SDK retries. */
  retriedRequests: number;
  /**
   * Requests that failed for the application in the minute: throttled at their last attempt or
   * refused a retry by the SDK's retry quota (without SDK retries: every throttled request).
   */
  failedRequests: number;
  /** The hot key with the most requests, if the workload has hot keys. */
  topKey: { key: string; requests: number; throttledRequests: number } | null;
}

export interface MinuteContext {
  /** The minute that just ended. */
  entry: TimelineEntry;
  /** Virtual time of the boundary (the end of `entry`'s minute). */
  nowMs: number;
  world: TableWorld;
}

/**
 * Runs at each minute boundary, in registration order, with `clock.now()` (and `nowMs`) at that
 * boundary. A hook must not advance the clock itself (advances are serialised, so it would wait on
 * itself).
 */
export type MinuteHook = (context: MinuteContext) => Promise<void> | void;

const SECOND_MS = 1000;
const MINUTE_MS = 60_000;

export class TableWorld {
  readonly tableName: string;
  readonly timeline: TimelineEntry[] = [];
  readonly contributorRules: ContributorRuleNames;
  readonly workload: Workload;

  #options: TableWorldOptions;
  #sizeGb: number;
  #startMs: number;
  #cursorMs: number;
  #state: CapacityState | undefined;
  #status = 'UNKNOWN';
  #tally = new MinuteTally();
  #hooks: MinuteHook[] = [];
  #unsubscribe: () => void;
  #uniformKeyName: (index: number) => string;
  #retries: SdkRetries | undefined;
  #updates: VirtualTableUpdates | undefined;
  #detachUpdates: () => void = () => undefined;
  /** The completion (virtual ms) of the last update the world has applied. */
  #appliedUpdateMs: number | undefined;
  /** Failed requests (an expectation) not yet reported as a whole request. */
  #failedCarry = 0;
  readonly parameters: TableWorldParameters;

  constructor(options: TableWorldOptions) {
    this.#options = options;
    this.tableName = options.tableName;
    this.#sizeGb = options.sizeGb ?? 1;
    this.#startMs = options.clock.now();
    this.#cursorMs = this.#startMs;
    this.workload = createWorkload(options.workload, options.random.fork(`workload:${options.tableName}`));
    const spec = options.workload;
    this.#uniformKeyName = (index) => uniformKeyName(spec, index);
    this.contributorRules = contributorRuleNames(
      options.tableName,
      options.insightsEnabledAtMs ?? this.#startMs,
    );
    registerContributorRules(
      options.metrics,
      this.contributorRules,
      options.tableName,
      options.partitionKeyName ?? 'pk',
    );
    this.#retries =
      options.clientRetries === false
        ? undefined
        : new SdkRetries({ ...SDK_RETRY_DEFAULTS, ...options.clientRetries });
    const updateTableSeconds = options.updateTableSeconds ?? DEFAULT_UPDATE_TABLE_SECONDS;
    if (!Number.isFinite(updateTableSeconds) || updateTableSeconds < 0) {
      throw new RangeError(`updateTableSeconds must be 0 or more, got ${updateTableSeconds}`);
    }
    if (updateTableSeconds > 0) {
      this.#updates = new VirtualTableUpdates({
        tableName: options.tableName,
        seconds: updateTableSeconds,
        now: () => options.clock.now(),
      });
      this.#detachUpdates = this.#updates.attach(options.dynamodb);
    }
    this.parameters = { clientRetries: this.#retries?.policy ?? null, updateTableSeconds };
    this.#unsubscribe = options.clock.onAdvance((_fromMs, toMs) => this.#advanceTo(toMs));
  }

  onMinute(hook: MinuteHook): () => void {
    this.#hooks.push(hook);
    return () => {
      this.#hooks = this.#hooks.filter((h) => h !== hook);
    };
  }

  /** The capacity model's current view of the table (a copy). */
  get capacity(): CapacityState | undefined {
    return this.#state ? { ...this.#state } : undefined;
  }

  get tableStatus(): string {
    return this.#status;
  }

  /** Reads the table's settings from DynamoDB; applied only once the table is ACTIVE. */
  async refresh(): Promise<void> {
    const { Table } = await this.#options.dynamodb.send(
      new DescribeTableCommand({ TableName: this.tableName }),
    );
    this.#status = Table?.TableStatus ?? 'UNKNOWN';
    if (this.#state && this.#status !== 'ACTIVE') return;
    const completesAtMs = this.#updates?.completesAtMs;
    if (completesAtMs !== undefined && !this.#updates?.updating()) this.#appliedUpdateMs = completesAtMs;
    const settings: TableSettings = {
      billingMode:
        Table?.BillingModeSummary?.BillingMode === 'PAY_PER_REQUEST' ? 'PAY_PER_REQUEST' : 'PROVISIONED',
      provisionedRcu: Table?.ProvisionedThroughput?.ReadCapacityUnits ?? 0,
      provisionedWcu: Table?.ProvisionedThroughput?.WriteCapacityUnits ?? 0,
      sizeGb: this.#sizeGb,
    };
    this.#state = this.#state ? applyTableSettings(this.#state, settings) : initialCapacityState(settings);
  }

  /** Stops following the clock, and takes the UPDATING delay off the DynamoDB client. */
  detach(): void {
    this.#unsubscribe();
    this.#detachUpdates();
  }

  async #advanceTo(toMs: number): Promise<void> {
    if (!this.#state) await this.refresh();
    while (this.#cursorMs + SECOND_MS <= toMs) {
      await this.#applyCompletedUpdate();
      const state = this.#state as CapacityState;
      const second = (this.#cursorMs - this.#startMs) / SECOND_MS;
      const logical = this.workload.demandAt(second);
      const demand = this.#options.shardMap ? routeDemand(logical, this.#options.shardMap()) : logical;
      let settled: SettledSecond;
      if (this.#retries) {
        const offered = this.#retries.offer(second, demand);
        settled = this.#retries.settle(offered, stepSecond(state, offered.demand), state.billingMode);
      } else {
        settled = settleWithoutRetries(demand, stepSecond(state, demand));
      }
      this.#tally.add(demand, settled);
      const minuteStartMs = floorMinute(this.#cursorMs);
      this.#cursorMs += SECOND_MS;
      const next = settled.step.state;
      if (floorMinute(this.#cursorMs) !== minuteStartMs) await this.#closeMinute(minuteStartMs, next);
      else this.#state = next;
    }
  }

  /**
   * The second an update held UPDATING in virtual time is over, the table is read back: its new
   * settings serve from this second on, not from the next minute.
   */
  async #applyCompletedUpdate(): Promise<void> {
    const completesAtMs = this.#updates?.completesAtMs;
    if (completesAtMs === undefined || completesAtMs > this.#cursorMs) return;
    if (completesAtMs === this.#appliedUpdateMs) return;
    this.#options.clock.reach(this.#cursorMs);
    await this.refresh();
  }

  async #closeMinute(minuteStartMs: number, state: CapacityState): Promise<void> {
    const summary = this.#tally.finish();
    const { metrics } = this.#options;
    // Metrics describe the settings that served the minute, before any refresh.
    publishTableMinute(metrics, this.tableName, minuteStartMs, summary, state);
    publishContributors(metrics, this.contributorRules, minuteStartMs, summary, this.#uniformKeyName);
    const entry = this.#entry(minuteStartMs, summary, state);
    this.timeline.push(entry);

    this.#state = state;
    const nowMs = minuteStartMs + MINUTE_MS;
    // DescribeTable answers as of the boundary (an update's UPDATING ends in virtual time).
    this.#options.clock.reach(nowMs);
    await this.refresh();
    for (const hook of [...this.#hooks]) await hook({ entry, nowMs, world: this });
  }

  #entry(minuteStartMs: number, summary: MinuteSummary, state: CapacityState): TimelineEntry {
    const seconds = Math.max(1, summary.seconds);
    const reads = summary.throttledReads;
    const writes = summary.throttledWrites;
    let topKey: TimelineEntry['topKey'] = null;
    for (const [key, counts] of summary.hotKeys) {
      if (!topKey || counts.requests > topKey.requests) {
        topKey = { key, requests: counts.requests, throttledRequests: counts.throttled };
      }
    }
    return {
      minute: Math.floor((minuteStartMs - floorMinute(this.#startMs)) / MINUTE_MS),
      startMs: minuteStartMs,
      time: new Date(minuteStartMs).toISOString(),
      phase: this.workload.phaseAt(Math.max(0, (minuteStartMs - this.#startMs) / SECOND_MS)),
      billingMode: state.billingMode,
      tableStatus: this.#status,
      provisionedRcu: state.billingMode === 'PROVISIONED' ? state.provisionedRcu : 0,
      provisionedWcu: state.billingMode === 'PROVISIONED' ? state.provisionedWcu : 0,
      partitions: state.partitions,
      demandRcuPerSecond: summary.demandReadUnits / seconds,
      demandWcuPerSecond: summary.demandWriteUnits / seconds,
      offeredRcuPerSecond: summary.offeredReadUnits / seconds,
      offeredWcuPerSecond: summary.offeredWriteUnits / seconds,
      consumedRcuPerSecond: summary.consumedReadUnits / seconds,
      consumedWcuPerSecond: summary.consumedWriteUnits / seconds,
      throttledRequests: {
        keyRange: reads.keyRange + writes.keyRange,
        provisioned: reads.provisioned + writes.provisioned,
        onDemandMax: reads.onDemandMax + writes.onDemandMax,
        total: totalThrottled(reads) + totalThrottled(writes),
      },
      retriedRequests: summary.retriedRequests,
      failedRequests: this.#wholeFailed(summary.failedRequests),
      topKey,
    };
  }

  /** A minute's failed requests as whole requests, the fraction carried to the next minute. */
  #wholeFailed(expected: number): number {
    const total = expected + this.#failedCarry;
    const whole = Math.max(0, Math.round(total));
    this.#failedCarry = total - whole;
    return whole;
  }
}

function floorMinute(ms: number): number {
  return Math.floor(ms / MINUTE_MS) * MINUTE_MS;
}
