/**
 * How a run ended, as an operator wants it after starting one: its status, what it decided in one
 * line, its error and cause, and the runbooks it started with how each of those ended.
 */
import type { DescribeExecutionOutput, ExecutionStatus } from '@aws-sdk/client-sfn';
import type { StepFunctionsPort } from './ports.ts';
import { describeExisting, startedExecutions, wholeHistory, type MachineNaming } from './executions.ts';
import { executionOutcome } from './execution-outcome.ts';

export interface RunbookRun {
  /** Undefined for a state machine that is not the deployment's. */
  runbook: string | undefined;
  executionArn: string;
  status: ExecutionStatus | undefined;
  /** The runbook's own word for its result (`healed`, `dry-run`, ...), when it gives one. */
  outcome?: string;
  error?: string;
  cause?: string;
}

export interface RunResult {
  executionArn: string;
  name: string | undefined;
  status: ExecutionStatus | undefined;
  startDate: Date | undefined;
  stopDate: Date | undefined;
  /**
   * What the run came to (`suppressed`, `ignored`, `healed`, `dry-run`, `failed`, ...): for dispatch,
   * which SUCCEEDS when a guardrail suppresses a request, the status alone does not say.
   */
  outcome: string;
  /** What the run decided or did, in one line (dispatch's outcome summary or its reason). */
  summary?: string;
  error?: string;
  cause?: string;
  runbooks: RunbookRun[];
}

export async function runResult(
  port: StepFunctionsPort,
  naming: MachineNaming,
  executionArn: string,
): Promise<RunResult> {
  const execution = await describeExisting(port, executionArn);
  const children = startedExecutions(await wholeHistory(port, executionArn));
  const runbooks: RunbookRun[] = [];
  for (const arn of children) {
    const child = await describeExisting(port, arn);
    const outcome = field(parseOutput(child), 'outcome');
    runbooks.push({
      runbook: naming.runbookOf(machineOf(arn)),
      executionArn: arn,
      status: child.status,
      ...(typeof outcome === 'string' ? { outcome } : {}),
      ...failure(child),
    });
  }
  const summary = summaryOf(parseOutput(execution));
  return {
    executionArn,
    name: execution.name,
    status: execution.status,
    startDate: execution.startDate,
    stopDate: execution.stopDate,
    outcome: executionOutcome(execution, naming.runbookOf(machineOf(executionArn)) ?? '').outcome,
    ...(summary ? { summary } : {}),
    ...failure(execution),
    runbooks,
  };
}

/** Dispatch's output: the outcome's summary when a runbook ran, else why it did not. */
function summaryOf(output: unknown): string | undefined {
  const candidates = [
    field(field(output, 'outcome'), 'summary'),
    field(field(output, 'guardrails'), 'reason'),
    field(output, 'reason'),
  ];
  return candidates.find((c): c is string => typeof c === 'string' && c !== '');
}

const machineOf = (executionArn: string): string => executionArn.split(':').at(-2) ?? '';

function failure(execution: DescribeExecutionOutput): { error?: string; cause?: string } {
  return {
    ...(execution.error ? { error: execution.error } : {}),
    ...(execution.cause ? { cause: execution.cause } : {}),
  };
}

function parseOutput(execution: DescribeExecutionOutput): unknown {
  try {
    return JSON.parse(execution.output ?? 'null') as unknown;
  } catch {
    return undefined;
  }
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)[name]
    : undefined;
}
