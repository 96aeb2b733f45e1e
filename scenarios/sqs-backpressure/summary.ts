/**
 * The summary `selfheal simulate sqs-backpressure --json` prints: the selfheal run's figures at
 * the top level, the same incident's baselines beside it, and how the downstream errors compare.
 */
import type { QueueFigures, QueueVariantResult } from './run.ts';
import { byVariant, costFigures, ratio } from '../../simulations/summary.ts';
import type { CostModel } from '../../simulations/cost.ts';
import { queueCostModel } from '../../simulations/cost-queue.ts';

/** A variant's figures as the summary prints them: its 24-hour cost's total before its items. */
export type QueueSummaryFigures = Omit<QueueFigures, 'cost'> & ReturnType<typeof costFigures>;

export interface QueueScenarioSummary extends QueueSummaryFigures {
  scenario: string;
  seed: number;
  /** The mapping the incident was about, `event-source-mapping/<uuid>`. */
  resource: string;
  /** The alarm whose ALARM came first in the selfheal run; null: none fired. */
  detectedBy: string | null;
  runs: QueueVariantResult['runs'];
  signals: QueueVariantResult['signals'];
  ledger: QueueVariantResult['ledger'];
  baselines: Record<string, QueueSummaryFigures>;
  /** Downstream errors of the selfheal run per downstream error of each baseline (lower is better). */
  downstreamErrorRatio: Record<string, number | null>;
  /** What every variant's cost assumes: the region, the prices and their sources, what is left out. */
  costModel: CostModel;
}

export function queueFiguresOf(result: QueueVariantResult): QueueSummaryFigures {
  const {
    scenario: _scenario,
    variant: _variant,
    seed: _seed,
    runs: _runs,
    signals: _signals,
    ledger: _ledger,
    timeline: _timeline,
    resource: _resource,
    detectedBy: _detectedBy,
    cost,
    ...figures
  } = result;
  return { ...figures, ...costFigures(cost) };
}

export function summariseQueue(
  selfheal: QueueVariantResult,
  baselines: readonly QueueVariantResult[],
): QueueScenarioSummary {
  return {
    scenario: selfheal.scenario,
    seed: selfheal.seed,
    resource: selfheal.resource,
    detectedBy: selfheal.detectedBy,
    ...queueFiguresOf(selfheal),
    runs: selfheal.runs,
    signals: selfheal.signals,
    ledger: selfheal.ledger,
    baselines: byVariant(baselines, queueFiguresOf),
    downstreamErrorRatio: byVariant(baselines, (b) => ratio(selfheal.downstreamErrors, b.downstreamErrors)),
    costModel: queueCostModel(),
  };
}
