/**
 * The operator commands against a mocked Step Functions (aws-sdk-client-mock): deployment `prod` in
 * eu-west-1, its state machines, a dispatch run's history as AWS records it, and the console's
 * output captured line by line.
 */
import { afterEach, beforeEach, vi } from 'vitest';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import {
  DescribeExecutionCommand,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  SFNClient,
  type HistoryEvent,
  type StateMachineListItem,
} from '@aws-sdk/client-sfn';
import { createDynamoDbClient } from '../../adapters/aws-clients.ts';
import { captureConsole, useMockedAws, type Console } from './cli.ts';

export const PROD = ['--deployment', 'prod', '--region', 'eu-west-1'];
export const metadata = { httpStatusCode: 200, requestId: 'req-1' };

const machine = (name: string) => `arn:aws:states:eu-west-1:123456789012:stateMachine:${name}`;
export const DISPATCH = machine('prod-dispatch');
export const HOT_SHARD = machine('prod-hot-shard');
export const STAGING_DISPATCH = machine('staging-dispatch');
export const RUN = 'arn:aws:states:eu-west-1:123456789012:execution:prod-dispatch:operator-hot-shard-0001';
export const CHILD = 'arn:aws:states:eu-west-1:123456789012:execution:prod-hot-shard:7f1d6c2e-0b5a-4e38';

export const STARTED_AT = new Date(Date.UTC(2026, 0, 1, 8, 30, 0));

/** An operator's request for hot-shard on the table orders, as its command line begins. */
export const START_HOT_SHARD = ['start', 'hot-shard', '--target', 'dynamodb-table/orders'];

const listed = (stateMachineArn: string, name: string): StateMachineListItem => ({
  stateMachineArn,
  name,
  type: 'STANDARD',
  creationDate: STARTED_AT,
});
/** State machines as ListStateMachines lists them. */
export const LISTED = {
  dispatch: listed(DISPATCH, 'prod-dispatch'),
  hotShard: listed(HOT_SHARD, 'prod-hot-shard'),
  stagingDispatch: listed(STAGING_DISPATCH, 'staging-dispatch'),
};

/** What Step Functions answers about an execution it does not have. */
export const doesNotExist = () =>
  new ExecutionDoesNotExist({ $metadata: metadata, message: 'Execution Does Not Exist' });

/** The mocked SFN client (every SFNClient), made per region through the CLI's client hook. */
export function useMockedStepFunctions(): {
  sfn: () => AwsClientStub<SFNClient>;
  regions: (string | undefined)[];
  console: Console;
} {
  const { stub, regions } = useMockedAws(
    () => mockClient(SFNClient),
    (regions) => ({
      // us-east-1 when none is asked for, so no test depends on the machine's AWS config.
      stepFunctions: (region) => {
        regions.push(region);
        return new SFNClient({ region: region ?? 'us-east-1' });
      },
      dynamodb: (region) => createDynamoDbClient({ region: region ?? 'us-east-1' }),
    }),
  );
  const captured: Console = { out: [], err: [] };
  beforeEach(() => {
    captureConsole(captured);
    vi.stubEnv('SELFHEAL_DEPLOYMENT', undefined);
    vi.stubEnv('SELFHEAL_ROUTING', undefined);
    vi.stubEnv('USER', 'alice');
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
    vi.useRealTimers();
  });
  return { sfn: stub, regions, console: captured };
}

/** The requests the mock received, as [command, input], in order. */
export const requests = (sfn: AwsClientStub<SFNClient>) =>
  sfn.calls().map((c) => [c.args[0].constructor.name, c.args[0].input] as const);

/** Events as GetExecutionHistory returns them: ids in order, `at` seconds after STARTED_AT. */
export function events(...specs: [HistoryEvent['type'], number, Partial<HistoryEvent>?][]): HistoryEvent[] {
  return specs.map(([type, at, details], index) => ({
    id: index + 1,
    previousEventId: index,
    timestamp: new Date(STARTED_AT.getTime() + at * 1000),
    type,
    ...details,
  }));
}

const LAMBDA = { resourceType: 'lambda', resource: 'invoke' };
const START_SYNC = { resourceType: 'states', resource: 'startExecution.sync:2' };

export const DISPATCH_OUTPUT = {
  decision: 'start',
  runbook: 'hot-shard',
  guardrails: {
    verdict: 'proceed',
    reason: 'dry run of hot-shard (the request asked for one)',
    dryRun: true,
  },
  outcome: { succeeded: true, summary: 'Dry run of hot-shard on dynamodb-table/orders: dry-run' },
};

