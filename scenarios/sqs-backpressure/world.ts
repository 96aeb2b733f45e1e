/**
 * The orders→payments queue world, built in one place for everyone who runs it: the scenario's
 * incident (`run.ts`), the runbook's, dispatch's and the tasks' tests, the world's own tests and the
 * bench's recordings. Each caller says only how its world differs, so how the world is wired (its
 * clock, its CloudWatch, its alarms, the ports the engine's tasks get) is written once.
 *
 * `buildQueueWorld` is the world alone, its alarms evaluated at each minute's end;
 * `startQueueWorld` adds selfheal's runbooks on the local engine with their tasks bound to it and,
 * for a game day, the deployment's rules starting dispatch on the alarms' events.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { VirtualClock } from '../../core/virtual-clock.ts';
import { seededRandom } from '../../core/random.ts';
import type { AlarmDefinition } from '../../contracts/alarm-definition.ts';
import type { BackpressurePorts } from '../../domain/backpressure/ports.ts';
import type { Routing } from '../../detectors/routing/routes.ts';
import type { LocalEngine } from '../../engine/local-engine.ts';
import { startRunbookEngine } from '../../local/runbooks.ts';
import type { LocalPorts } from '../../local/task-ports.ts';
import { AlarmEvaluator } from '../../world/cloudwatch-alarms.ts';
import { MetricStore } from '../../world/metric-store.ts';
import {
  QueueWorld,
  type ArrivalSpec,
  type Brownout,
  type QueueWorldOptions,
} from '../../world/sqs/queue-world.ts';
import type { Deployment } from '../../simulations/deployment.ts';
import { startGameDay, type GameDay } from '../../simulations/game-day.ts';

/** What the world is made of, as `QueueWorld` takes it: all but its clock, CloudWatch and seed. */
export type QueueWorldParts = Omit<QueueWorldOptions, 'clock' | 'metrics' | 'random'>;

/** Orders at a steady rate, with 5 % noise unless told (the last phase's rate holds after it). */
export function steadyOrders(messagesPerSecond: number, noise = 0.05): ArrivalSpec {
  return { phases: [{ name: 'steady', durationSeconds: 4 * 3600, messagesPerSecond }], noise };
}

/**
 * 200 orders a second into `orders` (visibility timeout 30 s, maxReceiveCount 5), drained by
 * `orders-consumer` through a mapping with MaximumConcurrency 100, calling `payments`, which
 * serves 100 requests a second at 200 ms: the world, but for the parts a caller replaces.
 */
export const ORDERS_TO_PAYMENTS = {
  arrivals: steadyOrders(200),
  queue: { name: 'orders', visibilityTimeoutSeconds: 30, maxReceiveCount: 5 },
  mapping: { maximumConcurrency: 100 },
  function: { name: 'orders-consumer' },
  downstream: { name: 'payments', capacity: 100, latencyMs: 200 },
} satisfies QueueWorldParts;

/** The mapping the runbook's tests, the tasks' tests and the bench throttle. */
export const BROWNOUT_MAPPING_UUID = 'a1b2c3d4-5678-4abc-9def-111111111111';

/** `payments` down to 5 requests a second from minute 2, for `durationMinutes`. */
export const brownoutFromMinute2 = (durationMinutes: number): Brownout => ({
  fromMinute: 2,
  durationMinutes,
  capacity: 5,
});

/** The runbook's own world (its tests' and the bench's): a brownout under a mapping of a known UUID. */
export function brownoutWorld(durationMinutes: number): Partial<QueueWorldParts> {
  return {
    mapping: { uuid: BROWNOUT_MAPPING_UUID, maximumConcurrency: 100, transitionSeconds: 20 },
    downstream: { ...ORDERS_TO_PAYMENTS.downstream, brownouts: [brownoutFromMinute2(durationMinutes)] },
  };
}

