import { beforeAll, describe, expect, it } from 'vitest';
import {
  incidentWorld,
  QUEUE_VARIANTS,
  rightSizedConcurrency,
  runSqsBackpressure,
  type QueueVariant,
  type QueueVariantResult,
} from '../../scenarios/sqs-backpressure/run.ts';
import { SQS_BACKPRESSURE_INCIDENT } from '../../scenarios/sqs-backpressure/incident.ts';
import { INITIAL_POLLERS } from '../../world/sqs/event-source-mapping.ts';

const ORIGINAL = SQS_BACKPRESSURE_INCIDENT.mapping.maximumConcurrency;
const RESOURCE = `event-source-mapping/${SQS_BACKPRESSURE_INCIDENT.mapping.uuid}`;
const BASELINES = QUEUE_VARIANTS.filter((v) => v !== 'selfheal');
/** The world's default transition of a mapping update (the incident's mapping names none). */
const TRANSITION_SECONDS = 20;

describe('the sqs-backpressure incident, simulated end to end', () => {
  const results = {} as Record<QueueVariant, QueueVariantResult>;

  beforeAll(async () => {
    for (const variant of QUEUE_VARIANTS) results[variant] = await runSqsBackpressure({ seed: 1, variant });
  }, 120_000);

  it('with selfheal, expires nothing, drains the backlog, and sends to the DLQ only messages failed five times before its change took effect', () => {
    const { deadLetterMessages, expiredMessages, drainSeconds, timeline, detectedAtSeconds } =
      results.selfheal;
    expect(expiredMessages).toBe(0);
    expect(drainSeconds).not.toBeNull();
    expect(timeline.at(-1)).toMatchObject({ visible: 0 });
    // A message that failed its fifth receive before the lowered limit took effect moves to the
    // DLQ at its next receive, a visibility timeout later; none moves after that.
    const settled = (detectedAtSeconds ?? Infinity) + TRANSITION_SECONDS;
    const lastMove = timeline.filter((m) => m.movedToDeadLetter > 0).at(-1);
    if (lastMove) {
      expect(lastMove.minute * 60).toBeLessThan(
        settled + SQS_BACKPRESSURE_INCIDENT.queue.visibilityTimeoutSeconds!,
      );
    }
    for (const baseline of BASELINES) {
      expect(deadLetterMessages, baseline).toBeLessThan(results[baseline].deadLetterMessages / 10);
    }
  });

  it('gets fewer downstream errors with selfheal than with every baseline', () => {
    for (const baseline of BASELINES) {
      expect(results.selfheal.downstreamErrors, baseline).toBeLessThan(results[baseline].downstreamErrors);
    }
  });

  it('runs every variant with Lambda’s backoff: while payments fails, the mapping sits at five concurrent batches', () => {
    const brownout = (m: { minute: number }) =>
      m.minute >= SQS_BACKPRESSURE_INCIDENT.brownout.fromMinute + 1 && m.minute < 14;
    for (const variant of BASELINES) {
      const during = results[variant].timeline.filter(brownout);
      expect(during.length, variant).toBeGreaterThan(0);
      for (const minute of during)
        expect(minute.pollers, `${variant} ${minute.minute}`).toBe(INITIAL_POLLERS);
    }
  });

  it('lets every baseline send messages to the DLQ: failed batches come back until maxReceiveCount', () => {
    for (const baseline of BASELINES) {
      expect(results[baseline].deadLetterMessages, baseline).toBeGreaterThan(0);
      expect(results[baseline].healed, baseline).toBe(false);
    }
  });

  it('opens neither breaker: with Lambda backing off, payments fails about a third of the calls, under the 50 % threshold', () => {
    for (const variant of ['breaker-429', 'breaker-pause'] as const) {
      expect(results[variant].breakerOpenings, variant).toBe(0);
      expect(results[variant].deadLetterMessages, variant).toBe(results.none.deadLetterMessages);
      expect(results[variant].downstreamErrors, variant).toBe(results.none.downstreamErrors);
    }
  });

  it('keeps each breaker to its kind: only the 429 breaker answers calls itself, only the pausing one disables the mapping', () => {
    const fastFail = results['breaker-429'];
    const pause = results['breaker-pause'];
    expect(pause.shedRequests).toBe(0);
    expect(pause.functionErrors).toBe(pause.downstreamErrors);
    expect(pause.mappingPauses).toBe(pause.breakerOpenings);
    expect(fastFail.mappingPauses).toBe(0);
    expect(fastFail.shedRequests).toBeLessThanOrEqual(fastFail.downstreamErrors);
    // Each is the incident's breaker, differing only in what an open breaker does.
    expect(incidentWorld(SQS_BACKPRESSURE_INCIDENT, 'breaker-429').circuitBreaker).toEqual({
      ...SQS_BACKPRESSURE_INCIDENT.circuitBreaker,
      whenOpen: 'fail-fast',
    });
    expect(incidentWorld(SQS_BACKPRESSURE_INCIDENT, 'breaker-pause').circuitBreaker).toEqual({
      ...SQS_BACKPRESSURE_INCIDENT.circuitBreaker,
      whenOpen: 'pause-mapping',
    });
  });

  it('sets the static MaximumConcurrency to what payments takes healthily: floor(capacity × latency)', () => {
    const { capacity, latencyMs } = SQS_BACKPRESSURE_INCIDENT.downstream;
    expect(rightSizedConcurrency(SQS_BACKPRESSURE_INCIDENT)).toBe(Math.floor((capacity * latencyMs) / 1000));
    expect(rightSizedConcurrency(SQS_BACKPRESSURE_INCIDENT)).toBe(20);
    // Clamped to what Lambda accepts.
    expect(rightSizedConcurrency({ downstream: { name: 'x', capacity: 1, latencyMs: 100 } })).toBe(2);
    expect(rightSizedConcurrency({ downstream: { name: 'x', capacity: 10_000, latencyMs: 500 } })).toBe(1000);
    const { timeline, actions } = results['static-limit'];
    expect(actions).toEqual([]);
    expect(timeline.every((m) => m.maximumConcurrency === 20)).toBe(true);
    expect(Math.max(...timeline.map((m) => m.concurrency))).toBeLessThanOrEqual(20);
  });

  it('lowers MaximumConcurrency when the alarm fires and puts back exactly the original after recovery', () => {
    const { runs, actions, detectedAtSeconds, timeline } = results.selfheal;
    expect(runs).toEqual([
      expect.objectContaining({
        executionArn: expect.stringMatching(/:execution:dispatch:/),
        status: 'SUCCEEDED',
        outcome: `sqs-backpressure on ${RESOURCE}: restored`,
      }),
      expect.objectContaining({
        executionArn: expect.stringMatching(/:execution:sqs-backpressure:/),
        parentExecutionArn: runs[0]?.executionArn,
        status: 'SUCCEEDED',
        outcome: 'restored',
      }),
    ]);
    const first = actions[0];
    expect(first?.atSeconds).toBe(detectedAtSeconds);
    expect(first?.what).toMatch(new RegExp(`^MaximumConcurrency ${ORIGINAL} -> \\d+$`));
    expect(actions.at(-1)?.what).toMatch(new RegExp(`-> ${ORIGINAL}$`));
    // Throttled to the floor while the downstream browned out, never above the original.
    const limits = timeline.map((m) => m.maximumConcurrency ?? Infinity);
    expect(Math.min(...limits)).toBe(2);
    expect(Math.max(...limits)).toBe(ORIGINAL);
    expect(timeline.at(-1)?.maximumConcurrency).toBe(ORIGINAL);
  });

  it('takes the production path: the mapping’s alarm, named by the deployment, through its rule to dispatch', () => {
    const { signals, ledger, runs } = results.selfheal;
    expect(signals).toEqual([
      expect.objectContaining({
        name: 'selfheal-6c1d8a4e-payments-error-rate',
        rules: ['selfheal-alarms'],
        dispatched: [runs[0]?.executionArn],
      }),
    ]);
    // Dispatch's decision, the runbook's record of the original concurrency, dispatch's outcome.
    expect(ledger.map((r) => [r.resource, r.decision])).toEqual([
      [RESOURCE, 'started'],
      [RESOURCE, 'recorded'],
      [RESOURCE, 'succeeded'],
    ]);
  });

  it('does nothing to the mapping’s limit in the other baselines', () => {
    for (const variant of ['breaker-429', 'breaker-pause', 'none'] as const) {
      expect(results[variant].actions).toEqual([]);
      expect(results[variant].timeline.every((m) => m.maximumConcurrency === ORIGINAL)).toBe(true);
    }
  });

  it('accounts for every message sent, in every variant: processed, in the DLQ, expired or still queued', () => {
    for (const variant of QUEUE_VARIANTS) {
      const { timeline } = results[variant];
      const sum = (field: 'arrivals' | 'processed' | 'movedToDeadLetter' | 'expired') =>
        timeline.reduce((total, minute) => total + minute[field], 0);
      const last = timeline.at(-1);
      expect(sum('arrivals'), variant).toBe(
        sum('processed') +
          sum('movedToDeadLetter') +
          sum('expired') +
          (last?.visible ?? 0) +
          (last?.notVisible ?? 0),
      );
    }
  });
});
