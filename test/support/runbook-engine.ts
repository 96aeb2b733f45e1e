/**
 * The local engine with selfheal's runbooks loaded, their Lambda functions acting on tables in
 * dynalite whose CloudWatch metrics follow a steady demand (see `world/dynamodb/steady-demand.ts`).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ScalableTarget } from '@aws-sdk/client-application-auto-scaling';
import { LocalEngine } from '../../engine/local-engine.ts';
import { loadRunbooks } from '../../local/runbooks.ts';
import { localFunctionTable } from '../../local/functions.ts';
import { VirtualClock } from '../../core/virtual-clock.ts';
import type { Routing } from '../../detectors/routing/routes.ts';
import {
  recordingAutoScaling,
  steadyDemandCloudWatch,
  type SteadyDemand,
} from '../../world/dynamodb/steady-demand.ts';

export interface SteadyDemandEngineOptions {
  /** The table whose metrics CloudWatch reports. */
  tableName: string;
  demand: SteadyDemand;
  /** What Application Auto Scaling manages (nothing unless told). */
  scalableTargets?: ScalableTarget[];
  /** Dispatch's routing (the defaults unless told). */
  routing?: Routing;
}

/** An engine at 2026-01-01 12:00 UTC in virtual time, with every runbook registered. */
export async function steadyDemandEngine(
  dynamodb: DynamoDBClient,
  { tableName, demand, scalableTargets = [], routing }: SteadyDemandEngineOptions,
) {
  const clock = new VirtualClock(Date.UTC(2026, 0, 1, 12, 0, 0));
  const cloudwatch = steadyDemandCloudWatch(dynamodb, tableName, demand);
  const autoScaling = recordingAutoScaling(dynamodb, scalableTargets);
  const ports = {
    dynamodb,
    cloudwatch: cloudwatch.port,
    autoScaling: autoScaling.port,
    now: () => clock.now(),
    ...(routing ? { routing } : {}),
  };
  const engine = new LocalEngine({ clock, functions: await localFunctionTable(ports), dynamodb });
  await loadRunbooks(engine);
  return { engine, clock, cloudwatch, autoScaling };
}
