/**
 * A figure as inline SVG, pure: each panel a chart with the figure's shared axes (time across,
 * the value up), its series as step lines, and under the plot a lane with the selfheal run's span
 * and its steps (numbered markers, tooltips through SVG <title>). The legend is HTML above.
 */
import { clock } from '../format.ts';
import { escapeHtml } from './escape.ts';
import type { Figure, Panel, Series } from './figures.ts';
import {
  compactNumber,
  linearScale,
  px,
  stackedStepAreas,
  stepPath,
  timeTicks,
  valueAxis,
  type Scale,
  type ValueAxis,
} from './geometry.ts';
import type { RunSpan, StepMarker } from './markers.ts';

/** The chart's box, in SVG user units (the page scales it to its width). */
export const LAYOUT = {
  width: 960,
  height: 236,
  left: 52,
  right: 30,
  top: 10,
  plotBottom: 170,
  laneTop: 178,
  laneHeight: 18,
  axisLabel: 214,
  /** Markers closer than this merge into one. */
  markerGap: 16,
} as const;

const PLOT_WIDTH = LAYOUT.width - LAYOUT.left - LAYOUT.right;

/** How many seconds of the time axis a marker covers: what `stepMarkers` merges. */
export const markerGapSeconds = (durationSeconds: number): number =>
  (durationSeconds * LAYOUT.markerGap) / PLOT_WIDTH;

export interface Timeline {
  durationSeconds: number;
  markers: readonly StepMarker[];
  spans: readonly RunSpan[];
}

export interface FigureScales {
  x: Scale;
  y: Scale;
  axis: ValueAxis;
}

/** The axes every panel of a figure shares: the whole run across, the largest value of any panel up. */
export function figureScales(figure: Figure, durationSeconds: number): FigureScales {
  const max = Math.max(
    0,
    ...figure.panels.flatMap((p) =>
      figure.stacked
        ? Array.from({ length: Math.max(0, ...p.series.map((s) => s.values.length)) }, (_, minute) =>
            p.series.reduce((sum, s) => sum + (s.values[minute] ?? 0), 0),
          )
        : p.series.flatMap((s) => s.values.filter((v) => v !== null)),
    ),
  );
  const axis = valueAxis(max, { integer: figure.integer });
  return {
    axis,
    x: linearScale([0, durationSeconds], [LAYOUT.left, LAYOUT.width - LAYOUT.right]),
    y: linearScale([0, axis.max], [LAYOUT.plotBottom, LAYOUT.top]),
  };
}

export function renderFigure(figure: Figure, timeline: Timeline): string {
  const scales = figureScales(figure, timeline.durationSeconds);
  const panels = figure.panels
    .map(
      (panel) =>
        `<div class="panel">${panel.title ? `<h4>${escapeHtml(panel.title)}</h4>` : ''}${renderPanel(figure, panel, scales, timeline)}</div>`,
    )
    .join('');
  const legendSeries = figure.panels[0]?.series ?? [];
  return [
    '<figure class="chart">',
    `<figcaption><strong>${escapeHtml(figure.title)}</strong> <span class="unit">${escapeHtml(figure.unit)}</span></figcaption>`,
    renderLegend(legendSeries, figure.stacked ?? false),
    `<div class="panels">${panels}</div>`,
    '</figure>',
  ].join('\n');
}

export function renderLegend(series: readonly Series[], stacked = false): string {
  const items = series.map((s) => {
    const colour = escapeHtml(s.color);
    const swatch = stacked
      ? `<rect x="4" y="0" width="18" height="10" rx="2" fill="${colour}"/>`
      : `<line x1="1" y1="5" x2="25" y2="5" stroke="${colour}" stroke-width="2.5"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/>`;
    return `<li><svg width="26" height="10" aria-hidden="true">${swatch}</svg>${escapeHtml(s.label)}</li>`;
  });
  return `<ul class="legend">${items.join('')}</ul>`;
}

