/** The summary `selfheal simulate cell-shift --json` prints: selfheal's figures, the baseline's beside them. */
import type { CellFigures, CellVariantResult } from './run.ts';
import { byVariant, ratio } from '../../simulations/summary.ts';

export interface CellScenarioSummary extends CellFigures {
  scenario: string;
  seed: number;
  approve: CellVariantResult['approve'];
  runs: CellVariantResult['runs'];
  signals: CellVariantResult['signals'];
  ledger: CellVariantResult['ledger'];
  baselines: Record<string, CellFigures>;
  /** Failed requests of the selfheal run per failed request of each baseline (lower is better). */
  failedRequestRatio: Record<string, number | null>;
}

export function cellFiguresOf(result: CellVariantResult): CellFigures {
  const {
    scenario: _s,
    variant: _v,
    seed: _seed,
    approve: _a,
    runs: _r,
    signals: _signals,
    ledger: _ledger,
    timeline: _t,
    ...figures
  } = result;
  return figures;
}

export function summariseCells(
  selfheal: CellVariantResult,
  baselines: readonly CellVariantResult[],
): CellScenarioSummary {
  return {
    scenario: selfheal.scenario,
    seed: selfheal.seed,
    approve: selfheal.approve,
    ...cellFiguresOf(selfheal),
    runs: selfheal.runs,
    signals: selfheal.signals,
    ledger: selfheal.ledger,
    baselines: byVariant(baselines, cellFiguresOf),
    failedRequestRatio: byVariant(baselines, (b) => ratio(selfheal.failedRequests, b.failedRequests)),
  };
}
