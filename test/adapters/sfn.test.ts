import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  DescribeExecutionCommand,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import type { DescribeExecutionOutput, HistoryEvent } from '@aws-sdk/client-sfn';
import { sfnAdapter } from '../../adapters/sfn.ts';
import {
  approve,
  ExecutionNotFoundError,
  NothingWaitsError,
  reject,
} from '../../domain/operator/approval.ts';

const sfn = mockClient(SFNClient);
const port = sfnAdapter(new SFNClient({ region: 'eu-west-1' }));
const metadata = { httpStatusCode: 200, requestId: 'req-1' };

const EXECUTION =
  'arn:aws:states:eu-west-1:123456789012:execution:cell-traffic-shift:shift-checkout-cell-3-0001';
const TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAe1Nvz7/approval+token==';
const STATE = 'Ask an operator to approve the shift';

const execution = (status: DescribeExecutionOutput['status']): DescribeExecutionOutput => ({
  executionArn: EXECUTION,
  stateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:cell-traffic-shift',
  name: 'shift-checkout-cell-3-0001',
  status,
  startDate: new Date(Date.UTC(2026, 0, 1, 12, 0)),
});

let nextId = 1;
const at = new Date(Date.UTC(2026, 0, 1, 12, 1));
const event = (type: HistoryEvent['type'], details: Partial<HistoryEvent> = {}): HistoryEvent => {
  const id = nextId++;
  return { id, previousEventId: id - 1, timestamp: at, type, ...details };
};

const SNS = { resourceType: 'sns', resource: 'publish.waitForTaskToken' };
const snsParameters = (token: string) =>
  JSON.stringify({
    TopicArn: 'arn:aws:sns:eu-west-1:123456789012:selfheal-notifications',
    Subject: 'selfheal: approve shifting traffic off a grey cell?',
    Message: 'Cell checkout-cell-3 of fleet checkout is failing grey ...',
    MessageAttributes: {
      taskToken: { DataType: 'String', StringValue: token },
      executionArn: { DataType: 'String', StringValue: EXECUTION },
    },
  });

/** The approval state's events, oldest first: entered, scheduled, started, submitted. */
function askedForApproval(token: string): HistoryEvent[] {
  return [
    event('TaskStateEntered', {
      stateEnteredEventDetails: { name: STATE, input: '{}', inputDetails: { truncated: false } },
    }),
    event('TaskScheduled', {
      taskScheduledEventDetails: {
        ...SNS,
        region: 'eu-west-1',
        parameters: snsParameters(token),
        timeoutInSeconds: 1800,
      },
    }),
    event('TaskStarted', { taskStartedEventDetails: SNS }),
    event('TaskSubmitted', {
      taskSubmittedEventDetails: { ...SNS, output: '{"MessageId":"m-1"}' },
    }),
  ];
}

/** A run up to the approval (oldest first), with `padding` earlier events. */
function waitingHistory(padding: number, token = TOKEN): HistoryEvent[] {
  nextId = 1;
  const earlier = [
    event('ExecutionStarted', {
      executionStartedEventDetails: { input: '{}', roleArn: 'arn:aws:iam::123456789012:role/sfn' },
    }),
    ...Array.from({ length: padding }, (_, i) =>
      event('PassStateEntered', {
        stateEnteredEventDetails: { name: `Step ${i}`, input: '{}' },
      }),
    ),
  ];
  return [...earlier, ...askedForApproval(token)];
}

/** Pages of a newest-first history, `size` events each, with nextTokens `page-2`, `page-3`, ... */
function servePages(oldestFirst: HistoryEvent[], size: number): void {
  const newestFirst = [...oldestFirst].reverse();
  const pages = Math.ceil(newestFirst.length / size);
  for (let page = 1; page <= pages; page++) {
    const events = newestFirst.slice((page - 1) * size, page * size);
    const nextToken = page < pages ? { nextToken: `page-${page + 1}` } : {};
    const request =
      page === 1
        ? { executionArn: EXECUTION, reverseOrder: true, includeExecutionData: true }
        : {
            executionArn: EXECUTION,
            reverseOrder: true,
            includeExecutionData: true,
            nextToken: `page-${page}`,
          };
    sfn.on(GetExecutionHistoryCommand, request, true).resolves({ $metadata: metadata, events, ...nextToken });
  }
}

