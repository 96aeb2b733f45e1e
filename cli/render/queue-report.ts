/**
 * The text report of a simulated queue incident: the selfheal run minute by minute (the queue,
 * the consumer's limit and concurrency, the downstream, the alarms, the runbook's states and its
 * changes), then every variant side by side, and what each costs over 24 hours.
 */
import { actionRows, outcomeRow } from './outcome-rows.ts';
import type { QueueVariantResult } from '../../scenarios/sqs-backpressure/run.ts';
import { clock, count, sideBySide, type ComparisonRow } from './format.ts';
import { runNotes, type AlarmTransition } from './scenario-report.ts';
import { costRow, renderCostComparison } from './cost-report.ts';

const COLUMNS = [
  ['time', 6],
  ['backlog', 9],
  ['oldest', 8],
  ['DLQ', 8],
  ['limit', 7],
  ['running', 9],
  ['downstream ok/err', 19],
] as const;

export function renderQueueTimeline(result: QueueVariantResult, alarms: readonly AlarmTransition[]): string {
  const notes = runNotes(result, alarms);
  const cells = (values: readonly string[]) =>
    values.map((v, i) => (i === 0 ? v.padEnd(COLUMNS[0][1]) : v.padStart(COLUMNS[i]?.[1] ?? 8))).join('');
  const header = `${cells(COLUMNS.map(([name]) => name))}  events`;
  const lines = result.timeline.map((m) =>
    notes.lines(
      m.minute,
      cells([
        clock(m.minute * 60),
        count(m.visible + m.notVisible),
        `${m.oldestAgeSeconds}s`,
        count(m.deadLetter),
        m.mappingState === 'Disabled'
          ? 'off'
          : m.maximumConcurrency === null
            ? 'none'
            : String(m.maximumConcurrency),
        String(Math.round(m.concurrency)),
        `${count(m.downstreamRequests - m.downstreamErrors)}/${count(m.downstreamErrors)}`,
      ]),
    ),
  );
  return [header, ...lines].join('\n');
}

export function renderQueueComparison(results: readonly QueueVariantResult[]): string {
  const rows: ComparisonRow<QueueVariantResult>[] = [
    outcomeRow(),
    ['no message lost', (r) => (r.deadLetterMessages + r.expiredMessages === 0 ? 'yes' : 'no')],
    ['detected at', (r) => (r.detectedAtSeconds === null ? '-' : clock(r.detectedAtSeconds))],
    ['downstream errors', (r) => count(r.downstreamErrors)],
    ['  of which 429s', (r) => count(r.shedRequests)],
    ['messages in the DLQ', (r) => count(r.deadLetterMessages)],
    ['messages expired', (r) => count(r.expiredMessages)],
    ['largest backlog', (r) => count(r.maxBacklog)],
    ['oldest message', (r) => `${r.maxOldestAgeSeconds}s`],
    ['drained after', (r) => (r.drainSeconds === null ? 'not drained' : clock(r.drainSeconds))],
    ...actionRows(results),
    ['state transitions', (r) => String(r.stateTransitions)],
    costRow(),
  ];
  return [sideBySide(results, rows), '', renderCostComparison(results)].join('\n');
}
