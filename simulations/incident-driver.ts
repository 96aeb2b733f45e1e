/**
 * Drives a simulated incident to its end and sums it up: a discrete-time co-simulation. While no
 * runbook runs, the world advances a minute at a time; while one runs, its Wait states drive the
 * clock (its tasks take no virtual time), so the world keeps running exactly as long as the runbook
 * waits. What happens when an alarm fires is the variant's choice (hand its event to selfheal as
 * deployed, act as an operator would, or nothing).
 */
import type { ExecutionRecord } from '../engine/local-engine.ts';
import { billedStateTransitions } from '../engine/history.ts';
import { stateMachineNameOf } from '../engine/arns.ts';
import type { VirtualClock } from '../core/virtual-clock.ts';
import type { CloudWatchAlarmEvent } from '../contracts/cloudwatch-alarm-event.ts';
import type { AlarmEvaluator } from '../world/cloudwatch-alarms.ts';
import type { TableWorld } from '../world/dynamodb/table-world.ts';
import type { SimulatedAutoScaling } from '../world/dynamodb/auto-scaling.ts';
import { judgeHealing, type RunSummary, type ScenarioAction, type VariantResult } from './outcome.ts';
import { DISPATCH, type GameDay, type SignalRecord } from './game-day.ts';
import type { Deployment } from './deployment.ts';
import type { LedgerRecord } from '../domain/dispatch/ledger.ts';

/** How a scenario is run: which variant, on which seed, and who hears its alarms. */
export interface ScenarioRunOptions<Variant extends string, Incident> {
  seed: number;
  variant: Variant;
  incident?: Incident;
  /** The deployment rehearsed (default: the repository's `selfheal.config.json`). */
  deployment?: Deployment;
  /**
   * Names the world's alarms as the deployment of this name would (default: the rehearsed one):
   * another deployment's alarms match none of the rehearsed one's rules.
   */
  alarmDeployment?: string;
  /** Called with every alarm event the simulated CloudWatch emits (for the CLI's timeline). */
  onAlarmEvent?: (event: CloudWatchAlarmEvent, atSeconds: number) => void;
}

export interface IncidentWorld {
  clock: VirtualClock;
  world: TableWorld;
  autoScaling: SimulatedAutoScaling;
  alarms: AlarmEvaluator;
}

export interface AlarmResponse {
  /**
   * Runs the driver waits for before the world moves on by itself (dispatch and the runbooks it
   * started), resolving to their records in start order.
   */
  runs?: Promise<readonly ExecutionRecord[]>;
  /** What was done outside any runbook (an operator's change), for the actions list. */
  action?: string;
}

/** What any simulated incident needs driven: a clock, its alarms, and what to do when one fires. */
export interface AlarmDriveOptions {
  clock: VirtualClock;
  alarms: AlarmEvaluator;
  simulatedSeconds: number;
  /** Called on an ALARM while nothing runs (at `atSeconds` since the start); may start runs. */
  onAlarm(event: CloudWatchAlarmEvent, atSeconds: number): Promise<AlarmResponse> | AlarmResponse;
  /** Every alarm transition, with its time in seconds since the start (for timelines). */
  onAlarmEvent?: (event: CloudWatchAlarmEvent, atSeconds: number) => void;
  /** Every execution the engine ran (runbooks a runbook started too): what Step Functions bills. */
  executions?: () => readonly ExecutionRecord[];
  /** How a runbook's reported action reads in the actions list. */
  describeAction?: (action: RunbookAction) => string[];
}

export interface DriveOptions extends Omit<AlarmDriveOptions, 'clock' | 'alarms'> {
  scenario: string;
  variant: string;
  seed: number;
  world: IncidentWorld;
  /** selfheal as deployed, in the selfheal variant: its signals and ledger are the result's. */
  gameDay?: GameDay;
  incidentEndSeconds: number;
  verificationMinutes: number;
}

export interface RunbookAction {
  at: string;
  kind: string;
  changes?: {
    dimension: string;
    before: number;
    after: number;
    via: string;
    restore?: { minCapacity: number; at: string };
  }[];
  [detail: string]: unknown;
}

