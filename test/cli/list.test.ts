import { describe, expect, it } from 'vitest';
import {
  DescribeExecutionCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
} from '@aws-sdk/client-sfn';
import type { DescribeExecutionInput, DescribeExecutionOutput, ExecutionListItem } from '@aws-sdk/client-sfn';
import { main } from '../../cli/main.ts';
import { EXIT } from '../../cli/exit-codes.ts';
import {
  DISPATCH,
  HOT_SHARD,
  LISTED,
  metadata,
  PROD,
  requests,
  STARTED_AT,
  useMockedStepFunctions,
} from '../support/operator-cli.ts';

const { sfn, console: output } = useMockedStepFunctions();

const minutes = (n: number) => new Date(STARTED_AT.getTime() + n * 60_000);

function execution(
  machine: string,
  name: string,
  status: ExecutionListItem['status'],
  start: number,
  stop?: number,
): ExecutionListItem {
  return {
    executionArn: `${machine.replace(':stateMachine:', ':execution:')}:${name}`,
    stateMachineArn: machine,
    name,
    status,
    startDate: minutes(start),
    ...(stop === undefined ? {} : { stopDate: minutes(stop) }),
  };
}

/** An operator's request for hot-shard on orders, as dispatch's input. */
const REQUEST = JSON.stringify({
  source: 'selfheal.operator',
  detail: { kind: 'table-capacity', resource: { type: 'dynamodb-table', name: 'orders' } },
});

/** The ARNs a description has besides, which these tests do not read (the listing has them). */
const ARNS = { executionArn: '', stateMachineArn: '' };

/** What DescribeExecution says of each run the tests list: its input and output. */
const DESCRIBED: Record<string, DescribeExecutionOutput> = {
  'operator-hot-shard-2': { ...ARNS, status: 'RUNNING', startDate: STARTED_AT, input: REQUEST },
  'alarm-1': {
    ...ARNS,
    status: 'SUCCEEDED',
    startDate: STARTED_AT,
    input: '{}',
    output: JSON.stringify({
      decision: 'start',
      signal: { resourceKey: 'dynamodb-table/events' },
      guardrails: { verdict: 'suppressed', reason: 'the global kill switch is on: selfheal changes nothing' },
    }),
  },
  'run-1': {
    ...ARNS,
    status: 'SUCCEEDED',
    startDate: STARTED_AT,
    input: '{"tableName":"orders"}',
    output: '{"outcome":"healed"}',
  },
  'run-2': {
    ...ARNS,
    status: 'FAILED',
    startDate: STARTED_AT,
    input: '{"tableName":"orders"}',
    error: 'States.TaskFailed',
  },
};

function deployed(): void {
  sfn()
    .on(DescribeExecutionCommand)
    .callsFake((input: DescribeExecutionInput) => {
      const name = input.executionArn?.split(':').at(-1) ?? '';
      return { $metadata: metadata, ...DESCRIBED[name], executionArn: input.executionArn, name };
    });
  sfn()
    .on(ListStateMachinesCommand)
    .resolves({
      $metadata: metadata,
      stateMachines: [LISTED.hotShard, LISTED.stagingDispatch, LISTED.dispatch],
    });
}

