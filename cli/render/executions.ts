/**
 * Executions as `selfheal list` prints them: one row each, newest first, with what each came to
 * (a dispatch run a guardrail suppressed reads `suppressed`, not a bare SUCCEEDED) and its resource.
 */
import type { ExecutionSummary } from '../../domain/operator/executions.ts';
import type { ExecutionOutcome } from '../../domain/operator/execution-outcome.ts';
import { between, duration, instant } from './time.ts';
import { table } from './table.ts';

export type ListedExecution = ExecutionSummary & ExecutionOutcome;

const HEADER = ['NAME', 'RUNBOOK', 'STATUS', 'OUTCOME', 'RESOURCE', 'STARTED', 'DURATION'];

export function renderExecutions(executions: readonly ListedExecution[]): string {
  if (executions.length === 0) return '(no executions)';
  return table(
    HEADER,
    executions.map((e) => [
      e.name,
      e.runbook,
      e.status,
      e.outcome,
      e.resource ?? '-',
      instant(e.startDate),
      duration(between(e.startDate, e.stopDate)),
    ]),
  );
}

export function executionsJson(executions: readonly ListedExecution[]) {
  return executions.map((e) => ({
    name: e.name,
    runbook: e.runbook,
    status: e.status,
    outcome: e.outcome,
    why: e.why ?? null,
    resource: e.resource ?? null,
    executionArn: e.executionArn,
    stateMachineArn: e.stateMachineArn,
    startDate: e.startDate.toISOString(),
    stopDate: e.stopDate?.toISOString() ?? null,
    durationMs: between(e.startDate, e.stopDate) ?? null,
  }));
}
