/**
 * The simulated incidents `selfheal simulate` knows: how to run each variant on a seed (selfheal
 * first, then its baselines), what `--json` prints, and how the text report reads. A scenario's
 * result type stays inside its entry; the command sees only the outcome.
 */
import type { CloudWatchAlarmEvent } from '../contracts/cloudwatch-alarm-event.ts';
import { HOT_SHARD_VARIANTS, runHotShard } from '../scenarios/hot-shard/run.ts';
import { HOT_KEY_VARIANTS, runHotKey } from '../scenarios/hot-key/run.ts';
import { readHotShardIncident } from '../scenarios/hot-shard/incident.ts';
import { readHotKeyIncident } from '../scenarios/hot-key/incident.ts';
import { QUEUE_VARIANTS, runSqsBackpressure } from '../scenarios/sqs-backpressure/run.ts';
import { readSqsBackpressureIncident } from '../scenarios/sqs-backpressure/incident.ts';
import { summarise } from '../simulations/summary.ts';
import { summariseQueue } from '../scenarios/sqs-backpressure/summary.ts';
import { renderComparison, renderTimeline, type AlarmTransition } from './render/scenario-report.ts';
import { renderQueueComparison, renderQueueTimeline } from './render/queue-report.ts';
import { renderCellComparison, renderCellTimeline } from './render/cell-report.ts';
import { CELL_VARIANTS, runCellShift, type Approval } from '../scenarios/cell-shift/run.ts';
import {
  FLEET_SLOWDOWN_INCIDENT,
  GREY_CELL_INCIDENT,
  readCellShiftIncident,
} from '../scenarios/cell-shift/incident.ts';
import { summariseCells } from '../scenarios/cell-shift/summary.ts';
import { cellCharts, queueCharts, tableCharts, type ScenarioCharts } from './render/report/figures.ts';
import type { Deployment } from '../simulations/deployment.ts';
import type { VariantRequest, VariantRun } from './variant-pool.ts';
import { goalMet, type Outcome } from '../simulations/outcome.ts';

export interface ScenarioOutcome {
  /** What became of the incident in the selfheal run. */
  outcome: Outcome;
  /** Whether that outcome is the one to want (healed, or rightly left alone): the exit code. */
  goalMet: boolean;
  /** What `--json` prints. */
  summary: object;
  /** The selfheal run minute by minute, then the variants side by side. */
  report(alarms: readonly AlarmTransition[]): string;
  /** What `--report` charts: every variant's per-minute figures, and the selfheal run's states. */
  charts(): ScenarioCharts;
}

export interface Scenario {
  name: string;
  summary: string;
  /** `selfheal` first, then the baselines. */
  variants: readonly string[];
  /** Whether `--approve auto|manual` means something here (a runbook that asks for approval). */
  asksApproval: boolean;
  /** Runs every variant on the seed; `onSelfhealAlarm` hears the selfheal run's alarms. */
  simulate(options: SimulateOptions): Promise<ScenarioOutcome>;
  /**
   * The same scenario on the incident a file describes (`--incident FILE`), validated first;
   * undefined for a scenario whose incident cannot be read from a file yet.
   */
  withIncident?(file: string): Scenario;
  /**
   * One variant of the built-in incident, its result as plain data: what a worker thread of
   * `variant-pool.ts` runs (undefined for a scenario on an incident file, which runs here).
   */
  runVariant?(options: VariantOptions): Promise<unknown>;
}

export interface SimulateOptions {
  seed: number;
  approve?: Approval;
  /** The deployment the game day rehearses (default: the repository's `selfheal.config.json`). */
  deployment?: Deployment;
  onSelfhealAlarm?: (event: CloudWatchAlarmEvent, atSeconds: number) => void;
  /**
   * Runs a variant elsewhere (`variant-pool.ts`: worker threads, side by side); without it, or on
   * an incident file, the variants run here one after the other. Either way, the same results.
   */
  runVariant?: (request: VariantRequest) => Promise<VariantRun>;
}

export interface VariantOptions {
  seed: number;
  variant: string;
  approve?: Approval;
  deployment?: Deployment;
  onAlarmEvent?: (event: CloudWatchAlarmEvent, atSeconds: number) => void;
}

interface ScenarioSpec<
  Variant extends string,
  Result extends { variant: string; outcome: Outcome },
  Incident = never,
> {
  name: string;
  summary: string;
  variants: readonly Variant[];
  asksApproval?: boolean;
  /** Reads an incident file (throws a one-line error naming the field), for `--incident`. */
  readIncident?(file: string): Incident;
  run(options: {
    seed: number;
    variant: Variant;
    approve?: Approval;
    deployment?: Deployment;
    incident?: Incident;
    onAlarmEvent?: (event: CloudWatchAlarmEvent, atSeconds: number) => void;
  }): Promise<Result>;
  summarise(selfheal: Result, baselines: readonly Result[]): object;
  timeline(selfheal: Result, alarms: readonly AlarmTransition[]): string;
  comparison(results: readonly Result[]): string;
  charts(results: readonly Result[]): ScenarioCharts;
}

function scenario<
  Variant extends string,
  Result extends { variant: string; outcome: Outcome },
  Incident = never,