/** What driving the alarms came to, whatever the world. */
export interface DrivenIncident {
  detectedAtSeconds: number | null;
  /** The alarm whose ALARM came first. */
  detectedBy: string | null;
  /** Runbook and operator actions, in time order. */
  actions: ScenarioAction[];
  stateTransitions: number;
  runs: RunSummary[];
  /** Virtual time as seconds since the start. */
  seconds(ms: number): number;
}

/** Advances the clock to the end, starting responses to alarms and waiting for their runbooks. */
export async function driveAlarms(options: AlarmDriveOptions): Promise<DrivenIncident> {
  const { clock, alarms } = options;
  const seconds = (ms: number): number => Math.round((ms - clock.startMs) / 1000);
  let detectedAtSeconds: number | null = null;
  let detectedBy: string | null = null;
  let running: Promise<readonly ExecutionRecord[]> | undefined;
  let responding: Promise<void> | undefined;
  const runs: ExecutionRecord[] = [];
  const operatorActions: ScenarioAction[] = [];
  alarms.onStateChange((event) => {
    const atSeconds = seconds(Date.parse(event.detail.state.timestamp));
    options.onAlarmEvent?.(event, atSeconds);
    if (event.detail.state.value !== 'ALARM') return;
    detectedAtSeconds ??= atSeconds;
    detectedBy ??= event.detail.alarmName;
    // One response at a time: the engine's Wait states each drive the shared clock, so runs side by
    // side would make time pass faster than it does. In AWS, dispatch's lock and cooldown would
    // record a signal arriving meanwhile as already remediating or suppressed.
    if (running || responding) return;
    responding = Promise.resolve(options.onAlarm(event, atSeconds)).then((response) => {
      running = response.runs;
      if (response.action) operatorActions.push({ atSeconds, by: 'operator', what: response.action });
    });
  });

  while (clock.elapsedSeconds() < options.simulatedSeconds || running || responding) {
    if (responding) {
      await responding;
      responding = undefined;
      continue;
    }
    if (running) {
      runs.push(...(await running));
      running = undefined;
      continue;
    }
    await clock.advance(60);
  }

  const describe = options.describeAction ?? describeCapacityAction;
  const runbookActions = reportingRuns(runs).flatMap((run) => {
    const output = (run.output ?? {}) as { actions?: RunbookAction[] };
    return (output.actions ?? []).flatMap((action) =>
      describe(action).map((what) => ({
        atSeconds: seconds(Date.parse(action.at)),
        by: 'selfheal' as const,
        what,
      })),
    );
  });
  return {
    detectedAtSeconds,
    detectedBy,
    actions: sortByTime([...runbookActions, ...operatorActions]),
    stateTransitions: (options.executions?.() ?? runs).reduce(
      (sum, run) => sum + billedStateTransitions(run.history),
      0,
    ),
    runs: runs.map((run) => summariseRun(run, seconds)),
    seconds,
  };
}

/** A table incident: drives its alarms, then judges healing by the table's throttling. */
export async function driveIncident(options: DriveOptions): Promise<VariantResult> {
  const { world, autoScaling, clock, alarms } = options.world;
  const driven = await driveAlarms({ ...options, clock, alarms });
  world.detach();
  const actions = sortByTime([
    ...driven.actions,
    ...autoScaling.activities.map((a) => ({
      atSeconds: driven.seconds(a.timeMs),
      by: 'auto-scaling' as const,
      what: `${a.dimension.includes('Write') ? 'write' : 'read'} capacity ${a.from} -> ${a.to} (${a.cause})`,
    })),
  ]);
  const timeline = world.timeline;
  return {
    scenario: options.scenario,
    variant: options.variant,
    seed: options.seed,
    ...judgeHealing(
      timeline,
      driven.detectedAtSeconds,
      options.incidentEndSeconds,
      options.verificationMinutes,
    ),
    detectedAtSeconds: driven.detectedAtSeconds,
    resource: `dynamodb-table/${world.tableName}`,
    detectedBy: driven.detectedBy,
    throttledRequests: timeline.reduce((sum, minute) => sum + minute.throttledRequests.total, 0),
    failedRequests: timeline.reduce((sum, minute) => sum + minute.failedRequests, 0),
    actions,
    stateTransitions: driven.stateTransitions,
    runs: driven.runs,
    ...(await trailOf(options.gameDay)),
    timeline,
  };
}

