import { describe, expect, it, vi } from 'vitest';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListStateMachinesCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { main } from '../../cli/main.ts';
import { EXIT } from '../../cli/exit-codes.ts';
import { normaliseSignal } from '../../detectors/signals/normalise.ts';
import { DEFAULT_ROUTING } from '../../detectors/routing/routes.ts';
import {
  CHILD,
  DISPATCH,
  DISPATCH_HISTORY,
  dispatchEnded,
  HOT_SHARD,
  LISTED,
  metadata,
  PROD,
  requests,
  RUN,
  START_HOT_SHARD,
  STARTED_AT,
  useMockedStepFunctions,
} from '../support/operator-cli.ts';

const { sfn, regions, console: output } = useMockedStepFunctions();
const NOW = new Date('2026-01-01T08:30:00.123Z');
const NAME = 'operator-hot-shard-20260101T083000123Z';

/** Two pages of state machines: another deployment's first, then prod's. */
function deployed(): void {
  sfn()
    .on(ListStateMachinesCommand, {}, true)
    .resolves({ $metadata: metadata, stateMachines: [LISTED.stagingDispatch], nextToken: 'machines-2' });
  sfn()
    .on(ListStateMachinesCommand, { nextToken: 'machines-2' }, true)
    .resolves({ $metadata: metadata, stateMachines: [LISTED.dispatch, LISTED.hotShard] });
}

/** The run as DescribeExecution tells it, its whole history (read once it has ended), and its child's. */
function ended(): void {
  dispatchEnded(sfn(), NAME);
  sfn()
    .on(DescribeExecutionCommand, { executionArn: CHILD })
    .resolves({
      $metadata: metadata,
      executionArn: CHILD,
      stateMachineArn: HOT_SHARD,
      status: 'SUCCEEDED',
      startDate: STARTED_AT,
      output: JSON.stringify({ outcome: 'dry-run', tableName: 'orders' }),
    });
}

const newestFirst = (count: number) => DISPATCH_HISTORY.slice(0, count).reverse();
const progressRequest = { executionArn: RUN, reverseOrder: true, includeExecutionData: false };

describe('selfheal start against Step Functions', () => {
  it('starts dispatch with the operator request, follows it every 2 s without repeating a state, and prints the result', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout'] });
    vi.setSystemTime(NOW);
    deployed();
    ended();
    sfn().on(StartExecutionCommand).resolves({ $metadata: metadata, executionArn: RUN, startDate: NOW });
    // First poll: the run is in its second state; the second: it has ended.
    sfn()
      .on(GetExecutionHistoryCommand, progressRequest, true)
      .resolvesOnce({ $metadata: metadata, events: newestFirst(7) })
      .resolvesOnce({ $metadata: metadata, events: newestFirst(15) });

    const running = main([
      ...START_HOT_SHARD,
      '--reason',
      'sale at 09:00',
      '--by',
      'bob',
      '--dry-run',
      ...PROD,
    ]);
    await vi.advanceTimersByTimeAsync(1999);
    expect(output.err).toEqual([`started ${RUN}`, '  > Read the signal', '  > Run the hot-shard runbook']);
    await vi.advanceTimersByTimeAsync(1);
    expect(await running).toBe(EXIT.ok);

    expect(regions).toEqual(['eu-west-1']);
    const sent = requests(sfn());
    expect(sent.slice(0, 3)).toEqual([
      ['ListStateMachinesCommand', {}],
      ['ListStateMachinesCommand', { nextToken: 'machines-2' }],
      ['StartExecutionCommand', { stateMachineArn: DISPATCH, name: NAME, input: expect.any(String) }],
    ]);
    expect(sent.slice(3)).toEqual([
      ['GetExecutionHistoryCommand', progressRequest],
      ['GetExecutionHistoryCommand', progressRequest],
      ['DescribeExecutionCommand', { executionArn: RUN }],
      ['GetExecutionHistoryCommand', { executionArn: RUN, includeExecutionData: true }],
      ['DescribeExecutionCommand', { executionArn: CHILD }],
    ]);

    const event = JSON.parse(
      sfn().commandCalls(StartExecutionCommand)[0]?.args[0].input.input ?? '{}',
    ) as Record<string, unknown>;
    expect(event).toEqual({
      version: '0',
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      'detail-type': 'Remediation Requested',
      source: 'selfheal.operator',
      account: '123456789012',
      time: '2026-01-01T08:30:00.123Z',
      region: 'eu-west-1',
      resources: [],
      detail: {
        kind: 'table-capacity',
        resource: { type: 'dynamodb-table', name: 'orders' },
        reason: 'sale at 09:00',
        requestedBy: 'bob',
        dryRun: true,
      },
    });
    // Dispatch reads it as an operator's request for hot-shard that asks for a dry run.
    expect(normaliseSignal(event, DEFAULT_ROUTING)).toMatchObject({
      decision: 'start',
      runbook: 'hot-shard',
      dryRunRequested: true,
    });

    // Every state once, though the second poll saw the first two again.
    expect(output.err).toEqual([
      `started ${RUN}`,
      '  > Read the signal',
      '  > Run the hot-shard runbook',
      '  > Remediation done',
    ]);
    expect(output.out.join('\n')).toBe(
      [
        `${NAME}: SUCCEEDED (started 2026-01-01T08:30:00Z, took 1m 05s)`,
        `  ${RUN}`,
        '  Dry run of hot-shard on dynamodb-table/orders: dry-run',
        '  runbook hot-shard: SUCCEEDED (dry-run)',
        `    ${CHILD}`,
      ].join('\n'),
    );
  });

  it('--json prints only the result, no progress; a failed run exits 1 with its error and cause', async () => {
    deployed();
    ended();
    sfn()
      .on(StartExecutionCommand)
      .resolves({ $metadata: metadata, executionArn: RUN, startDate: STARTED_AT });
    sfn()
      .on(GetExecutionHistoryCommand, progressRequest, true)
      .resolves({ $metadata: metadata, events: newestFirst(15) });
    sfn().on(DescribeExecutionCommand, { executionArn: RUN }).resolves({
      $metadata: metadata,
      executionArn: RUN,
      name: NAME,
      status: 'FAILED',
      startDate: STARTED_AT,
      stopDate: STARTED_AT,
      error: 'RemediationFailed',
      cause: 'The runbook failed: the audit ledger and the notification have its error.',
    });

    expect(await main([...START_HOT_SHARD, ...PROD, '--json'])).toBe(EXIT.failed);

    expect(output.err).toEqual([]);
    expect(JSON.parse(output.out.join('\n'))).toEqual({
      executionArn: RUN,
      name: NAME,
      status: 'FAILED',
      outcome: 'failed',
      startDate: STARTED_AT.toISOString(),
      stopDate: STARTED_AT.toISOString(),
      error: 'RemediationFailed',
      cause: 'The runbook failed: the audit ledger and the notification have its error.',
      runbooks: [{ runbook: 'hot-shard', executionArn: CHILD, status: 'SUCCEEDED', outcome: 'dry-run' }],
    });
    const input = JSON.parse(sfn().commandCalls(StartExecutionCommand)[0]?.args[0].input.input ?? '{}') as {
      detail: Record<string, unknown>;
    };
    // No --dry-run, no dryRun; --by defaults to $USER, --reason to a fixed phrase.
    expect(input.detail).toEqual({
      kind: 'table-capacity',
      resource: { type: 'dynamodb-table', name: 'orders' },
      reason: 'requested with selfheal start',
      requestedBy: 'alice',
    });
  });

  it('--no-wait prints the execution ARN and reads no history', async () => {
    deployed();
    sfn()
      .on(StartExecutionCommand)
      .resolves({ $metadata: metadata, executionArn: RUN, startDate: STARTED_AT });

    expect(await main([...START_HOT_SHARD, '--no-wait', ...PROD])).toBe(EXIT.ok);

    expect(output.out).toEqual([RUN]);
    expect(output.err).toEqual([]);
    expect(sfn().commandCalls(GetExecutionHistoryCommand)).toHaveLength(0);
  });

  it('says in one line, exit 1, that the deployment has no dispatch state machine in that region', async () => {
    sfn()
      .on(ListStateMachinesCommand)
      .resolves({ $metadata: metadata, stateMachines: [LISTED.stagingDispatch] });

    expect(await main([...START_HOT_SHARD, ...PROD])).toBe(EXIT.failed);

    expect(output.err).toEqual([
      'selfheal: no state machine prod-dispatch in deployment prod (AWS, eu-west-1)',
    ]);
    expect(sfn().commandCalls(StartExecutionCommand)).toHaveLength(0);
  });
});

