/**
 * A trade-off as inline SVG, pure: each variant a labelled point, its cost over 24 hours across and
 * the harm it let through up, both axes from 0, so a point further left is cheaper and a point
 * lower did less harm. Labels that would overlap are moved down until they do not.
 */
import { escapeHtml } from './escape.ts';
import type { TradeOff } from './figures.ts';
import { compactNumber, linearScale, px, valueAxis, type Scale, type ValueAxis } from './geometry.ts';

export const SCATTER_LAYOUT = {
  width: 960,
  height: 300,
  left: 64,
  right: 170,
  top: 14,
  plotBottom: 250,
  axisLabel: 268,
  /** A label's height: labels closer than this move apart. */
  labelHeight: 13,
  /** About how wide a label's character is (11 px text). */
  charWidth: 6.2,
  radius: 6,
} as const;

export interface PlacedPoint {
  variant: string;
  color: string;
  costUsd: number;
  harm: number;
  cx: number;
  cy: number;
  /** Where its label's text starts (left, baseline). */
  labelX: number;
  labelY: number;
}

export interface PlacedTradeOff {
  points: PlacedPoint[];
  cost: ValueAxis;
  harm: ValueAxis;
  x: Scale;
  y: Scale;
}

/** The axes, and every point's position and its label's, the labels kept apart. */
export function placePoints(tradeOff: TradeOff): PlacedTradeOff {
  const L = SCATTER_LAYOUT;
  const cost = valueAxis(Math.max(0, ...tradeOff.points.map((p) => p.costUsd)));
  const harm = valueAxis(Math.max(0, ...tradeOff.points.map((p) => p.harm)), { integer: true });
  const x = linearScale([0, cost.max], [L.left, L.width - L.right]);
  const y = linearScale([0, harm.max], [L.plotBottom, L.top]);
  const placed: PlacedPoint[] = [];
  // Top to bottom, so a label moved down never climbs over one placed before it.
  const order = [...tradeOff.points].sort((a, b) => b.harm - a.harm || a.costUsd - b.costUsd);
  for (const point of order) {
    const cx = x(point.costUsd);
    const cy = y(point.harm);
    const labelX = cx + L.radius + 4;
    const width = point.variant.length * L.charWidth;
    let labelY = cy + 4;
    const clashes = (at: number) =>
      placed.some(
        (p) =>
          Math.abs(p.labelY - at) < L.labelHeight &&
          labelX < p.labelX + p.variant.length * L.charWidth &&
          p.labelX < labelX + width,
      );
    while (clashes(labelY)) labelY += L.labelHeight;
    placed.push({ ...point, cx, cy, labelX, labelY });
  }
  // Back in the trade-off's order: selfheal first, as everywhere on the page.
  const points = tradeOff.points.map((p) => placed.find((q) => q.variant === p.variant) as PlacedPoint);
  return { points, cost, harm, x, y };
}

const dollars = (usd: number): string =>
  `$${usd.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: usd < 1 ? 4 : 2 })}`;

export function renderTradeOff(tradeOff: TradeOff, region: string): string {
  const L = SCATTER_LAYOUT;
  const { points, cost, harm, x, y } = placePoints(tradeOff);
  const label = `Cost over 24 hours against ${tradeOff.harm}`;
  const grid = harm.ticks.map(
    (tick) =>
      `<line class="grid" x1="${L.left}" x2="${L.width - L.right}" y1="${px(y(tick))}" y2="${px(y(tick))}"/>` +
      `<text class="tick" x="${L.left - 6}" y="${px(y(tick) + 3.5)}" text-anchor="end">${compactNumber(tick)}</text>`,
  );
  const xTicks = cost.ticks.map(
    (tick) =>
      `<line class="tick-mark" x1="${px(x(tick))}" x2="${px(x(tick))}" y1="${L.plotBottom}" y2="${L.plotBottom + 4}"/>` +
      `<text class="tick" x="${px(x(tick))}" y="${L.axisLabel}" text-anchor="middle">$${compactNumber(tick)}</text>`,
  );
  const marks = points.map(
    (p) =>
      `<g class="point" data-variant="${escapeHtml(p.variant)}" data-cost-usd="${p.costUsd}" data-harm="${p.harm}">` +
      `<title>${escapeHtml(`${p.variant}: ${dollars(p.costUsd)} over 24 hours, ${p.harm.toLocaleString('en-US')} ${tradeOff.harm}`)}</title>` +
      `<circle cx="${px(p.cx)}" cy="${px(p.cy)}" r="${L.radius}" fill="${escapeHtml(p.color)}"/>` +
      `<text class="point-label" x="${px(p.labelX)}" y="${px(p.labelY)}">${escapeHtml(p.variant)}</text></g>`,
  );
  return [
    `<figure class="trade-off" data-harm="${escapeHtml(tradeOff.harmKey)}">`,
    `<figcaption><strong>${escapeHtml(label)}</strong> <span class="unit">a point per variant; across: USD over the 24 hours from the incident’s start (${escapeHtml(region)} list prices); up: ${escapeHtml(tradeOff.harm)} during the simulation. Lower left is better.</span></figcaption>`,
    `<svg class="scatter" viewBox="0 0 ${L.width} ${L.height}" role="img" aria-label="${escapeHtml(label)}" xmlns="http://www.w3.org/2000/svg">`,
    `<title>${escapeHtml(label)}</title>`,
    ...grid,
    `<line class="axis" x1="${L.left}" x2="${L.width - L.right}" y1="${L.plotBottom}" y2="${L.plotBottom}"/>`,
    `<line class="axis" x1="${L.left}" x2="${L.left}" y1="${L.top}" y2="${L.plotBottom}"/>`,
    ...xTicks,
    ...marks,
    `<text class="axis-note" x="${L.width - L.right}" y="${L.axisLabel + 20}" text-anchor="end">USD over 24 hours</text>`,
    '</svg>',
    '</figure>',
  ].join('');
}
