/**
 * The steps of the SQS-backpressure runbook, as plain functions over the ports. The state machine
 * carries one state between them: the request, the mapping's original limit (recorded before the
 * first change), the control loop's progress, and the latest assessment.
 */
import * as z from 'zod';
import { ledgerItem, type LedgerItem } from '../dispatch/ledger.ts';
import { MappingNotSettledError } from './errors.ts';
import { InvalidRequestError } from '../errors.ts';
import { applyConcurrency, isSettled } from './apply.ts';
import { readConcurrency, readGuard, readHealth, readMapping } from './observe.ts';
import { decide, type BackpressureDecision, type HealthVerdict } from './plan.ts';
import type { BackpressurePorts } from './ports.ts';
import { backpressureRequestSchema, ledgerResourceOf, type BackpressureRequest } from './request.ts';

export const originalSchema = z
  .object({
    maximumConcurrency: z.number().int().nullable(),
    enabled: z.boolean(),
    /** Effective: 1,000 without MaximumConcurrency. */
    concurrency: z.number().int().min(0),
  })
  .strict();
export type Original = z.output<typeof originalSchema>;

export const controlSchema = z
  .object({
    /** The effective concurrency requested last (0: disabled). */
    current: z.number().int().min(0),
    probes: z.number().int().min(0),
    notified: z.boolean(),
    polls: z.number().int().min(0),
    settled: z.boolean(),
    state: z.string(),
    changes: z.number().int().min(0),
    /** The consumer function, whose ConcurrentExecutions the decreases start from. */
    functionName: z.string().min(1).nullable().optional(),
    /**
     * The runbook's last change to the mapping: when it took effect (the state machine notes
     * `$$.State.EnteredTime` once the mapping has settled) and the verdict it was made on. Probes
     * judge only whole minutes after it. Absent before the first change.
     */
    lastChange: z
      .object({
        tookEffectAt: z.iso.datetime({ offset: true }),
        /** The verdict the change was made on (`assessment.health` when it was decided). */
        verdict: z.enum(['healthy', 'unhealthy', 'not-yet-known']),
      })
      .strict()
      .optional(),
  })
  .strict();
export type Control = z.output<typeof controlSchema>;

export const assessmentSchema = z
  .object({
    decision: z.enum(['decrease', 'hold', 'urgent', 'increase', 'restored', 'give-up']),
    target: z.number().int().min(0),
    reason: z.string(),
    health: z.enum(['healthy', 'unhealthy', 'not-yet-known']),
  })
  .passthrough();

export interface Assessment {
  decision: BackpressureDecision;
  target: number;
  reason: string;
  /** Healthy or unhealthy on a published minute (`judgedMinute`); not yet known without one. */
  health: HealthVerdict;
  healthy: boolean;
  errorRate: number | null;
  /** The start of the minute health was judged on (ISO 8601); null when none was published. */
  judgedMinute: string | null;
  /**
   * ConcurrentExecutions (Maximum) of the latest minute (after the last change), read when
   * unhealthy; null otherwise.
   */
  observedConcurrency: number | null;
  thresholdPercent: number;
  oldestAgeSeconds: number;
  retentionSeconds: number;
  urgent: boolean;
  queue: {
    queueName: string;
    visibilityTimeoutSeconds: number;
    retentionSeconds: number;
    approximateNumberOfMessages: number;
    approximateAgeOfOldestMessageSeconds: number;
    redrivePolicy: { deadLetterTargetArn?: string; maxReceiveCount?: number } | null;
  };
}

export interface BackpressureState {
  request: BackpressureRequest;
  original: Original;
  control: Control;
  assessment: Assessment;
}

export const stateSchema = z
  .object({
    request: backpressureRequestSchema,
    original: originalSchema,
    control: controlSchema,
    assessment: assessmentSchema,
  })
  .strict();

async function assess(
  ports: BackpressurePorts,
  request: BackpressureRequest,
  original: Original,
  control: Control,
): Promise<Assessment> {
  const tookEffectMs = control.lastChange ? Date.parse(control.lastChange.tookEffectAt) : undefined;
  const health = await readHealth(ports, request, tookEffectMs);
  const { queue, guard } = await readGuard(ports, request);
  const observedConcurrency =
    health.verdict === 'unhealthy'
      ? await readConcurrency(
          ports,
          control.functionName ?? null,
          request.health.lookbackSeconds,
          tookEffectMs,
        )
      : null;
  const { decision, target, reason } = decide({
    current: control.current,
    observedConcurrency,
    original: original.concurrency,
    health,
    guard,
    ...(control.lastChange ? { lastVerdict: control.lastChange.verdict } : {}),
    notified: control.notified,
    probes: control.probes,
    policy: request.policy,
  });
  return {
    decision,
    target,
    reason,
    health: health.verdict,
    healthy: health.verdict === 'healthy',
    errorRate: health.value,
    judgedMinute: health.minute,
    observedConcurrency,
    thresholdPercent: health.thresholdPercent,
    oldestAgeSeconds: guard.oldestAgeSeconds,
    retentionSeconds: guard.retentionSeconds,
    urgent: guard.urgent,
    queue,
  };
}