describe('selfheal start: usage errors exit 2 and call nothing', () => {
  it.each([
    [['start'], 'selfheal: name the runbook: selfheal start <runbook> --target RESOURCE'],
    [
      ['start', 'key-reshuffle', '--target', 'dynamodb-table/orders'],
      'selfheal: dispatch starts no runbook "key-reshuffle"; it starts: hot-shard, sqs-backpressure, cell-traffic-shift',
    ],
    [
      ['start', 'hot-shard'],
      'selfheal: start needs --target RESOURCE (TYPE/NAME, TYPE one of dynamodb-table, event-source-mapping, cell (e.g. dynamodb-table/orders))',
    ],
    [
      ['start', 'hot-shard', '--target', 'orders'],
      'selfheal: --target "orders" is not TYPE/NAME, TYPE one of dynamodb-table, event-source-mapping, cell (e.g. dynamodb-table/orders)',
    ],
    [
      ['start', 'hot-shard', '--target', 's3-bucket/orders'],
      'selfheal: --target "s3-bucket/orders" is not TYPE/NAME, TYPE one of dynamodb-table, event-source-mapping, cell (e.g. dynamodb-table/orders)',
    ],
    [
      ['start', 'hot-shard', '--target', 'cell/checkout-cell-3'],
      'selfheal: --target cell/checkout-cell-3: runbook hot-shard acts on a dynamodb-table, not a cell',
    ],
    [
      ['start', 'hot-shard', '--target', 'dynamodb-table/orders', '--reason', ''],
      'selfheal: the request is invalid: reason: Too small: expected string to have >=1 characters',
    ],
    [
      ['start', 'hot-shard', '--target', 'dynamodb-table/orders', '--seed', '2'],
      'selfheal: --scenario and --seed are for the local deployment: add --local',
    ],
    [
      ['start', 'hot-shard', '--target', 'dynamodb-table/orders', '--local', '--scenario', 'moon'],
      'selfheal: unknown scenario "moon"; try: hot-shard, empty',
    ],
  ])('%j', async (argv, message) => {
    expect(await main([...argv, ...(argv.includes('--local') ? [] : PROD)])).toBe(EXIT.usage);
    expect(output.err).toEqual([message]);
    expect(sfn().calls()).toHaveLength(0);
  });
});
