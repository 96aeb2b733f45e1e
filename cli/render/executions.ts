/** Executions as `selfheal list` prints them: one row each, newest first. */
import type { ExecutionSummary } from '../../domain/operator/executions.ts';
import { between, duration, instant } from './time.ts';

const HEADER = ['NAME', 'RUNBOOK', 'STATUS', 'STARTED', 'DURATION'] as const;

export function renderExecutions(executions: readonly ExecutionSummary[]): string {
  if (executions.length === 0) return '(no executions)';
  const rows = executions.map((e) => [
    e.name,
    e.runbook,
    e.status,
    instant(e.startDate),
    duration(between(e.startDate, e.stopDate)),
  ]);
  const widths = HEADER.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  return [HEADER, ...rows]
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function executionsJson(executions: readonly ExecutionSummary[]) {
  return executions.map((e) => ({
    name: e.name,
    runbook: e.runbook,
    status: e.status,
    executionArn: e.executionArn,
    stateMachineArn: e.stateMachineArn,
    startDate: e.startDate.toISOString(),
    stopDate: e.stopDate?.toISOString() ?? null,
    durationMs: between(e.startDate, e.stopDate) ?? null,
  }));
}
