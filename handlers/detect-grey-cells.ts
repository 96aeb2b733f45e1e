/**
 * Scheduled Lambda "Detect grey cells": an EventBridge schedule (e.g. `rate(1 minute)`) invokes it,
 * it judges every cell of the fleet against its peers from X-Ray statistics, publishes each
 * `cell-grey-failure` incident it found to EventBridge (`domain/cells/publish.ts`), where a rule
 * starts dispatch, and returns the detection with how many incidents it published (none when the
 * fleet is healthy or degrades as a whole). A failed publication fails the run by its error's name.
 *
 * The fleet and the thresholds come from the function's environment, validated on each
 * invocation (so a bad deployment fails loudly, by name, instead of judging with defaults):
 *   CELL_NAMES               comma-separated cell names = X-Ray service names (at least 3)
 *   XRAY_GROUP_NAME          group whose insights are read (default `Default`)
 *   EVENT_BUS_NAME           bus (name or ARN) the incidents are published to (default `default`)
 *   WINDOW_MINUTES           whole minutes judged (default 5)
 *   MIN_REQUESTS_PER_CELL    requests in the window for a cell to be judged (default 500)
 *   OUTLIER_SCORE            modified z-score cut-off (default 3.5)
 *   MIN_FAULT_RATE_INCREASE  fault-rate excess over the peers' median, 0..1 (default 0.02)
 *   MIN_P99_INCREASE_MS      p99 excess over the peers' median, ms (default 100)
 *   MIN_P99_RATIO            p99 as a multiple of the peers' median (default 1.5)
 */
import * as z from 'zod';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { detectGreyCells, type GreyCellDetection } from '../domain/cells/detect.ts';
import { eventBusNameSchema, publishIncidents } from '../domain/cells/publish.ts';
import { greyCellFleetSchema, outlierPolicySchema, type GreyCellFleet } from '../domain/cells/fleet.ts';
import type { GreyCellPorts } from '../domain/cells/ports.ts';
import { parseOrThrow } from '../domain/validation.ts';
import { createEventBridgeClient, createXRayClient } from '../adapters/aws-clients.ts';
import { xrayAdapter } from '../adapters/xray.ts';
import { eventBridgeAdapter } from '../adapters/eventbridge.ts';
import { logger, metrics } from './shared/powertools.ts';
import { taskHandler } from './shared/task-handler.ts';

/** The EventBridge "Scheduled Event" a schedule rule sends; only what the detector relies on. */
export const scheduledEventSchema = z.object({
  id: z.string().min(1),
  'detail-type': z.literal('Scheduled Event'),
  source: z.literal('aws.events'),
  /** The scheduled time: the window ends at its minute, so a redelivery judges the same window. */
  time: z.iso.datetime(),
  resources: z.array(z.string()),
});

const policy = outlierPolicySchema.shape;

/** An environment variable holding a number, checked against the fleet schema's own rule. */
const numberVariable = <Out>(schema: z.ZodType<Out, number>) =>
  z
    .string()
    .trim()
    .regex(/^\d+(\.\d+)?$/, 'not a number')
    .transform(Number)
    .pipe(schema)
    .optional();

export const environmentSchema = z
  .object({
    CELL_NAMES: z
      .string()
      .transform((names) =>
        names
          .split(',')
          .map((name) => name.trim())
          .filter((name) => name !== ''),
      )
      .pipe(greyCellFleetSchema.shape.cells),
    XRAY_GROUP_NAME: greyCellFleetSchema.shape.groupName.optional(),
    WINDOW_MINUTES: numberVariable(greyCellFleetSchema.shape.windowMinutes.unwrap()),
    MIN_REQUESTS_PER_CELL: numberVariable(policy.minRequests.unwrap()),
    OUTLIER_SCORE: numberVariable(policy.outlierScore.unwrap()),
    MIN_FAULT_RATE_INCREASE: numberVariable(policy.minFaultRateIncrease.unwrap()),
    MIN_P99_INCREASE_MS: numberVariable(policy.minP99IncreaseMs.unwrap()),
    MIN_P99_RATIO: numberVariable(policy.minP99Ratio.unwrap()),
    EVENT_BUS_NAME: eventBusNameSchema.default('default'),
  })
  .transform((env): DetectorConfig => ({
    eventBusName: env.EVENT_BUS_NAME,
    fleet: greyCellFleetSchema.parse({
      cells: env.CELL_NAMES,
      groupName: env.XRAY_GROUP_NAME,
      windowMinutes: env.WINDOW_MINUTES,
      policy: {
        minRequests: env.MIN_REQUESTS_PER_CELL,
        outlierScore: env.OUTLIER_SCORE,
        minFaultRateIncrease: env.MIN_FAULT_RATE_INCREASE,
        minP99IncreaseMs: env.MIN_P99_INCREASE_MS,
        minP99Ratio: env.MIN_P99_RATIO,
      },
    }),
  }));

export interface DetectorConfig {
  fleet: GreyCellFleet;
  eventBusName: string;
}

export type Environment = Record<string, string | undefined>;

/** What a run returns: the detection, and how many of its incidents went out to EventBridge. */
export type GreyCellRun = GreyCellDetection & { eventBusName: string; published: number };

export const detectGreyCellsTask =
  (ports: () => GreyCellPorts, environment: () => Environment) =>
  async (event: unknown): Promise<GreyCellRun> => {
    const scheduled = parseOrThrow(scheduledEventSchema, event, 'The scheduled event');
    const { fleet, eventBusName } = parseOrThrow(
      environmentSchema,
      environment(),
      "The grey-cell detector's environment",
    );
    const { xray, events } = ports();
    const detection = await detectGreyCells(xray, fleet, Date.parse(scheduled.time));
    logger.info('Grey-cell detection', {
      schedule: scheduled.resources[0],
      windowEnd: detection.windowEnd,
      verdict: detection.verdict,
      peers: detection.peers,
      greyCells: detection.incidents.map((incident) => incident.resource.name),
    });
    metrics.addMetric('GreyCells', MetricUnit.Count, detection.incidents.length);
    const { published, eventIds } = await publishIncidents(events, eventBusName, detection.incidents);
    if (published > 0) logger.info('Grey-cell incidents published', { eventBusName, eventIds });
    metrics.addMetric('GreyCellIncidentsPublished', MetricUnit.Count, published);
    return { ...detection, eventBusName, published };
  };

let productionPorts: GreyCellPorts | undefined;

/** Built on first use, so importing the handler (tests, the local engine) creates no AWS client. */
function productionGreyCellPorts(): GreyCellPorts {
  productionPorts ??= {
    xray: xrayAdapter(createXRayClient()),
    events: eventBridgeAdapter(createEventBridgeClient()),
  };
  return productionPorts;
}

export const makeHandler = (
  ports: () => GreyCellPorts = productionGreyCellPorts,
  environment: () => Environment = () => process.env,
) => taskHandler('detect-grey-cells', detectGreyCellsTask(ports, environment));
export const handler = makeHandler();
