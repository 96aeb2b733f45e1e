/**
 * The summary `selfheal simulate --json` prints: the selfheal run's figures at the top level (what
 * alarms and dashboards read), the same incident's other variants beside it, and how they compare.
 */
import type { ScenarioAction, VariantResult } from './outcome.ts';

export interface VariantFigures {
  healed: boolean;
  detectedAtSeconds: number | null;
  healedAtSeconds: number | null;
  throttledRequests: number;
  actions: ScenarioAction[];
  stateTransitions: number;
}

export interface ScenarioSummary extends VariantFigures {
  scenario: string;
  seed: number;
  runs: VariantResult['runs'];
  baselines: Record<string, VariantFigures>;
  /** Throttled requests of the selfheal run per throttled request of each baseline (lower is better). */
  throttledRatio: Record<string, number | null>;
}

export function figuresOf(result: VariantResult): VariantFigures {
  return {
    healed: result.healed,
    detectedAtSeconds: result.detectedAtSeconds,
    healedAtSeconds: result.healedAtSeconds,
    throttledRequests: result.throttledRequests,
    actions: result.actions,
    stateTransitions: result.stateTransitions,
  };
}

export function summarise(selfheal: VariantResult, baselines: readonly VariantResult[]): ScenarioSummary {
  return {
    scenario: selfheal.scenario,
    seed: selfheal.seed,
    ...figuresOf(selfheal),
    runs: selfheal.runs,
    baselines: Object.fromEntries(baselines.map((b) => [b.variant, figuresOf(b)])),
    throttledRatio: Object.fromEntries(
      baselines.map((b) => [
        b.variant,
        b.throttledRequests === 0 ? null : round(selfheal.throttledRequests / b.throttledRequests, 4),
      ]),
    ),
  };
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
