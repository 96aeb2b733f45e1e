/**
 * The text report of a simulated incident: a minute-by-minute timeline of the selfheal run (the
 * table, the alarms, the runbook's states, the actions), then every variant side by side.
 */
import type { VariantResult } from '../../simulations/outcome.ts';

export interface AlarmTransition {
  atSeconds: number;
  alarmName: string;
  state: string;
}

export function renderTimeline(result: VariantResult, alarms: readonly AlarmTransition[]): string {
  const events = new Map<number, string[]>();
  const note = (atSeconds: number, text: string): void => {
    const minute = Math.floor(atSeconds / 60);
    events.set(minute, [...(events.get(minute) ?? []), text]);
  };
  for (const alarm of alarms) note(alarm.atSeconds, `alarm ${alarm.alarmName} -> ${alarm.state}`);
  for (const run of result.runs) {
    for (const state of run.states) note(state.atSeconds, `> ${state.name}`);
  }
  for (const action of result.actions) note(action.atSeconds, `* ${action.by}: ${action.what}`);

  const header = `${'time'.padEnd(6)}${'phase'.padEnd(11)}${'write used/prov (demand)'.padEnd(26)}${'read used/prov (demand)'.padEnd(26)}${'throttled'.padStart(9)}  events`;
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
    const happened = events.get(m.minute) ?? [];
    const row = `${clock(m.minute * 60).padEnd(6)}${m.phase.padEnd(11)}${write.padEnd(26)}${read.padEnd(26)}${String(m.throttledRequests.total).padStart(9)}`;
    return [
      `${row}  ${happened[0] ?? ''}`.trimEnd(),
      ...happened.slice(1).map((e) => `${''.padEnd(row.length)}  ${e}`),
    ].join('\n');
  });
  return [header, ...lines].join('\n');
}

export function renderComparison(results: readonly VariantResult[]): string {
  const rows: [string, (r: VariantResult) => string][] = [
    ['healed', (r) => (r.healed ? 'yes' : 'no')],
    ['detected at', (r) => (r.detectedAtSeconds === null ? '-' : clock(r.detectedAtSeconds))],
    ['healed at', (r) => (r.healedAtSeconds === null ? '-' : clock(r.healedAtSeconds))],
    ['throttled requests', (r) => r.throttledRequests.toLocaleString('en-US')],
    ['actions taken', (r) => String(r.actions.length)],
    ['state transitions', (r) => String(r.stateTransitions)],
  ];
  const width = 20;
  const header = `${''.padEnd(width)}${results.map((r) => r.variant.padStart(16)).join('')}`;
  return [
    header,
    ...rows.map(
      ([label, value]) => `${label.padEnd(width)}${results.map((r) => value(r).padStart(16)).join('')}`,
    ),
  ].join('\n');
}

function capacity(consumed: number, provisioned: number | null, demand: number): string {
  return `${Math.round(consumed)}/${provisioned ?? 'on-demand'} (${Math.round(demand)})`;
}

/** Virtual time since the start, as mm:ss. */
function clock(seconds: number): string {
  return `${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`;
}
