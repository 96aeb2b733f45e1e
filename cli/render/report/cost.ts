/**
 * The report's cost section, pure: the trade-off plots (cost against harm, a point per variant),
 * then what each variant costs over 24 hours item by item, read from the very summary `--json`
 * prints (selfheal's `cost`, each baseline's under `baselines`), what each variant's rest of the
 * day assumes, and the scenario's cost model (its prices with their sources, its assumptions, what
 * it leaves out).
 */
import type { CostItem, CostModel, DayCost } from '../../../simulations/cost.ts';
import { usd } from '../cost-report.ts';
import { escapeHtml } from './escape.ts';
import type { TradeOff } from './figures.ts';
import { renderTradeOff } from './scatter.ts';

export interface CostBreakdown {
  columns: string[];
  /** One per item any variant pays for, in the order they first appear; null: none of it. */
  rows: { item: string; unit: string; cells: (CostItem | null)[] }[];
  totals: number[];
  simulated: number[];
  simulatedMinutes: number;
  restOfDay: { variant: string; text: string }[];
  model: CostModel | null;
}

type Fields = Record<string, unknown>;

const isRecord = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isDayCost = (value: unknown): value is DayCost =>
  isRecord(value) && typeof value.usd === 'number' && Array.isArray(value.items);

const isCostModel = (value: unknown): value is CostModel =>
  isRecord(value) && Array.isArray(value.prices) && Array.isArray(value.assumptions);

/** Each variant's cost as the summary has it; null when the summary has none (an older one). */
export function costBreakdown(summary: object): CostBreakdown | null {
  const top = summary as Fields;
  const baselines = isRecord(top.baselines) ? top.baselines : {};
  const variants: [string, unknown][] = [
    ['selfheal', top.cost],
    ...Object.entries(baselines).map(([name, figures]): [string, unknown] => [
      name,
      isRecord(figures) ? figures.cost : undefined,
    ]),
  ];
  const costs = variants.flatMap(([variant, cost]) => (isDayCost(cost) ? [{ variant, cost }] : []));
  if (costs.length === 0) return null;
  const items: { item: string; unit: string }[] = [];
  for (const { cost } of costs) {
    for (const i of cost.items) {
      if (!items.some((known) => known.item === i.item)) items.push({ item: i.item, unit: i.unit });
    }
  }
  return {
    columns: costs.map((c) => c.variant),
    rows: items.map(({ item, unit }) => ({
      item,
      unit,
      cells: costs.map((c) => c.cost.items.find((i) => i.item === item) ?? null),
    })),
    totals: costs.map((c) => c.cost.usd),
    simulated: costs.map((c) => c.cost.simulatedUsd),
    simulatedMinutes: Math.max(0, ...costs.map((c) => c.cost.simulatedMinutes)),
    restOfDay: costs.map((c) => ({ variant: c.variant, text: c.cost.restOfDay })),
    model: isCostModel(top.costModel) ? top.costModel : null,
  };
}

const quantity = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: 2 });

export function renderCost(summary: object, tradeOffs: readonly TradeOff[]): string {
  const breakdown = costBreakdown(summary);
  if (!breakdown && tradeOffs.length === 0) return '';
  const region = breakdown?.model?.region ?? 'us-east-1';
  const parts = ['<div class="cost">', '<h3>Cost against harm</h3>'];
  parts.push(...tradeOffs.map((t) => renderTradeOff(t, region)));
  if (breakdown) {
    const head = `<tr><th>over 24 hours</th>${breakdown.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr>`;
    const rows = breakdown.rows.map(
      (row) =>
        `<tr><th>${escapeHtml(row.item)}</th>${row.cells
          .map((cell, i) =>
            cell === null
              ? '<td class="none">-</td>'
              : `<td data-variant="${escapeHtml(breakdown.columns[i] ?? '')}" data-usd="${cell.usd}" title="${escapeHtml(`${quantity(cell.simulated)} ${row.unit} in the simulation, ${quantity(cell.restOfDay)} in the rest of the day, at USD ${cell.usdPerUnit} each`)}">${escapeHtml(usd(cell.usd))}</td>`,
          )
          .join('')}</tr>`,
    );
    const sums = (label: string, key: string, values: number[]) =>
      `<tr class="${key}"><th>${escapeHtml(label)}</th>${values.map((v, i) => `<td data-variant="${escapeHtml(breakdown.columns[i] ?? '')}" data-usd="${v}">${escapeHtml(usd(v))}</td>`).join('')}</tr>`;
    parts.push(
      `<table class="cost-items"><thead>${head}</thead><tbody>${rows.join('')}${sums('total (USD)', 'total', breakdown.totals)}${sums(`within the simulated ${breakdown.simulatedMinutes} min`, 'simulated', breakdown.simulated)}</tbody></table>`,
      '<p class="note">Hover an amount for its quantities. The rest of the day, after the simulation:</p>',
      `<ul class="rest-of-day">${breakdown.restOfDay.map((r) => `<li><strong>${escapeHtml(r.variant)}</strong>: ${escapeHtml(r.text)}</li>`).join('')}</ul>`,
    );
    if (breakdown.model) parts.push(renderModel(breakdown.model));
  }
  parts.push('</div>');
  return parts.join('\n');
}

function renderModel(model: CostModel): string {
  const list = (items: readonly string[]) =>
    `<ul>${items.map((i) => `<li>${escapeHtml(i)}</li>`).join('')}</ul>`;
  const prices = model.prices.map(
    (p) =>
      `<tr><td>${escapeHtml(p.unit)}</td><td>USD ${escapeHtml(p.usdPerUnit.toLocaleString('en-US', { maximumFractionDigits: 12 }))}</td><td>${escapeHtml(p.source)}</td></tr>`,
  );
  return [
    '<details class="cost-model">',
    `<summary>How the cost is counted: ${escapeHtml(model.region)} list prices, what it assumes, what it leaves out</summary>`,
    `<table class="prices"><thead><tr><th>per</th><th>price</th><th>source</th></tr></thead><tbody>${prices.join('')}</tbody></table>`,
    '<h4>Assumptions</h4>',
    list(model.assumptions),
    '<h4>Left out</h4>',
    list(model.excluded),
    '</details>',
  ].join('\n');
}
