/**
 * A DynamoDB table under load in virtual time. Its settings live in dynalite, changed through the
 * real DynamoDB API by whoever wants to (handlers, auto scaling); its traffic is simulated second
 * by second and published each minute as CloudWatch metrics and Contributor Insights.
 *
 * Simplifications: settings are read back with DescribeTable at each minute boundary, so a change
 * that became ACTIVE mid-minute takes effect at the next minute (real changes take seconds to
 * minutes as well). While the table is UPDATING the previous settings keep serving, as in AWS;
 * how long UPDATING lasts is dynalite's real-time `updateTableMs`, not virtual time.
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
  consumedRcuPerSecond: number;
  consumedWcuPerSecond: number;
  /** Requests throttled in the minute, reads and writes together. */
  throttledRequests: ThrottledByCause;
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
    const settings: TableSettings = {
      billingMode:
        Table?.BillingModeSummary?.BillingMode === 'PAY_PER_REQUEST' ? 'PAY_PER_REQUEST' : 'PROVISIONED',
      provisionedRcu: Table?.ProvisionedThroughput?.ReadCapacityUnits ?? 0,
      provisionedWcu: Table?.ProvisionedThroughput?.WriteCapacityUnits ?? 0,
      sizeGb: this.#sizeGb,
    };
    this.#state = this.#state ? applyTableSettings(this.#state, settings) : initialCapacityState(settings);
  }

  /** Stops following the clock. */
  detach(): void {
    this.#unsubscribe();
  }

  async #advanceTo(toMs: number): Promise<void> {
    if (!this.#state) await this.refresh();
    while (this.#cursorMs + SECOND_MS <= toMs) {
      const second = (this.#cursorMs - this.#startMs) / SECOND_MS;
      const logical = this.workload.demandAt(second);
      const demand = this.#options.shardMap ? routeDemand(logical, this.#options.shardMap()) : logical;
      const step = stepSecond(this.#state as CapacityState, demand);
      this.#tally.add(demand, step);
      const minuteStartMs = floorMinute(this.#cursorMs);
      this.#cursorMs += SECOND_MS;
      if (floorMinute(this.#cursorMs) !== minuteStartMs) await this.#closeMinute(minuteStartMs, step.state);
      else this.#state = step.state;
    }
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
    await this.refresh();
    const nowMs = minuteStartMs + MINUTE_MS;
    this.#options.clock.reach(nowMs);
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
      consumedRcuPerSecond: summary.consumedReadUnits / seconds,
      consumedWcuPerSecond: summary.consumedWriteUnits / seconds,
      throttledRequests: {
        keyRange: reads.keyRange + writes.keyRange,
        provisioned: reads.provisioned + writes.provisioned,
        onDemandMax: reads.onDemandMax + writes.onDemandMax,
        total: totalThrottled(reads) + totalThrottled(writes),
      },
      topKey,
    };
  }
}

function floorMinute(ms: number): number {
  return Math.floor(ms / MINUTE_MS) * MINUTE_MS;
}
