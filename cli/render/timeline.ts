/**
 * An execution's timeline as `selfheal describe` prints it: the execution (status, start, how long,
 * input and output, error), then one line per state entered: its offset from the start, how long
 * it took, how it ended, the task's resource and target, then what it produced and its errors.
 */
import type { DescribeExecutionOutput } from '@aws-sdk/client-sfn';
import type { Timeline, TimelineEntry } from '../../domain/operator/timeline.ts';
import { between, duration, instant, oneLine } from './time.ts';

export function renderTimeline(execution: DescribeExecutionOutput, timeline: Timeline): string {
  const error = execution.error ?? timeline.error;
  const cause = execution.cause ?? timeline.cause;
  const head = [
    `Execution  ${execution.executionArn ?? '-'}`,
    `Status     ${execution.status ?? timeline.status}`,
    `Started    ${instant(execution.startDate ?? timeline.startDate)}`,
    `Duration   ${duration(between(execution.startDate, execution.stopDate) ?? timeline.durationMs)}`,
    ...(timeline.input ? [`Input      ${timeline.input}`] : []),
    ...(timeline.output ? [`Output     ${timeline.output}`] : []),
    ...(error ? [`Error      ${error}${cause ? `: ${oneLine(cause)}` : ''}`] : []),
  ];
  if (timeline.entries.length === 0) return [...head, '', '(no states entered)'].join('\n');
  return [
    ...head,
    '',
    `  ${'OFFSET'.padStart(9)}  ${'TOOK'.padStart(8)}  ${'STATUS'.padEnd(9)}  STATE`,
    ...timeline.entries.flatMap(entryLines),
  ].join('\n');
}

const DETAIL_INDENT = ' '.repeat(2 + 9 + 2 + 8 + 2 + 9 + 2);

function entryLines(entry: TimelineEntry): string[] {
  const nesting = '  '.repeat(entry.depth);
  const resource = entry.resource ? `  [${entry.resource}${entry.target ? ` ${entry.target}` : ''}]` : '';
  const attempts = entry.attempts > 1 ? `  (${entry.attempts} attempts)` : '';
  const detail = `${DETAIL_INDENT}${nesting}  `;
  return [
    `  ${`+${duration(entry.startOffsetMs)}`.padStart(9)}  ${duration(entry.durationMs).padStart(8)}  ${entry.status.padEnd(9)}  ${nesting}${entry.state}${resource}${attempts}`,
    ...(entry.output ? [`${detail}-> ${entry.output}`] : []),
    ...entry.errors.map((e) => `${detail}!  ${e.error}${e.cause ? `: ${oneLine(e.cause, 120)}` : ''}`),
  ];
}
