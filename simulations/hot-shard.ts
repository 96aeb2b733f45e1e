/**
 * The hot-shard incident, simulated end to end on the embedded default: dynalite, the simulated
 * table under a surge, CloudWatch alarms emitting EventBridge events, and the hot-shard runbook on
 * the local engine. The same incident runs three ways on the same seed: healed by selfheal (with
 * auto scaling present, as on most production tables), by DynamoDB auto scaling alone, and with
 * no remediation at all.
 *
 * Time: a discrete-time co-simulation. While no runbook runs, the driver advances the world a
 * minute at a time; while one runs, its Wait states drive the clock (its tasks take no virtual
 * time), so the world keeps running exactly as long as the runbook waits.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoDbClient, localEndpointConfig } from '../adapters/aws-clients.ts';
import { startLocalDynamoDb } from '../engine/dynalite.ts';
import type { ExecutionHandle, ExecutionRecord } from '../engine/local-engine.ts';
import { startRunbookEngine } from '../engine/runbooks.ts';
import { billedStateTransitions } from '../engine/history.ts';
import type { CloudWatchAlarmEvent } from '../detectors/events/cloudwatch-alarm-event.ts';
import { capacityRequestFromAlarm } from '../detectors/events/capacity-request-from-alarm.ts';
import { buildHotShardWorld, HOT_SHARD_START_MS } from './hot-shard-world.ts';
import { HOT_SHARD_INCIDENT, incidentEndSeconds, type HotShardIncident } from './hot-shard-incident.ts';
import { judgeHealing, type RunSummary, type ScenarioAction, type VariantResult } from './outcome.ts';

export type HotShardVariant = 'selfheal' | 'auto-scaling' | 'none';

export const HOT_SHARD_VARIANTS: readonly HotShardVariant[] = ['selfheal', 'auto-scaling', 'none'];

export interface HotShardOptions {
  seed: number;
  variant: HotShardVariant;
  incident?: HotShardIncident;
  /** Called with every alarm event the simulated CloudWatch emits (for the CLI's timeline). */
  onAlarmEvent?: (event: CloudWatchAlarmEvent, atSeconds: number) => void;
}

export async function runHotShard(options: HotShardOptions): Promise<VariantResult> {
  const incident = options.incident ?? HOT_SHARD_INCIDENT;
  const local = await startLocalDynamoDb();
  const dynamodb = createDynamoDbClient(localEndpointConfig({ dynamodb: local.endpoint }));
  try {
    return await simulate(dynamodb, incident, options);
  } finally {
    dynamodb.destroy();
    await local.close();
  }
}

async function simulate(
  dynamodb: DynamoDBClient,
  incident: HotShardIncident,
  options: HotShardOptions,
): Promise<VariantResult> {
  const { clock, world, autoScaling, alarms, ports } = await buildHotShardWorld(dynamodb, {
    seed: options.seed,
    incident,
    autoScaling: options.variant !== 'none',
  });
  const seconds = (ms: number): number => Math.round((ms - HOT_SHARD_START_MS) / 1000);
  const engine = await startRunbookEngine({ clock, ports, dynamodb, seed: options.seed });

  let detectedAtSeconds: number | null = null;
  let running: ExecutionHandle | undefined;
  const runs: ExecutionRecord[] = [];
  alarms.onStateChange((event) => {
    const atSeconds = seconds(Date.parse(event.detail.state.timestamp));
    options.onAlarmEvent?.(event, atSeconds);
    if (event.detail.state.value !== 'ALARM') return;
    detectedAtSeconds ??= atSeconds;
    // One remediation per table at a time; dispatch (guardrails, locks) is its own runbook.
    if (options.variant === 'selfheal' && !running) {
      running = engine.start('hot-shard', { ...capacityRequestFromAlarm(event), policy: incident.policy });
    }
  });

  const endSeconds = incident.simulatedSeconds;
  while (clock.elapsedSeconds() < endSeconds || running) {
    if (running) {
      runs.push(await running.done);
      running = undefined;
      continue;
    }
    await clock.advance(60);
  }
  world.detach();

  const actions: ScenarioAction[] = [
    ...runs.flatMap((run) => runbookActions(run, seconds)),
    ...autoScaling.activities.map((a) => ({
      atSeconds: seconds(a.timeMs),
      by: 'auto-scaling' as const,
      what: `${a.dimension.includes('Write') ? 'write' : 'read'} capacity ${a.from} -> ${a.to} (${a.cause})`,
    })),
  ].sort((a, b) => a.atSeconds - b.atSeconds);

  const timeline = world.timeline;
  const healing = judgeHealing(
    timeline,
    detectedAtSeconds,
    incidentEndSeconds(incident),
    incident.verificationMinutes,
  );
  return {
    scenario: 'hot-shard',
    variant: options.variant,
    seed: options.seed,
    ...healing,
    detectedAtSeconds,
    throttledRequests: timeline.reduce((sum, minute) => sum + minute.throttledRequests.total, 0),
    actions,
    stateTransitions: runs.reduce((sum, run) => sum + billedStateTransitions(run.history), 0),
    runs: runs.map((run) => summariseRun(run, seconds)),
    timeline,
  };
}

interface RunbookOutput {
  outcome?: string;
  actions?: {
    at: string;
    kind: string;
    changes: { dimension: string; before: number; after: number; via: string }[];
  }[];
}

function runbookActions(run: ExecutionRecord, seconds: (ms: number) => number): ScenarioAction[] {
  const output = (run.output ?? {}) as RunbookOutput;
  return (output.actions ?? []).flatMap((action) =>
    action.changes.length === 0
      ? [{ atSeconds: seconds(Date.parse(action.at)), by: 'selfheal' as const, what: action.kind }]
      : action.changes.map((c) => ({
          atSeconds: seconds(Date.parse(action.at)),
          by: 'selfheal' as const,
          what: `${c.dimension} capacity ${c.before} -> ${c.after} (${c.via === 'scalable-target' ? 'auto scaling range raised' : 'UpdateTable'})`,
        })),
  );
}

function summariseRun(run: ExecutionRecord, seconds: (ms: number) => number): RunSummary {
  return {
    executionArn: run.executionArn,
    status: run.status,
    outcome: ((run.output ?? {}) as RunbookOutput).outcome ?? run.error ?? 'unknown',
    startedAtSeconds: seconds(run.startDate.getTime()),
    stoppedAtSeconds: run.stopDate ? seconds(run.stopDate.getTime()) : null,
    states: run.history.flatMap((e) =>
      e.stateEnteredEventDetails
        ? [{ name: e.stateEnteredEventDetails.name, atSeconds: seconds(e.timestamp.getTime()) }]
        : [],
    ),
  };
}
