import { describe, expect, it } from 'vitest';
import { ExecutionDoesNotExist } from '@aws-sdk/client-sfn';
import type {
  DescribeExecutionInput,
  ExecutionListItem,
  HistoryEvent,
  ListExecutionsInput,
  StateMachineListItem,
} from '@aws-sdk/client-sfn';
import {
  arnParts,
  deploymentMachines,
  findExecution,
  recentExecutions,
  startedExecutions,
  type MachineNaming,
} from '../../../domain/operator/executions.ts';
import { ExecutionNotFoundError, StateMachineNotFoundError } from '../../../domain/operator/errors.ts';
import { runbookMachine } from '../../../domain/operator/executions.ts';
import type { StepFunctionsPort } from '../../../domain/operator/ports.ts';

const arn = (kind: 'stateMachine' | 'execution', rest: string) =>
  `arn:aws:states:eu-west-1:123456789012:${kind}:${rest}`;
const naming: MachineNaming = {
  stateMachineName: (runbook) => `prod-${runbook}`,
  runbookOf: (name) => (name.startsWith('prod-') ? name.slice(5) : undefined),
  where: 'deployment prod (AWS, eu-west-1)',
};
const machines: StateMachineListItem[] = ['staging-dispatch', 'prod-hot-shard', 'prod-dispatch'].map(
  (name) => ({
    stateMachineArn: arn('stateMachine', name),
    name,
    type: 'STANDARD',
    creationDate: new Date(0),
  }),
);

/** A port over fixed machines (two a page) and executions (the ones it has, by ARN). */
function port(executions: ExecutionListItem[] = []) {
  const listed: ListExecutionsInput[] = [];
  const described: string[] = [];
  const fake: Partial<StepFunctionsPort> = {
    async listStateMachines({ nextToken }) {
      const from = Number(nextToken ?? 0);
      return {
        stateMachines: machines.slice(from, from + 2),
        ...(from + 2 < machines.length ? { nextToken: String(from + 2) } : {}),
      };
    },
    async listExecutions(input) {
      listed.push(input);
      const mine = executions.filter((e) => e.stateMachineArn === input.stateMachineArn);
      const from = Number(input.nextToken ?? 0);
      const size = input.maxResults ?? 100;
      return {
        executions: mine.slice(from, from + size),
        ...(from + size < mine.length ? { nextToken: String(from + size) } : {}),
      };
    },
    async describeExecution({ executionArn }: DescribeExecutionInput) {
      described.push(executionArn ?? '');
      const found = executions.find((e) => e.executionArn === executionArn);
      if (!found) throw new ExecutionDoesNotExist({ $metadata: {}, message: 'Execution Does Not Exist' });
      return { ...found };
    },
  };
  return { port: fake as StepFunctionsPort, listed, described };
}

const execution = (machine: string, name: string, minute: number): ExecutionListItem => ({
  executionArn: arn('execution', `${machine}:${name}`),
  stateMachineArn: arn('stateMachine', machine),
  name,
  status: 'SUCCEEDED',
  startDate: new Date(Date.UTC(2026, 0, 1, 12, minute)),
  stopDate: new Date(Date.UTC(2026, 0, 1, 12, minute + 1)),
});

describe("the deployment's state machines", () => {
  it('reads every page and keeps the deployment’s own, by runbook', async () => {
    expect(await deploymentMachines(port().port, naming)).toEqual([
      { runbook: 'dispatch', name: 'prod-dispatch', arn: arn('stateMachine', 'prod-dispatch') },
      { runbook: 'hot-shard', name: 'prod-hot-shard', arn: arn('stateMachine', 'prod-hot-shard') },
    ]);
  });

  it('finds a runbook’s by its exact name, or says the deployment has none', async () => {
    expect((await runbookMachine(port().port, naming, 'dispatch')).arn).toBe(
      arn('stateMachine', 'prod-dispatch'),
    );
    const missing = await runbookMachine(port().port, naming, 'dispatc').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(StateMachineNotFoundError);
    expect((missing as Error).message).toBe(
      'no state machine prod-dispatc in deployment prod (AWS, eu-west-1)',
    );
  });
});

