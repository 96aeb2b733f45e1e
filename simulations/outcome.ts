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

export interface Healing {
  healed: boolean;
  healedAtSeconds: number | null;
}

export interface VariantResult extends Healing {
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
    const quiet = during.every((m) => m.throttledRequests.total === 0);
    return { healed: quiet, healedAtSeconds: null };
  }
  let healedFrom: number | null = null;
  for (let i = during.length - 1; i >= 0; i--) {
    const minute = during[i] as TimelineEntry;
    if (minute.throttledRequests.total > 0 || minute.minute * 60 < detectedAtSeconds) break;
    healedFrom = minute.minute * 60;
  }
  if (healedFrom === null || incidentEndSeconds - healedFrom < verificationMinutes * 60) {
    return { healed: false, healedAtSeconds: null };
  }
  return { healed: true, healedAtSeconds: healedFrom };
}
