import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  ExecutionAlreadyExists,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { sfnAdapter } from '../../adapters/sfn.ts';

const sfn = mockClient(SFNClient);
const port = sfnAdapter(new SFNClient({ region: 'eu-west-1' }));
const metadata = { httpStatusCode: 200, requestId: 'req-1' };
const DISPATCH = 'arn:aws:states:eu-west-1:123456789012:stateMachine:prod-dispatch';
const RUN =
  'arn:aws:states:eu-west-1:123456789012:execution:prod-dispatch:operator-hot-shard-20260101T083000123Z';
const AT = new Date(Date.UTC(2026, 0, 1, 8, 30));

const sent = () => sfn.calls().map((c) => [c.args[0].constructor.name, c.args[0].input]);

beforeEach(() => {
  sfn.reset();
});

describe('the operator calls through the SFN client', () => {
  it('StartExecution: the request as it is, the response without $metadata', async () => {
    sfn.on(StartExecutionCommand).resolves({ $metadata: metadata, executionArn: RUN, startDate: AT });
    const request = {
      stateMachineArn: DISPATCH,
      name: 'operator-hot-shard-20260101T083000123Z',
      input: '{"source":"selfheal.operator"}',
    };

    expect(await port.startExecution(request)).toStrictEqual({ executionArn: RUN, startDate: AT });
    expect(sent()).toStrictEqual([['StartExecutionCommand', request]]);
  });

  it('ListStateMachines: one page, its nextToken handed back', async () => {
    const machines = [
      { stateMachineArn: DISPATCH, name: 'prod-dispatch', type: 'STANDARD' as const, creationDate: AT },
    ];
    sfn
      .on(ListStateMachinesCommand)
      .resolves({ $metadata: metadata, stateMachines: machines, nextToken: 'p2' });

    expect(await port.listStateMachines({ nextToken: 'p1' })).toStrictEqual({
      stateMachines: machines,
      nextToken: 'p2',
    });
    expect(sent()).toStrictEqual([['ListStateMachinesCommand', { nextToken: 'p1' }]]);
  });

  it('ListExecutions: the filter, page size and token as asked', async () => {
    const executions = [
      {
        executionArn: RUN,
        stateMachineArn: DISPATCH,
        name: 'run',
        status: 'RUNNING' as const,
        startDate: AT,
      },
    ];
    sfn.on(ListExecutionsCommand).resolves({ $metadata: metadata, executions });
    const request = {
      stateMachineArn: DISPATCH,
      statusFilter: 'RUNNING' as const,
      maxResults: 20,
      nextToken: 'e2',
    };

    expect(await port.listExecutions(request)).toStrictEqual({ executions });
    expect(sent()).toStrictEqual([['ListExecutionsCommand', request]]);
  });

  it('StopExecution: the error and cause as given', async () => {
    sfn.on(StopExecutionCommand).resolves({ $metadata: metadata, stopDate: AT });
    const request = { executionArn: RUN, error: 'OperatorStopped', cause: 'wrong table' };

    expect(await port.stopExecution(request)).toStrictEqual({ stopDate: AT });
    expect(sent()).toStrictEqual([['StopExecutionCommand', request]]);
  });

  it("passes the SDK's errors on, by name", async () => {
    sfn
      .on(StartExecutionCommand)
      .rejects(new ExecutionAlreadyExists({ $metadata: metadata, message: 'Execution Already Exists' }));

    await expect(port.startExecution({ stateMachineArn: DISPATCH, name: 'taken' })).rejects.toMatchObject({
      name: 'ExecutionAlreadyExists',
    });
  });
});