describe('selfheal list against Step Functions', () => {
  it("lists every state machine of the deployment's executions, merged newest first, paging with nextToken", async () => {
    deployed();
    sfn()
      .on(ListExecutionsCommand, { stateMachineArn: DISPATCH, maxResults: 3 }, true)
      .resolves({
        $metadata: metadata,
        executions: [execution(DISPATCH, 'operator-hot-shard-2', 'RUNNING', 30)],
        nextToken: 'dispatch-2',
      });
    sfn()
      .on(ListExecutionsCommand, { stateMachineArn: DISPATCH, maxResults: 3, nextToken: 'dispatch-2' }, true)
      .resolves({ $metadata: metadata, executions: [execution(DISPATCH, 'alarm-1', 'SUCCEEDED', 0, 5)] });
    sfn()
      .on(ListExecutionsCommand, { stateMachineArn: HOT_SHARD, maxResults: 3 }, true)
      .resolves({
        $metadata: metadata,
        executions: [
          execution(HOT_SHARD, 'run-2', 'FAILED', 31, 33),
          execution(HOT_SHARD, 'run-1', 'SUCCEEDED', 1, 4.5),
        ],
      });

    expect(await main(['list', '--max', '3', ...PROD])).toBe(EXIT.ok);

    expect(requests(sfn())).toEqual([
      ['ListStateMachinesCommand', {}],
      ['ListExecutionsCommand', { stateMachineArn: DISPATCH, maxResults: 3 }],
      ['ListExecutionsCommand', { stateMachineArn: DISPATCH, maxResults: 3, nextToken: 'dispatch-2' }],
      ['ListExecutionsCommand', { stateMachineArn: HOT_SHARD, maxResults: 3 }],
      // What each came to is in its input and output: one DescribeExecution per row shown.
      [
        'DescribeExecutionCommand',
        { executionArn: `${HOT_SHARD.replace('stateMachine', 'execution')}:run-2` },
      ],
      [
        'DescribeExecutionCommand',
        { executionArn: `${DISPATCH.replace('stateMachine', 'execution')}:operator-hot-shard-2` },
      ],
      [
        'DescribeExecutionCommand',
        { executionArn: `${HOT_SHARD.replace('stateMachine', 'execution')}:run-1` },
      ],
    ]);
    expect(output.out.join('\n')).toBe(
      [
        'NAME                  RUNBOOK    STATUS     OUTCOME  RESOURCE               STARTED               DURATION',
        'run-2                 hot-shard  FAILED     failed   dynamodb-table/orders  2026-01-01T09:01:00Z  2m 00s',
        'operator-hot-shard-2  dispatch   RUNNING    running  dynamodb-table/orders  2026-01-01T09:00:00Z  -',
        'run-1                 hot-shard  SUCCEEDED  healed   dynamodb-table/orders  2026-01-01T08:31:00Z  3m 30s',
      ].join('\n'),
    );
  });

  it('a dispatch run a guardrail suppressed reads suppressed, not a bare SUCCEEDED', async () => {
    deployed();
    sfn()
      .on(ListExecutionsCommand)
      .resolves({ $metadata: metadata, executions: [execution(DISPATCH, 'alarm-1', 'SUCCEEDED', 0, 0.5)] });

    expect(await main(['list', '--runbook', 'dispatch', ...PROD])).toBe(EXIT.ok);

    expect(output.out.join('\n')).toBe(
      [
        'NAME     RUNBOOK   STATUS     OUTCOME     RESOURCE               STARTED               DURATION',
        'alarm-1  dispatch  SUCCEEDED  suppressed  dynamodb-table/events  2026-01-01T08:30:00Z  30s',
      ].join('\n'),
    );
  });

  it('--runbook lists one state machine, with the status filter, as JSON', async () => {
    deployed();
    sfn()
      .on(ListExecutionsCommand)
      .resolves({ $metadata: metadata, executions: [execution(HOT_SHARD, 'run-2', 'FAILED', 31, 33)] });

    expect(await main(['list', '--runbook', 'hot-shard', '--status', 'FAILED', ...PROD, '--json'])).toBe(
      EXIT.ok,
    );

    expect(requests(sfn())).toEqual([
      ['ListStateMachinesCommand', {}],
      ['ListExecutionsCommand', { stateMachineArn: HOT_SHARD, maxResults: 20, statusFilter: 'FAILED' }],
      [
        'DescribeExecutionCommand',
        { executionArn: `${HOT_SHARD.replace('stateMachine', 'execution')}:run-2` },
      ],
    ]);
    expect(JSON.parse(output.out.join('\n'))).toEqual([
      {
        name: 'run-2',
        runbook: 'hot-shard',
        status: 'FAILED',
        outcome: 'failed',
        why: 'States.TaskFailed',
        resource: 'dynamodb-table/orders',
        executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:prod-hot-shard:run-2',
        stateMachineArn: HOT_SHARD,
        startDate: '2026-01-01T09:01:00.000Z',
        stopDate: '2026-01-01T09:03:00.000Z',
        durationMs: 120_000,
      },
    ]);
  });

  it('says so when there are none', async () => {
    deployed();
    sfn().on(ListExecutionsCommand).resolves({ $metadata: metadata, executions: [] });
    expect(await main(['list', ...PROD])).toBe(EXIT.ok);
    expect(output.out).toEqual(['(no executions)']);
  });

  it('a runbook the deployment does not have: one line, exit 1', async () => {
    deployed();
    expect(await main(['list', '--runbook', 'key-merge', ...PROD])).toBe(EXIT.failed);
    expect(output.err).toEqual([
      'selfheal: no state machine prod-key-merge in deployment prod (AWS, eu-west-1)',
    ]);
    expect(sfn().commandCalls(ListExecutionsCommand)).toHaveLength(0);
  });

  it.each([
    [
      ['--status', 'DONE'],
      'selfheal: --status must be one of RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE, got "DONE"',
    ],
    [['--max', '0'], 'selfheal: --max must be a whole number from 1 to 1000, got "0"'],
    [['--max', 'many'], 'selfheal: --max must be a whole number from 1 to 1000, got "many"'],
    [['extra'], 'selfheal: unexpected argument "extra"'],
  ])('rejects %j as a usage error (exit 2)', async (argv, message) => {
    expect(await main(['list', ...argv, ...PROD])).toBe(EXIT.usage);
    expect(output.err).toEqual([message]);
    expect(sfn().calls()).toHaveLength(0);
  });
});
