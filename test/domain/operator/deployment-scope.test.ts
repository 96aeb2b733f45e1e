/** An operator command acts on the deployment it names, and on no other in the same account. */
import { describe, expect, it } from 'vitest';
import { deploymentNames, runbookOf } from '../../../domain/deployment/names.ts';
import {
  deploymentMachines,
  findExecution,
  type MachineNaming,
} from '../../../domain/operator/executions.ts';
import type { StepFunctionsPort } from '../../../domain/operator/ports.ts';

const RUNBOOKS = ['dispatch', 'hot-shard'];
const names = deploymentNames('selfheal');
const naming: MachineNaming = {
  stateMachineName: (runbook) => names.stateMachine(runbook),
  runbookOf: (name) => runbookOf(names, name, RUNBOOKS),
  where: 'deployment selfheal (AWS, eu-west-1)',
};
const arn = (name: string) => `arn:aws:states:eu-west-1:123456789012:stateMachine:${name}`;

/** A port that lists these machines and describes any execution it is asked about. */
function portListing(machines: string[], described: string[] = []): StepFunctionsPort {
  return {
    listStateMachines: async () => ({
      stateMachines: machines.map((name) => ({
        name,
        stateMachineArn: arn(name),
        type: 'STANDARD',
        creationDate: new Date(0),
      })),
    }),
    describeExecution: async ({ executionArn }: { executionArn?: string }) => {
      described.push(executionArn ?? '');
      return { executionArn, stateMachineArn: '', status: 'RUNNING', startDate: new Date(0) };
    },
  } as unknown as StepFunctionsPort;
}

describe("a deployment's state machines", () => {
  it('are its runbooks by exact name, not whatever shares its prefix', async () => {
    const machines = await deploymentMachines(
      portListing([
        'selfheal-dispatch',
        'selfheal-dev-dispatch',
        'selfheal-billing-etl',
        'selfheal-hot-shard',
      ]),
      naming,
    );
    expect(machines.map((m) => m.runbook)).toEqual(['dispatch', 'hot-shard']);
  });
});

describe('an execution named by ARN', () => {
  it('is refused when it belongs to another deployment, before anything is asked of AWS', async () => {
    const described: string[] = [];
    const other = 'arn:aws:states:eu-west-1:123456789012:execution:selfheal-dev-dispatch:run-1';
    await expect(findExecution(portListing([], described), naming, other)).rejects.toThrow(
      `${other} is not an execution of deployment selfheal (AWS, eu-west-1)`,
    );
    expect(described).toEqual([]);
  });

  it('is described when it is one of this deployment’s', async () => {
    const described: string[] = [];
    const own = 'arn:aws:states:eu-west-1:123456789012:execution:selfheal-hot-shard:run-1';
    await findExecution(portListing([], described), naming, own);
    expect(described).toEqual([own]);
  });
});