/** A dispatch run that started the hot-shard runbook as a dry run, as AWS records it. */
export const DISPATCH_HISTORY: HistoryEvent[] = events(
  [
    'ExecutionStarted',
    0,
    {
      executionStartedEventDetails: {
        input: '{"source":"selfheal.operator"}',
        roleArn: 'arn:aws:iam::123456789012:role/prod-dispatch',
      },
    },
  ],
  ['TaskStateEntered', 0.1, { stateEnteredEventDetails: { name: 'Read the signal', input: '{}' } }],
  [
    'TaskScheduled',
    0.1,
    {
      taskScheduledEventDetails: {
        ...LAMBDA,
        region: 'eu-west-1',
        parameters: JSON.stringify({
          FunctionName: 'arn:aws:lambda:eu-west-1:123456789012:function:prod-normalise-signal',
          Payload: { event: {} },
        }),
      },
    },
  ],
  ['TaskStarted', 0.2, { taskStartedEventDetails: LAMBDA }],
  [
    'TaskSucceeded',
    0.9,
    {
      taskSucceededEventDetails: {
        ...LAMBDA,
        output: JSON.stringify({
          ExecutedVersion: '$LATEST',
          Payload: { decision: 'start' },
          StatusCode: 200,
        }),
      },
    },
  ],
  ['TaskStateExited', 0.9, { stateExitedEventDetails: { name: 'Read the signal', output: '{}' } }],
  ['TaskStateEntered', 1, { stateEnteredEventDetails: { name: 'Run the hot-shard runbook', input: '{}' } }],
  [
    'TaskScheduled',
    1,
    {
      taskScheduledEventDetails: {
        ...START_SYNC,
        region: 'eu-west-1',
        parameters: JSON.stringify({
          StateMachineArn: HOT_SHARD,
          Input: { tableName: 'orders', dryRun: true },
        }),
      },
    },
  ],
  ['TaskStarted', 1.1, { taskStartedEventDetails: START_SYNC }],
  [
    'TaskSubmitted',
    1.2,
    {
      taskSubmittedEventDetails: {
        ...START_SYNC,
        output: JSON.stringify({ ExecutionArn: CHILD, StartDate: 1 }),
      },
    },
  ],
  [
    'TaskSucceeded',
    64,
    {
      taskSucceededEventDetails: {
        ...START_SYNC,
        output: JSON.stringify({ ExecutionArn: CHILD, Status: 'SUCCEEDED', Output: { outcome: 'dry-run' } }),
      },
    },
  ],
  ['TaskStateExited', 64, { stateExitedEventDetails: { name: 'Run the hot-shard runbook', output: '{}' } }],
  ['SucceedStateEntered', 64.5, { stateEnteredEventDetails: { name: 'Remediation done', input: '{}' } }],
  ['SucceedStateExited', 64.5, { stateExitedEventDetails: { name: 'Remediation done', output: '{}' } }],
  [
    'ExecutionSucceeded',
    64.5,
    { executionSucceededEventDetails: { output: JSON.stringify(DISPATCH_OUTPUT) } },
  ],
);

/**
 * The dispatch run RUN, named `name`, ended as DISPATCH_HISTORY tells: its DescribeExecution, and
 * its whole history with data, oldest first, in one page or, split at `pageAt`, in two.
 */
export function dispatchEnded(sfn: AwsClientStub<SFNClient>, name: string, pageAt?: number): void {
  sfn.on(DescribeExecutionCommand, { executionArn: RUN }).resolves({
    $metadata: metadata,
    executionArn: RUN,
    stateMachineArn: DISPATCH,
    name,
    status: 'SUCCEEDED',
    startDate: STARTED_AT,
    stopDate: new Date(STARTED_AT.getTime() + 64_500),
    output: JSON.stringify(DISPATCH_OUTPUT),
  });
  const history = { executionArn: RUN, includeExecutionData: true };
  if (pageAt === undefined) {
    sfn
      .on(GetExecutionHistoryCommand, history, true)
      .resolves({ $metadata: metadata, events: DISPATCH_HISTORY });
    return;
  }
  sfn
    .on(GetExecutionHistoryCommand, history, true)
    .resolves({ $metadata: metadata, events: DISPATCH_HISTORY.slice(0, pageAt), nextToken: 'history-2' });
  sfn
    .on(GetExecutionHistoryCommand, { ...history, nextToken: 'history-2' }, true)
    .resolves({ $metadata: metadata, events: DISPATCH_HISTORY.slice(pageAt) });
}