describe('recentExecutions', () => {
  it('merges the machines’ executions newest first, reading only the pages it needs for max', async () => {
    const { port: sfn, listed } = port([
      execution('prod-dispatch', 'd3', 30),
      execution('prod-dispatch', 'd2', 20),
      execution('prod-dispatch', 'd1', 10),
      execution('prod-hot-shard', 'h1', 25),
    ]);
    const all = await deploymentMachines(sfn, naming);

    const recent = await recentExecutions(sfn, all, { max: 2, statusFilter: 'SUCCEEDED' });

    expect(recent.map((e) => [e.name, e.runbook])).toEqual([
      ['d3', 'dispatch'],
      ['h1', 'hot-shard'],
    ]);
    expect(listed).toEqual([
      { stateMachineArn: arn('stateMachine', 'prod-dispatch'), maxResults: 2, statusFilter: 'SUCCEEDED' },
      { stateMachineArn: arn('stateMachine', 'prod-hot-shard'), maxResults: 2, statusFilter: 'SUCCEEDED' },
    ]);
  });
});

describe('findExecution', () => {
  it('describes an ARN as it is, and looks a name up in each of the deployment’s machines', async () => {
    const run = execution('prod-hot-shard', 'h1', 25);
    const { port: sfn, described } = port([run]);

    expect((await findExecution(sfn, naming, run.executionArn ?? '')).name).toBe('h1');
    expect((await findExecution(sfn, naming, 'h1')).executionArn).toBe(run.executionArn);
    expect(described).toEqual([
      run.executionArn,
      arn('execution', 'prod-dispatch:h1'),
      arn('execution', 'prod-hot-shard:h1'),
    ]);
  });

  it('says which deployment has no such execution', async () => {
    const error = await findExecution(port().port, naming, 'nope').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExecutionNotFoundError);
    expect((error as Error).message).toBe('no execution named nope in deployment prod (AWS, eu-west-1)');
  });
});

describe('startedExecutions', () => {
  const CHILD = arn('execution', 'prod-hot-shard:c1');
  const FAILED_CHILD = arn('execution', 'prod-key-reshuffle:c2');
  const DETACHED = arn('execution', 'prod-cell-traffic-shift:c3');
  const states = (resource: string) => ({ resourceType: 'states', resource });
  const events: HistoryEvent[] = [
    {
      id: 1,
      type: 'TaskSubmitted',
      timestamp: new Date(0),
      taskSubmittedEventDetails: {
        ...states('startExecution.sync:2'),
        output: JSON.stringify({ ExecutionArn: CHILD }),
      },
    },
    {
      id: 2,
      type: 'TaskSucceeded',
      timestamp: new Date(0),
      taskSucceededEventDetails: {
        ...states('startExecution.sync:2'),
        output: JSON.stringify({ ExecutionArn: CHILD, Status: 'SUCCEEDED' }),
      },
    },
    {
      id: 3,
      type: 'TaskFailed',
      timestamp: new Date(0),
      taskFailedEventDetails: {
        ...states('startExecution.sync:2'),
        error: 'States.TaskFailed',
        cause: JSON.stringify({ ExecutionArn: FAILED_CHILD, Status: 'FAILED' }),
      },
    },
    {
      id: 4,
      type: 'TaskSucceeded',
      timestamp: new Date(0),
      taskSucceededEventDetails: {
        resourceType: 'lambda',
        resource: 'invoke',
        output: JSON.stringify({ ExecutionArn: arn('execution', 'x:not-a-child') }),
      },
    },
    {
      id: 5,
      type: 'TaskSucceeded',
      timestamp: new Date(0),
      taskSucceededEventDetails: {
        ...states('startExecution'),
        output: JSON.stringify({ ExecutionArn: DETACHED, StartDate: 1 }),
      },
    },
    {
      id: 6,
      type: 'TaskFailed',
      timestamp: new Date(0),
      taskFailedEventDetails: {
        ...states('startExecution'),
        error: 'StepFunctions.ExecutionAlreadyExistsException',
        cause: 'Execution Already Exists',
      },
    },
  ];

  it('finds the runs a run started, once each, in order: from results, and from a failed child’s cause', () => {
    expect(startedExecutions(events)).toEqual([CHILD, FAILED_CHILD, DETACHED]);
  });
});

it('arnParts reads the region and account of execution and state machine ARNs', () => {
  expect(arnParts(arn('execution', 'prod-dispatch:run'))).toEqual({
    region: 'eu-west-1',
    account: '123456789012',
  });
  expect(arnParts(arn('stateMachine', 'prod-dispatch'))).toEqual({
    region: 'eu-west-1',
    account: '123456789012',
  });
  expect(arnParts('prod-dispatch')).toBeUndefined();
});
