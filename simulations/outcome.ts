/**
 * What a scenario run comes to, in the figures operators compare: when the problem was detected,
 * whether and when it healed, what it cost in harm (requests failed after retries; throttle events) and in work (actions, state
 * transitions), and in money over 24 hours (`cost`, added by the scenario's run: `cost.ts`).
 */
import type { TimelineEntry } from '../world/dynamodb/table-world.ts';
import type { DayCost } from './cost.ts';
import type { LedgerRecord } from '../domain/dispatch/ledger.ts';
import type { SignalRecord } from './game-day.ts';

export interface ScenarioAction {
  atSeconds: number;
  by: 'selfheal' | 'auto-scaling' | 'operator';
  what: string;
}

/** Who acts in a scenario, as the reports name them (`actions by …`), in the order they list them. */
export const ACTORS: Readonly<Record<ScenarioAction['by'], string>> = {
  selfheal: 'selfheal',
  operator: 'an operator',
  'auto-scaling': 'auto scaling',
};

export interface RunSummary {
  executionArn: string;
  /** The run that started this one (dispatch, for a runbook; a runbook, for its child). */
  parentExecutionArn?: string;
  status: string;
  outcome: string;
  startedAtSeconds: number;
  stoppedAtSeconds: number | null;
  /** Every state entered; `type` is the ASL state type (Task, Choice, Wait, …). */
  states: { name: string; type: string; atSeconds: number }[];
}

/**
 * What became of the incident, as the reports say it: `healed` (the variant's remedy ended the
 * harm while the incident went on), `not-healed`, `no-action-needed` (nothing ever alarmed and no
 * request failed: on-demand under this surge), or `left-alone` (the harm was not the kind this
 * remedy is for, a fleet-wide slowdown for a cell shift, and the variant rightly did nothing; the
 * failed requests still count).
 */
export const OUTCOMES = ['healed', 'not-healed', 'no-action-needed', 'left-alone'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** The outcomes a variant is right to come to: the simulation's goal, and its exit code. */
export const goalMet = (outcome: Outcome): boolean => outcome !== 'not-healed';

/** How the reports print an outcome. */
export const OUTCOME_LABELS: Readonly<Record<Outcome, string>> = {
  healed: 'healed',
  'not-healed': 'not healed',
  'no-action-needed': 'no action needed',
  'left-alone': 'left alone (not a fault it can fix)',
};

export interface Healing {
  /** The remedy ended the harm: `outcome` is `healed`. */
  healed: boolean;
  outcome: Outcome;
  healedAtSeconds: number | null;
}

/** What an incident was about, for a reader of the summary: the resource, and what saw it first. */
export interface IncidentSubject {
  /** `type/name`, as dispatch keys it: `dynamodb-table/orders`. */
  resource: string;
  /** The alarm (or detector) whose signal came first; null: nothing ever fired. */
  detectedBy: string | null;
}

export interface VariantResult extends Healing, IncidentSubject {
  scenario: string;
  variant: string;
  seed: number;
  detectedAtSeconds: number | null;
  /**
   * Throttle events: every throttled attempt, SDK retries included (CloudWatch's count, what the
   * alarms see). A request retried twice and served is two events and no harm to its user.
   */
  throttledRequests: number;
  /** Requests that failed after the SDK's retries: the harm the table's users see. */
  failedRequests: number;
  actions: ScenarioAction[];
  stateTransitions: number;
  runs: RunSummary[];
  /** The signals the world emitted and what became of them (selfheal's run; none in a baseline). */
  signals: SignalRecord[];
  /** The audit ledger's records at the end (selfheal's run; none in a baseline). */
  ledger: LedgerRecord[];
  timeline: TimelineEntry[];
}

/** A table variant's result with what it costs over the 24 hours from the incident's start. */
export interface CostedVariantResult extends VariantResult {
  cost: DayCost;
}

/**
 * Healed means throttling stopped while the incident was still going on, and stayed stopped until
 * it ended, for at least the verification window. Throttling that stops only because demand fell
 * away is not healing.
 */
export function judgeHealing(
  timeline: readonly TimelineEntry[],
  detectedAtSeconds: number | null,
  incidentEndSeconds: number,
  verificationMinutes: number,
): Healing {
  const during = timeline.filter((m) => m.minute * 60 < incidentEndSeconds);
  if (detectedAtSeconds === null) {
    // Never alarmed: nothing to heal if nothing was throttled either; else the harm went unseen.
    const quiet = during.every((m) => m.throttledRequests.total === 0);
    return { healed: false, outcome: quiet ? 'no-action-needed' : 'not-healed', healedAtSeconds: null };
  }
  let healedFrom: number | null = null;
  for (let i = during.length - 1; i >= 0; i--) {
    const minute = during[i] as TimelineEntry;
    if (minute.throttledRequests.total > 0 || minute.minute * 60 < detectedAtSeconds) break;
    healedFrom = minute.minute * 60;
  }
  if (healedFrom === null || incidentEndSeconds - healedFrom < verificationMinutes * 60) {
    return { healed: false, outcome: 'not-healed', healedAtSeconds: null };
  }
  return { healed: true, outcome: 'healed', healedAtSeconds: healedFrom };
}
