/**
 * What a dispatched run came to, for the ledger and for the one notification operators get: a
 * plain summary (no links: it must read the same in email, chat or a pager).
 */
import { z } from 'zod';
import { incidentSchema, resourceKey, type Incident } from '../incidents/incident.ts';
import { ledgerItem, type LedgerItem } from './ledger.ts';

/** The `.sync:2` result on success, or the Catch's error object on failure. */
export const runResultSchema = z.union([
  z.object({ status: z.string(), executionArn: z.string(), output: z.unknown() }),
  z.object({ Error: z.string(), Cause: z.string().optional() }),
]);

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

interface RunbookReport {
  outcome?: string;
  actions?: unknown[];
  plan?: { kind?: string; changes?: { dimension?: string; from?: number; to?: number }[] };
}

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
  const report = (failed ? {} : (run.output ?? {})) as RunbookReport;
  const outcome = failed
    ? `failed with ${run.Error}`
    : `${report.outcome ?? run.status.toLowerCase()}${dryRun ? planText(report.plan) : ''}`;
  const summary =
    `${dryRun ? 'Dry run of ' : ''}${runbook} on ${resource}: ${outcome}` +
    (failed && run.Cause ? ` (${firstLine(run.Cause)})` : '');
  const actions =
    Array.isArray(report.actions) && report.actions.length > 0 ? JSON.stringify(report.actions) : undefined;
  return {
    succeeded: !failed,
    summary,
    ledgerItem: ledgerItem({
      resource,
      at: new Date(nowMs).toISOString(),
      incidentId: incident.id,
      decision: failed ? 'failed' : 'succeeded',
      reason: summary,
      kind: incident.kind,
      runbook,
      source: incident.source,
      ...(failed ? {} : { executionArn: run.executionArn }),
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

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? '').slice(0, 300);
}
