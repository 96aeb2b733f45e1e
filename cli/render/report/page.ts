/**
 * The report page, pure: one self-contained HTML document (inline CSS and SVG, no script, nothing
 * fetched: its Content-Security-Policy forbids it) with a section per scenario: the charts, the
 * selfheal run's steps, the outcome figures `--json` prints, and what each variant costs over 24
 * hours plotted against the harm it let through. Every text is escaped.
 */
import { goalMet, OUTCOME_LABELS, type Outcome, type RunSummary } from '../../../simulations/outcome.ts';
import { clock } from '../format.ts';
import { escapeHtml } from './escape.ts';
import type { ScenarioCharts } from './figures.ts';
import { runSpans, stateLine, stepMarkers, type StepMarker } from './markers.ts';
import { markerGapSeconds, renderFigure, type Timeline } from './svg.ts';
import { outcomeTable } from './table.ts';
import { renderCost } from './cost.ts';

export interface ReportSection {
  scenario: string;
  description: string;
  /** How it ran: `seed 1`, `seed 1, approval manual`. */
  settings: string;
  /** What became of the incident in the selfheal run. */
  outcome: Outcome;
  charts: ScenarioCharts;
  /** What `--json` prints for the scenario. */
  summary: object;
}

export function renderReport(sections: readonly ReportSection[]): string {
  const names = sections.map((s) => s.scenario);
  const title = `selfheal simulate: ${names.join(', ')}`;
  const nav =
    sections.length > 1
      ? `<nav><ul>${sections.map((s) => `<li><a href="#${anchor(s.scenario)}">${escapeHtml(s.scenario)}</a></li>`).join('')}</ul></nav>`
      : '';
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<header>',
    '<h1>selfheal: simulated incidents</h1>',
    '<p>Each incident runs on the local engine in virtual time, healed by selfheal and again on the same seed with each baseline. The charts share their axes across variants. Where lines coincide, the baselines show as wider, lighter lines around selfheal’s. The markers under the time axis are the states the selfheal run entered: hover one for its states. Below, each variant is a point of what it costs over the 24 hours from the incident’s start against the harm it let through, with its cost item by item and what the cost assumes.</p>',
    nav,
    '</header>',
    ...sections.map(renderSection),
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

const anchor = (scenario: string): string => `scenario-${scenario.replace(/[^a-z0-9-]/gi, '-')}`;

function renderSection(section: ReportSection): string {
  const { charts } = section;
  const markers = stepMarkers(charts.runs, markerGapSeconds(charts.durationSeconds));
  const timeline: Timeline = {
    durationSeconds: charts.durationSeconds,
    markers,
    spans: runSpans(charts.runs, charts.durationSeconds),
  };
  return [
    `<section class="scenario" id="${anchor(section.scenario)}" data-scenario="${escapeHtml(section.scenario)}">`,
    `<h2>${escapeHtml(section.scenario)} <span class="badge ${goalMet(section.outcome) ? 'healed' : 'not-healed'}">${escapeHtml(OUTCOME_LABELS[section.outcome])}</span></h2>`,
    `<p class="description">${escapeHtml(section.description)}; <span class="settings">${escapeHtml(section.settings)}</span>.${subjectOf(section.summary)}</p>`,
    ...charts.figures.map((figure) => renderFigure(figure, timeline)),
    renderSteps(charts.runs, markers),
    renderOutcome(section.summary),
    renderCost(section.summary, charts.tradeOffs ?? []),
    '</section>',
  ].join('\n');
}

function renderSteps(runs: readonly RunSummary[], markers: readonly StepMarker[]): string {
  if (runs.length === 0) {
    return '<div class="steps"><h3>Runbook steps</h3><p>selfheal started no runbook in this incident.</p></div>';
  }
  const spans = runs.map(
    (run) =>
      `<li><code>${escapeHtml(run.executionArn)}</code>: ${escapeHtml(run.status)}, ${escapeHtml(run.outcome)}, ${clock(run.startedAtSeconds)} to ${run.stoppedAtSeconds === null ? 'the end' : clock(run.stoppedAtSeconds)}</li>`,
  );
  const numbered = markers.filter((m) => m.number !== null);
  const items = numbered.map(
    (m) =>
      `<li value="${m.number}"><span class="time">${clock(m.atSeconds)}</span> ${m.states.map((s) => `<span class="state state-${escapeHtml(s.type.toLowerCase())}">${escapeHtml(stateLine(s))}</span>`).join(' <span class="then">then</span> ')}</li>`,
  );
  const states = runs.flatMap((run) => run.states);
  const rows = states.map(
    (s) =>
      `<tr><td>${clock(s.atSeconds)}</td><td>${escapeHtml(s.type)}</td><td>${escapeHtml(s.name)}</td></tr>`,
  );
  return [
    '<div class="steps">',
    '<h3>Runbook steps</h3>',
    `<ul class="runs">${spans.join('')}</ul>`,
    `<p class="note">A numbered marker brings a step the run had not taken before, or ends the run${markers.length > numbered.length ? `; the ${markers.length - numbered.length} small ones are a loop going round` : ''}. Hover a marker for its states.</p>`,
    `<ol class="markers">${items.join('')}</ol>`,
    `<details><summary>Every state entered (${states.length})</summary><table class="states"><thead><tr><th>time</th><th>type</th><th>state</th></tr></thead><tbody>${rows.join('')}</tbody></table></details>`,
    '</div>',
  ].join('\n');
}

function renderOutcome(summary: object): string {
  const table = outcomeTable(summary);
  const head = `<tr><th>figure</th>${table.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr>`;
  const rows = table.rows.map(
    (row) =>
      `<tr data-key="${escapeHtml(row.key)}"><th>${escapeHtml(row.label)} <code>${escapeHtml(row.key)}</code></th>${row.cells
        .map((cell, i) =>
          cell === null
            ? '<td class="none">-</td>'
            : `<td data-variant="${escapeHtml(table.columns[i] ?? '')}" data-value="${escapeHtml(JSON.stringify(cell.value))}">${escapeHtml(cell.text)}</td>`,
        )
        .join('')}</tr>`,
  );
  return [
    '<h3>Outcome</h3>',
    `<table class="outcome"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table>`,
  ].join('\n');
}

const STYLE = `
:root { color-scheme: light; --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --run: #dbe7fb; --accent: #1c64d8; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1120px; padding: 24px 28px 48px; font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', 'Liberation Sans', 'DejaVu Sans', sans-serif; color: var(--ink); background: #fff; }
h1 { font-size: 22px; margin: 0 0 6px; }
h2 { font-size: 19px; margin: 0 0 4px; }
h3 { font-size: 15px; margin: 22px 0 8px; }
h4 { font-size: 13px; margin: 6px 0 0 4px; color: var(--muted); font-weight: 600; }
header p, .description, .note, .unit { color: var(--muted); }
.settings { font-weight: 600; }
nav ul { display: flex; flex-wrap: wrap; gap: 6px 16px; padding: 0; list-style: none; }
section.scenario { margin-top: 28px; padding-top: 18px; border-top: 2px solid var(--line); }
.badge { font-size: 12px; font-weight: 600; padding: 2px 8px; border-radius: 10px; vertical-align: middle; }
.badge.healed { background: #dafbe1; color: #116329; }
.badge.not-healed { background: #ffebe9; color: #a40e26; }
figure.chart { margin: 18px 0 0; }
figcaption { margin-bottom: 4px; }
figcaption .unit { font-size: 12px; margin-left: 6px; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 16px; margin: 0 0 2px; padding: 0; list-style: none; font-size: 12px; }
.legend li { display: flex; align-items: center; gap: 5px; }
.panels { display: grid; gap: 4px; }
svg.plot { display: block; width: 100%; height: auto; }
svg.plot text { font-size: 11px; fill: var(--muted); }
svg.plot .grid { stroke: #eef1f4; stroke-width: 1; }
svg.plot .axis, svg.plot .tick-mark { stroke: #8c959f; stroke-width: 1; }
svg.plot .series { fill: none; stroke-linejoin: round; }
svg.plot .series.reference { stroke-dasharray: 5 4; }
svg.plot .series.under { stroke-opacity: 0.7; }
svg.plot .band { fill-opacity: 0.85; stroke: #fff; stroke-width: 0.75; }
svg.plot .guide { stroke: var(--accent); stroke-opacity: 0.25; stroke-dasharray: 2 3; }
svg.plot .run { fill: var(--run); }
svg.plot .step-tick { fill: var(--accent); fill-opacity: 0.55; }
svg.plot .step-mark { fill: var(--accent); stroke: #fff; stroke-width: 1; }
svg.plot text.step-number { fill: #fff; font-size: 9.5px; font-weight: 700; }
svg.plot .step:hover circle { stroke: var(--ink); stroke-width: 1.5; }
svg.plot .axis-note { font-size: 10px; }
.steps ol.markers { padding-left: 28px; margin: 6px 0; }
.steps ol.markers li { margin: 2px 0; }
.steps .time { font-variant-numeric: tabular-nums; font-weight: 600; margin-right: 4px; }
.steps .then { color: var(--muted); font-size: 12px; }
.steps ul.runs { padding-left: 18px; margin: 4px 0; }
.state-wait { color: #8a4600; }
details { margin-top: 6px; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
table.states td, table.states th { padding: 1px 10px 1px 0; text-align: left; font-size: 12px; }
table.outcome th, table.outcome td { border-bottom: 1px solid var(--line); padding: 4px 12px; }
table.outcome thead th { text-align: right; border-bottom: 2px solid var(--line); }
table.outcome thead th:first-child, table.outcome tbody th { text-align: left; font-weight: normal; }
table.outcome td { text-align: right; }
table.outcome td.none { color: var(--muted); }
table.outcome code { color: var(--muted); font-size: 11px; margin-left: 4px; }
figure.trade-off { margin: 12px 0 0; }
svg.scatter { display: block; width: 100%; height: auto; }
svg.scatter text { font-size: 11px; fill: var(--muted); }
svg.scatter .grid { stroke: #eef1f4; stroke-width: 1; }
svg.scatter .axis, svg.scatter .tick-mark { stroke: #8c959f; stroke-width: 1; }
svg.scatter .point circle { stroke: #fff; stroke-width: 1.5; }
svg.scatter text.point-label { fill: var(--ink); font-weight: 600; }
svg.scatter .axis-note { font-size: 10px; }
table.cost-items th, table.cost-items td { border-bottom: 1px solid var(--line); padding: 3px 12px; }
table.cost-items thead th { text-align: right; border-bottom: 2px solid var(--line); }
table.cost-items thead th:first-child, table.cost-items tbody th { text-align: left; font-weight: normal; }
table.cost-items td { text-align: right; }
table.cost-items td.none { color: var(--muted); }
table.cost-items tr.total th, table.cost-items tr.total td { font-weight: 600; border-top: 2px solid var(--line); }
ul.rest-of-day { margin: 4px 0; padding-left: 18px; }
details.cost-model table.prices td, details.cost-model table.prices th { padding: 2px 10px 2px 0; text-align: left; vertical-align: top; font-size: 12px; }
`;

/** What the incident was about and what saw it first, from the summary (` About …`), or nothing. */
function subjectOf(summary: object): string {
  const { resource, detectedBy } = summary as { resource?: unknown; detectedBy?: unknown };
  if (typeof resource !== 'string') return '';
  const seen =
    typeof detectedBy === 'string' ? `, first seen by ${detectedBy}` : ', which nothing alarmed on';
  return ` About <code>${escapeHtml(resource)}</code>${escapeHtml(seen)}.`;
}
