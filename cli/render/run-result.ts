/** How a started run ended, as `selfheal start` prints it (text, or JSON for scripts). */
import type { RunResult } from '../../domain/operator/run-result.ts';
import { between, duration, instant, oneLine } from './time.ts';

export function renderRunResult(result: RunResult): string {
  const took = duration(between(result.startDate, result.stopDate));
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
