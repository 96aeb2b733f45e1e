/**
 * What an execution came to, in an operator's word, and the resource it was about: read from its
 * input and output, since an execution's status alone cannot tell them apart. Dispatch SUCCEEDS
 * when a guardrail suppresses a signal, when it ignores one and when a runbook it started healed,
 * so `list` would otherwise show the same SUCCEEDED for a run that changed nothing.
 */
import type { DescribeExecutionOutput } from '@aws-sdk/client-sfn';
import { isJsonObject } from '../../core/json.ts';

/**
 * `suppressed`, `ignored`, `unhandled`, `already decided`, `rejected` (an event dispatch could not
 * read), `failed`, `running`, or the runbook's own word (`healed`, `dry-run`, ...); `succeeded`
 * when a run gives none.
 */
export interface ExecutionOutcome {
  outcome: string;
  /** Why, in one line, when the run says (a guardrail's reason, dispatch's outcome summary). */
  why?: string;
  /** `TYPE/NAME`, e.g. `dynamodb-table/orders`, when the run names it. */
  resource?: string;
}

type Json = Record<string, unknown>;

/** What is read of an execution: DescribeExecution's fields, or a local run's. */
export type DescribedRun = Pick<DescribeExecutionOutput, 'status' | 'error' | 'input' | 'output'>;

export function executionOutcome(execution: DescribedRun, runbook: string): ExecutionOutcome {
  const input = parsed(execution.input);
  const output = parsed(execution.output);
  const resource = runbook === 'dispatch' ? dispatchResource(input, output) : runbookResource(input);
  const withResource = (o: ExecutionOutcome): ExecutionOutcome => (resource ? { ...o, resource } : o);
  if (execution.status === 'RUNNING' || execution.status === 'PENDING_REDRIVE')
    return withResource({ outcome: 'running' });
  if (execution.status !== 'SUCCEEDED') {
    // Dispatch's one Fail state for an event it cannot read; the ledger keeps it as `rejected`.
    const outcome = execution.error === 'InvalidSignalError' ? 'rejected' : lower(execution.status);
    return withResource({ outcome, ...(execution.error ? { why: execution.error } : {}) });
  }
  return withResource(runbook === 'dispatch' ? dispatchOutcome(output) : runbookOutcome(output));
}

function dispatchOutcome(output: Json | undefined): ExecutionOutcome {
  const decision = text(output?.decision);
  const guardrails = object(output?.guardrails);
  const reason = text(output?.reason);
  if (decision === 'ignore') return { outcome: 'ignored', ...(reason ? { why: reason } : {}) };
  if (decision === 'unhandled') return { outcome: 'unhandled', ...(reason ? { why: reason } : {}) };
  const verdict = text(guardrails?.verdict);
  const guard = text(guardrails?.reason);
  if (verdict === 'suppressed') return { outcome: 'suppressed', ...(guard ? { why: guard } : {}) };
  if (verdict === 'duplicate') return { outcome: 'already decided' };
  const outcome = object(output?.outcome);
  const summary = text(outcome?.summary);
  const why = summary ? { why: summary } : {};
  if (outcome?.succeeded === false) return { outcome: 'failed', ...why };
  return { outcome: text(object(output?.run)?.outcome) ?? 'succeeded', ...why };
}

function runbookOutcome(output: Json | undefined): ExecutionOutcome {
  return { outcome: text(output?.outcome) ?? 'succeeded' };
}

/** The signal's resource as dispatch read it, else the operator request's. */
function dispatchResource(input: Json | undefined, output: Json | undefined): string | undefined {
  const key = text(object(output?.signal)?.resourceKey);
  if (key) return key;
  return ref(object(object(output?.incident)?.resource)) ?? ref(object(object(input?.detail)?.resource));
}

/** The runbooks' requests name their resource in one of these fields (domain/*\/request.ts). */
function runbookResource(input: Json | undefined): string | undefined {
  const named = text(input?.resource);
  if (named) return named;
  const table = text(input?.tableName);
  if (table) return `dynamodb-table/${table}`;
  const mapping = text(input?.mappingId);
  if (mapping) return `event-source-mapping/${mapping}`;
  const cell = text(input?.cell);
  return cell ? `cell/${cell}` : undefined;
}

function ref(resource: Json | undefined): string | undefined {
  const type = text(resource?.type);
  const name = text(resource?.name);
  return type && name ? `${type}/${name}` : undefined;
}

const lower = (status: string | undefined): string => (status ?? 'unknown').toLowerCase().replace('_', ' ');

function parsed(json: string | undefined): Json | undefined {
  try {
    return object(JSON.parse(json ?? 'null'));
  } catch {
    return undefined;
  }
}

const object = (value: unknown): Json | undefined => (isJsonObject(value) ? value : undefined);

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