export interface QueueWorldSetup {
  /** Seeds the world's streams (arrivals, the downstream's errors) and the engine's retry jitter. */
  seed: number;
  /** Virtual time the world starts at; the virtual clock's default unless told. */
  startMs?: number;
  /** How the world differs from ORDERS_TO_PAYMENTS: a part named replaces that part whole. */
  world?: Partial<QueueWorldParts>;
  /** CloudWatch alarms on the world's metrics, evaluated at each minute's end; none unless told. */
  alarms?: readonly AlarmDefinition[];
}

export interface SimulatedQueueWorld {
  clock: VirtualClock;
  /** The world's CloudWatch: what it publishes, what its alarms and the tasks read. */
  metrics: MetricStore;
  world: QueueWorld;
  alarms: AlarmEvaluator;
}

export function buildQueueWorld(setup: QueueWorldSetup): SimulatedQueueWorld {
  const clock = new VirtualClock(setup.startMs);
  const metrics = new MetricStore({ now: () => clock.now() });
  const world = new QueueWorld({
    clock,
    metrics,
    random: seededRandom(setup.seed),
    ...ORDERS_TO_PAYMENTS,
    ...setup.world,
  });
  // The alarms live where the queue does: their ARNs, and the events they emit, name its account.
  const alarms = new AlarmEvaluator({
    alarms: setup.alarms ?? [],
    cloudwatch: metrics,
    accountId: world.accountId,
    region: world.region,
    createdAtMs: clock.startMs,
  });
  world.onMinute(({ nowMs }) => alarms.evaluate(nowMs).then(() => undefined));
  return { clock, metrics, world, alarms };
}

export interface QueueEngineSetup extends QueueWorldSetup {
  /** dynalite, with dispatch's tables: the engine's execution store and the tasks' ledger. */
  dynamodb: DynamoDBClient;
  /** Dispatch's routing: the game day's deployment's, else the default routing unless told. */
  routing?: Routing;
  /** What the tasks get in place of the world's own ports (a test's faults). */
  wrap?: (ports: BackpressurePorts) => BackpressurePorts;
  /**
   * A game day of this deployment: the runbook it routes queue backpressure to turned live, and
   * its rules starting dispatch on each event `gameDay.deliver` is given.
   */
  gameDay?: Deployment;
  /**
   * Starts the engine the runbooks run on, over the world's ports: by default the local
   * deployment on the world's seed; the bench starts one that records every answer its tasks get.
   */
  startEngine?: (clock: VirtualClock, ports: LocalPorts) => Promise<LocalEngine>;
}

export interface QueueWorldOnEngine extends SimulatedQueueWorld {
  engine: LocalEngine;
  gameDay: GameDay | undefined;
}

export async function startQueueWorld(setup: QueueEngineSetup): Promise<QueueWorldOnEngine> {
  const built = buildQueueWorld(setup);
  const { clock } = built;
  const { dynamodb, gameDay: deployment } = setup;
  const startEngine =
    setup.startEngine ??
    ((at: VirtualClock, ports: LocalPorts) =>
      startRunbookEngine({ clock: at, ports, dynamodb, seed: setup.seed }));
  const engine = await startEngine(clock, queueTaskPorts(built.world, setup));
  const gameDay = deployment
    ? await startGameDay({ deployment, engine, dynamodb, kind: 'queue-backpressure', clock })
    : undefined;
  return { ...built, engine, gameDay };
}

/**
 * What selfheal's tasks are given in the queue world: its mapping, queue and CloudWatch, dynalite
 * and dispatch's routing. No auto scaling: no runbook this world starts scales a table.
 */
function queueTaskPorts(world: QueueWorld, setup: QueueEngineSetup): LocalPorts {
  const backpressure = setup.wrap ? setup.wrap(world.ports()) : world.ports();
  const routing = setup.routing ?? setup.gameDay?.routing;
  return {
    dynamodb: setup.dynamodb,
    cloudwatch: backpressure.cloudwatch,
    now: backpressure.now,
    backpressure,
    ...(routing ? { routing } : {}),
  };
}
