/**
 * The `<execution>` argument of every command about one execution (describe, stop, approve,
 * reject): an execution ARN, or its name. One parser and one resolver, so each command takes the
 * same two forms and finds the same execution.
 */
import type { DescribeExecutionOutput } from '@aws-sdk/client-sfn';
import { isExecutionName } from '../domain/operator/execution-name.ts';
import {
  describeExisting,
  findExecution,
  isExecutionArn,
  type MachineNaming,
} from '../domain/operator/executions.ts';
import { ExecutionNotFoundError } from '../domain/operator/errors.ts';
import type { StepFunctionsPort } from '../domain/operator/ports.ts';
import { UsageError } from './exit-codes.ts';

export const EXECUTION_USAGE = `  <execution>        its name (looked for in each of the deployment's state machines), or its ARN
                     (in AWS, the ARN's region is used)`;

export function executionReference(positionals: readonly string[], command: string): string {
  const [reference, extra] = positionals;
  if (reference === undefined)
    throw new UsageError(`name the execution: selfheal ${command} <execution-arn or name>`);
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
  if (!isExecutionArn(reference) && !isExecutionName(reference)) {
    throw new UsageError(
      `"${reference}" is neither an execution ARN (arn:aws:states:<region>:<account>:execution:<machine>:<name>) nor an execution name`,
    );
  }
  return reference;
}

/**
 * The execution `reference` names in the deployment: its ARN, and its description when finding it
 * read one. An ARN is checked to be one of the deployment's without a call (an answer to a waiting
 * task needs no description); a name is looked for in each of its state machines.
 */
async function resolve(
  port: StepFunctionsPort,
  naming: MachineNaming,
  reference: string,
): Promise<{ executionArn: string; described?: DescribeExecutionOutput }> {
  if (isExecutionArn(reference)) {
    // An ARN names its state machine: refuse one of another deployment, whatever IAM would allow.
    const machine = reference.split(':')[6] ?? '';
    if (naming.runbookOf(machine) === undefined)
      throw new ExecutionNotFoundError(`${reference} is not an execution of ${naming.where}`);
    return { executionArn: reference };
  }
  const described = await findExecution(port, naming, reference);
  if (!described.executionArn)
    throw new ExecutionNotFoundError(`no execution named ${reference} in ${naming.where}`);
  return { executionArn: described.executionArn, described };
}

/** The ARN of the execution `reference` names (approve, reject). */
export async function executionArnOf(
  port: StepFunctionsPort,
  naming: MachineNaming,
  reference: string,
): Promise<string> {
  return (await resolve(port, naming, reference)).executionArn;
}

/** The execution `reference` names, described (describe, stop). */
export async function describedExecution(
  port: StepFunctionsPort,
  naming: MachineNaming,
  reference: string,
): Promise<DescribeExecutionOutput & { executionArn: string }> {
  const { executionArn, described } = await resolve(port, naming, reference);
  return { ...(described ?? (await describeExisting(port, executionArn))), executionArn };
}
