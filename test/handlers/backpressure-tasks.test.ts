/**
 * The SQS-backpressure runbook's six Lambda tasks, invoked as Lambda invokes them: each with the
 * Payload its own state in `statemachines/sqs-backpressure.asl.json` sends, against the simulated
 * queue world (`test/support/queue-world-ports.ts`) — and, for how AWS's errors reach Step
 * Functions, against the production adapters over a mocked SDK. What the steps decide is tested on
 * the domain functions (`test/domain/backpressure/`); here, only what the shell adds: which handler
 * each state invokes, the request and state validated at the edge, the errors by the names Step
 * Functions retries and catches, the Payloads wired to the ports, and the results in the shape the
 * states keep.
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
import {
  originalLedgerItem,
  type BackpressureState,
  type Original,
  type Restored,
} from '../../domain/backpressure/runbook.ts';
import type { LedgerItem } from '../../domain/dispatch/ledger.ts';
import { findState, loadDefinitionFile } from '../../engine/asl.ts';
import { STATEMACHINES_DIR } from '../../runbooks/catalogue.ts';
import { toJson, type JsonValue } from '../../core/json.ts';
import {
  changedEarlier,
  DLQ_ARN,
  EXECUTION_NAME,
  HALVE_AT_20_PERCENT,
  HEALTH,
  MAPPING_UUID as UUID,
  QUEUE_URL,
  queueWorldPorts,
  request,
  UNTOUCHED_AT_100,
  withControl,
  type QueueWorldPorts,
} from '../support/queue-world-ports.ts';
import { awsErrors, failing, fillParameters, invocationError, invoke } from './support.ts';

const UNKNOWN_UUID = '00000000-0000-4000-8000-000000000000';

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
  OutputPath?: string;
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

// The tasks over the world's recorded ports, each given its state's input.

const inspect = (world: QueueWorldPorts, input: unknown = request()) =>
  run<BackpressureState>('inspect', world.ports, input);
const apply = (world: QueueWorldPorts, state: unknown) => run<BackpressureState>('apply', world.ports, state);
const checkSettled = (world: QueueWorldPorts, state: unknown) =>
  run<BackpressureState>('settle', world.ports, state);
const restore = (world: QueueWorldPorts, state: unknown) => run<Restored>('restore', world.ports, state);
const buildLedgerItem = (world: QueueWorldPorts, state: unknown) =>
  run<{ item: LedgerItem }>('ledger', world.ports, state);

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

  it('are six, every one invoked by a state of the runbook', () => {
    const ids = TASK_FUNCTIONS.filter((f) => f.entry === 'handlers/backpressure-tasks.ts').map((f) => f.id);

    expect(ids).toHaveLength(6);
    expect(new Set(Object.values(TASKS).map((t) => t.id))).toEqual(new Set(ids));
  });

  // The control loop carries one state from task to task: each is sent all of it and answers all
  // of it, which its OutputPath makes the next state's input.
  it.each(['apply', 'settle', 'probe'] as const)(
    '%s is sent the whole state, and returns the next one whole for the states after it',
    async (task) => {
      const world = await queueWorldPorts();
      const state = await inspect(world);

      const next = await run<BackpressureState>(task, world.ports, state);

      expect(taskState(task).OutputPath).toBe('$.Payload');
      expect(Object.keys(next).sort()).toEqual(['assessment', 'control', 'original', 'request']);
      expect(next).toMatchObject({ request: state.request, original: state.original });
    },
  );
});

describe('inspect-backpressure (Read the mapping and the queue)', () => {
  it("returns the request with the policy's defaults filled in, for the later states to read", async () => {
    const world = await queueWorldPorts();

    const state = await inspect(world);

    expect(state.request).toEqual({
      mappingId: UUID,
      queueUrl: QUEUE_URL,
      incidentId: 'incident-1',
      dryRun: false,
      health: { ...HEALTH, metricName: 'ErrorRate', lookbackSeconds: 180 },
      policy: FILLED_POLICY,
    });
  });

  it('hands a dry run on to the state after it, which reports the plan without any task that changes the mapping', async () => {
    const world = await queueWorldPorts();

    const state = await inspect(world, request({ dryRun: true }));

    expect(state.request.dryRun).toBe(true);
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
        const world = await queueWorldPorts();

        const error = await failure('inspect', inspect(world, input), {
          errorType: 'InvalidRequestError',
          retried: false,
          caughtBy: 'Reject the invalid request',
        });

        expect(error.message).toMatch(/^Backpressure request is invalid: /);
        expect(error.message).toContain(issue);
        expect(world.calls).toEqual([]);
      },
    );
  });

  it('names a mapping that does not exist ResourceNotFoundError, which the runbook reports as such', async () => {
    const world = await queueWorldPorts();

    const error = await failure('inspect', inspect(world, request({ mappingId: UNKNOWN_UUID })), {
      errorType: 'ResourceNotFoundError',
      retried: false,
      caughtBy: 'The mapping or the queue does not exist',
    });

    expect(error.message).toBe(
      `GetEventSourceMapping ${UNKNOWN_UUID}: The resource you requested does not exist.`,
    );
  });

  it('names a queue that does not exist ResourceNotFoundError too (SQS says QueueDoesNotExist)', async () => {
    const world = await queueWorldPorts();
    const missing = 'https://sqs.us-east-1.amazonaws.com/123456789012/no-such-queue';

    const error = await failure('inspect', inspect(world, request({ queueUrl: missing })), {
      errorType: 'ResourceNotFoundError',
      retried: false,
      caughtBy: 'The mapping or the queue does not exist',
    });

    expect(error.message).toBe(`GetQueueAttributes ${missing}: The specified queue does not exist.`);
  });
});

describe('apply-backpressure (Set the next concurrency)', () => {
  it('refuses a dry run with InvalidRequestError, not retried: should the state machine ever route one here, the original is restored', async () => {
    const world = await queueWorldPorts();

    await failure('apply', apply(world, await inspect(world, request({ dryRun: true }))), {
      errorType: 'InvalidRequestError',
      retried: false,
      caughtBy: 'Restore the original concurrency',
    });
  });

  it("rejects a state that is not the runbook's with InvalidRequestError, changing nothing", async () => {
    const world = await queueWorldPorts();
    const inspected = await inspect(world);
    world.calls.length = 0;

    const error = await failure('apply', apply(world, withControl(inspected, {}, { target: -1 })), {
      errorType: 'InvalidRequestError',
      retried: false,
      caughtBy: 'Restore the original concurrency',
    });

    expect(error.message).toMatch(/^Apply input is invalid: assessment\.target: /);
    expect(world.calls).toEqual([]);
  });
});

describe('check-mapping-settled (Check whether the mapping has settled)', () => {
  it("fails with MappingNotSettledError once the policy's polls are spent, and the runbook restores the original", async () => {
    const world = await queueWorldPorts();
    const applied = await apply(world, await inspect(world, request({ policy: { settleMaxPolls: 2 } })));
    const first = await checkSettled(world, applied);

    await failure('settle', checkSettled(world, first), {
      errorType: 'MappingNotSettledError',
      retried: false,
      caughtBy: 'Restore the original concurrency',
    });
  });
});

describe('probe-backpressure (Probe the downstream)', () => {
  it.each([
    ['GetMetricData throttled', awsErrors.cloudWatchThrottling, 'AwsThrottledError'],
    ['a CloudWatch internal fault', awsErrors.cloudWatchInternalFault, 'AwsTransientError'],
  ])('surfaces %s as %s, which the runbook retries', async (_what, error, errorType) => {
    const world = await queueWorldPorts();
    const state = await inspect(world);

    await failure(
      'probe',
      run(
        'probe',
        { ...world.ports, cloudwatch: failing(world.ports.cloudwatch, 'getMetricData', error()) },
        state,
      ),
      { errorType, retried: true },
    );
  });
});

describe('restore-concurrency (Restore the original concurrency)', () => {
  const ORIGINAL_100: Original = { maximumConcurrency: 100, enabled: true, concurrency: 100 };

  it('answers with exactly the fields its state keeps (ResultSelector)', async () => {
    const world = await queueWorldPorts();
    await changedEarlier(world, { ScalingConfig: { MaximumConcurrency: 2 } });

    const restored = await restore(world, { request: request(), original: ORIGINAL_100 });

    const kept = Object.values(taskState('restore').ResultSelector ?? {}).map((path) =>
      path.replace('$.Payload.', ''),
    );
    expect(Object.keys(restored).sort()).toEqual(kept.sort());
  });

  it('fails with ResourceBusyError, which the runbook retries, while the mapping is still mid-change', async () => {
    const world = await queueWorldPorts();
    const state = await inspect(world);
    await world.queue.updateEventSourceMapping({ UUID, ScalingConfig: { MaximumConcurrency: 50 } });

    await failure('restore', restore(world, state), { errorType: 'ResourceBusyError', retried: true });
  });

  it('fails with ResourceNotFoundError for a mapping deleted meanwhile: the run ends RestoreFailed', async () => {
    const world = await queueWorldPorts();

    await failure(
      'restore',
      restore(world, { request: request({ mappingId: UNKNOWN_UUID }), original: ORIGINAL_100 }),
      {
        errorType: 'ResourceNotFoundError',
        retried: false,
        caughtBy: 'Restoring the original failed',
      },
    );
  });

  it('rejects an original with no enabled flag with InvalidRequestError, changing nothing', async () => {
    const world = await queueWorldPorts();

    const error = await failure(
      'restore',
      restore(world, { request: request(), original: { maximumConcurrency: 100, concurrency: 100 } }),
      { errorType: 'InvalidRequestError', retried: false, caughtBy: 'Restoring the original failed' },
    );

    expect(error.message).toMatch(/^Restore input is invalid: original\.enabled: /);
    expect(world.calls).toEqual([]);
  });
});

describe('build-backpressure-ledger-item (Build the ledger record of the original concurrency)', () => {
  it('builds the ledger item of the original from its Payload alone, at the time of the run, reading nothing', async () => {
    const world = await queueWorldPorts();
    const state = await inspect(world);
    world.calls.length = 0;

    const { item } = await buildLedgerItem(world, state);

    // The domain's item (its fields are tested there), timed by the ports' clock: 12:05.
    const at = new Date('2026-01-01T12:05:00.000Z');
    expect(item).toEqual(toJson(originalLedgerItem(state.request, state.original, at, EXECUTION_NAME)));
    expect(world.calls).toEqual([]);
  });

  it('names the execution as the incident when the request carries no incident id', async () => {
    const world = await queueWorldPorts();
    const state = await inspect(world, { mappingId: UUID, queueUrl: QUEUE_URL, health: HEALTH });

    const { item } = await buildLedgerItem(world, state);

    expect(item.incidentId).toEqual({ S: EXECUTION_NAME });
  });

  it('is what the ledger state keeps (ResultSelector item) and writes', async () => {
    expect(taskState('ledger').ResultSelector).toEqual({ 'item.$': '$.Payload.item' });
    expect(findState(runbook, 'Record the original concurrency in the ledger')).toMatchObject({
      Parameters: { 'Item.$': '$.ledger.item' },
    });
  });

  it('rejects an input without the original with InvalidRequestError naming it', async () => {
    const world = await queueWorldPorts();

    const error = await failure(
      'ledger',
      invoke(
        makeLedgerItemHandler(() => world.ports),
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
      health: 'unhealthy',
      judgedMinute: new Date(NOW_MS - 60_000).toISOString(),
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
