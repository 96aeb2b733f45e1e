/**
 * The SQS-backpressure incident, simulated end to end on the embedded default: the queue world
 * (queue, DLQ, event-source mapping, consumer, downstream), the deployment's downstream-health
 * alarm emitting EventBridge events, and selfheal as deployed on the local engine (the signal rule,
 * dispatch, the sqs-backpressure runbook with the mapping's queue, health and policy from the
 * config) with its ledger in dynalite, all built by `world.ts`. The same brownout runs five ways on
 * the same seed, every one with Lambda's own backoff of the mapping on failed invocations (AWS's
 * behaviour, `world/sqs/event-source-mapping.ts`, not a baseline):
 *
 * - `selfheal`: the runbook lowers the mapping's MaximumConcurrency and puts it back.
 * - `breaker-429`: a circuit breaker in front of the downstream answers 429 while open; the
 *   consumer fails those invocations, so every batch it short-circuits burns one receive of each of
 *   its messages. Kept because it is what a gateway, a mesh or a breaker library gives by default.
 * - `breaker-pause`: the same breaker (same threshold, window and open time), but open it
 *   stops the consumer's polling instead: it disables the mapping, and enables it again when the
 *   open time is over (`world/sqs/circuit-breaker.ts`). It burns no receive itself; the mapping's
 *   Disabling and Enabling transitions are the world's (20 s, an assumption of the world).
 *   Assumption: the breaker's settings are those of the 429 breaker, so the two differ only in what
 *   an open breaker does.
 * - `static-limit`: an operator set MaximumConcurrency once, before the incident, to what the
 *   downstream takes at its healthy capacity (`rightSizedConcurrency`: Little's law on the
 *   incident's downstream capacity and latency), and never touches it.
 * - `none`: no remediation; the mapping as the incident has it.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../../engine/arns.ts';
import { withLocalDynamoDb } from '../../local/dynamodb-client.ts';
import { createDispatchTables, DEFAULT_DISPATCH_TABLES } from '../../domain/dispatch/tables.ts';
import type { MappingChange, QueueMinute, QueueWorld } from '../../world/sqs/queue-world.ts';
import { MAX_MAXIMUM_CONCURRENCY, MIN_MAXIMUM_CONCURRENCY } from '../../world/sqs/event-source-mapping.ts';
import { DOWNSTREAM_NAMESPACE } from '../../world/sqs/queue-metrics.ts';
import type { LedgerRecord } from '../../domain/dispatch/ledger.ts';
import { mappingAlarms } from '../../infra/config/derived.ts';
import { QUEUE_URL, type MappingConfig } from '../../infra/config/schema.ts';
import { driveAlarms, trailOf, type ScenarioRunOptions } from '../../simulations/incident-driver.ts';
import { exampleDeployment, expectSame, protectedMapping } from '../../simulations/deployment.ts';
import type { SignalRecord } from '../../simulations/game-day.ts';
import type { IncidentSubject, Outcome, RunSummary, ScenarioAction } from '../../simulations/outcome.ts';
import type { DayCost } from '../../simulations/cost.ts';
import { lastRate, queueCostOf } from '../../simulations/cost-queue.ts';
import { recoverySeconds, SQS_BACKPRESSURE_INCIDENT, type QueueIncident } from './incident.ts';
import { startQueueWorld, type QueueWorldParts } from './world.ts';

export type QueueVariant = 'selfheal' | 'breaker-429' | 'breaker-pause' | 'static-limit' | 'none';

export const QUEUE_VARIANTS: readonly QueueVariant[] = [
  'selfheal',
  'breaker-429',
  'breaker-pause',
  'static-limit',
  'none',
];

/**
 * The MaximumConcurrency an operator sets once for what the downstream takes at its healthy
 * capacity: each invocation makes one downstream call of the healthy latency, so by Little's law
 * `floor(capacity (requests/s) × latencyMs / 1000)` invocations at once offer exactly the capacity,
 * within the 2..1,000 Lambda allows. The incident's payments service (100 requests a second at
 * 200 ms) gives 20.
 */
export function rightSizedConcurrency(incident: Pick<QueueIncident, 'downstream'>): number {
  const { capacity, latencyMs } = incident.downstream;
  const concurrency = Math.floor((capacity * latencyMs) / 1000);
  return Math.min(MAX_MAXIMUM_CONCURRENCY, Math.max(MIN_MAXIMUM_CONCURRENCY, concurrency));
}

