/**
 * The summary `selfheal simulate sqs-backpressure --json` prints: the selfheal run's figures at
 * the top level, the same incident's baselines beside it, and how the downstream errors compare.
 */
import type { QueueFigures, QueueVariantResult } from './run.ts';
import { byVariant, ratio } from '../../simulations/summary.ts';

export interface QueueScenarioSummary extends QueueFigures {
  scenario: string;
  seed: number;
  runs: QueueVariantResult['runs'];
  signals: QueueVariantResult['signals'];
  ledger: QueueVariantResult['ledger'];
  baselines: Record<string, QueueFigures>;
  /** Downstream errors of the selfheal run per downstream error of each baseline (lower is better). */
  downstreamErrorRatio: Record<string, number | null>;
}

export function queueFiguresOf(result: QueueVariantResult): QueueFigures {
  const {
    scenario: _scenario,
    variant: _variant,
    seed: _seed,
    runs: _runs,
    signals: _signals,
    ledger: _ledger,
    timeline: _timeline,
    ...figures
  } = result;
  return figures;
}

export function summariseQueue(
  selfheal: QueueVariantResult,
  baselines: readonly QueueVariantResult[],
): QueueScenarioSummary {
  return {
    scenario: selfheal.scenario,
    seed: selfheal.seed,
    ...queueFiguresOf(selfheal),
    runs: selfheal.runs,
    signals: selfheal.signals,
    ledger: selfheal.ledger,
    baselines: byVariant(baselines, queueFiguresOf),
    downstreamErrorRatio: byVariant(baselines, (b) => ratio(selfheal.downstreamErrors, b.downstreamErrors)),
  };
}
