/**
 * Reading a deployment's state machines and executions through the StepFunctionsPort: every page
 * (the API's `nextToken`), the deployment's own machines by name, an execution by ARN or by name,
 * its whole history, and the runbook executions a run started.
 */
import type { DescribeExecutionOutput, ExecutionStatus, HistoryEvent } from '@aws-sdk/client-sfn';
import type { StepFunctionsPort } from './ports.ts';
import { errorName, ExecutionNotFoundError, messageOf, StateMachineNotFoundError } from './errors.ts';

/** How a deployment names its state machines: one per runbook. */
export interface MachineNaming {
  stateMachineName(runbook: string): string;
  /** The runbook a state machine runs, or undefined when it is not this deployment's. */
  runbookOf(stateMachineName: string): string | undefined;
  /** Where, in an operator's words, for messages: `deployment prod (AWS, eu-west-1)`. */
  where: string;
}

export interface DeploymentMachine {
  runbook: string;
  name: string;
  arn: string;
}

export interface ExecutionSummary {
  executionArn: string;
  name: string;
  runbook: string;
  stateMachineArn: string;
  status: ExecutionStatus;
  startDate: Date;
  stopDate: Date | undefined;
}

/** `arn:<partition>:states:<region>:<account>:execution:<state machine>:<name>`. */
const EXECUTION_ARN = /^arn:aws[a-z-]*:states:([a-z0-9-]+):(\d{12}):execution:([^:\s]+):([^:\s]+)$/;
const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:([a-z0-9-]+):(\d{12}):stateMachine:([^:\s]+)$/;

export const isExecutionArn = (reference: string): boolean => EXECUTION_ARN.test(reference);

/** The region and account an execution or state machine ARN names. */
export function arnParts(arn: string): { region: string; account: string } | undefined {
  const match = EXECUTION_ARN.exec(arn) ?? STATE_MACHINE_ARN.exec(arn);
  return match ? { region: match[1] as string, account: match[2] as string } : undefined;
}