export function renderPanel(figure: Figure, panel: Panel, scales: FigureScales, timeline: Timeline): string {
  const { x, y, axis } = scales;
  const { width, height, left, right, top, plotBottom } = LAYOUT;
  const label = `${figure.title}${panel.title ? `, ${panel.title}` : ''}`;
  const grid = axis.ticks.map(
    (tick) =>
      `<line class="grid" x1="${left}" x2="${width - right}" y1="${px(y(tick))}" y2="${px(y(tick))}"/>` +
      `<text class="tick" x="${left - 6}" y="${px(y(tick) + 3.5)}" text-anchor="end">${compactNumber(tick)}</text>`,
  );
  const times = timeTicks(timeline.durationSeconds).map(
    (t) =>
      `<line class="tick-mark" x1="${px(x(t))}" x2="${px(x(t))}" y1="${plotBottom}" y2="${plotBottom + 4}"/>` +
      `<text class="tick" x="${px(x(t))}" y="${LAYOUT.axisLabel}" text-anchor="middle">${clock(t)}</text>`,
  );
  const lines = figure.stacked ? bands(panel, x, y) : seriesLines(panel, x, y);
  return [
    `<svg class="plot" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(label)}" xmlns="http://www.w3.org/2000/svg">`,
    `<title>${escapeHtml(label)}</title>`,
    ...grid,
    `<line class="axis" x1="${left}" x2="${width - right}" y1="${plotBottom}" y2="${plotBottom}"/>`,
    `<line class="axis" x1="${left}" x2="${left}" y1="${top}" y2="${plotBottom}"/>`,
    ...times,
    ...(panel.steps ? guides(timeline, x) : []),
    ...lines,
    ...(panel.steps ? lane(timeline, x) : []),
    `<text class="axis-note" x="${width - right}" y="${LAYOUT.axisLabel + 16}" text-anchor="end">mm:ss since the start</text>`,
    '</svg>',
  ].join('');
}

/**
 * Reference lines under the measured ones, and the first series (selfheal) on top. Where few
 * lines may coincide (the variants before anyone acts), each one below is drawn wider and lighter
 * than the one above it, so lines that coincide still show every colour, selfheal's sharpest.
 */
function seriesLines(panel: Panel, x: Scale, y: Scale): string[] {
  const measured = panel.series.filter((s) => !s.dashed);
  const halo = measured.length <= 3;
  const ordered = [
    ...panel.series.filter((s) => s.dashed).map((s) => ({ s, width: 1.5, under: false })),
    ...measured.map((s, i) => ({ s, width: halo ? 2 + 2 * i : 1.6, under: halo && i > 0 })).reverse(),
  ];
  return ordered.map(({ s, width, under }) => {
    const d = stepPath(s.values, x, y);
    const kind = s.dashed ? ' reference' : under ? ' under' : '';
    return d
      ? `<path class="series${kind}" d="${d}" stroke="${escapeHtml(s.color)}" stroke-width="${width}"><title>${escapeHtml(s.label)}</title></path>`
      : '';
  });
}

/** Shares as bands, the first series at the bottom. */
function bands(panel: Panel, x: Scale, y: Scale): string[] {
  const areas = stackedStepAreas(
    panel.series.map((s) => s.values),
    x,
    y,
  );
  return panel.series.map((s, i) =>
    areas[i]
      ? `<path class="band" d="${areas[i]}" fill="${escapeHtml(s.color)}"><title>${escapeHtml(s.label)}</title></path>`
      : '',
  );
}

/** Faint lines through the plot at the numbered steps, so a change in a line reads against them. */
function guides(timeline: Timeline, x: Scale): string[] {
  return timeline.markers
    .filter((m) => m.number !== null)
    .map(
      (m) =>
        `<line class="guide" x1="${px(x(m.atSeconds))}" x2="${px(x(m.atSeconds))}" y1="${LAYOUT.top}" y2="${LAYOUT.plotBottom}"/>`,
    );
}

/** The lane under the plot: each run's span, and its steps. */
function lane(timeline: Timeline, x: Scale): string[] {
  const { laneTop, laneHeight, left } = LAYOUT;
  const middle = laneTop + laneHeight / 2;
  const spans = timeline.spans.map(
    (span) =>
      `<rect class="run" x="${px(x(span.startSeconds))}" y="${laneTop + 3}" width="${px(Math.max(1, x(span.stopSeconds) - x(span.startSeconds)))}" height="${laneHeight - 6}" rx="3"><title>${escapeHtml(span.label)}</title></rect>`,
  );
  const markers = timeline.markers.map((m) => {
    const cx = px(x(m.atSeconds));
    const shape =
      m.number === null
        ? `<circle class="step-tick" cx="${cx}" cy="${middle}" r="3"/>`
        : `<circle class="step-mark" cx="${cx}" cy="${middle}" r="7.5"/><text class="step-number" x="${cx}" y="${px(middle + 3.5)}" text-anchor="middle">${m.number}</text>`;
    return `<g class="step"><title>${escapeHtml(m.title)}</title>${shape}</g>`;
  });
  return [
    `<text class="lane-label" x="${left - 6}" y="${px(middle + 3.5)}" text-anchor="end">${timeline.spans.length > 0 ? 'runbook' : ''}</text>`,
    ...spans,
    ...markers,
  ];
}