/** Reads the mapping and the queue, records the original limit, and decides the first step. */
export async function inspect(
  ports: BackpressurePorts,
  request: BackpressureRequest,
): Promise<BackpressureState> {
  const mapping = await readMapping(ports.mappings, request.mappingId);
  const original: Original = {
    maximumConcurrency: mapping.maximumConcurrency,
    enabled: mapping.enabled,
    concurrency: mapping.concurrency,
  };
  const control: Control = {
    current: mapping.concurrency,
    probes: 0,
    notified: false,
    polls: 0,
    settled: isSettled(mapping.state),
    state: mapping.state,
    changes: 0,
    functionName: mapping.functionName,
  };
  return { request, original, control, assessment: await assess(ports, request, original, control) };
}

/** Applies the assessment's target (nothing if the mapping is already there). */
export async function applyStep(
  ports: BackpressurePorts,
  state: BackpressureState,
): Promise<BackpressureState> {
  const { request, original, control, assessment } = state;
  // The state machine reports a dry run before this step; refusing here too means no wiring
  // mistake can turn a dry run into a change.
  if (request.dryRun) {
    throw new InvalidRequestError('A dry run', [
      'it reached a step that changes the mapping; nothing was changed',
    ]);
  }
  const { changed, mapping } = await applyConcurrency(
    ports.mappings,
    request.mappingId,
    assessment.target,
    original,
  );
  return {
    ...state,
    control: {
      ...control,
      current: mapping.concurrency,
      polls: 0,
      settled: isSettled(mapping.state),
      state: mapping.state,
      changes: control.changes + (changed ? 1 : 0),
    },
  };
}

/** One GetEventSourceMapping poll; fails once the policy's polls are spent without it settling. */
export async function checkSettled(
  ports: BackpressurePorts,
  state: BackpressureState,
): Promise<BackpressureState> {
  const { request, control } = state;
  const mapping = await readMapping(ports.mappings, request.mappingId);
  const polls = control.polls + 1;
  const settled = isSettled(mapping.state);
  if (!settled && polls >= request.policy.settleMaxPolls) {
    throw new MappingNotSettledError(
      `Event-source mapping ${request.mappingId} is still ${mapping.state} after ${polls} polls ${request.policy.settleSeconds} s apart`,
    );
  }
  return { ...state, control: { ...control, polls, settled, state: mapping.state } };
}

/**
 * Reads health and the retention guard again, and decides the next step: health only on whole
 * minutes after the last change took effect (`control.lastChange`), not yet known until one is
 * published.
 */
export async function probe(ports: BackpressurePorts, state: BackpressureState): Promise<BackpressureState> {
  const control = { ...state.control, probes: state.control.probes + 1 };
  return { ...state, control, assessment: await assess(ports, state.request, state.original, control) };
}

export interface Restored {
  changed: boolean;
  maximumConcurrency: number | null;
  enabled: boolean;
  concurrency: number;
}

/** Puts the original limit back (idempotent: nothing if the mapping already has it). */
export async function restoreOriginal(
  ports: BackpressurePorts,
  request: BackpressureRequest,
  original: Original,
): Promise<Restored> {
  const target = original.enabled ? original.concurrency : 0;
  const { changed, mapping } = await applyConcurrency(ports.mappings, request.mappingId, target, original);
  return {
    changed,
    maximumConcurrency: mapping.maximumConcurrency,
    enabled: mapping.enabled,
    concurrency: mapping.concurrency,
  };
}

/** The ledger record of the original limit, written before the first change. */
export function originalLedgerItem(
  request: BackpressureRequest,
  original: Original,
  at: Date,
  executionName: string,
): LedgerItem {
  const limit = original.maximumConcurrency === null ? 'none (1,000)' : String(original.maximumConcurrency);
  return ledgerItem({
    resource: ledgerResourceOf(request),
    at: at.toISOString(),
    incidentId: request.incidentId ?? executionName,
    decision: 'recorded',
    reason: `original MaximumConcurrency ${limit}${original.enabled ? '' : ', mapping disabled'}, recorded before the first change`,
    kind: 'sqs-backpressure',
    runbook: 'sqs-backpressure',
    actions: JSON.stringify({ original }),
  });
}