export type QueueOptions = ScenarioRunOptions<QueueVariant, QueueIncident>;

/** A backlog is drained once no message has waited longer than this. */
export const DRAINED_AGE_SECONDS = 60;

export interface QueueFigures {
  /** No message lost (none in the DLQ, none expired) and the backlog drained after recovery. */
  healed: boolean;
  /** `healed` or `not-healed`, as the reports say it (simulations/outcome.ts). */
  outcome: Outcome;
  detectedAtSeconds: number | null;
  /** When the downstream had its capacity back. */
  recoveredAtSeconds: number;
  /** When no message had waited over a minute again, after recovery; null: not within the run. */
  drainedAtSeconds: number | null;
  /** Time to drain the backlog after recovery. */
  drainSeconds: number | null;
  downstreamRequests: number;
  /** Error responses the consumer got, the breaker's 429s included. */
  downstreamErrors: number;
  /** Of those, calls a circuit breaker answered 429 without serving them. */
  shedRequests: number;
  /** Times a circuit breaker opened (0 without one). */
  breakerOpenings: number;
  /** Times a pausing circuit breaker disabled the mapping (0 without one). */
  mappingPauses: number;
  /** Failed invocations of the consumer: downstream errors, timeouts, short-circuited calls. */
  functionErrors: number;
  /** Messages moved to the DLQ (not processed: an operator must redrive them). */
  deadLetterMessages: number;
  /** Messages deleted by the retention period, unprocessed: lost. */
  expiredMessages: number;
  maxBacklog: number;
  maxOldestAgeSeconds: number;
  actions: ScenarioAction[];
  stateTransitions: number;
  /** USD over the 24 hours from the incident's start (simulations/cost-queue.ts). */
  cost: DayCost;
}

export interface QueueVariantResult extends QueueFigures, IncidentSubject {
  scenario: 'sqs-backpressure';
  variant: QueueVariant;
  seed: number;
  runs: RunSummary[];
  signals: SignalRecord[];
  ledger: LedgerRecord[];
  timeline: QueueMinute[];
}

export function runSqsBackpressure(options: QueueOptions): Promise<QueueVariantResult> {
  return withLocalDynamoDb((dynamodb) =>
    simulate(dynamodb, options.incident ?? SQS_BACKPRESSURE_INCIDENT, options),
  );
}

async function simulate(
  dynamodb: DynamoDBClient,
  incident: QueueIncident,
  options: QueueOptions,
): Promise<QueueVariantResult> {
  const deployment = options.deployment ?? exampleDeployment();
  const mapping = protectedMapping(deployment.config, incident.mapping.uuid);
  // The world's queue lives where the config says: its region and account come from the URL.
  const [, region = LOCAL_REGION, accountId = LOCAL_ACCOUNT] = QUEUE_URL.exec(mapping.queueUrl) ?? [];
  await createDispatchTables(dynamodb, DEFAULT_DISPATCH_TABLES);
  const { clock, world, alarms, engine, gameDay, metrics } = await startQueueWorld({
    seed: options.seed,
    startMs: incident.startMs,
    world: { ...incidentWorld(incident, options.variant), region, accountId },
    alarms: mappingAlarms({ deployment: options.alarmDeployment ?? deployment.config.deployment }, mapping),
    dynamodb,
    // selfheal as deployed meets the alarms' events; the baselines have no selfheal.
    ...(options.variant === 'selfheal' ? { gameDay: deployment } : {}),
  });
  expectSameMapping(mapping, incident, world);

  const driven = await driveAlarms({
    clock,
    alarms,
    simulatedSeconds: incident.simulatedSeconds,
    executions: () => engine.executions(),
    ...(options.onAlarmEvent ? { onAlarmEvent: options.onAlarmEvent } : {}),
    // The alarm's event goes to EventBridge, whose rule starts dispatch; baselines have no selfheal.
    onAlarm: (event, atSeconds) => (gameDay ? { runs: gameDay.deliver(event, atSeconds) } : {}),
  });
  world.detach();

  // The runbook's changes are actions; a pausing breaker's are its own figure (mappingPauses).
  const remediation = world.mappingChanges.filter((c) => c.by === 'caller');
  const actions = [...driven.actions, ...remediation.map(describeChange)].sort(
    (a, b) => a.atSeconds - b.atSeconds,
  );
  return {
    scenario: 'sqs-backpressure',
    variant: options.variant,
    seed: options.seed,
    ...queueFigures(world, incident, driven.detectedAtSeconds),
    resource: `event-source-mapping/${incident.mapping.uuid}`,
    detectedBy: driven.detectedBy,
    actions,
    stateTransitions: driven.stateTransitions,
    cost: queueCostOf({
      world,
      metrics,
      rest: {
        messagesPerSecond: lastRate(incident.arrivals.phases),
        batchSize: incident.mapping.batchSize ?? 10,
        invocationSeconds: incident.downstream.latencyMs / 1000,
      },
      executions: engine.executions(),
    }),
    runs: driven.runs,
    ...(await trailOf(gameDay)),
    timeline: world.timeline,
  };
}