>(spec: ScenarioSpec<Variant, Result, Incident>, incident?: Incident): Scenario {
  const { readIncident } = spec;
  const runVariant = ({ variant, onAlarmEvent, ...options }: VariantOptions): Promise<Result> => {
    const known = spec.variants.find((v) => v === variant);
    if (known === undefined) throw new Error(`${spec.name} has no variant "${variant}"`);
    return spec.run({
      ...options,
      variant: known,
      ...(incident === undefined ? {} : { incident }),
      // Only the selfheal run's alarms are heard (the report marks them on its timeline).
      ...(known === 'selfheal' && onAlarmEvent ? { onAlarmEvent } : {}),
    });
  };
  return {
    name: spec.name,
    summary: spec.summary,
    variants: spec.variants,
    asksApproval: spec.asksApproval ?? false,
    ...(readIncident ? { withIncident: (file: string) => scenario(spec, readIncident(file)) } : {}),
    ...(incident === undefined ? { runVariant } : {}),
    async simulate({ seed, approve, deployment, onSelfhealAlarm, runVariant: elsewhere }) {
      let results: Result[] = [];
      if (elsewhere && incident === undefined) {
        const runs = await Promise.all(
          spec.variants.map((variant) =>
            elsewhere({
              scenario: spec.name,
              variant,
              seed,
              ...(approve ? { approve } : {}),
              ...(deployment ? { deployment } : {}),
            }),
          ),
        );
        // Each result is what runVariant returned in the worker (structured-cloned data).
        results = runs.map((run) => run.result as Result);
        const selfhealRun = runs[spec.variants.findIndex((variant) => variant === 'selfheal')];
        for (const { event, atSeconds } of selfhealRun?.alarms ?? []) onSelfhealAlarm?.(event, atSeconds);
      } else {
        for (const variant of spec.variants) {
          results.push(
            await runVariant({
              seed,
              variant,
              ...(approve ? { approve } : {}),
              ...(deployment ? { deployment } : {}),
              ...(onSelfhealAlarm ? { onAlarmEvent: onSelfhealAlarm } : {}),
            }),
          );
        }
      }
      const [selfheal, ...baselines] = results as [Result, ...Result[]];
      return {
        outcome: selfheal.outcome,
        goalMet: goalMet(selfheal.outcome),
        summary: spec.summarise(selfheal, baselines),
        report: (alarms) =>
          [
            `Scenario ${spec.name}, seed ${seed}: the selfheal run, minute by minute`,
            '',
            spec.timeline(selfheal, alarms),
            '',
            `The same incident, ${results.length} ways`,
            '',
            spec.comparison(results),
          ].join('\n'),
        charts: () => spec.charts(results),
      };
    },
  };
}

export const SCENARIOS: readonly Scenario[] = [
  scenario({
    name: 'hot-shard',
    summary:
      'a provisioned table meets a write surge 13x its baseline (vs auto scaling at 70 % and 50 %, on-demand, an on-call engineer, and nothing)',
    variants: HOT_SHARD_VARIANTS,
    readIncident: readHotShardIncident,
    run: runHotShard,
    summarise,
    timeline: renderTimeline,
    comparison: renderComparison,
    charts: tableCharts,
  }),
  scenario({
    name: 'hot-key',
    summary:
      'one partition key asks more than a partition serves (vs auto scaling at 70 % and 50 %, on-demand, an on-call engineer, and a capacity raise)',
    variants: HOT_KEY_VARIANTS,
    readIncident: readHotKeyIncident,
    run: runHotKey,
    summarise,
    timeline: renderTimeline,
    comparison: renderComparison,
    charts: tableCharts,
  }),
  scenario({
    name: 'sqs-backpressure',
    summary:
      "a queue consumer's downstream browns out for 20 minutes (vs a circuit breaker's 429s, a circuit breaker pausing the mapping, a static right-sized MaximumConcurrency, and nothing)",
    variants: QUEUE_VARIANTS,
    readIncident: readSqsBackpressureIncident,
    run: runSqsBackpressure,
    summarise: summariseQueue,
    timeline: renderQueueTimeline,
    comparison: renderQueueComparison,
    charts: queueCharts,
  }),
  scenario({
    name: 'cell-shift',
    summary:
      'one of five cells fails grey for 30 minutes (vs an on-call engineer flipping the routing control, and nothing); --approve auto|manual',
    variants: CELL_VARIANTS,
    asksApproval: true,
    readIncident: readCellShiftIncident,
    run: (options) => runCellShift({ ...options, incident: options.incident ?? GREY_CELL_INCIDENT }),
    summarise: summariseCells,
    timeline: renderCellTimeline,
    comparison: renderCellComparison,
    charts: cellCharts,
  }),
  scenario({
    name: 'cell-shift-fleet-slowdown',
    summary: 'every cell slows down together: a shared dependency, and no cell to shift away from',
    variants: CELL_VARIANTS,
    asksApproval: true,
    readIncident: readCellShiftIncident,
    run: (options) => runCellShift({ ...options, incident: options.incident ?? FLEET_SLOWDOWN_INCIDENT }),
    summarise: summariseCells,
    timeline: renderCellTimeline,
    comparison: renderCellComparison,
    charts: cellCharts,
  }),
];
