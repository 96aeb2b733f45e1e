/**
 * The on-call baseline: no selfheal, an engineer paged by the same alarm, who after a delay does by
 * hand what the hot-shard runbook does in one round. The engineer reads the table's CloudWatch
 * metrics of the runbook's lookback window at that moment, sizes the throttled dimension for its
 * busiest minute's consumed plus throttled demand and the table policy's headroom (the runbook's
 * own diagnosis and sizing, `domain/capacity/diagnose.ts` and `plan.ts`, with the deployment's
 * policy for the table: what the team's written runbook would say), and raises the auto scaling
 * minimum to it (UpdateTable on a table without auto scaling), as the runbook does, and like the
 * runbook schedules the old minimum's return (an Application Auto Scaling scheduled action, after
 * the policy's restoreMinimumAfterMinutes).
 *
 * Assumptions, none of them an AWS figure:
 * - the delay from the page to the change (default 15 minutes: acknowledging the page, opening a
 *   laptop, reading the dashboards, deciding, making the change) is a parameter of the scenario;
 * - the engineer acts once per page and the change itself takes no time; a later page (the alarm
 *   leaving ALARM and entering it again) starts another answer after the same delay;
 * - on a hot key the runbook's remedy (sharding the key) is an application change and a data move,
 *   not something done by hand within the incident: the engineer changes nothing;
 * - a page answered after the simulated incident's end is not answered within it.
 */
import type { CloudWatchAlarmEvent } from '../../contracts/cloudwatch-alarm-event.ts';
import type { VirtualClock } from '../../core/virtual-clock.ts';
import { diagnoseTable } from '../../domain/capacity/diagnose.ts';
import { planCapacity } from '../../domain/capacity/plan.ts';
import { applyCapacityPlan, type ActionablePlan, type CapacityAction } from '../../domain/capacity/apply.ts';
import type { CapacityPorts } from '../../domain/capacity/ports.ts';
import type { CapacityPolicy } from '../../domain/capacity/request.ts';
import { ResourceBusyError } from '../../domain/errors.ts';
import { restoreText, type AlarmResponse } from '../../simulations/incident-driver.ts';
import type { ScenarioAction } from '../../simulations/outcome.ts';

/** From the page to the change by hand: an assumption (no documented figure), an option of the scenario. */
export const ON_CALL_DELAY_SECONDS = 15 * 60;

/** What every on-call engineer goes by: the clock, the delay from a page to the change, the end. */
export interface OnCallTiming {
  clock: VirtualClock;
  delaySeconds: number;
  /** Seconds since the start at which the simulation ends. */
  endSeconds: number;
}

/**
 * A scenario's on-call baseline: an engineer paged instead of selfheal, who acts `delaySeconds`
 * after the page and records what was done.
 */
export abstract class PagedEngineer<Options extends OnCallTiming> {
  /** What the engineer did or tried, at the moment it was done (not at the page). */
  readonly actions: ScenarioAction[] = [];
  protected readonly options: Options;

  constructor(options: Options) {
    if (!Number.isFinite(options.delaySeconds) || options.delaySeconds < 0) {
      throw new RangeError(`the on-call delay must be 0 seconds or more, got ${options.delaySeconds}`);
    }
    this.options = options;
  }
}

export interface OnCallOptions extends OnCallTiming {
  /** What the engineer reads and changes: the world's DynamoDB, CloudWatch and auto scaling. */
  ports: CapacityPorts;
  tableName: string;
  policy: CapacityPolicy;
}

export class OnCallEngineer extends PagedEngineer<OnCallOptions> {
  /**
   * The page. The answer drives the clock through the delay, as a runbook's Wait does, so the
   * incident driver waits for the engineer as for a run, and the world goes on meanwhile.
   */
  page(_event: CloudWatchAlarmEvent, atSeconds: number): AlarmResponse {
    return { runs: this.#answer(atSeconds).then(() => []) };
  }

  async #answer(pagedAtSeconds: number): Promise<void> {
    const { clock, delaySeconds, endSeconds } = this.options;
    // The page arrives inside an advance of the clock: let it finish before moving the clock on.
    await clock.settled();
    const actAtSeconds = pagedAtSeconds + delaySeconds;
    const wait = Math.min(actAtSeconds, endSeconds) - clock.elapsedSeconds();
    if (wait > 0) await clock.advance(wait);
    if (actAtSeconds > endSeconds) return;
    const done = await this.#act();
    // A change that had to wait for the table to be ACTIVE was made when it was made.
    const atSeconds = Math.max(actAtSeconds, clock.elapsedSeconds());
    for (const what of done) this.actions.push({ atSeconds, by: 'operator', what });
  }

  async #act(): Promise<string[]> {
    const { ports, tableName, policy } = this.options;
    const diagnosis = await diagnoseTable(ports, tableName, policy);
    const plan = planCapacity(diagnosis, policy);
    const minutes = Math.round(this.options.delaySeconds / 60);
    const after = `by hand, ${minutes} min after the page`;
    if (plan.kind === 'hot-key') {
      const keys = plan.hotKeys.map((k) => k.partitionKey).join(', ') || 'unknown';
      return [`hot key ${keys} diagnosed ${after}: sharding it is an application change, nothing changed`];
    }
    if (plan.kind !== 'raise-capacity' && plan.kind !== 'switch-to-on-demand') {
      return [`no change ${after}: ${plan.reasons.at(-1) ?? plan.kind}`];
    }
    return describe(await applyOnceActive(ports, plan, this.options.clock), after);
  }
}

/**
 * An engineer whose change meets a table still UPDATING (auto scaling's change, which takes the
 * world's UpdateTable time) looks again 20 seconds later, for up to 10 minutes, as the runbook's
 * own "Is the table active again?" does; the world goes on meanwhile.
 */
async function applyOnceActive(
  ports: CapacityPorts,
  plan: ActionablePlan,
  clock: VirtualClock,
): Promise<CapacityAction> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await applyCapacityPlan(ports, plan);
    } catch (error) {
      if (!(error instanceof ResourceBusyError) || attempt >= 30) throw error;
      await clock.advance(20);
    }
  }
}

function describe(action: CapacityAction, after: string): string[] {
  if (action.billingMode) return [`billing mode ${action.billingMode.before} -> PAY_PER_REQUEST (${after})`];
  return action.changes.map((c) =>
    c.skipped
      ? `${c.dimension} capacity left at ${c.before} (${c.skipped})`
      : `${c.dimension} capacity ${c.before} -> ${c.after} (${c.via === 'scalable-target' ? 'auto scaling minimum raised' : 'UpdateTable'} ${after})` +
        (c.restore ? `; ${restoreText(c.restore, action.at)}` : ''),
  );
}
