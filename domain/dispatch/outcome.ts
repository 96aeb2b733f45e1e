/**
 * What a dispatched run came to, for the ledger and for the one notification operators get: a
 * plain summary (no links: it must read the same in email, chat or a pager).
 */
import * as z from 'zod';
import { incidentSchema, resourceKey, type Incident } from '../incidents/incident.ts';
import { ledgerItem, type LedgerItem } from './ledger.ts';

const changeSchema = z.object({ dimension: z.string(), from: z.number(), to: z.number() }).partial();

/** What the dispatch keeps of a `.sync:2` success (its runbook's report), or the Catch's error. */
export const runResultSchema = z.union([
  z.object({
    status: z.string(),
    executionArn: z.string(),
    outcome: z.string().optional(),
    actions: z.array(z.unknown()).optional(),
    plan: z.object({ kind: z.string().optional(), changes: z.array(changeSchema).optional() }).nullish(),
  }),
  z.object({ Error: z.string(), Cause: z.string().optional() }),
]);
type RunResult = z.infer<typeof runResultSchema>;

export const outcomeInputSchema = z.object({
  incident: incidentSchema,
  runbook: z.string().min(1),
  dryRun: z.boolean(),
  run: runResultSchema,
});
export type OutcomeInput = z.infer<typeof outcomeInputSchema>;

export interface DispatchOutcome {
  succeeded: boolean;
  summary: string;
  ledgerItem: LedgerItem;
  notification: { subject: string; message: string };
}

type RunbookReport = Extract<RunResult, { status: string }>;

/** `plan: raise-capacity, write 101 -> 987`: what a dry run would have done. */
function planText(plan: RunbookReport['plan']): string {
  if (!plan?.kind) return '';
  const changes = (plan.changes ?? []).map((c) => `${c.dimension} ${c.from} -> ${c.to}`);
  return ` (plan: ${[plan.kind, ...changes].join(', ')})`;
}

export function summariseOutcome(input: OutcomeInput, nowMs: number): DispatchOutcome {
  const { incident, runbook, dryRun, run } = input;
  const resource = resourceKey(incident.resource);
  const failed = 'Error' in run;
  let outcome: string;
  let actions: string | undefined;
  if ('Error' in run) {
    const failure = childFailure(run);
    outcome = `failed with ${failure.error}${failure.cause ? ` (${firstLine(failure.cause)})` : ''}`;
  } else {
    outcome = `${run.outcome ?? run.status.toLowerCase()}${dryRun ? planText(run.plan) : ''}`;
    actions = run.actions && run.actions.length > 0 ? JSON.stringify(run.actions) : undefined;
  }
  const summary = `${dryRun ? 'Dry run of ' : ''}${runbook} on ${resource}: ${outcome}`;
  return {
    succeeded: !failed,
    summary,
    ledgerItem: ledgerItem({
      resource,
      at: new Date(nowMs).toISOString(),
      incidentId: incident.id,
      decision: failed ? 'failed' : 'status' in run && run.status === 'RUNNING' ? 'handed-over' : 'succeeded',
      reason: summary,
      kind: incident.kind,
      runbook,
      source: incident.source,
      ...('executionArn' in run ? { executionArn: run.executionArn } : {}),
      ...(actions ? { actions } : {}),
    }),
    notification: { subject: subjectOf(summary), message: messageOf(incident, summary, actions) },
  };
}

function messageOf(incident: Incident, summary: string, actions: string | undefined): string {
  return [
    summary,
    '',
    `Incident ${incident.id}: ${incident.kind} on ${resourceKey(incident.resource)}, observed ${incident.observedAt} (${incident.source}).`,
    ...Object.entries(incident.evidence).map(([key, value]) => `- ${key}: ${String(value)}`),
    ...(actions ? ['', `Actions: ${actions}`] : []),
  ].join('\n');
}

/** SNS subjects: at most 100 printable characters, no line breaks. */
function subjectOf(summary: string): string {
  const line = `selfheal: ${summary}`.replace(/[^\x20-\x7e]/g, ' ');
  return line.length <= 100 ? line : `${line.slice(0, 97)}...`;
}

/**
 * A failed `.sync:2` task reports `States.TaskFailed` with the child execution's description as
 * its Cause: the child's own Error and Cause are what an operator needs to read.
 */
function childFailure(run: { Error: string; Cause?: string | undefined }): { error: string; cause?: string } {
  if (run.Error === 'States.TaskFailed' && run.Cause) {
    try {
      const child = JSON.parse(run.Cause) as { Error?: unknown; Cause?: unknown };
      if (typeof child.Error === 'string') {
        return { error: child.Error, ...(typeof child.Cause === 'string' ? { cause: child.Cause } : {}) };
      }
    } catch {
      // Not a child description: report the task's own error.
    }
  }
  return { error: run.Error, ...(run.Cause ? { cause: run.Cause } : {}) };
}

/**
 * What an operator reads of a cause: its message, never a stack. Lambda reports a function's error
 * as one line of JSON (`errorType`, `errorMessage`, `trace`) that a Fail state passes on as its
 * Cause, so that is read for its message; any other cause gives its first line.
 */
function firstLine(text: string): string {
  return (lambdaErrorMessage(text) ?? text.split('\n')[0] ?? '').slice(0, 300);
}

function lambdaErrorMessage(cause: string): string | undefined {
  if (!cause.startsWith('{')) return undefined;
  try {
    const error = JSON.parse(cause) as { errorMessage?: unknown };
    return typeof error.errorMessage === 'string' ? error.errorMessage.split('\n')[0] : undefined;
  } catch {
    return undefined;
  }
}