const historyRequests = () => sfn.commandCalls(GetExecutionHistoryCommand).map((c) => c.args[0].input);
const sends = () => [
  ...sfn.commandCalls(SendTaskSuccessCommand).map((c) => ({ success: c.args[0].input })),
  ...sfn.commandCalls(SendTaskFailureCommand).map((c) => ({ failure: c.args[0].input })),
];

beforeEach(() => {
  sfn.reset();
  sfn.on(DescribeExecutionCommand).resolves({ $metadata: metadata, ...execution('RUNNING') });
  sfn.on(SendTaskSuccessCommand).resolves({ $metadata: metadata });
  sfn.on(SendTaskFailureCommand).resolves({ $metadata: metadata });
});

describe('approve through the SFN client', () => {
  it('reads the history newest first, page by page, and answers SendTaskSuccess with the token', async () => {
    // Nine events, two a page, newest first: the approval's TaskScheduled opens page 2 of 5.
    servePages(waitingHistory(4), 2);

    const decision = await approve(port, { executionArn: EXECUTION, by: 'alice', reason: 'cell 3 is sick' });

    expect(sfn.commandCalls(DescribeExecutionCommand).map((c) => c.args[0].input)).toStrictEqual([
      { executionArn: EXECUTION },
    ]);
    // It stops reading once it has found the waiting task: pages 3 to 5 are never asked for.
    expect(historyRequests()).toStrictEqual([
      { executionArn: EXECUTION, reverseOrder: true, includeExecutionData: true },
      { executionArn: EXECUTION, reverseOrder: true, includeExecutionData: true, nextToken: 'page-2' },
    ]);
    expect(sends()).toStrictEqual([
      {
        success: {
          taskToken: TOKEN,
          output: JSON.stringify({ approved: true, by: 'alice', reason: 'cell 3 is sick' }),
        },
      },
    ]);
    expect(decision).toStrictEqual({
      executionArn: EXECUTION,
      decision: 'approved',
      by: 'alice',
      reason: 'cell 3 is sick',
    });
  });

  it('sends a null reason when none is given', async () => {
    servePages(waitingHistory(0), 100);

    await approve(port, { executionArn: EXECUTION, by: 'alice' });

    expect(sends()).toStrictEqual([
      { success: { taskToken: TOKEN, output: '{"approved":true,"by":"alice","reason":null}' } },
    ]);
  });

  it('finds the token of a lambda:invoke.waitForTaskToken task in its payload', async () => {
    nextId = 1;
    const lambda = { resourceType: 'lambda', resource: 'invoke.waitForTaskToken' };
    servePages(
      [
        event('ExecutionStarted'),
        event('TaskScheduled', {
          taskScheduledEventDetails: {
            ...lambda,
            region: 'eu-west-1',
            parameters: JSON.stringify({
              FunctionName: 'arn:aws:lambda:eu-west-1:123456789012:function:ask',
              Payload: { request: { cell: 'checkout-cell-3' }, approval: { taskToken: 'lambda-token' } },
            }),
          },
        }),
        event('TaskStarted', { taskStartedEventDetails: lambda }),
      ],
      100,
    );

    await approve(port, { executionArn: EXECUTION, by: 'bob' });

    expect(sends()).toStrictEqual([
      { success: { taskToken: 'lambda-token', output: '{"approved":true,"by":"bob","reason":null}' } },
    ]);
  });

  it('answers the latest ask when an earlier one failed and the state was retried', async () => {
    const history = waitingHistory(1, 'first-token');
    history.push(
      event('TaskFailed', {
        taskFailedEventDetails: { ...SNS, error: 'SNS.InternalErrorException', cause: 'try again' },
      }),
      ...askedForApproval('second-token').slice(1),
    );
    servePages(history, 100);

    await approve(port, { executionArn: EXECUTION, by: 'alice' });

    expect(sends()).toStrictEqual([
      { success: { taskToken: 'second-token', output: '{"approved":true,"by":"alice","reason":null}' } },
    ]);
  });
});

