/**
 * The text report of a simulated incident: a minute-by-minute timeline of the selfheal run (the
 * table, the alarms, what became of their events, dispatch's and the runbooks' states, the
 * actions), then every variant side by side: selfheal first, then each baseline, and what each
 * costs over the 24 hours from the incident's start.
 */
import type { CostedVariantResult, VariantResult } from '../../simulations/outcome.ts';
import { clock, count, MinuteNotes, sideBySide, type ComparisonRow } from './format.ts';
import { costRow, renderCostComparison } from './cost-report.ts';
import { actionRows, outcomeRow } from './outcome-rows.ts';

export interface AlarmTransition {
  atSeconds: number;
  alarmName: string;
  state: string;
}

/** The alarms, the runbook's states and the actions of a run, by minute. */
export function runNotes(
  result: {
    runs: VariantResult['runs'];
    actions: VariantResult['actions'];
    signals?: VariantResult['signals'];
  },
  alarms: readonly AlarmTransition[],
): MinuteNotes {
  const notes = new MinuteNotes();
  for (const alarm of alarms) notes.add(alarm.atSeconds, `alarm ${alarm.alarmName} -> ${alarm.state}`);
  // What EventBridge did with each signal: which rule started dispatch, or that none matched.
  for (const signal of result.signals ?? [])
    notes.add(signal.atSeconds, `signal ${signal.name}: ${signal.result}`);
  for (const run of result.runs) {
    // Choices are the runbook's reasoning, not its steps; a loop's repeats in one minute read once.
    const steps = run.states.filter((state) => state.type !== 'Choice');
    const repeats = new Map<string, number>();
    for (const state of steps) {
      const key = `${Math.floor(state.atSeconds / 60)}|${state.name}`;
      repeats.set(key, (repeats.get(key) ?? 0) + 1);
    }
    for (const state of steps) {
      const key = `${Math.floor(state.atSeconds / 60)}|${state.name}`;
      const times = repeats.get(key);
      if (times === undefined) continue;
      repeats.delete(key);
      notes.add(state.atSeconds, `> ${state.name}${times > 1 ? ` (x${times})` : ''}`);
    }
  }
  for (const action of result.actions) notes.add(action.atSeconds, `* ${action.by}: ${action.what}`);
  return notes;
}

export function renderTimeline(result: VariantResult, alarms: readonly AlarmTransition[]): string {
  const notes = runNotes(result, alarms);
  const header = `${'time'.padEnd(6)}${'phase'.padEnd(11)}${'write used/prov (demand)'.padEnd(26)}${'read used/prov (demand)'.padEnd(26)}${'throttled'.padStart(9)}${'failed'.padStart(9)}  events`;
  const lines = result.timeline.map((m) => {
    const write = capacity(
      m.consumedWcuPerSecond,
      m.billingMode === 'PAY_PER_REQUEST' ? null : m.provisionedWcu,
      m.demandWcuPerSecond,
    );
    const read = capacity(
      m.consumedRcuPerSecond,
      m.billingMode === 'PAY_PER_REQUEST' ? null : m.provisionedRcu,
      m.demandRcuPerSecond,
    );
    const row = `${clock(m.minute * 60).padEnd(6)}${m.phase.padEnd(11)}${write.padEnd(26)}${read.padEnd(26)}${String(m.throttledRequests.total).padStart(9)}${String(m.failedRequests).padStart(9)}`;
    return notes.lines(m.minute, row);
  });
  return [header, ...lines].join('\n');
}

export function renderComparison(results: readonly CostedVariantResult[]): string {
  const rows: ComparisonRow<CostedVariantResult>[] = [
    // A variant that never throttled (on-demand) had nothing to heal: "no action needed".
    outcomeRow(),
    ['detected at', (r) => (r.detectedAtSeconds === null ? '-' : clock(r.detectedAtSeconds))],
    ['healed at', (r) => (r.healedAtSeconds === null ? '-' : clock(r.healedAtSeconds))],
    ['failed requests', (r) => count(r.failedRequests)],
    ['throttle events', (r) => count(r.throttledRequests)],
    ...actionRows(results),
    ['state transitions', (r) => String(r.stateTransitions)],
    costRow(),
  ];
  return [sideBySide(results, rows), '', renderCostComparison(results)].join('\n');
}

function capacity(consumed: number, provisioned: number | null, demand: number): string {
  return `${Math.round(consumed)}/${provisioned ?? 'on-demand'} (${Math.round(demand)})`;
}
