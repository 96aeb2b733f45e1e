/**
 * A table incident's world wired to the deployment it rehearses: the table must be one the
 * deployment protects, its alarms are the ones the deployment puts on it (named after the
 * deployment, as the signal rule's prefix expects), the tasks read the deployment's routing, and in
 * the selfheal variant selfheal is deployed for the game day. Baselines run the same world without it.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startRunbookEngine } from '../../local/runbooks.ts';
import type { LocalEngine } from '../../engine/local-engine.ts';
import { createDispatchTables, DEFAULT_DISPATCH_TABLES } from '../../domain/dispatch/tables.ts';
import type { IncidentKind } from '../../domain/incidents/incident.ts';
import { tableAlarms } from '../../infra/config/derived.ts';
import type { ApplicationShardMap } from '../../world/dynamodb/application-routing.ts';
import { buildTableIncidentWorld, type TableIncidentWorld, type TableIncidentWorldOptions } from './world.ts';
import { exampleDeployment, protectedTable, type Deployment } from '../../simulations/deployment.ts';
import { startGameDay, type GameDay } from '../../simulations/game-day.ts';
import { incidentEndSeconds, type TableIncident } from './incident.ts';
import type { CloudWatchAlarmEvent } from '../../contracts/cloudwatch-alarm-event.ts';
import {
  driveIncident,
  type AlarmResponse,
  type RunbookAction,
  type ScenarioRunOptions,
} from '../../simulations/incident-driver.ts';
import type { CostedVariantResult, VariantResult } from '../../simulations/outcome.ts';
import { tableCostOf } from '../../simulations/cost-table.ts';
import { capacityPolicySchema } from '../../domain/capacity/request.ts';
import { tableSetupOf, type TableSetup } from './baselines.ts';
import { OnCallEngineer, ON_CALL_DELAY_SECONDS } from './on-call.ts';

/** The world's delays a run may set (default: the table world's, both on). */
export type TableWorldDelays = Pick<TableIncidentWorldOptions, 'clientRetries' | 'updateTableSeconds'>;

export interface TableScenarioOptions
  extends
    Pick<ScenarioRunOptions<string, TableIncident>, 'seed' | 'deployment' | 'alarmDeployment'>,
    TableSetup,
    TableWorldDelays {
  incident: TableIncident;
  /** The incident the alarm stands for, whose runbook the game day turns live. */
  kind: IncidentKind;
  /** Deploy selfheal (the selfheal variant), or only run the world (a baseline). */
  selfheal: boolean;
  shardMap?: () => ApplicationShardMap;
}

export interface TableScenario {
  world: TableIncidentWorld;
  engine: LocalEngine;
  deployment: Deployment;
  gameDay?: GameDay;
}

export async function startTableScenario(
  dynamodb: DynamoDBClient,
  options: TableScenarioOptions,
): Promise<TableScenario> {
  const deployment = options.deployment ?? exampleDeployment();
  const table = protectedTable(deployment.config, options.incident.tableName);
  await createDispatchTables(dynamodb, DEFAULT_DISPATCH_TABLES);
  const world = await buildTableIncidentWorld(dynamodb, {
    seed: options.seed,
    incident: options.incident,
    autoScaling: options.autoScaling,
    billingMode: options.billingMode,
    ...(options.autoScalingTargetPercent === undefined
      ? {}
      : { autoScalingTargetPercent: options.autoScalingTargetPercent }),
    alarms: tableAlarms({ deployment: options.alarmDeployment ?? deployment.config.deployment }, table),
    ...(options.shardMap ? { shardMap: options.shardMap } : {}),
    ...(options.clientRetries === undefined ? {} : { clientRetries: options.clientRetries }),
    ...(options.updateTableSeconds === undefined ? {} : { updateTableSeconds: options.updateTableSeconds }),
  });
  const engine = await startRunbookEngine({
    clock: world.clock,
    ports: { ...world.ports, routing: deployment.routing },
    dynamodb,
    seed: options.seed,
  });
  const gameDay = options.selfheal
    ? await startGameDay({ deployment, engine, dynamodb, kind: options.kind, clock: world.clock })
    : undefined;
  return { world, engine, deployment, ...(gameDay ? { gameDay } : {}) };
}

export interface TableScenarioRun {
  scenario: string;
  options: ScenarioRunOptions<string, TableIncident>;
  incident: TableIncident;
  describeAction?: (action: RunbookAction) => string[];
  /** What a baseline does when the alarm fires (nothing unless told): selfheal is not deployed. */
  onBaselineAlarm?: (event: CloudWatchAlarmEvent, atSeconds: number) => Promise<AlarmResponse>;
  /** The `on-call` variant's delay from the page to the change (default ON_CALL_DELAY_SECONDS). */
  onCallDelaySeconds?: number;
}

