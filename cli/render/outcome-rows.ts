/**
 * The comparison rows every scenario's report shares: what became of the incident, said as it
 * happened (healed, not healed, no action needed, left alone), and the actions counted by who took
 * them, so auto scaling's own scaling is never read as selfheal's work.
 */
import { OUTCOME_LABELS, type Outcome, type ScenarioAction } from '../../simulations/outcome.ts';
import type { ComparisonRow } from './format.ts';

export const outcomeRow = <R extends { outcome: Outcome }>(): ComparisonRow<R> => [
  'outcome',
  (r) => OUTCOME_LABELS[r.outcome],
];

const ACTORS: readonly { by: ScenarioAction['by']; label: string }[] = [
  { by: 'selfheal', label: 'actions by selfheal' },
  { by: 'operator', label: 'actions by an operator' },
  { by: 'auto-scaling', label: 'actions by auto scaling' },
];

/** A row per actor that acted in any variant (every variant's count in it, 0 included). */
export function actionRows<R extends { actions: readonly ScenarioAction[] }>(
  results: readonly R[],
): ComparisonRow<R>[] {
  return ACTORS.filter(({ by }) => results.some((r) => r.actions.some((a) => a.by === by))).map(
    ({ by, label }): ComparisonRow<R> => [label, (r) => String(r.actions.filter((a) => a.by === by).length)],
  );
}
