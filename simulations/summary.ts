/**
 * The summary `selfheal simulate --json` prints: the selfheal run's figures at the top level (what
 * alarms and dashboards read), the same incident's other variants beside it, and how they compare.
 */
import type { CostedVariantResult, Outcome, ScenarioAction, VariantResult } from './outcome.ts';
import type { CostModel, DayCost } from './cost.ts';
import { tableCostModel } from './cost-table.ts';

export interface VariantFigures {
  /** What became of the incident (simulations/outcome.ts): healed, not-healed, no-action-needed. */
  outcome: Outcome;
  healed: boolean;
  detectedAtSeconds: number | null;
  healedAtSeconds: number | null;
  /** Throttle events, SDK retries included: CloudWatch's count. */
  throttledRequests: number;
  /** Requests failed after the SDK's retries: the users' harm. */
  failedRequests: number;
  actions: ScenarioAction[];
  stateTransitions: number;
  /** USD over the 24 hours from the incident's start (`cost.usd`): what the report plots. */
  costUsd24h: number;
  /** That cost item by item, and what the variant's rest of the day assumes. */
  cost: DayCost;
}

export interface ScenarioSummary extends VariantFigures {
  scenario: string;
  seed: number;
  /** The resource the incident was about, `type/name` (`dynamodb-table/orders`). */
  resource: string;
  /** The alarm whose ALARM came first in the selfheal run; null: none fired. */
  detectedBy: string | null;
  runs: VariantResult['runs'];
  /** The signals the world emitted, the rules each matched and the dispatch runs they started. */
  signals: VariantResult['signals'];
  /** The audit ledger's records: dispatch's decisions and outcomes, the runbooks' own. */
  ledger: VariantResult['ledger'];
  baselines: Record<string, VariantFigures>;
  /** Throttle events of the selfheal run per throttle event of each baseline (lower is better). */
  throttledRatio: Record<string, number | null>;
  /** Failed requests of the selfheal run per failed request of each baseline (lower is better). */
  failedRatio: Record<string, number | null>;
  /** What every variant's cost assumes: the region, the prices and their sources, what is left out. */
  costModel: CostModel;
}

export function figuresOf(result: CostedVariantResult): VariantFigures {
  return {
    outcome: result.outcome,
    healed: result.healed,
    detectedAtSeconds: result.detectedAtSeconds,
    healedAtSeconds: result.healedAtSeconds,
    throttledRequests: result.throttledRequests,
    failedRequests: result.failedRequests,
    actions: result.actions,
    stateTransitions: result.stateTransitions,
    ...costFigures(result.cost),
  };
}

/** A variant's cost as every summary shows it: the total, then the items. */
export function costFigures(cost: DayCost): { costUsd24h: number; cost: DayCost } {
  return { costUsd24h: cost.usd, cost };
}

export function summarise(
  selfheal: CostedVariantResult,
  baselines: readonly CostedVariantResult[],
): ScenarioSummary {
  return {
    scenario: selfheal.scenario,
    seed: selfheal.seed,
    resource: selfheal.resource,
    detectedBy: selfheal.detectedBy,
    ...figuresOf(selfheal),
    runs: selfheal.runs,
    signals: selfheal.signals,
    ledger: selfheal.ledger,
    baselines: byVariant(baselines, figuresOf),
    throttledRatio: byVariant(baselines, (b) => ratio(selfheal.throttledRequests, b.throttledRequests)),
    failedRatio: byVariant(baselines, (b) => ratio(selfheal.failedRequests, b.failedRequests)),
    costModel: tableCostModel(),
  };
}

/** A value per baseline, keyed by its variant: what every summary shows beside selfheal's figures. */
export function byVariant<R extends { variant: string }, V>(
  baselines: readonly R[],
  value: (baseline: R) => V,
): Record<string, V> {
  return Object.fromEntries(baselines.map((b) => [b.variant, value(b)]));
}

/** `part / whole` to four decimals; null when the whole is 0 (nothing to compare with). */
export function ratio(part: number, whole: number): number | null {
  return whole === 0 ? null : Math.round((part / whole) * 10_000) / 10_000;
}
