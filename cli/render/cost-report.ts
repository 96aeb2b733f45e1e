/**
 * The text report's cost section: what each variant costs over the 24 hours from the incident's
 * start, item by item side by side, and what each variant's rest of the day is assumed to be. The
 * prices, their sources and every assumption are in `--json`'s `costModel`.
 */
import type { DayCost } from '../../simulations/cost.ts';
import { PRICE_REGION } from '../../simulations/cost-prices.ts';
import { clock, sideBySide, type ComparisonRow } from './format.ts';

/**
 * USD as the reports show it: cents for a dollar or more, four decimals under it, `<$0.0001` for
 * less than that, `-` for nothing.
 */
export function usd(amount: number): string {
  if (amount === 0) return '-';
  if (amount < 0.0001) return '<$0.0001';
  return `$${amount.toLocaleString('en-US', {
    minimumFractionDigits: amount >= 1 ? 2 : 4,
    maximumFractionDigits: amount >= 1 ? 2 : 4,
  })}`;
}

/** The comparison's row for a variant's 24-hour cost. */
export function costRow<R extends { cost: DayCost }>(): ComparisonRow<R> {
  return ['cost over 24 h (USD)', (r) => usd(r.cost.usd)];
}

export function renderCostComparison(results: readonly { variant: string; cost: DayCost }[]): string {
  const items: string[] = [];
  for (const r of results) for (const i of r.cost.items) if (!items.includes(i.item)) items.push(i.item);
  const minutes = Math.max(0, ...results.map((r) => r.cost.simulatedMinutes));
  const rows: ComparisonRow<(typeof results)[number]>[] = [
    ...items.map((item): ComparisonRow<(typeof results)[number]> => [
      item,
      (r) => usd(r.cost.items.find((i) => i.item === item)?.usd ?? 0),
    ]),
    ['total', (r) => usd(r.cost.usd)],
    [`  within the simulated ${minutes} min`, (r) => usd(r.cost.simulatedUsd)],
  ];
  return [
    `What each variant costs over the 24 hours from the incident's start, at ${PRICE_REGION} list prices (--json: cost, and costModel for the prices, their sources and every assumption)`,
    '',
    sideBySide(results, rows),
    '',
    `The rest of the day, from ${clock(minutes * 60)} on:`,
    ...results.map((r) => `  ${r.variant}: ${r.cost.restOfDay}`),
  ].join('\n');
}
