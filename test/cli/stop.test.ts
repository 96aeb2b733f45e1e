import { describe, expect, it } from 'vitest';
import { DescribeExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { main } from '../../cli/main.ts';
import { EXIT } from '../../cli/exit-codes.ts';
import {
  DISPATCH,
  doesNotExist,
  metadata,
  requests,
  RUN,
  STARTED_AT,
  useMockedStepFunctions,
} from '../support/operator-cli.ts';

const { sfn, regions, console: output } = useMockedStepFunctions();
const STOPPED_AT = new Date(STARTED_AT.getTime() + 90_000);

function running(status: 'RUNNING' | 'SUCCEEDED' = 'RUNNING'): void {
  sfn()
    .on(DescribeExecutionCommand)
    .resolves({
      $metadata: metadata,
      executionArn: RUN,
      stateMachineArn: DISPATCH,
      name: 'operator-hot-shard-0001',
      status,
      startDate: STARTED_AT,
      ...(status === 'RUNNING' ? {} : { stopDate: new Date(STARTED_AT.getTime() + 65_000) }),
    });
  sfn().on(StopExecutionCommand).resolves({ $metadata: metadata, stopDate: STOPPED_AT });
}

describe('selfheal stop against Step Functions', () => {
  it('stops a running execution with OperatorStopped and the reason as the cause, in its own region', async () => {
    running();

    expect(await main(['stop', RUN, '--deployment', 'prod', '--reason', 'wrong table'])).toBe(EXIT.ok);

    expect(regions).toEqual(['eu-west-1']);
    expect(requests(sfn())).toEqual([
      ['DescribeExecutionCommand', { executionArn: RUN }],
      ['StopExecutionCommand', { executionArn: RUN, error: 'OperatorStopped', cause: 'wrong table' }],
    ]);
    expect(output.out).toEqual([`stopped ${RUN}: wrong table`]);
  });

  it('says who stopped it when no reason is given, and prints JSON', async () => {
    running();

    expect(await main(['stop', RUN, '--deployment', 'prod', '--json'])).toBe(EXIT.ok);

    expect(
      sfn()
        .commandCalls(StopExecutionCommand)
        .map((c) => c.args[0].input),
    ).toEqual([{ executionArn: RUN, error: 'OperatorStopped', cause: 'stopped by alice' }]);
    expect(JSON.parse(output.out.join('\n'))).toEqual({
      executionArn: RUN,
      status: 'ABORTED',
      stopDate: STOPPED_AT.toISOString(),
      error: 'OperatorStopped',
      cause: 'stopped by alice',
    });
  });

  it('an execution that has ended: says so in one line, exit 1, and stops nothing', async () => {
    running('SUCCEEDED');

    expect(await main(['stop', RUN, '--deployment', 'prod'])).toBe(EXIT.failed);

    expect(output.err).toEqual([
      `selfheal: ${RUN} has already ended: SUCCEEDED at 2026-01-01T08:31:05Z; there is nothing to stop`,
    ]);
    expect(sfn().commandCalls(StopExecutionCommand)).toHaveLength(0);
  });

  it('no such execution: one line, exit 1', async () => {
    sfn().on(DescribeExecutionCommand).rejects(doesNotExist());

    expect(await main(['stop', RUN, '--deployment', 'prod'])).toBe(EXIT.failed);

    expect(output.err).toEqual([`selfheal: no execution ${RUN}`]);
    expect(sfn().commandCalls(StopExecutionCommand)).toHaveLength(0);
  });

  it('a usage error calls nothing', async () => {
    expect(await main(['stop'])).toBe(EXIT.usage);
    expect(output.err).toEqual(['selfheal: name the execution: selfheal stop <execution-arn or name>']);
    expect(sfn().calls()).toHaveLength(0);
  });
});