describe('reject through the SFN client', () => {
  it('answers SendTaskFailure with ShiftRejected and the reason as the cause', async () => {
    servePages(waitingHistory(2), 100);

    const decision = await reject(port, {
      executionArn: EXECUTION,
      by: 'bob',
      reason: 'not during the launch',
    });

    expect(historyRequests()).toStrictEqual([
      { executionArn: EXECUTION, reverseOrder: true, includeExecutionData: true },
    ]);
    expect(sends()).toStrictEqual([
      { failure: { taskToken: TOKEN, error: 'ShiftRejected', cause: 'not during the launch' } },
    ]);
    expect(decision).toStrictEqual({
      executionArn: EXECUTION,
      decision: 'rejected',
      by: 'bob',
      reason: 'not during the launch',
    });
  });
});

describe('nothing waits for approval', () => {
  it('when the execution is no longer RUNNING: no history read, nothing sent', async () => {
    sfn.on(DescribeExecutionCommand).resolves({ $metadata: metadata, ...execution('SUCCEEDED') });

    const error = await approve(port, { executionArn: EXECUTION, by: 'alice' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(NothingWaitsError);
    expect((error as Error).message).toBe(
      `nothing waits for approval in ${EXECUTION} (the execution is SUCCEEDED)`,
    );
    expect(historyRequests()).toStrictEqual([]);
    expect(sends()).toStrictEqual([]);
  });

  it.each([
    ['TaskSucceeded', { taskSucceededEventDetails: { ...SNS, output: '{"approved":true}' } }],
    ['TaskFailed', { taskFailedEventDetails: { ...SNS, error: 'ShiftRejected', cause: 'no' } }],
    ['TaskTimedOut', { taskTimedOutEventDetails: { ...SNS, error: 'States.Timeout' } }],
  ] as const)('when the task already ended (%s after it)', async (type, details) => {
    const history = waitingHistory(1);
    // The run goes on: the answer ended the task and the next state is running.
    history.push(
      event(type, details),
      event('TaskStateExited', { stateExitedEventDetails: { name: STATE, output: '{}' } }),
      event('TaskStateEntered', {
        stateEnteredEventDetails: { name: 'Record the routing before the shift', input: '{}' },
      }),
    );
    servePages(history, 100);

    const error = await reject(port, { executionArn: EXECUTION, by: 'bob', reason: 'late' }).catch(
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(NothingWaitsError);
    expect((error as Error).message).toBe(
      `nothing waits for approval in ${EXECUTION} (its last approval task already ended: ${type})`,
    );
    expect(sends()).toStrictEqual([]);
  });

  it('when no task in the history waits for a token', async () => {
    nextId = 1;
    servePages([event('ExecutionStarted'), event('PassStateEntered')], 100);

    const error = await approve(port, { executionArn: EXECUTION, by: 'alice' }).catch((e: unknown) => e);

    expect((error as Error).message).toBe(
      `nothing waits for approval in ${EXECUTION} (no task in it waits for a task token)`,
    );
    expect(sends()).toStrictEqual([]);
  });

  it('when the task times out between reading the history and answering', async () => {
    servePages(waitingHistory(0), 100);
    sfn
      .on(SendTaskSuccessCommand)
      .rejects(new TaskTimedOut({ $metadata: metadata, message: 'Task Timed Out' }));

    const error = await approve(port, { executionArn: EXECUTION, by: 'alice' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(NothingWaitsError);
    expect((error as Error).message).toBe(
      `nothing waits for approval in ${EXECUTION} (its task ended before the answer arrived: TaskTimedOut)`,
    );
  });
});

it('says so when Step Functions has no such execution', async () => {
  sfn
    .on(DescribeExecutionCommand)
    .rejects(new ExecutionDoesNotExist({ $metadata: metadata, message: 'Execution Does Not Exist' }));

  const error = await approve(port, { executionArn: EXECUTION, by: 'alice' }).catch((e: unknown) => e);

  expect(error).toBeInstanceOf(ExecutionNotFoundError);
  expect((error as Error).message).toBe(`no execution ${EXECUTION}`);
  expect(sends()).toStrictEqual([]);
});

it('returns the responses without $metadata', async () => {
  servePages(waitingHistory(0), 100);
  expect(await port.describeExecution({ executionArn: EXECUTION })).toStrictEqual(execution('RUNNING'));
  const page = await port.getExecutionHistory({
    executionArn: EXECUTION,
    reverseOrder: true,
    includeExecutionData: true,
  });
  expect(page).not.toHaveProperty('$metadata');
  expect(page.events).toHaveLength(5);
  expect(await port.sendTaskSuccess({ taskToken: TOKEN, output: '{}' })).toStrictEqual({});
});