/** The incident's queue, consumer and brownout, and what the variant changes before it starts. */
export function incidentWorld(incident: QueueIncident, variant: QueueVariant): Partial<QueueWorldParts> {
  const mapping =
    variant === 'static-limit'
      ? { ...incident.mapping, maximumConcurrency: rightSizedConcurrency(incident) }
      : incident.mapping;
  const breaker =
    variant === 'breaker-429'
      ? { ...incident.circuitBreaker, whenOpen: 'fail-fast' as const }
      : variant === 'breaker-pause'
        ? { ...incident.circuitBreaker, whenOpen: 'pause-mapping' as const }
        : undefined;
  return {
    arrivals: incident.arrivals,
    queue: incident.queue,
    mapping,
    function: incident.function,
    downstream: { ...incident.downstream, brownouts: [incident.brownout] },
    ...(breaker ? { circuitBreaker: breaker } : {}),
  };
}

/** The config must name the world's mapping as the world does: its queue, consumer and downstream metrics. */
function expectSameMapping(mapping: MappingConfig, incident: QueueIncident, world: QueueWorld): void {
  const what = `mapping ${mapping.uuid}`;
  expectSame(`${what}: queue URL`, mapping.queueUrl, world.queueUrl);
  expectSame(`${what}: consumer function`, mapping.functionName, incident.function.name);
  expectSame(
    `${what}: downstream health metrics`,
    {
      namespace: mapping.health.namespace,
      dimensions: mapping.health.dimensions,
      counts: mapping.health.counts,
    },
    {
      namespace: DOWNSTREAM_NAMESPACE,
      dimensions: { Service: incident.downstream.name },
      counts: { errors: 'Errors', requests: 'Requests' },
    },
  );
}

function describeChange(change: MappingChange): ScenarioAction {
  const limit = (l: MappingChange['before']) =>
    !l.enabled ? 'disabled' : l.maximumConcurrency === null ? 'none' : String(l.maximumConcurrency);
  return {
    atSeconds: change.second,
    by: 'selfheal',
    what: `MaximumConcurrency ${limit(change.before)} -> ${limit(change.after)}`,
  };
}

function queueFigures(
  world: QueueWorld,
  incident: QueueIncident,
  detectedAtSeconds: number | null,
): Omit<QueueFigures, 'actions' | 'stateTransitions' | 'cost'> {
  const totals = world.totals;
  const recoveredAtSeconds = recoverySeconds(incident);
  const drained = world.timeline.find(
    (m) => m.minute * 60 >= recoveredAtSeconds && m.oldestAgeSeconds <= DRAINED_AGE_SECONDS,
  );
  const drainedAtSeconds = drained ? (drained.minute + 1) * 60 : null;
  const lost = totals.movedToDeadLetter + totals.expired;
  const healed = lost === 0 && drainedAtSeconds !== null;
  return {
    healed,
    outcome: healed ? 'healed' : 'not-healed',
    detectedAtSeconds,
    recoveredAtSeconds,
    drainedAtSeconds,
    drainSeconds: drainedAtSeconds === null ? null : drainedAtSeconds - recoveredAtSeconds,
    downstreamRequests: totals.downstreamRequests,
    downstreamErrors: totals.downstreamErrors,
    shedRequests: totals.shedRequests,
    breakerOpenings: world.breakerOpenings,
    mappingPauses: world.mappingChanges.filter((c) => c.by === 'circuit-breaker' && !c.after.enabled).length,
    functionErrors: totals.errors,
    deadLetterMessages: totals.movedToDeadLetter,
    expiredMessages: totals.expired,
    maxBacklog: Math.max(0, ...world.timeline.map((m) => m.visible + m.notVisible)),
    maxOldestAgeSeconds: Math.max(0, ...world.timeline.map((m) => m.oldestAgeSeconds)),
  };
}
