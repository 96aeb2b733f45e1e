/**
 * The SQS-backpressure runbook's six Lambda tasks, invoked as Lambda invokes them: each with the
 * Payload its own state in `statemachines/sqs-backpressure.asl.json` sends, against the simulated
 * queue world (a mapping, a queue, a downstream that browns out, in virtual time) — and, for how
 * AWS's errors reach Step Functions, against the production adapters over a mocked SDK.
 */
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { mockClient } from 'aws-sdk-client-mock';
import {
  GetEventSourceMappingCommand,
  InvalidParameterValueException,
  LambdaClient,
  ResourceInUseException,
  ResourceNotFoundException,
  ServiceException,
  TooManyRequestsException,
  UpdateEventSourceMappingCommand,
  type UpdateEventSourceMappingRequest,
} from '@aws-sdk/client-lambda';
import {
  GetQueueAttributesCommand,
  QueueDoesNotExist,
  RequestThrottled,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { CloudWatchClient, GetMetricDataCommand, type GetMetricDataInput } from '@aws-sdk/client-cloudwatch';
import * as backpressure from '../../handlers/backpressure-tasks.ts';
import {
  makeApplyHandler,
  makeCheckSettledHandler,
  makeInspectHandler,
  makeLedgerItemHandler,
  makeProbeHandler,
  makeRestoreHandler,
} from '../../handlers/backpressure-tasks.ts';
import { TASK_FUNCTIONS } from '../../runbooks/catalogue.ts';
import type { BackpressurePorts } from '../../domain/backpressure/ports.ts';
import type { BackpressureState, Original, Restored } from '../../domain/backpressure/runbook.ts';
import type { LedgerItem } from '../../domain/dispatch/ledger.ts';
import { findState, loadDefinitionFile } from '../../engine/asl.ts';
import { STATEMACHINES_DIR } from '../../runbooks/catalogue.ts';
import { toJson, type JsonValue } from '../../core/json.ts';
import type { VirtualClock } from '../../core/virtual-clock.ts';
import type { MetricStore } from '../../world/metric-store.ts';
import type { QueueWorld } from '../../world/sqs/queue-world.ts';
import {
  BROWNOUT_MAPPING_UUID,
  brownoutFromMinute2,
  buildQueueWorld,
  ORDERS_TO_PAYMENTS,
  steadyOrders,
} from '../../scenarios/sqs-backpressure/world.ts';
import { awsErrors, failing, fillParameters, invocationError, invoke } from './support.ts';

const UUID = BROWNOUT_MAPPING_UUID;
const UNKNOWN_UUID = '00000000-0000-4000-8000-000000000000';
const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/orders';
const DLQ_ARN = 'arn:aws:sqs:us-east-1:123456789012:orders-dlq';
/** The world starts at noon; the tasks run five minutes in unless told. */
const START = Date.UTC(2026, 0, 1, 12, 0, 0);
const EXECUTION_NAME = 'sqs-backpressure-7f3a';

// ---------------------------------------------------------------------------------------------
// The runbook: which state invokes which task, what it sends, and what it retries and catches.

/** The policy a request without one gets: the defaults, every one spelled out. */
const FILLED_POLICY = {
  mode: 'throttle',
  decreaseFactor: 0.5,
  floor: 2,
  increaseStep: 10,
  probeSeconds: 120,
  maxProbes: 18,
  settleSeconds: 5,
  settleMaxPolls: 24,
  retentionGuardPercent: 80,
} as const;

const runbook = await loadDefinitionFile(join(STATEMACHINES_DIR, 'sqs-backpressure.asl.json'));

const TASKS = {
  inspect: { id: 'inspect-backpressure', make: makeInspectHandler, state: 'Read the mapping and the queue' },
  ledger: {
    id: 'build-backpressure-ledger-item',
    make: makeLedgerItemHandler,
    state: 'Build the ledger record of the original concurrency',
  },
  apply: { id: 'apply-backpressure', make: makeApplyHandler, state: 'Set the next concurrency' },
  settle: {
    id: 'check-mapping-settled',
    make: makeCheckSettledHandler,
    state: 'Check whether the mapping has settled',
  },
  probe: { id: 'probe-backpressure', make: makeProbeHandler, state: 'Probe the downstream' },
  restore: { id: 'restore-concurrency', make: makeRestoreHandler, state: 'Restore the original concurrency' },
} as const;
type TaskName = keyof typeof TASKS;

interface LambdaTaskState {
  Type: string;
  Parameters: { FunctionName: string; [key: string]: JsonValue };
  Retry?: { ErrorEquals: string[] }[];
  Catch?: { ErrorEquals: string[]; Next: string }[];
  ResultSelector?: Record<string, string>;
}

function taskState(task: TaskName): LambdaTaskState {
  const state = findState(runbook, TASKS[task].state);
  if (state?.Type !== 'Task') throw new Error(`sqs-backpressure has no Task state "${TASKS[task].state}"`);
  return state as unknown as LambdaTaskState;
}

/** The context object's one field these Parameters read. */
const CONTEXT: JsonValue = { Execution: { Name: EXECUTION_NAME } };

/** The Lambda event a task's state sends, given the state's input (its Parameters' `Payload`). */
function payloadOf(task: TaskName, stateInput: unknown): JsonValue {
  return fillParameters(taskState(task).Parameters, toJson(stateInput), CONTEXT).Payload ?? null;
}

const retriedBy = (task: TaskName) => (taskState(task).Retry ?? []).flatMap((r) => r.ErrorEquals);

/** Where the state's first matching Catch sends an error of this name. */
function caughtBy(task: TaskName, errorName: string): string | undefined {
  const matches = (equals: string[]) => equals.includes(errorName) || equals.includes('States.ALL');
  return (taskState(task).Catch ?? []).find((c) => matches(c.ErrorEquals))?.Next;
}

/**
 * A task's failure as Step Functions sees it: its `errorType` (the error's name), whether the
 * state's Retry blocks retry it (exactly when the error says it is retryable), and, for an error
 * not retried, the state its Catch sends the run to.
 */
async function failure(
  task: TaskName,
  promise: Promise<unknown>,
  expected: { errorType: string; retried: true } | { errorType: string; retried: false; caughtBy: string },
) {
  const error = await invocationError(promise);
  expect(error).toMatchObject({ name: expected.errorType, retryable: expected.retried });
  expect(retriedBy(task).includes(expected.errorType), `${TASKS[task].state} retries it`).toBe(
    expected.retried,
  );
  if (!expected.retried) expect(caughtBy(task, expected.errorType)).toBe(expected.caughtBy);
  return error;
}

/** Invokes a task's handler, with these ports, on its state's Payload for this state input. */
function run<Result>(task: TaskName, ports: BackpressurePorts, stateInput: unknown): Promise<Result> {
  const { make, id } = TASKS[task];
  return invoke(
    make(() => ports),
    id,
    payloadOf(task, stateInput),
  ) as Promise<Result>;
}

// ---------------------------------------------------------------------------------------------
// The simulated world: 300 messages a second into `orders`, drained by `orders-consumer` through
// mapping UUID, each invocation calling `payments` for 5 s (it serves 100 requests a second): the
// consumer runs at its MaximumConcurrency of 100 and falls behind, a backlog building.
//
// The requests judge health by the payments API's own ErrorRate (Payments/ErrorRate, Api=charge),
// which the test publishes each minute at the rate it sets, so the arithmetic of each decision is
// exact. `WORLD_HEALTH` instead reads the rate the simulated downstream publishes in a brownout.

const HEALTH = { namespace: 'Payments', dimensions: { Api: 'charge' }, thresholdPercent: 5 };
const HEALTH_METRIC = { namespace: 'Payments', metricName: 'ErrorRate', dimensions: { Api: 'charge' } };
const WORLD_HEALTH = { namespace: 'Downstream', dimensions: { Service: 'payments' }, thresholdPercent: 5 };

interface WorldSetup {
  /** ScalingConfig.MaximumConcurrency at the start; null: none. Default 100. */
  maximumConcurrency?: number | null;
  /** Default true. */
  enabled?: boolean;
  /** Payments/ErrorRate published for each minute (percent); null: none. Default 20, unhealthy. */
  errorRate?: number | null;
  /** `payments` browns out to 5 requests a second from minute 2, or (the default) never. */
  brownout?: boolean;
  /** Minutes the world runs before the first task; default 5. */
  minutes?: number;
  /** Default 345,600 (4 days). */
  retentionSeconds?: number;
}

interface Env {
  clock: VirtualClock;
  metrics: MetricStore;
  world: QueueWorld;
  /** The world's ports, every call recorded. */
  ports: BackpressurePorts;
  /** Names of the calls the tasks made, in order. */
  calls: string[];
  /** Every UpdateEventSourceMapping request the tasks sent. */
  updates: UpdateEventSourceMappingRequest[];
  /** Sets the ErrorRate published from the minute in progress on. */
  setErrorRate(percent: number | null): void;
}

async function queueWorld(setup: WorldSetup = {}): Promise<Env> {
  const { maximumConcurrency = 100, enabled = true, brownout = false, minutes = 5 } = setup;
  let errorRate = setup.errorRate === undefined ? 20 : setup.errorRate;
  const { clock, metrics, world } = buildQueueWorld({
    seed: 1,
    startMs: START,
    world: {
      arrivals: steadyOrders(300),
      queue: {
        ...ORDERS_TO_PAYMENTS.queue,
        visibilityTimeoutSeconds: 60,
        ...(setup.retentionSeconds ? { messageRetentionPeriodSeconds: setup.retentionSeconds } : {}),
      },
      mapping: {
        uuid: UUID,
        transitionSeconds: 20,
        enabled,
        ...(maximumConcurrency === null ? {} : { maximumConcurrency }),
      },
      function: { ...ORDERS_TO_PAYMENTS.function, timeoutSeconds: 10 },
      downstream: {
        ...ORDERS_TO_PAYMENTS.downstream,
        latencyMs: 5000,
        brownouts: brownout ? [brownoutFromMinute2(120)] : [],
      },
    },
  });
  world.onMinute(({ entry }) => {
    if (errorRate !== null) metrics.putValue(HEALTH_METRIC, entry.startMs, errorRate);
  });
  await clock.advance(minutes * 60);

  const calls: string[] = [];
  const updates: UpdateEventSourceMappingRequest[] = [];
  const inner = world.ports();
  const ports: BackpressurePorts = {
    mappings: {
      getEventSourceMapping: (input) => {
        calls.push('GetEventSourceMapping');
        return inner.mappings.getEventSourceMapping(input);
      },
      updateEventSourceMapping: (input) => {
        calls.push('UpdateEventSourceMapping');
        updates.push(input);
        return inner.mappings.updateEventSourceMapping(input);
      },
    },
    queues: {
      getQueueAttributes: (input) => {
        calls.push('GetQueueAttributes');
        return inner.queues.getQueueAttributes(input);
      },
    },
    cloudwatch: {
      getMetricData: (input) => {
        calls.push('GetMetricData');
        return inner.cloudwatch.getMetricData(input);
      },
      describeInsightRules: (input) => inner.cloudwatch.describeInsightRules(input),
      getInsightRuleReport: (input) => inner.cloudwatch.getInsightRuleReport(input),
    },
    now: inner.now,
  };
  const setErrorRate = (percent: number | null) => {
    errorRate = percent;
  };
  return { clock, metrics, world, ports, calls, updates, setErrorRate };
}

/** The mapping as GetEventSourceMapping shows it now (read by the test, not recorded). */
const mappingOf = (env: Env) => env.world.getEventSourceMapping({ UUID });

/** Lets a restore take effect (20 s), then checks the mapping runs again with `limit` (null: none). */
async function expectRunningWith(env: Env, limit: number | null) {
  await env.clock.advance(20);
  const mapping = await mappingOf(env);
  expect(mapping.State).toBe('Enabled');
  if (limit === null) expect(mapping.ScalingConfig).toBeUndefined();
  else expect(mapping.ScalingConfig).toMatchObject({ MaximumConcurrency: limit });
}

/** Changes the mapping behind the tasks' back (as an earlier step did) and lets it settle. */
async function changedEarlier(env: Env, update: Omit<UpdateEventSourceMappingRequest, 'UUID'>) {
  await env.world.updateEventSourceMapping({ UUID, ...update });
  await env.clock.advance(30);
}

/** The runbook's input, as the alarm's rule builds it. */
const request = (extra: Record<string, unknown> = {}) => ({
  mappingId: UUID,
  queueUrl: QUEUE_URL,
  incidentId: 'incident-1',
  health: HEALTH,
  ...extra,
});

/** The runbook's control after a first look at an untouched mapping at 100: nothing changed yet. */
const UNTOUCHED_AT_100 = {
  current: 100,
  probes: 0,
  notified: false,
  polls: 0,
  settled: true,
  state: 'Enabled',
  changes: 0,
};

/** A first look's judgement of the downstream at 20 % errors (over the 5 % threshold): halve the limit. */
const HALVE_AT_20_PERCENT = {
  decision: 'decrease',
  target: 50,
  reason: 'unhealthy (20 > 5)',
  healthy: false,
  errorRate: 20,
  thresholdPercent: 5,
};

/** Requests the runbook refuses, and the field each error names. */
const INVALID_REQUESTS: [string, unknown, string][] = [
  [
    'a malformed mapping UUID',
    request({ mappingId: 'not-a-mapping' }),
    'mappingId: must be an event-source mapping UUID',
  ],
  ['no health metric', { mappingId: UUID, queueUrl: QUEUE_URL }, 'health: '],
  [
    'a threshold above 100 %',
    request({ health: { ...HEALTH, thresholdPercent: 150 } }),
    'health.thresholdPercent: ',
  ],
  ['a floor below 2', request({ policy: { floor: 1 } }), 'policy.floor: '],
  ['a queue URL that is not a URL', request({ queueUrl: 'orders' }), 'queueUrl: '],
  ['an unknown field', request({ maximumConcurrency: 5 }), 'maximumConcurrency'],
];

const inspect = (env: Env, input: unknown = request()) => run<BackpressureState>('inspect', env.ports, input);
const apply = (env: Env, state: unknown) => run<BackpressureState>('apply', env.ports, state);
const checkSettled = (env: Env, state: unknown) => run<BackpressureState>('settle', env.ports, state);
const probe = (env: Env, state: unknown) => run<BackpressureState>('probe', env.ports, state);
const restore = (env: Env, state: unknown) => run<Restored>('restore', env.ports, state);
const buildLedgerItem = (env: Env, state: unknown) => run<{ item: LedgerItem }>('ledger', env.ports, state);

/** A state the runbook has after `inspect`, with these fields of `control` (and `assessment`). */
function withControl(
  state: BackpressureState,
  control: Partial<BackpressureState['control']>,
  assessment: Partial<BackpressureState['assessment']> = {},
): BackpressureState {
  return {
    ...state,
    control: { ...state.control, ...control },
    assessment: { ...state.assessment, ...assessment },
  };
}

// ---------------------------------------------------------------------------------------------

describe('the SQS-backpressure tasks', () => {
  it.each(Object.entries(TASKS))(
    '%s is the handler its runbook state invokes, and the one Lambda runs from the registry',
    (_task, { id, state }) => {
      const registered = TASK_FUNCTIONS.find((f) => f.id === id);

      expect(registered).toMatchObject({ entry: 'handlers/backpressure-tasks.ts' });
      expect((findState(runbook, state) as unknown as LambdaTaskState).Parameters.FunctionName).toBe(
        `\${${registered?.substitution}}`,
      );
      expect(typeof backpressure[registered?.handlerName as keyof typeof backpressure]).toBe('function');
    },
  );
});

describe('inspect-backpressure (Read the mapping and the queue)', () => {
  it('records the original limit from the mapping, reads the queue and the downstream, and plans a multiplicative decrease', async () => {
    const env = await queueWorld({ errorRate: 20 });

    const state = await inspect(env);

    expect(state.original).toEqual({ maximumConcurrency: 100, enabled: true, concurrency: 100 });
    expect(state.control).toMatchObject(UNTOUCHED_AT_100);
    expect(state.assessment).toMatchObject({
      ...HALVE_AT_20_PERCENT,
      urgent: false,
      retentionSeconds: 345_600,
      queue: {
        queueName: 'orders',
        visibilityTimeoutSeconds: 60,
        retentionSeconds: 345_600,
        redrivePolicy: { deadLetterTargetArn: DLQ_ARN, maxReceiveCount: 5 },
      },
    });
    // The mapping first (the original), then the queue and the metrics; nothing is changed.
    expect(env.calls[0]).toBe('GetEventSourceMapping');
    expect(new Set(env.calls)).toEqual(
      new Set(['GetEventSourceMapping', 'GetQueueAttributes', 'GetMetricData']),
    );
  });

  it("returns the request with the policy's defaults filled in, for the later states to read", async () => {
    const env = await queueWorld();

    const state = await inspect(env);

    expect(state.request).toEqual({
      mappingId: UUID,
      queueUrl: QUEUE_URL,
      incidentId: 'incident-1',
      dryRun: false,
      health: { ...HEALTH, metricName: 'ErrorRate', lookbackSeconds: 180 },
      policy: FILLED_POLICY,
    });
  });

  it('records a mapping without MaximumConcurrency as none (null), counted as concurrency 1,000', async () => {
    const env = await queueWorld({ maximumConcurrency: null });

    const state = await inspect(env);

    expect(state.original).toEqual({ maximumConcurrency: null, enabled: true, concurrency: 1000 });
    expect(state.control).toMatchObject({ current: 1000 });
    expect(state.assessment.decision).toBe('decrease');
  });

  it('records a disabled mapping as not enabled, concurrency 0, keeping its MaximumConcurrency', async () => {
    const env = await queueWorld({ enabled: false });

    const state = await inspect(env);

    expect(state.original).toEqual({ maximumConcurrency: 100, enabled: false, concurrency: 0 });
    expect(state.control).toMatchObject({ current: 0, settled: true, state: 'Disabled' });
  });

  it('finds a healthy downstream at the original limit: nothing to throttle', async () => {
    const env = await queueWorld({ errorRate: 1 });

    const state = await inspect(env);

    expect(state.assessment).toMatchObject({
      decision: 'restored',
      target: 100,
      healthy: true,
      errorRate: 1,
      reason: 'healthy at the original limit',
    });
  });

  it("reads the downstream's health as the world publishes it: healthy before a brownout, unhealthy three minutes into it", async () => {
    const before = await queueWorld({ brownout: true, minutes: 2 });
    const during = await queueWorld({ brownout: true, minutes: 5 });
    const input = request({ health: WORLD_HEALTH });

    const calm = await inspect(before, input);
    const brownout = await inspect(during, input);

    expect(calm.assessment).toMatchObject({ decision: 'restored', healthy: true });
    expect(calm.assessment.errorRate).toBeLessThanOrEqual(5);
    expect(brownout.assessment).toMatchObject({ decision: 'decrease', healthy: false });
    expect(brownout.assessment.errorRate).toBeGreaterThan(5);
    expect(brownout.assessment.target).toBeLessThan(100);
    // The consumer falls behind: a backlog, its oldest message minutes old.
    expect(brownout.assessment.queue.approximateNumberOfMessages).toBeGreaterThan(1000);
    expect(brownout.assessment.oldestAgeSeconds).toBeGreaterThan(60);
  });

  it('plans an urgent notification, not more throttling, when the oldest message nears the retention period', async () => {
    // Ten minutes into a brownout the oldest message is over 270 s old: 30 % of 900 s.
    const env = await queueWorld({ brownout: true, minutes: 12, retentionSeconds: 900 });

    const state = await inspect(env, request({ policy: { retentionGuardPercent: 30 } }));

    expect(state.assessment).toMatchObject({
      decision: 'urgent',
      target: 100,
      urgent: true,
      healthy: false,
      retentionSeconds: 900,
    });
    expect(state.assessment.oldestAgeSeconds).toBeGreaterThanOrEqual(270);
  });

  it('only reads: in a dry run it plans the first step, and the runbook reports it without any task that changes the mapping', async () => {
    const env = await queueWorld();

    const state = await inspect(env, request({ dryRun: true }));

    expect(state.request.dryRun).toBe(true);
    expect(state.assessment).toMatchObject({ decision: 'decrease', target: 50 });
    expect(env.updates).toEqual([]);
    expect(await mappingOf(env)).toMatchObject({
      State: 'Enabled',
      ScalingConfig: { MaximumConcurrency: 100 },
    });
    // The apply task itself does not look at dryRun: the state after this one keeps a dry run from it.
    const { Next: next } = findState(runbook, TASKS.inspect.state) as { Next?: string };
    expect(findState(runbook, next ?? '')).toMatchObject({
      Type: 'Choice',
      Choices: [
        {
          Variable: '$.request.dryRun',
          BooleanEquals: true,
          Next: 'Report the plan without changing anything',
        },
      ],
    });
    expect(findState(runbook, 'Report the plan without changing anything')).toMatchObject({
      Type: 'Pass',
      End: true,
    });
  });

  describe('given a request the runbook does not accept', () => {
    it.each(INVALID_REQUESTS)(
      'rejects %s with InvalidRequestError naming the field, reading nothing',
      async (_what, input, issue) => {
        const env = await queueWorld();

        const error = await failure('inspect', inspect(env, input), {
          errorType: 'InvalidRequestError',
          retried: false,
          caughtBy: 'Reject the invalid request',
        });

        expect(error.message).toMatch(/^Backpressure request is invalid: /);
        expect(error.message).toContain(issue);
        expect(env.calls).toEqual([]);
      },
    );
  });

  it('names a mapping that does not exist ResourceNotFoundError, which the runbook reports as such', async () => {
    const env = await queueWorld();

    const error = await failure('inspect', inspect(env, request({ mappingId: UNKNOWN_UUID })), {
      errorType: 'ResourceNotFoundError',
      retried: false,
      caughtBy: 'The mapping or the queue does not exist',
    });

    expect(error.message).toBe(
      `GetEventSourceMapping ${UNKNOWN_UUID}: The resource you requested does not exist.`,
    );
  });

  it('names a queue that does not exist ResourceNotFoundError too (SQS says QueueDoesNotExist)', async () => {
    const env = await queueWorld();
    const missing = 'https://sqs.us-east-1.amazonaws.com/123456789012/no-such-queue';

    const error = await failure('inspect', inspect(env, request({ queueUrl: missing })), {
      errorType: 'ResourceNotFoundError',
      retried: false,
      caughtBy: 'The mapping or the queue does not exist',
    });

    expect(error.message).toBe(`GetQueueAttributes ${missing}: The specified queue does not exist.`);
  });
});

describe('apply-backpressure (Set the next concurrency)', () => {
  it('halves MaximumConcurrency (100 -> 50) with one UpdateEventSourceMapping, and reports the mapping Updating', async () => {
    const env = await queueWorld();
    const inspected = await inspect(env);

    const state = await apply(env, inspected);

    expect(env.updates).toEqual([{ UUID, ScalingConfig: { MaximumConcurrency: 50 } }]);
    expect(state.control).toMatchObject({
      ...UNTOUCHED_AT_100,
      current: 50,
      settled: false,
      state: 'Updating',
      changes: 1,
    });
    expect(state.original).toEqual(inspected.original);
    expect(await mappingOf(env)).toMatchObject({
      State: 'Updating',
      ScalingConfig: { MaximumConcurrency: 50 },
    });
  });

  it.each([
    ['halving 3 stops at the floor of 2', 3, {}, 2],
    ['a steep decrease (x 0.05) stops at a floor of 10', 100, { floor: 10, decreaseFactor: 0.05 }, 10],
    ['x 0.3 takes 100 to 30', 100, { decreaseFactor: 0.3 }, 30],
  ])('lowers multiplicatively and never below the floor: %s', async (_what, from, policy, to) => {
    const env = await queueWorld({ maximumConcurrency: from });

    const state = await apply(env, await inspect(env, request({ policy })));

    expect(env.updates).toEqual([{ UUID, ScalingConfig: { MaximumConcurrency: to } }]);
    expect(state.control).toMatchObject({ current: to, changes: 1 });
  });

  it('gives a mapping without a limit its first MaximumConcurrency, the planned one', async () => {
    const env = await queueWorld({ maximumConcurrency: null });
    const inspected = await inspect(env);
    const target = inspected.assessment.target;
    expect(target).toBeGreaterThanOrEqual(2);
    expect(target).toBeLessThan(1000);

    const state = await apply(env, inspected);

    expect(env.updates).toEqual([{ UUID, ScalingConfig: { MaximumConcurrency: target } }]);
    expect(state.control).toMatchObject({ current: target, changes: 1 });
    expect(await mappingOf(env)).toMatchObject({ ScalingConfig: { MaximumConcurrency: target } });
  });

  it('refuses to change anything in a dry run, should the state machine ever route one here', async () => {
    const env = await queueWorld();
    const inspected = await inspect(env, request({ dryRun: true }));

    const error = await failure('apply', apply(env, inspected), {
      errorType: 'InvalidRequestError',
      retried: false,
      caughtBy: 'Restore the original concurrency',
    });

    expect(error.message).toMatch(/dry run.*nothing was changed/);
    expect(env.updates).toEqual([]);
  });

  it('holds a mapping already at the floor: the plan keeps it, and nothing is sent', async () => {
    const env = await queueWorld({ maximumConcurrency: 2 });
    const inspected = await inspect(env);
    expect(inspected.assessment).toMatchObject({ decision: 'hold', target: 2, reason: 'at the floor' });

    const state = await apply(env, inspected);

    expect(env.updates).toEqual([]);
    expect(state.control).toMatchObject({ current: 2, settled: true, state: 'Enabled', changes: 0 });
  });

  it('disables the mapping in disable mode (Enabled: false, the limit left as it is)', async () => {
    const env = await queueWorld();
    const inspected = await inspect(env, request({ policy: { mode: 'disable' } }));
    expect(inspected.assessment).toMatchObject({ decision: 'decrease', target: 0 });

    const state = await apply(env, inspected);

    expect(env.updates).toEqual([{ UUID, Enabled: false }]);
    expect(state.control).toMatchObject({ current: 0, settled: false, state: 'Disabling', changes: 1 });
    expect(await mappingOf(env)).toMatchObject({
      State: 'Disabling',
      ScalingConfig: { MaximumConcurrency: 100 },
    });
  });

  it('raises the limit by one step once a probe found the downstream healthy', async () => {
    const env = await queueWorld({ errorRate: 1 });
    const inspected = await inspect(env);
    await changedEarlier(env, { ScalingConfig: { MaximumConcurrency: 50 } });
    const probed = await probe(env, withControl(inspected, { current: 50, changes: 1 }));
    expect(probed.assessment).toMatchObject({ decision: 'increase', target: 60 });

    const state = await apply(env, probed);

    expect(env.updates).toEqual([{ UUID, ScalingConfig: { MaximumConcurrency: 60 } }]);
    expect(state.control).toMatchObject({ current: 60, changes: 2 });
  });

  it('sends nothing more when retried after its change went through', async () => {
    const env = await queueWorld();
    const inspected = await inspect(env);
    await apply(env, inspected);

    const retried = await apply(env, inspected);

    expect(env.updates).toEqual([{ UUID, ScalingConfig: { MaximumConcurrency: 50 } }]);
    expect(retried.control).toMatchObject({ current: 50, state: 'Updating' });
  });

  it('fails with ResourceBusyError, which the runbook retries, while an earlier change is still in progress', async () => {
    const env = await queueWorld();
    const inspected = await inspect(env);
    await apply(env, inspected);

    const error = await failure('apply', apply(env, withControl(inspected, {}, { target: 25 })), {
      errorType: 'ResourceBusyError',
      retried: true,
    });

    expect(error.message).toContain(
      `UpdateEventSourceMapping ${UUID}: Cannot update the event source mapping`,
    );
    expect(await mappingOf(env)).toMatchObject({ ScalingConfig: { MaximumConcurrency: 50 } });
  });

  it("rejects a state that is not the runbook's with InvalidRequestError, changing nothing", async () => {
    const env = await queueWorld();
    const inspected = await inspect(env);
    env.calls.length = 0;

    const error = await failure('apply', apply(env, withControl(inspected, {}, { target: -1 })), {
      errorType: 'InvalidRequestError',
      retried: false,
      caughtBy: 'Restore the original concurrency',
    });

    expect(error.message).toMatch(/^Apply input is invalid: assessment\.target: /);
    expect(env.calls).toEqual([]);
  });
});

describe('check-mapping-settled (Check whether the mapping has settled)', () => {
  it('reports the mapping not settled while it is Updating, and settled once it is Enabled again', async () => {
    const env = await queueWorld();
    const applied = await apply(env, await inspect(env));

    const first = await checkSettled(env, applied);
    expect(first.control).toMatchObject({ settled: false, polls: 1, state: 'Updating', current: 50 });

    await env.clock.advance(20);
    const second = await checkSettled(env, first);
    expect(second.control).toMatchObject({ settled: true, polls: 2, state: 'Enabled', current: 50 });
    expect(env.updates).toHaveLength(1);
  });

  it('waits out Disabling in disable mode: settled once the mapping is Disabled', async () => {
    const env = await queueWorld();
    const applied = await apply(env, await inspect(env, request({ policy: { mode: 'disable' } })));

    expect((await checkSettled(env, applied)).control).toMatchObject({ settled: false, state: 'Disabling' });
    await env.clock.advance(20);
    expect((await checkSettled(env, applied)).control).toMatchObject({ settled: true, state: 'Disabled' });
  });

  it("fails with MappingNotSettledError once the policy's polls are spent, and the runbook restores the original", async () => {
    const env = await queueWorld();
    const applied = await apply(env, await inspect(env, request({ policy: { settleMaxPolls: 2 } })));
    const first = await checkSettled(env, applied);

    const error = await failure('settle', checkSettled(env, first), {
      errorType: 'MappingNotSettledError',
      retried: false,
      caughtBy: 'Restore the original concurrency',
    });

    expect(error.message).toBe(`Event-source mapping ${UUID} is still Updating after 2 polls 5 s apart`);
  });
});

describe('probe-backpressure (Probe the downstream)', () => {
  /** A state after the run lowered the mapping to `current` and it settled. */
  async function lowered(env: Env, current: number, extra: Record<string, unknown> = {}) {
    const inspected = await inspect(env, request(extra));
    await changedEarlier(env, { ScalingConfig: { MaximumConcurrency: current } });
    return withControl(inspected, { current, changes: 1, settled: true });
  }

  it('judges the downstream unhealthy above the threshold and lowers further (50 -> 25)', async () => {
    const env = await queueWorld({ errorRate: 20 });
    const state = await lowered(env, 50);
    await env.clock.advance(120);

    const probed = await probe(env, state);

    expect(probed.control).toMatchObject({ probes: 1, current: 50 });
    expect(probed.assessment).toMatchObject({
      decision: 'decrease',
      target: 25,
      healthy: false,
      errorRate: 20,
      reason: 'unhealthy (20 > 5)',
    });
    expect(env.updates).toEqual([]);
  });

  it('judges the downstream healthy once it recovers, and raises by a step (50 -> 60)', async () => {
    const env = await queueWorld({ errorRate: 20 });
    const state = await lowered(env, 50);
    env.setErrorRate(1);
    await env.clock.advance(120);

    const probed = await probe(env, state);

    expect(probed.assessment).toMatchObject({
      decision: 'increase',
      target: 60,
      healthy: true,
      errorRate: 1,
      reason: 'healthy',
    });
  });

  it('raises no further than the original, and healthy there it is done (restored)', async () => {
    const env = await queueWorld({ errorRate: 1 });
    const state = await lowered(env, 95);

    const probed = await probe(env, state);
    expect(probed.assessment).toMatchObject({ decision: 'increase', target: 100 });

    const atOriginal = await probe(env, withControl(probed, { current: 100 }));
    expect(atOriginal.assessment).toMatchObject({ decision: 'restored', target: 100 });
    expect(atOriginal.control.probes).toBe(2);
  });

  it.each([
    [4.9, true, 'increase'],
    [5, true, 'increase'],
    [5.1, false, 'decrease'],
    [null, true, 'increase'],
  ] as const)(
    'judges an ErrorRate of %s %% against a 5 %% threshold as healthy: %s (no data: nothing failed)',
    async (errorRate, healthy, decision) => {
      const env = await queueWorld({ errorRate });

      const probed = await probe(env, await lowered(env, 50));

      expect(probed.assessment).toMatchObject({ healthy, decision, errorRate, thresholdPercent: 5 });
    },
  );

  it.each([
    [90, 2, true, 'increase'],
    [2, 90, false, 'decrease'],
  ] as const)(
    'reads only the latest minute: %s %% then %s %% is healthy: %s',
    async (earlier, latest, healthy, decision) => {
      const env = await queueWorld({ errorRate: earlier });
      const state = await lowered(env, 50);
      env.setErrorRate(latest);
      await env.clock.advance(60);

      const probed = await probe(env, state);

      expect(probed.assessment).toMatchObject({ healthy, decision, errorRate: latest });
    },
  );

  it('counts a metric silent for the whole lookback (no requests) as healthy', async () => {
    const env = await queueWorld({ errorRate: 90 });
    const state = await lowered(env, 50);
    env.setErrorRate(null);
    await env.clock.advance(4 * 60);

    const probed = await probe(env, state);

    expect(probed.assessment).toMatchObject({ healthy: true, errorRate: null, decision: 'increase' });
  });

  it('holds at the floor while the downstream stays unhealthy', async () => {
    const env = await queueWorld();
    const state = await lowered(env, 2);

    const probed = await probe(env, state);

    expect(probed.assessment).toMatchObject({ decision: 'hold', target: 2, reason: 'at the floor' });
  });

  it('raises the alarm once (urgent), then holds, when throttling further would let messages expire', async () => {
    const env = await queueWorld({ retentionSeconds: 900 });
    const state = await lowered(env, 25, { policy: { retentionGuardPercent: 30 } });
    await env.clock.advance(7 * 60);

    const probed = await probe(env, state);
    expect(probed.assessment).toMatchObject({ decision: 'urgent', target: 25, urgent: true });
    expect(probed.assessment.oldestAgeSeconds).toBeGreaterThanOrEqual(270);

    const afterNotifying = await probe(env, withControl(probed, { notified: true }));
    expect(afterNotifying.assessment).toMatchObject({ decision: 'hold', target: 25 });
  });

  it("gives up, aiming back at the original, on the policy's last probe", async () => {
    const env = await queueWorld();
    const state = await lowered(env, 2, { policy: { maxProbes: 3 } });

    const second = await probe(env, withControl(state, { probes: 1 }));
    expect(second.assessment.decision).toBe('hold');

    const last = await probe(env, second);
    expect(last.control.probes).toBe(3);
    expect(last.assessment).toMatchObject({
      decision: 'give-up',
      target: 100,
      reason: 'still unhealthy after 3 probes',
    });
  });

  it.each([
    ['GetMetricData throttled', awsErrors.cloudWatchThrottling, 'AwsThrottledError'],
    ['a CloudWatch internal fault', awsErrors.cloudWatchInternalFault, 'AwsTransientError'],
  ])('surfaces %s as %s, which the runbook retries', async (_what, error, errorType) => {
    const env = await queueWorld();
    const state = await lowered(env, 50);

    await failure(
      'probe',
      run(
        'probe',
        { ...env.ports, cloudwatch: failing(env.ports.cloudwatch, 'getMetricData', error()) },
        state,
      ),
      { errorType, retried: true },
    );
  });
});

describe('restore-concurrency (Restore the original concurrency)', () => {
  const ORIGINAL_100: Original = { maximumConcurrency: 100, enabled: true, concurrency: 100 };

  it('puts back exactly the original MaximumConcurrency (2 -> 100)', async () => {
    const env = await queueWorld();
    const state = await inspect(env);
    await changedEarlier(env, { ScalingConfig: { MaximumConcurrency: 2 } });

    const restored = await restore(env, state);

    expect(env.updates).toEqual([{ UUID, ScalingConfig: { MaximumConcurrency: 100 } }]);
    expect(restored).toEqual({ changed: true, maximumConcurrency: 100, enabled: true, concurrency: 100 });
    await expectRunningWith(env, 100);
  });

  it('removes the limit again when the original had no MaximumConcurrency (an empty ScalingConfig, not 1,000)', async () => {
    const env = await queueWorld({ maximumConcurrency: null });
    const state = await inspect(env);
    expect(state.original).toEqual({ maximumConcurrency: null, enabled: true, concurrency: 1000 });
    await changedEarlier(env, { ScalingConfig: { MaximumConcurrency: 2 } });

    const restored = await restore(env, state);

    expect(env.updates).toEqual([{ UUID, ScalingConfig: {} }]);
    expect(restored).toEqual({ changed: true, maximumConcurrency: null, enabled: true, concurrency: 1000 });
    await expectRunningWith(env, null);
  });

  it('re-enables a mapping the disable mode turned off, with its original MaximumConcurrency', async () => {
    const env = await queueWorld();
    const state = await inspect(env, request({ policy: { mode: 'disable' } }));
    await changedEarlier(env, { Enabled: false });
    expect(await mappingOf(env)).toMatchObject({ State: 'Disabled' });

    const restored = await restore(env, state);

    expect(env.updates).toEqual([{ UUID, Enabled: true, ScalingConfig: { MaximumConcurrency: 100 } }]);
    expect(restored).toEqual({ changed: true, maximumConcurrency: 100, enabled: true, concurrency: 100 });
    expect(await mappingOf(env)).toMatchObject({ State: 'Enabling' });
    await expectRunningWith(env, 100);
  });

  it('re-enables a disabled mapping without a limit to none, not 1,000', async () => {
    const env = await queueWorld({ maximumConcurrency: null });
    const state = await inspect(env, request({ policy: { mode: 'disable' } }));
    await changedEarlier(env, { Enabled: false });

    await restore(env, state);

    expect(env.updates).toEqual([{ UUID, Enabled: true, ScalingConfig: {} }]);
    await expectRunningWith(env, null);
  });

  it('leaves a mapping that was disabled before the run disabled', async () => {
    const env = await queueWorld({ enabled: false });
    const state = await inspect(env);

    const restored = await restore(env, state);

    expect(env.updates).toEqual([]);
    expect(restored).toEqual({ changed: false, maximumConcurrency: 100, enabled: false, concurrency: 0 });
  });

  it('changes nothing when the mapping already has its original (a restore retried, or nothing throttled)', async () => {
    const env = await queueWorld();

    const restored = await restore(env, { request: request(), original: ORIGINAL_100 });

    expect(env.updates).toEqual([]);
    expect(restored).toEqual({ changed: false, ...ORIGINAL_100 });
  });

  it('answers with exactly the fields its state keeps (ResultSelector)', async () => {
    const env = await queueWorld();
    await changedEarlier(env, { ScalingConfig: { MaximumConcurrency: 2 } });

    const restored = await restore(env, { request: request(), original: ORIGINAL_100 });

    const kept = Object.values(taskState('restore').ResultSelector ?? {}).map((path) =>
      path.replace('$.Payload.', ''),
    );
    expect(Object.keys(restored).sort()).toEqual(kept.sort());
  });

  it('fails with ResourceBusyError, which the runbook retries, while the mapping is still mid-change', async () => {
    const env = await queueWorld();
    const state = await inspect(env);
    await env.world.updateEventSourceMapping({ UUID, ScalingConfig: { MaximumConcurrency: 50 } });

    await failure('restore', restore(env, state), { errorType: 'ResourceBusyError', retried: true });
    await env.clock.advance(20);
    await expect(restore(env, state)).resolves.toMatchObject({ changed: true, maximumConcurrency: 100 });
  });

  it('fails with ResourceNotFoundError for a mapping deleted meanwhile: the run ends RestoreFailed', async () => {
    const env = await queueWorld();

    await failure(
      'restore',
      restore(env, { request: request({ mappingId: UNKNOWN_UUID }), original: ORIGINAL_100 }),
      {
        errorType: 'ResourceNotFoundError',
        retried: false,
        caughtBy: 'Restoring the original failed',
      },
    );
  });

  it('rejects an original with no enabled flag with InvalidRequestError, changing nothing', async () => {
    const env = await queueWorld();

    const error = await failure(
      'restore',
      restore(env, { request: request(), original: { maximumConcurrency: 100, concurrency: 100 } }),
      { errorType: 'InvalidRequestError', retried: false, caughtBy: 'Restoring the original failed' },
    );

    expect(error.message).toMatch(/^Restore input is invalid: original\.enabled: /);
    expect(env.calls).toEqual([]);
  });
});

describe('build-backpressure-ledger-item (Build the ledger record of the original concurrency)', () => {
  it('builds the ledger item that records the original limit, at the time of the run', async () => {
    const env = await queueWorld();
    const state = await inspect(env);
    env.calls.length = 0;

    const { item } = await buildLedgerItem(env, state);

    const at = '2026-01-01T12:05:00.000Z';
    expect(item).toEqual({
      resource: { S: `event-source-mapping/${UUID}` },
      at: { S: `${at}#incident-1#2-recorded` },
      day: { S: '2026-01-01' },
      time: { S: at },
      incidentId: { S: 'incident-1' },
      decision: { S: 'recorded' },
      reason: { S: 'original MaximumConcurrency 100, recorded before the first change' },
      kind: { S: 'sqs-backpressure' },
      runbook: { S: 'sqs-backpressure' },
      actions: {
        S: JSON.stringify({ original: { maximumConcurrency: 100, enabled: true, concurrency: 100 } }),
      },
    });
    // Built from the state alone: nothing is read.
    expect(env.calls).toEqual([]);
  });

  it('names the execution as the incident when the request carries no incident id', async () => {
    const env = await queueWorld();
    const state = await inspect(env, { mappingId: UUID, queueUrl: QUEUE_URL, health: HEALTH });

    const { item } = await buildLedgerItem(env, state);

    expect(item.incidentId).toEqual({ S: EXECUTION_NAME });
  });

  it("files it under the request's resource when it names one", async () => {
    const env = await queueWorld();
    const state = await inspect(env, request({ resource: 'sqs-queue/orders' }));

    const { item } = await buildLedgerItem(env, state);

    expect(item.resource).toEqual({ S: 'sqs-queue/orders' });
  });

  it('records a mapping without MaximumConcurrency as none (1,000), and says when it was disabled', async () => {
    const env = await queueWorld({ maximumConcurrency: null, enabled: false });
    const state = await inspect(env);

    const { item } = await buildLedgerItem(env, state);

    expect(item.reason).toEqual({
      S: 'original MaximumConcurrency none (1,000), mapping disabled, recorded before the first change',
    });
    expect(JSON.parse(item.actions?.S ?? '')).toEqual({
      original: { maximumConcurrency: null, enabled: false, concurrency: 0 },
    });
  });

  it('is what the ledger state keeps (ResultSelector item) and writes', async () => {
    expect(taskState('ledger').ResultSelector).toEqual({ 'item.$': '$.Payload.item' });
    expect(findState(runbook, 'Record the original concurrency in the ledger')).toMatchObject({
      Parameters: { 'Item.$': '$.ledger.item' },
    });
  });

  it('rejects an input without the original with InvalidRequestError naming it', async () => {
    const env = await queueWorld();

    const error = await failure(
      'ledger',
      invoke(
        makeLedgerItemHandler(() => env.ports),
        TASKS.ledger.id,
        {
          request: request(),
          executionName: EXECUTION_NAME,
        },
      ),
      { errorType: 'InvalidRequestError', retried: false, caughtBy: 'Restore the original concurrency' },
    );

    expect(error.message).toMatch(/^Ledger item input is invalid: original: /);
  });
});

// ---------------------------------------------------------------------------------------------
// In AWS: the handlers Lambda runs (production ports, the SDK clients), the SDK mocked.

describe('in AWS, through the Lambda, SQS and CloudWatch clients', () => {
  const lambda = mockClient(LambdaClient);
  const sqs = mockClient(SQSClient);
  const cloudwatch = mockClient(CloudWatchClient);
  const $metadata = { httpStatusCode: 400, requestId: 'req-1', attempts: 3 };
  const NOW_MS = Date.UTC(2026, 0, 1, 12, 5, 0);

  const mapping = {
    UUID,
    EventSourceArn: 'arn:aws:sqs:us-east-1:123456789012:orders',
    FunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:orders-consumer',
    State: 'Enabled',
    ScalingConfig: { MaximumConcurrency: 100 },
  };
  /** The latest minute of each namespace's metric: the queue's oldest message, the consumer's
   * ConcurrentExecutions (at its limit), the payments API's ErrorRate. */
  const LATEST: Record<string, number> = { 'AWS/SQS': 120, 'AWS/Lambda': 100, Payments: 20 };

  /** A state the runbook has after the first look: the downstream unhealthy, the limit at 100. */
  const inspected = () => ({
    request: {
      mappingId: UUID,
      queueUrl: QUEUE_URL,
      dryRun: false,
      health: { ...HEALTH, metricName: 'ErrorRate', lookbackSeconds: 180 },
      policy: FILLED_POLICY,
    },
    original: { maximumConcurrency: 100, enabled: true, concurrency: 100 },
    control: UNTOUCHED_AT_100,
    assessment: {
      ...HALVE_AT_20_PERCENT,
      oldestAgeSeconds: 120,
      retentionSeconds: 345_600,
      urgent: false,
      queue: {
        queueName: 'orders',
        visibilityTimeoutSeconds: 30,
        retentionSeconds: 345_600,
        approximateNumberOfMessages: 12_000,
        approximateAgeOfOldestMessageSeconds: 120,
        redrivePolicy: { deadLetterTargetArn: DLQ_ARN, maxReceiveCount: 5 },
      },
    },
  });

  /** `Namespace/MetricName` of a GetMetricData's one query. */
  const metricOf = (input: GetMetricDataInput) => {
    const metric = input.MetricDataQueries?.[0]?.MetricStat?.Metric;
    return `${metric?.Namespace}/${metric?.MetricName}`;
  };

  const allCalls = () => [...lambda.calls(), ...sqs.calls(), ...cloudwatch.calls()];

  beforeEach(() => {
    lambda.reset();
    sqs.reset();
    cloudwatch.reset();
    lambda.on(GetEventSourceMappingCommand).resolves({ $metadata, ...mapping });
    lambda.on(UpdateEventSourceMappingCommand).resolves({ $metadata, ...mapping, State: 'Updating' });
    sqs.on(GetQueueAttributesCommand).resolves({
      $metadata,
      Attributes: {
        VisibilityTimeout: '30',
        MessageRetentionPeriod: '345600',
        ApproximateNumberOfMessages: '12000',
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: DLQ_ARN, maxReceiveCount: 5 }),
      },
    });
    cloudwatch.on(GetMetricDataCommand).callsFake((input: GetMetricDataInput) => {
      const namespace = metricOf(input).split('/').slice(0, -1).join('/');
      const value = LATEST[namespace];
      return {
        $metadata,
        MetricDataResults: [
          {
            Id: 'm',
            StatusCode: 'Complete',
            Timestamps: value === undefined ? [] : [new Date(NOW_MS - 60_000)],
            Values: value === undefined ? [] : [value],
          },
        ],
      };
    });
  });

  afterAll(() => {
    lambda.restore();
    sqs.restore();
    cloudwatch.restore();
  });

  /** Invokes the handler Lambda runs (`backpressure.inspectHandler`, ...) on its state's Payload. */
  const inAws = <Result>(handler: typeof backpressure.inspectHandler, task: TaskName, stateInput: unknown) =>
    invoke(handler, TASKS[task].id, payloadOf(task, stateInput)) as Promise<Result>;

  it('inspects with GetEventSourceMapping, GetQueueAttributes and GetMetricData, and plans from their answers', async () => {
    const state = await inAws<BackpressureState>(backpressure.inspectHandler, 'inspect', request());

    expect(lambda.commandCalls(GetEventSourceMappingCommand).map((c) => c.args[0].input)).toEqual([{ UUID }]);
    expect(sqs.commandCalls(GetQueueAttributesCommand).map((c) => c.args[0].input)).toEqual([
      {
        QueueUrl: QUEUE_URL,
        AttributeNames: [
          'VisibilityTimeout',
          'MessageRetentionPeriod',
          'RedrivePolicy',
          'ApproximateNumberOfMessages',
        ],
      },
    ]);
    const metrics = cloudwatch.commandCalls(GetMetricDataCommand).map((c) => metricOf(c.args[0].input));
    expect(metrics).toEqual(
      expect.arrayContaining(['Payments/ErrorRate', 'AWS/SQS/ApproximateAgeOfOldestMessage']),
    );
    expect(lambda.commandCalls(UpdateEventSourceMappingCommand)).toEqual([]);
    expect(state.original).toEqual({ maximumConcurrency: 100, enabled: true, concurrency: 100 });
    expect(state.assessment).toMatchObject({
      decision: 'decrease',
      target: 50,
      errorRate: 20,
      oldestAgeSeconds: 120,
      queue: { approximateNumberOfMessages: 12_000, visibilityTimeoutSeconds: 30 },
    });
  });

  describe('the first look (inspect)', () => {
    it.each([
      [
        'ResourceNotFoundException',
        () => new ResourceNotFoundException({ $metadata, message: 'Function not found' }),
        'ResourceNotFoundError',
        'The mapping or the queue does not exist',
      ],
      [
        'InvalidParameterValueException',
        () => new InvalidParameterValueException({ $metadata, message: 'Invalid UUID' }),
        'UnexpectedAwsError',
        'Backpressure failed before any change',
      ],
    ])('surfaces GetEventSourceMapping %s as %s, not retried', async (_aws, error, errorType, caught) => {
      lambda.on(GetEventSourceMappingCommand).rejects(error());

      await failure('inspect', inAws(backpressure.inspectHandler, 'inspect', request()), {
        errorType,
        retried: false,
        caughtBy: caught,
      });
      expect(sqs.calls()).toEqual([]);
    });

    it.each([
      [
        'TooManyRequestsException',
        () => new TooManyRequestsException({ $metadata, message: 'Rate exceeded' }),
        'AwsThrottledError',
      ],
      [
        'ServiceException',
        () =>
          new ServiceException({
            $metadata: { ...$metadata, httpStatusCode: 500 },
            message: 'Lambda fell over',
          }),
        'AwsTransientError',
      ],
      ['a connection reset', awsErrors.connectionReset, 'AwsTransientError'],
    ])(
      'surfaces GetEventSourceMapping %s as %s, which the runbook retries',
      async (_aws, error, errorType) => {
        lambda.on(GetEventSourceMappingCommand).rejects(error());

        await failure('inspect', inAws(backpressure.inspectHandler, 'inspect', request()), {
          errorType,
          retried: true,
        });
      },
    );

    it('surfaces QueueDoesNotExist as ResourceNotFoundError, which the runbook reports as a missing queue', async () => {
      sqs
        .on(GetQueueAttributesCommand)
        .rejects(new QueueDoesNotExist({ $metadata, message: 'The specified queue does not exist.' }));

      const error = await failure('inspect', inAws(backpressure.inspectHandler, 'inspect', request()), {
        errorType: 'ResourceNotFoundError',
        retried: false,
        caughtBy: 'The mapping or the queue does not exist',
      });

      expect(error.message).toBe(`GetQueueAttributes ${QUEUE_URL}: The specified queue does not exist.`);
    });

    it("surfaces SQS's RequestThrottled as AwsThrottledError, which the runbook retries", async () => {
      sqs
        .on(GetQueueAttributesCommand)
        .rejects(new RequestThrottled({ $metadata, message: 'Request is throttled.' }));

      await failure('inspect', inAws(backpressure.inspectHandler, 'inspect', request()), {
        errorType: 'AwsThrottledError',
        retried: true,
      });
    });

    it.each(INVALID_REQUESTS)(
      'rejects %s with InvalidRequestError naming the field, before any AWS call',
      async (_what, input, issue) => {
        const error = await failure('inspect', inAws(backpressure.inspectHandler, 'inspect', input), {
          errorType: 'InvalidRequestError',
          retried: false,
          caughtBy: 'Reject the invalid request',
        });

        expect(error.message).toContain(issue);
        expect(allCalls()).toEqual([]);
      },
    );
  });

  describe('changing the mapping (apply)', () => {
    it('sends exactly the lowered ScalingConfig', async () => {
      await inAws(backpressure.applyHandler, 'apply', inspected());

      expect(lambda.commandCalls(UpdateEventSourceMappingCommand).map((c) => c.args[0].input)).toEqual([
        { UUID, ScalingConfig: { MaximumConcurrency: 50 } },
      ]);
    });

    it('surfaces InvalidParameterValueException as UnexpectedAwsError naming it: not retried, the original restored', async () => {
      lambda.on(UpdateEventSourceMappingCommand).rejects(
        new InvalidParameterValueException({
          $metadata,
          message: 'MaximumConcurrency must be between 2 and 1000',
        }),
      );

      const error = await failure('apply', inAws(backpressure.applyHandler, 'apply', inspected()), {
        errorType: 'UnexpectedAwsError',
        retried: false,
        caughtBy: 'Restore the original concurrency',
      });

      expect(error.message).toBe(
        `UpdateEventSourceMapping ${UUID}: MaximumConcurrency must be between 2 and 1000 (InvalidParameterValueException)`,
      );
    });

    it.each([
      [
        'ResourceInUseException',
        () => new ResourceInUseException({ $metadata, message: 'The mapping is being updated.' }),
        'ResourceBusyError',
      ],
      [
        'TooManyRequestsException',
        () => new TooManyRequestsException({ $metadata, message: 'Rate exceeded' }),
        'AwsThrottledError',
      ],
    ])(
      'surfaces UpdateEventSourceMapping %s as %s, which the runbook retries',
      async (_aws, error, errorType) => {
        lambda.on(UpdateEventSourceMappingCommand).rejects(error());

        await failure('apply', inAws(backpressure.applyHandler, 'apply', inspected()), {
          errorType,
          retried: true,
        });
      },
    );
  });

  describe('the restore', () => {
    const lowered = { ...mapping, ScalingConfig: { MaximumConcurrency: 2 } };
    const restoreInput = () => ({ request: inspected().request, original: inspected().original });

    it('surfaces TooManyRequestsException as AwsThrottledError, which the runbook retries', async () => {
      lambda.on(GetEventSourceMappingCommand).resolves({ $metadata, ...lowered });
      lambda
        .on(UpdateEventSourceMappingCommand)
        .rejects(new TooManyRequestsException({ $metadata, message: 'Rate exceeded' }));

      await failure('restore', inAws(backpressure.restoreHandler, 'restore', restoreInput()), {
        errorType: 'AwsThrottledError',
        retried: true,
      });
      expect(lambda.commandCalls(UpdateEventSourceMappingCommand).map((c) => c.args[0].input)).toEqual([
        { UUID, ScalingConfig: { MaximumConcurrency: 100 } },
      ]);
    });

    it('surfaces a deleted mapping as ResourceNotFoundError, not retried: the run ends RestoreFailed', async () => {
      lambda
        .on(GetEventSourceMappingCommand)
        .rejects(new ResourceNotFoundException({ $metadata, message: 'Not found' }));

      await failure('restore', inAws(backpressure.restoreHandler, 'restore', restoreInput()), {
        errorType: 'ResourceNotFoundError',
        retried: false,
        caughtBy: 'Restoring the original failed',
      });
    });
  });

  it('surfaces a throttled settle check as AwsThrottledError, which the runbook retries', async () => {
    lambda
      .on(GetEventSourceMappingCommand)
      .rejects(new TooManyRequestsException({ $metadata, message: 'Rate exceeded' }));

    await failure('settle', inAws(backpressure.checkSettledHandler, 'settle', inspected()), {
      errorType: 'AwsThrottledError',
      retried: true,
    });
  });
});
