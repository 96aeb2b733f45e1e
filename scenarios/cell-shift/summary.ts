/** The summary `selfheal simulate cell-shift --json` prints: selfheal's figures, the baseline's beside them. */
import type { CellFigures, CellVariantResult } from './run.ts';
import { byVariant, costFigures, ratio } from '../../simulations/summary.ts';
import type { CostModel } from '../../simulations/cost.ts';
import { cellCostModel } from '../../simulations/cost-cells.ts';

/** A variant's figures as the summary prints them: its 24-hour cost's total before its items. */
export type CellSummaryFigures = Omit<CellFigures, 'cost'> & ReturnType<typeof costFigures>;

export interface CellScenarioSummary extends CellSummaryFigures {
  scenario: string;
  seed: number;
  /** The grey cell (`cell/<name>`), or the fleet a fleet-wide slowdown was about (`fleet/<name>`). */
  resource: string;
  /** What saw it first (the grey-cell detector); null: nothing did. */
  detectedBy: string | null;
  approve: CellVariantResult['approve'];
  runs: CellVariantResult['runs'];
  signals: CellVariantResult['signals'];
  ledger: CellVariantResult['ledger'];
  baselines: Record<string, CellSummaryFigures>;
  /** Failed requests of the selfheal run per failed request of each baseline (lower is better). */
  failedRequestRatio: Record<string, number | null>;
  /** What every variant's cost assumes: the region, the prices and their sources, what is left out. */
  costModel: CostModel;
}

export function cellFiguresOf(result: CellVariantResult): CellSummaryFigures {
  const {
    scenario: _s,
    variant: _v,
    seed: _seed,
    approve: _a,
    runs: _r,
    signals: _signals,
    ledger: _ledger,
    timeline: _t,
    resource: _resource,
    detectedBy: _detectedBy,
    cost,
    ...figures
  } = result;
  return { ...figures, ...costFigures(cost) };
}

export function summariseCells(
  selfheal: CellVariantResult,
  baselines: readonly CellVariantResult[],
): CellScenarioSummary {
  return {
    scenario: selfheal.scenario,
    seed: selfheal.seed,
    approve: selfheal.approve,
    resource: selfheal.resource,
    detectedBy: selfheal.detectedBy,
    ...cellFiguresOf(selfheal),
    runs: selfheal.runs,
    signals: selfheal.signals,
    ledger: selfheal.ledger,
    baselines: byVariant(baselines, cellFiguresOf),
    failedRequestRatio: byVariant(baselines, (b) => ratio(selfheal.failedRequests, b.failedRequests)),
    costModel: cellCostModel(),
  };
}
