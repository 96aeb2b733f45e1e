/** How a started run ended, as `selfheal start` prints it (text, or JSON for scripts). */
import type { RunResult } from '../../domain/operator/run-result.ts';
import { between, duration, instant, oneLine } from './time.ts';

export function renderRunResult(result: RunResult): string {
  const took = duration(between(result.startDate, result.stopDate));
  // Dispatch SUCCEEDS when a guardrail holds; for the operator who asked for a run, none started.
  if (result.runbooks.length === 0 && result.status === 'SUCCEEDED') {
    return [
      `Nothing started: dispatch ${verdict(result.outcome)}${result.summary ? `: ${result.summary}` : ''}.`,
      `  ${result.name ?? 'its run'} (started ${instant(result.startDate)}, took ${took})`,
      `  ${result.executionArn}`,
    ].join('\n');
  }
  return [
    `${result.name ?? result.executionArn}: ${result.status ?? 'UNKNOWN'} (started ${instant(result.startDate)}, took ${took})`,
    `  ${result.executionArn}`,
    ...(result.summary ? [`  ${result.summary}`] : []),
    ...(result.error ? [`  error: ${result.error}${result.cause ? `: ${oneLine(result.cause)}` : ''}`] : []),
    ...(result.runbooks.length === 0
      ? ['  no runbook started']
      : result.runbooks.flatMap((run) => [
          `  runbook ${run.runbook ?? '?'}: ${run.status ?? 'UNKNOWN'}${run.outcome ? ` (${run.outcome})` : ''}`,
          `    ${run.executionArn}`,
          ...(run.error ? [`    error: ${run.error}${run.cause ? `: ${oneLine(run.cause)}` : ''}`] : []),
        ])),
  ].join('\n');
}

export function runResultJson(result: RunResult) {
  return {
    ...result,
    startDate: result.startDate?.toISOString() ?? null,
    stopDate: result.stopDate?.toISOString() ?? null,
  };
}

/** Dispatch's outcome as what it did with the request. */
function verdict(outcome: string): string {
  if (outcome === 'suppressed') return 'suppressed the request';
  if (outcome === 'ignored') return 'ignored the request';
  if (outcome === 'already decided') return 'had already decided this incident';
  return `ended ${outcome}`;
}
