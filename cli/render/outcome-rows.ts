/**
 * The comparison rows every scenario's report shares: what became of the incident, said as it
 * happened (healed, not healed, no action needed, left alone), and the actions counted by who took
 * them, so auto scaling's own scaling is never read as selfheal's work.
 */
import { ACTORS, OUTCOME_LABELS, type Outcome, type ScenarioAction } from '../../simulations/outcome.ts';
import type { ComparisonRow } from './format.ts';

export const outcomeRow = <R extends { outcome: Outcome }>(): ComparisonRow<R> => [
  'outcome',
  (r) => OUTCOME_LABELS[r.outcome],
];

/** A row per actor that acted in any variant (every variant's count in it, 0 included). */
export function actionRows<R extends { actions: readonly ScenarioAction[] }>(
  results: readonly R[],
): ComparisonRow<R>[] {
  const actors = Object.keys(ACTORS) as ScenarioAction['by'][];
  return actors
    .filter((by) => results.some((r) => r.actions.some((a) => a.by === by)))
    .map((by): ComparisonRow<R> => [
      `actions by ${ACTORS[by]}`,
      (r) => String(r.actions.filter((a) => a.by === by).length),
    ]);
}
