/**
 * Outcome: every scenario of `selfheal simulate`, selfheal beside each baseline, the figures taken
 * from the scenario's own `--json` summary (`cli/scenarios.ts`), field by field, not re-derived.
 * Scenarios measure different harm, so a figure a scenario does not report is null:
 *
 * - throttled requests: `throttledRequests` (hot-shard, hot-key);
 * - errors: `downstreamErrors` (sqs-backpressure), `failedRequests` (the cell scenarios; the table
 *   scenarios: requests failed after the SDK's retries, while `throttledRequests` counts throttle events);
 * - messages lost: `deadLetterMessages` and `expiredMessages` (sqs-backpressure);
 * - time to heal, each scenario's own measure: from detection to healed (`healedAtSeconds` −
 *   `detectedAtSeconds`, table scenarios), the backlog drained after the downstream recovered
 *   (`drainSeconds`, sqs-backpressure), from detection to the traffic shift (`timeToShiftSeconds`,
 *   cell scenarios).
 */

import { OUTCOME_LABELS, OUTCOMES, type Outcome } from '../simulations/outcome.ts';

const isOutcome = (value: unknown): value is Outcome => (OUTCOMES as readonly unknown[]).includes(value);

export type TimeToHealMeasure = 'detection to healed' | 'recovery to backlog drained' | 'detection to shift';

export interface OutcomeRow {
  variant: string;
  healed: boolean;
  /** What became of the incident (simulations/outcome.ts); absent from results older than it. */
  outcome?: Outcome;
  throttledRequests: number | null;
  errors: number | null;
  deadLetterMessages: number | null;
  expiredMessages: number | null;
  timeToHealSeconds: number | null;
  stateTransitions: number | null;
}

export interface ScenarioOutcome {
  scenario: string;
  seed: number;
  timeToHeal: TimeToHealMeasure | null;
  /** selfheal first, then each baseline. */
  variants: OutcomeRow[];
}

type Figures = Record<string, unknown>;

const numberOrNull = (value: unknown): number | null => (typeof value === 'number' ? value : null);

function timeToHeal(figures: Figures): { measure: TimeToHealMeasure | null; seconds: number | null } {
  if ('drainSeconds' in figures) {
    return { measure: 'recovery to backlog drained', seconds: numberOrNull(figures.drainSeconds) };
  }
  if ('timeToShiftSeconds' in figures) {
    return { measure: 'detection to shift', seconds: numberOrNull(figures.timeToShiftSeconds) };
  }
  if ('healedAtSeconds' in figures) {
    const healed = numberOrNull(figures.healedAtSeconds);
    const detected = numberOrNull(figures.detectedAtSeconds);
    return {
      measure: 'detection to healed',
      seconds: healed !== null && detected !== null ? healed - detected : null,
    };
  }
  return { measure: null, seconds: null };
}

export function outcomeRow(variant: string, figures: Figures): OutcomeRow {
  return {
    variant,
    healed: figures.healed === true,
    ...(isOutcome(figures.outcome) ? { outcome: figures.outcome } : {}),
    throttledRequests: numberOrNull(figures.throttledRequests),
    errors: numberOrNull(figures.downstreamErrors ?? figures.failedRequests),
    deadLetterMessages: numberOrNull(figures.deadLetterMessages),
    expiredMessages: numberOrNull(figures.expiredMessages),
    timeToHealSeconds: timeToHeal(figures).seconds,
    stateTransitions: numberOrNull(figures.stateTransitions),
  };
}

/** A scenario's `--json` summary as rows: selfheal's figures (top level), then each baseline's. */
export function scenarioOutcome(summary: object): ScenarioOutcome {
  const figures = summary as Figures;
  const baselines = (figures.baselines ?? {}) as Record<string, Figures>;
  return {
    scenario: String(figures.scenario),
    seed: Number(figures.seed),
    timeToHeal: timeToHeal(figures).measure,
    variants: [
      outcomeRow('selfheal', figures),
      ...Object.entries(baselines).map(([variant, f]) => outcomeRow(variant, f)),
    ],
  };
}

/** Runs each scenario (every variant, as `selfheal simulate <name> --json` does) and reads its summary. */
export async function measureOutcomes(
  options: { seed: number; scenarios?: readonly string[] },
  progress: (line: string) => void = () => undefined,
): Promise<ScenarioOutcome[]> {
  const { SCENARIOS } = await import('../cli/scenarios.ts');
  const unknown = (options.scenarios ?? []).filter((name) => !SCENARIOS.some((s) => s.name === name));
  if (unknown.length > 0) throw new Error(`bench: unknown scenario ${unknown.join(', ')}`);
  const outcomes: ScenarioOutcome[] = [];
  for (const scenario of SCENARIOS) {
    if (options.scenarios && !options.scenarios.includes(scenario.name)) continue;
    const start = performance.now();
    const outcome = scenarioOutcome((await scenario.simulate({ seed: options.seed })).summary);
    const seconds = Math.round((performance.now() - start) / 100) / 10;
    progress(
      `  ${scenario.name.padEnd(26)} ${outcome.variants
        .map((v) => `${v.variant}${v.outcome ? ` ${OUTCOME_LABELS[v.outcome]}` : ''}`)
        .join(', ')}  (${seconds} s)`,
    );
    outcomes.push(outcome);
  }
  return outcomes;
}