/** What selfheal left behind: the signals and what became of them, and the ledger's records. */
export async function trailOf(
  gameDay: GameDay | undefined,
): Promise<{ signals: SignalRecord[]; ledger: LedgerRecord[] }> {
  if (!gameDay) return { signals: [], ledger: [] };
  return { signals: [...gameDay.signals], ledger: await gameDay.ledger() };
}

/**
 * The runs whose reports list what was done: the runbooks dispatch started (or a runbook started
 * directly). Dispatch only relays its runbook's report, and a runbook's child (hot-shard's
 * key-reshuffle) is in its parent's.
 */
export function reportingRuns(runs: readonly ExecutionRecord[]): ExecutionRecord[] {
  const dispatches = new Set(runs.filter(isDispatch).map((run) => run.executionArn));
  return runs.filter(
    (run) =>
      !isDispatch(run) && (run.parentExecutionArn === undefined || dispatches.has(run.parentExecutionArn)),
  );
}

const isDispatch = (run: ExecutionRecord): boolean => stateMachineNameOf(run.stateMachineArn) === DISPATCH;

function sortByTime(actions: ScenarioAction[]): ScenarioAction[] {
  return actions
    .map(({ atSeconds, by, what }) => ({ atSeconds, by, what }))
    .sort((a, b) => a.atSeconds - b.atSeconds);
}

/** `minimum back to 100 60 min later (scheduled action)`: when a raised minimum is handed back. */
export function restoreText(restore: { minCapacity: number; at: string }, actedAt: string): string {
  const minutes = Math.round((Date.parse(restore.at) - Date.parse(actedAt)) / 60_000);
  return `minimum back to ${restore.minCapacity} ${minutes} min later (scheduled action)`;
}

export function describeCapacityAction(action: RunbookAction): string[] {
  const changes = action.changes ?? [];
  if (changes.length === 0) return [action.kind];
  return changes.map(
    (c) =>
      `${c.dimension} capacity ${c.before} -> ${c.after} (${c.via === 'scalable-target' ? 'auto scaling range raised' : 'UpdateTable'})` +
      (c.restore ? `; ${restoreText(c.restore, action.at)}` : ''),
  );
}

export function summariseRun(run: ExecutionRecord, seconds: (ms: number) => number): RunSummary {
  return {
    executionArn: run.executionArn,
    ...(run.parentExecutionArn ? { parentExecutionArn: run.parentExecutionArn } : {}),
    status: run.status,
    outcome: outcomeOf(run),
    startedAtSeconds: seconds(run.startDate.getTime()),
    stoppedAtSeconds: run.stopDate ? seconds(run.stopDate.getTime()) : null,
    states: run.history.flatMap((e) =>
      e.stateEnteredEventDetails
        ? [
            {
              name: e.stateEnteredEventDetails.name,
              // `TaskStateEntered` -> `Task`
              type: e.type.replace(/StateEntered$/, ''),
              atSeconds: seconds(e.timestamp.getTime()),
            },
          ]
        : [],
    ),
  };
}

/**
 * A runbook reports its `outcome`; dispatch keeps its runbook's summarised `outcome.summary`, or
 * ends before any run with the guardrails' or the routing's reason.
 */
function outcomeOf(run: ExecutionRecord): string {
  const output = (run.output ?? {}) as {
    outcome?: unknown;
    guardrails?: { verdict?: unknown; reason?: unknown };
    reason?: unknown;
  };
  if (typeof output.outcome === 'string') return output.outcome;
  const summary = (output.outcome as { summary?: unknown } | undefined)?.summary;
  if (typeof summary === 'string') return summary;
  const guardrails = output.guardrails;
  if (guardrails && guardrails.verdict !== 'proceed' && typeof guardrails.reason === 'string') {
    return `suppressed: ${guardrails.reason}`;
  }
  if (typeof output.reason === 'string') return output.reason;
  return run.error ?? run.status.toLowerCase();
}