/** Reads every page of a paginated call. */
export async function allPages<T>(
  read: (
    nextToken: string | undefined,
  ) => Promise<{ items: T[] | undefined; nextToken?: string | undefined }>,
): Promise<T[]> {
  const items: T[] = [];
  let nextToken: string | undefined;
  do {
    const page = await read(nextToken);
    items.push(...(page.items ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return items;
}

/** The deployment's state machines, by ListStateMachines (every page), in name order. */
export async function deploymentMachines(
  port: StepFunctionsPort,
  naming: MachineNaming,
): Promise<DeploymentMachine[]> {
  const machines = await allPages(async (nextToken) => {
    const page = await port.listStateMachines(nextToken ? { nextToken } : {});
    return { items: page.stateMachines, nextToken: page.nextToken };
  });
  return machines
    .flatMap(({ name, stateMachineArn }) => {
      const runbook = name && stateMachineArn ? naming.runbookOf(name) : undefined;
      return runbook ? [{ runbook, name: name as string, arn: stateMachineArn as string }] : [];
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The state machine a runbook runs as in the deployment; StateMachineNotFoundError if there is none. */
export async function runbookMachine(
  port: StepFunctionsPort,
  naming: MachineNaming,
  runbook: string,
): Promise<DeploymentMachine> {
  const name = naming.stateMachineName(runbook);
  const found = (await deploymentMachines(port, naming)).find((m) => m.name === name);
  if (!found) throw new StateMachineNotFoundError(`no state machine ${name} in ${naming.where}`);
  return found;
}

/** DescribeExecution, with an unknown execution as ExecutionNotFoundError. */
export async function describeExisting(
  port: StepFunctionsPort,
  executionArn: string,
): Promise<DescribeExecutionOutput> {
  try {
    return await port.describeExecution({ executionArn });
  } catch (error) {
    const name = errorName(error);
    if (name === 'ExecutionDoesNotExist') throw new ExecutionNotFoundError(`no execution ${executionArn}`);
    if (name === 'InvalidArn') {
      throw new ExecutionNotFoundError(`${executionArn} is not an execution ARN: ${messageOf(error)}`);
    }
    throw error;
  }
}

/**
 * An execution named by its ARN, or by its name alone: then it is looked for in each of the
 * deployment's state machines (an execution's ARN is its machine's, with `execution` and the name).
 */
export async function findExecution(
  port: StepFunctionsPort,
  naming: MachineNaming,
  reference: string,
): Promise<DescribeExecutionOutput> {
  if (isExecutionArn(reference)) {
    // An ARN names its state machine: refuse one of another deployment, whatever IAM would allow.
    const machine = reference.split(':')[6] ?? '';
    if (naming.runbookOf(machine) === undefined) {
      throw new ExecutionNotFoundError(`${reference} is not an execution of ${naming.where}`);
    }
    return describeExisting(port, reference);
  }
  for (const machine of await deploymentMachines(port, naming)) {
    const executionArn = `${machine.arn.replace(':stateMachine:', ':execution:')}:${reference}`;
    try {
      return await port.describeExecution({ executionArn });
    } catch (error) {
      if (errorName(error) !== 'ExecutionDoesNotExist') throw error;
    }
  }
  throw new ExecutionNotFoundError(`no execution named ${reference} in ${naming.where}`);
}

/**
 * The newest `max` executions of these state machines together, newest first: ListExecutions on
 * each (every page it takes to have `max`, or all), then merged.
 */
export async function recentExecutions(
  port: StepFunctionsPort,
  machines: readonly DeploymentMachine[],
  options: { max: number; statusFilter?: ExecutionStatus },
): Promise<ExecutionSummary[]> {
  const found: ExecutionSummary[] = [];
  for (const machine of machines) {
    let nextToken: string | undefined;
    let taken = 0;
    do {
      const page = await port.listExecutions({
        stateMachineArn: machine.arn,
        maxResults: Math.min(options.max, 1000),
        ...(options.statusFilter ? { statusFilter: options.statusFilter } : {}),
        ...(nextToken ? { nextToken } : {}),
      });
      for (const item of page.executions ?? []) {
        if (!item.executionArn || !item.name || !item.status || !item.startDate) continue;
        found.push({
          executionArn: item.executionArn,
          name: item.name,
          runbook: machine.runbook,
          stateMachineArn: machine.arn,
          status: item.status,
          startDate: item.startDate,
          stopDate: item.stopDate,
        });
        taken++;
      }
      nextToken = page.nextToken;
    } while (nextToken && taken < options.max);
  }
  return found.sort((a, b) => b.startDate.getTime() - a.startDate.getTime()).slice(0, options.max);
}

/** The whole history, oldest event first (every page). */
export function wholeHistory(port: StepFunctionsPort, executionArn: string): Promise<HistoryEvent[]> {
  return allPages(async (nextToken) => {
    const page = await port.getExecutionHistory({
      executionArn,
      includeExecutionData: true,
      ...(nextToken ? { nextToken } : {}),
    });
    return { items: page.events, nextToken: page.nextToken };
  });
}

/**
 * The executions a run started (`states:startExecution`, `.sync`, `.sync:2`), in the order it
 * started them: the ARN is in the task's result, or in its failure's cause (a failed child's
 * description) for a `.sync` task whose child failed.
 */
export function startedExecutions(history: readonly HistoryEvent[]): string[] {
  const arns: string[] = [];
  for (const event of history) {
    const text =
      event.type === 'TaskSucceeded' && event.taskSucceededEventDetails?.resourceType === 'states'
        ? event.taskSucceededEventDetails.output
        : event.type === 'TaskSubmitted' && event.taskSubmittedEventDetails?.resourceType === 'states'
          ? event.taskSubmittedEventDetails.output
          : event.type === 'TaskFailed' && event.taskFailedEventDetails?.resourceType === 'states'
            ? event.taskFailedEventDetails.cause
            : undefined;
    const arn = executionArnIn(text);
    if (arn && !arns.includes(arn)) arns.push(arn);
  }
  return arns;
}

function executionArnIn(text: string | undefined): string | undefined {
  try {
    const parsed: unknown = JSON.parse(text ?? 'null');
    const arn =
      typeof parsed === 'object' && parsed !== null
        ? (parsed as Record<string, unknown>).ExecutionArn
        : undefined;
    return typeof arn === 'string' && isExecutionArn(arn) ? arn : undefined;
  } catch {
    return undefined;
  }
}
