/**
 * The text report of a simulated cell incident: the selfheal run minute by minute (each cell's
 * share of the traffic, Off cells marked, the users' failed requests, the runbook's states and its
 * routing changes), then the variants side by side, and what each costs over 24 hours.
 */
import type { CellVariantResult } from '../../scenarios/cell-shift/run.ts';
import { clock, count, sideBySide, type ComparisonRow } from './format.ts';
import { runNotes, type AlarmTransition } from './scenario-report.ts';
import { costRow, renderCostComparison } from './cost-report.ts';
import { actionRows, outcomeRow } from './outcome-rows.ts';

export function renderCellTimeline(result: CellVariantResult, alarms: readonly AlarmTransition[]): string {
  const notes = runNotes(result, alarms);
  const cells = result.timeline[0]?.cells.map((c) => c.cell.replace(/^.*-cell-/, 'cell ')) ?? [];
  const header = `${'time'.padEnd(6)}${cells.map((c) => c.padStart(9)).join('')}${'failed'.padStart(9)}  events`;
  const lines = result.timeline.map((m) =>
    notes.lines(
      m.minute,
      `${clock(m.minute * 60).padEnd(6)}${m.cells
        .map((c) => (c.state === 'Off' ? 'off' : `${c.sharePercent}%`).padStart(9))
        .join('')}${count(m.failedRequests).padStart(9)}`,
    ),
  );
  return [header, ...lines].join('\n');
}

export function renderCellComparison(results: readonly CellVariantResult[]): string {
  const at = (seconds: number | null) => (seconds === null ? '-' : clock(seconds));
  const rows: ComparisonRow<CellVariantResult>[] = [
    outcomeRow(),
    ['detected at', (r) => at(r.detectedAtSeconds)],
    ['shifted at', (r) => at(r.shiftedAtSeconds)],
    ['time to shift', (r) => at(r.timeToShiftSeconds)],
    ['shifted back at', (r) => at(r.shiftedBackAtSeconds)],
    ['traffic back at end', (r) => (r.trafficBack ? 'yes' : 'no')],
    ['failed requests', (r) => count(r.failedRequests)],
    ...actionRows(results),
    ['state transitions', (r) => String(r.stateTransitions)],
    costRow(),
  ];
  return [sideBySide(results, rows), '', renderCostComparison(results)].join('\n');
}