/**
 * Runs a started table scenario to its end: in the selfheal variant each alarm's event goes to
 * EventBridge, whose rule starts dispatch (the game day); a baseline answers it itself, or not.
 */
export async function driveTableScenario(
  started: TableScenario,
  run: TableScenarioRun,
): Promise<VariantResult> {
  const { world, engine, gameDay } = started;
  const { incident, options } = run;
  const onCall = options.variant === 'on-call' ? onCallEngineer(started, run) : undefined;
  const result = await driveIncident({
    scenario: run.scenario,
    variant: options.variant,
    seed: options.seed,
    world,
    ...(gameDay ? { gameDay } : {}),
    simulatedSeconds: incident.simulatedSeconds,
    incidentEndSeconds: incidentEndSeconds(incident),
    verificationMinutes: incident.verificationMinutes,
    executions: () => engine.executions(),
    ...(options.onAlarmEvent ? { onAlarmEvent: options.onAlarmEvent } : {}),
    ...(run.describeAction ? { describeAction: run.describeAction } : {}),
    onAlarm: (event, atSeconds) => {
      if (gameDay) return { runs: gameDay.deliver(event, atSeconds) };
      if (onCall) return onCall.page(event, atSeconds);
      return run.onBaselineAlarm ? run.onBaselineAlarm(event, atSeconds) : {};
    },
  });
  if (!onCall) return result;
  // The engineer's changes are listed when they were made, not when the page came.
  const actions = [...result.actions, ...onCall.actions].sort((a, b) => a.atSeconds - b.atSeconds);
  return { ...result, actions };
}

/** The on-call engineer of a table scenario, following the runbook with the deployment's policy for the table. */
function onCallEngineer(started: TableScenario, run: TableScenarioRun): OnCallEngineer {
  const { incident } = run;
  const table = protectedTable(started.deployment.config, incident.tableName);
  return new OnCallEngineer({
    clock: started.world.clock,
    ports: started.world.ports,
    tableName: incident.tableName,
    policy: capacityPolicySchema.parse(table.policy ?? {}),
    delaySeconds: run.onCallDelaySeconds ?? ON_CALL_DELAY_SECONDS,
    endSeconds: incident.simulatedSeconds,
  });
}

/** A table scenario's options: the run's, and the `on-call` variant's delay. */
export interface TableVariantOptions<Variant extends string, Incident extends TableIncident>
  extends ScenarioRunOptions<Variant, Incident>, TableWorldDelays {
  /** The on-call engineer's delay from the page to the change (default 15 minutes, an assumption). */
  onCallDelaySeconds?: number;
}

export interface TableVariantRun<Incident extends TableIncident>
  extends
    Pick<TableScenarioRun, 'scenario' | 'describeAction' | 'onBaselineAlarm'>,
    Pick<TableScenarioOptions, 'kind' | 'shardMap'> {
  options: TableVariantOptions<string, Incident>;
  incident: Incident;
  /** What the scenario does once its world is started, before the incident runs. */
  prepare?: (started: TableScenario) => Promise<void>;
}

/**
 * One variant of a table scenario from start to cost: its table set up as the variant says
 * (`baselines.ts`), selfheal deployed in the selfheal variant, the incident run to its end, and what
 * the variant costs over 24 hours from where it left the table (`simulations/cost-table.ts`).
 */
export async function runTableVariant<Incident extends TableIncident>(
  dynamodb: DynamoDBClient,
  run: TableVariantRun<Incident>,
): Promise<CostedVariantResult> {
  const { options, incident } = run;
  const setup = tableSetupOf(options.variant);
  const started = await startTableScenario(dynamodb, {
    ...options,
    incident,
    kind: run.kind,
    selfheal: options.variant === 'selfheal',
    ...setup,
    ...(run.shardMap ? { shardMap: run.shardMap } : {}),
  });
  await run.prepare?.(started);
  const result = await driveTableScenario(started, {
    scenario: run.scenario,
    options,
    incident,
    ...(run.describeAction ? { describeAction: run.describeAction } : {}),
    ...(options.onCallDelaySeconds === undefined ? {} : { onCallDelaySeconds: options.onCallDelaySeconds }),
    ...(run.onBaselineAlarm ? { onBaselineAlarm: run.onBaselineAlarm } : {}),
  });
  const cost = await tableCostOf({
    dynamodb,
    autoScaling: started.world.autoScaling,
    tableName: incident.tableName,
    timeline: result.timeline,
    workload: incident.workload,
    targetPercent: setup.autoScaling
      ? (setup.autoScalingTargetPercent ?? incident.autoScalingTargetPercent)
      : null,
    executions: started.engine.executions(),
  });
  return { ...result, cost };
}
