import { describe, expect, it } from 'vitest';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListStateMachinesCommand,
} from '@aws-sdk/client-sfn';
import { main } from '../../cli/main.ts';
import { EXIT } from '../../cli/exit-codes.ts';
import {
  dispatchEnded,
  doesNotExist,
  LISTED,
  metadata,
  PROD,
  requests,
  RUN,
  useMockedStepFunctions,
} from '../support/operator-cli.ts';

const { sfn, regions, console: output } = useMockedStepFunctions();
const NAME = 'operator-hot-shard-0001';

/** The run, ended; its history in two pages, oldest first. */
const described = () => dispatchEnded(sfn(), NAME, 8);

describe('selfheal describe against Step Functions', () => {
  it('reads the whole history, in the execution’s own region, and prints the timeline', async () => {
    described();

    expect(await main(['describe', RUN, '--deployment', 'prod'])).toBe(EXIT.ok);

    expect(regions).toEqual(['eu-west-1']);
    expect(requests(sfn())).toEqual([
      ['DescribeExecutionCommand', { executionArn: RUN }],
      ['GetExecutionHistoryCommand', { executionArn: RUN, includeExecutionData: true }],
      [
        'GetExecutionHistoryCommand',
        { executionArn: RUN, includeExecutionData: true, nextToken: 'history-2' },
      ],
    ]);
    expect(output.out.join('\n')).toBe(
      [
        `Execution  ${RUN}`,
        'Status     SUCCEEDED',
        'Started    2026-01-01T08:30:00Z',
        'Duration   1m 05s',
        'Input      {source: "selfheal.operator"}',
        'Output     {decision: "start", runbook: "hot-shard", guardrails{…}, outcome{…}}',
        '',
        '     OFFSET      TOOK  STATUS     STATE',
        '     +100ms     800ms  succeeded  Read the signal  [lambda:invoke prod-normalise-signal]',
        '                                    -> {decision: "start"}',
        '        +1s    1m 03s  succeeded  Run the hot-shard runbook  [states:startExecution.sync:2 prod-hot-shard]',
        '                                    -> {ExecutionArn: "arn:aws:states:eu-west-…", Status: "SUCCEEDED", Output{…}}',
        '    +1m 05s       0ms  succeeded  Remediation done',
      ].join('\n'),
    );
  });

  it('finds an execution by its name in the deployment’s state machines, and prints JSON', async () => {
    described();
    sfn()
      .on(ListStateMachinesCommand)
      .resolves({
        $metadata: metadata,
        stateMachines: [LISTED.dispatch, LISTED.hotShard],
      });
    const notHere = `arn:aws:states:eu-west-1:123456789012:execution:prod-hot-shard:${NAME}`;
    sfn().on(DescribeExecutionCommand, { executionArn: notHere }).rejects(doesNotExist());

    expect(await main(['describe', NAME, ...PROD, '--json'])).toBe(EXIT.ok);

    expect(requests(sfn()).slice(0, 2)).toEqual([
      ['ListStateMachinesCommand', {}],
      ['DescribeExecutionCommand', { executionArn: RUN }],
    ]);
    const printed = JSON.parse(output.out.join('\n')) as {
      execution: { executionArn: string };
      timeline: { status: string; entries: { state: string; durationMs: number }[] };
    };
    expect(printed.execution.executionArn).toBe(RUN);
    expect(printed.timeline.status).toBe('SUCCEEDED');
    expect(printed.timeline.entries.map((e) => [e.state, e.durationMs])).toEqual([
      ['Read the signal', 800],
      ['Run the hot-shard runbook', 63_000],
      ['Remediation done', 0],
    ]);
  });

  it('no such execution: one line, exit 1', async () => {
    sfn().on(DescribeExecutionCommand).rejects(doesNotExist());

    expect(await main(['describe', RUN, '--deployment', 'prod'])).toBe(EXIT.failed);

    expect(output.err).toEqual([`selfheal: no execution ${RUN}`]);
    expect(sfn().commandCalls(GetExecutionHistoryCommand)).toHaveLength(0);
  });

  it.each([
    [['describe'], 'selfheal: name the execution: selfheal describe <execution-arn or name>'],
    [
      ['describe', 'has space'],
      'selfheal: "has space" is neither an execution ARN (arn:aws:states:<region>:<account>:execution:<machine>:<name>) nor an execution name',
    ],
    [
      ['describe', RUN, '--region', 'us-west-2'],
      'selfheal: --region us-west-2, but the execution is in eu-west-1',
    ],
    [['describe', RUN, '--state', 'x.json'], 'selfheal: --state is for the local deployment: add --local'],
  ])('rejects %j as a usage error (exit 2)', async (argv, message) => {
    expect(await main(argv)).toBe(EXIT.usage);
    expect(output.err).toEqual([message]);
    expect(sfn().calls()).toHaveLength(0);
  });
});
