import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListStateMachinesCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { main } from '../../cli/main.ts';
import { EXIT } from '../../cli/exit-codes.ts';

const sfn = mockClient(SFNClient);
const metadata = { httpStatusCode: 200, requestId: 'req-1' };
const MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:selfheal-cell-traffic-shift';
const EXECUTION = 'arn:aws:states:eu-west-1:123456789012:execution:selfheal-cell-traffic-shift:shift-0001';
const TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAe1Nvz7/approval+token==';
const SNS = { resourceType: 'sns', resource: 'publish.waitForTaskToken' };
const at = new Date(Date.UTC(2026, 0, 1, 12, 1));

/** The approval state waiting, newest event first (as GetExecutionHistory with reverseOrder). */
const WAITING: HistoryEvent[] = [
  {
    id: 4,
    previousEventId: 3,
    timestamp: at,
    type: 'TaskSubmitted',
    taskSubmittedEventDetails: { ...SNS, output: '{}' },
  },
  { id: 3, previousEventId: 2, timestamp: at, type: 'TaskStarted', taskStartedEventDetails: SNS },
  {
    id: 2,
    previousEventId: 1,
    timestamp: at,
    type: 'TaskScheduled',
    taskScheduledEventDetails: {
      ...SNS,
      region: 'eu-west-1',
      parameters: JSON.stringify({
        TopicArn: 'arn:aws:sns:eu-west-1:123456789012:selfheal-notifications',
        Message: 'approve?',
        MessageAttributes: {
          taskToken: { DataType: 'String', StringValue: TOKEN },
          executionArn: { DataType: 'String', StringValue: EXECUTION },
        },
      }),
    },
  },
  { id: 1, previousEventId: 0, timestamp: at, type: 'ExecutionStarted' },
];

let out: string[];
let err: string[];

beforeEach(() => {
  sfn.reset();
  sfn.on(DescribeExecutionCommand).resolves({
    $metadata: metadata,
    executionArn: EXECUTION,
    stateMachineArn: MACHINE,
    status: 'RUNNING',
    startDate: at,
  });
  sfn.on(GetExecutionHistoryCommand).resolves({ $metadata: metadata, events: WAITING });
  sfn.on(SendTaskSuccessCommand).resolves({ $metadata: metadata });
  sfn.on(SendTaskFailureCommand).resolves({ $metadata: metadata });
  out = [];
  err = [];
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void out.push(args.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void err.push(args.join(' ')));
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe('selfheal approve and reject: usage errors exit 2 and call nothing', () => {
  it.each([
    [['approve'], 'selfheal: name the execution: selfheal approve <execution-arn or name>'],
    [['reject', '--reason', 'no'], 'selfheal: name the execution: selfheal reject <execution-arn or name>'],
    [['reject', EXECUTION], 'selfheal: reject needs --reason'],
    [['reject', EXECUTION, '--reason', '  '], 'selfheal: reject needs --reason'],
    [['approve', EXECUTION, EXECUTION], `selfheal: unexpected argument "${EXECUTION}"`],
    [
      ['approve', 'shift 0001'],
      'selfheal: "shift 0001" is neither an execution ARN (arn:aws:states:<region>:<account>:execution:<machine>:<name>) nor an execution name',
    ],
  ])('%j', async (argv, message) => {
    expect(await main(argv)).toBe(EXIT.usage);
    expect(err).toEqual([message]);
    expect(sfn.calls()).toHaveLength(0);
  });

  it('an unknown option', async () => {
    expect(await main(['approve', EXECUTION, '--yes'])).toBe(EXIT.usage);
    expect(err).toEqual([expect.stringMatching(/^selfheal: Unknown option '--yes'/)]);
    expect(sfn.calls()).toHaveLength(0);
  });
});

describe('selfheal approve and reject against Step Functions', () => {
  it('approves: finds the token in the history and sends SendTaskSuccess, in the execution’s region', async () => {
    expect(await main(['approve', EXECUTION, '--by', 'alice', '--reason', 'cell 3 is sick', '--json'])).toBe(
      EXIT.ok,
    );

    expect(JSON.parse(out.join('\n'))).toEqual({
      executionArn: EXECUTION,
      decision: 'approved',
      by: 'alice',
      reason: 'cell 3 is sick',
    });
    expect(sfn.commandCalls(GetExecutionHistoryCommand).map((c) => c.args[0].input)).toEqual([
      { executionArn: EXECUTION, reverseOrder: true, includeExecutionData: true },
    ]);
    const [success] = sfn.commandCalls(SendTaskSuccessCommand);
    expect(success?.args[0].input).toEqual({
      taskToken: TOKEN,
      output: JSON.stringify({ approved: true, by: 'alice', reason: 'cell 3 is sick' }),
    });
    expect(await (success?.thisValue as SFNClient).config.region()).toBe('eu-west-1');
    expect(sfn.commandCalls(SendTaskFailureCommand)).toHaveLength(0);
  });

  it('takes the execution by name too, as describe and stop do: found in the deployment, then answered', async () => {
    sfn.on(ListStateMachinesCommand).resolves({
      $metadata: metadata,
      stateMachines: [
        { stateMachineArn: MACHINE, name: 'selfheal-cell-traffic-shift', type: 'STANDARD', creationDate: at },
      ],
    });

    expect(await main(['approve', 'shift-0001', '--region', 'eu-west-1', '--by', 'alice'])).toBe(EXIT.ok);

    expect(out).toEqual([`approved ${EXECUTION} by alice`]);
    expect(sfn.commandCalls(SendTaskSuccessCommand).map((c) => c.args[0].input.taskToken)).toEqual([TOKEN]);
  });

  it('refuses, exit 1, an ARN of another deployment', async () => {
    const other = EXECUTION.replace('selfheal-cell', 'staging-cell');
    expect(await main(['approve', other])).toBe(EXIT.failed);
    expect(err).toEqual([`selfheal: ${other} is not an execution of deployment selfheal (AWS, eu-west-1)`]);
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
  });

  it('rejects: SendTaskFailure with ShiftRejected and the reason; --by defaults to $USER', async () => {
    vi.stubEnv('USER', 'bob');

    expect(await main(['reject', EXECUTION, '--reason', 'not during the launch'])).toBe(EXIT.ok);

    expect(out).toEqual([`rejected ${EXECUTION} by bob: not during the launch`]);
    expect(sfn.commandCalls(SendTaskFailureCommand).map((c) => c.args[0].input)).toEqual([
      { taskToken: TOKEN, error: 'ShiftRejected', cause: 'not during the launch' },
    ]);
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
  });

  it('says "operator" when $USER is not set', async () => {
    vi.stubEnv('USER', '');
    expect(await main(['approve', EXECUTION])).toBe(EXIT.ok);
    expect(out).toEqual([`approved ${EXECUTION} by operator`]);
  });

  it('says in one line, exiting 1, that nothing waits when the run has ended', async () => {
    sfn
      .on(DescribeExecutionCommand)
      .resolves({ $metadata: metadata, executionArn: EXECUTION, status: 'FAILED' });

    expect(await main(['approve', EXECUTION])).toBe(EXIT.failed);

    expect(err).toEqual([`selfheal: nothing waits for approval in ${EXECUTION} (the execution is FAILED)`]);
    expect(out).toEqual([]);
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
  });
});
