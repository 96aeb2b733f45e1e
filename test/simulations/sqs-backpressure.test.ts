import { beforeAll, describe, expect, it } from 'vitest';
import {
  QUEUE_VARIANTS,
  runSqsBackpressure,
  type QueueVariant,
  type QueueVariantResult,
} from '../../scenarios/sqs-backpressure/run.ts';
import { SQS_BACKPRESSURE_INCIDENT } from '../../scenarios/sqs-backpressure/incident.ts';

const ORIGINAL = SQS_BACKPRESSURE_INCIDENT.mapping.maximumConcurrency;
const RESOURCE = `event-source-mapping/${SQS_BACKPRESSURE_INCIDENT.mapping.uuid}`;

describe('the sqs-backpressure incident, simulated end to end', () => {
  const results = {} as Record<QueueVariant, QueueVariantResult>;

  beforeAll(async () => {
    for (const variant of QUEUE_VARIANTS) results[variant] = await runSqsBackpressure({ seed: 1, variant });
  }, 120_000);

  it('loses no message with selfheal: none in the DLQ, none expired, and the backlog drains after recovery', () => {
    const { healed, deadLetterMessages, expiredMessages, drainSeconds, timeline } = results.selfheal;
    expect({ healed, deadLetterMessages, expiredMessages }).toEqual({
      healed: true,
      deadLetterMessages: 0,
      expiredMessages: 0,
    });
    expect(drainSeconds).not.toBeNull();
    expect(timeline.at(-1)).toMatchObject({ visible: 0, deadLetter: 0 });
  });

  it('gets fewer downstream errors with selfheal than with the circuit breaker or with nothing', () => {
    const errors = (variant: QueueVariant) => results[variant].downstreamErrors;
    expect(errors('selfheal')).toBeLessThan(errors('circuit-breaker'));
    expect(errors('selfheal')).toBeLessThan(errors('none'));
  });

  it('lets both baselines send messages to the DLQ: failed batches come back until maxReceiveCount', () => {
    expect(results.none.deadLetterMessages).toBeGreaterThan(0);
    expect(results['circuit-breaker'].deadLetterMessages).toBeGreaterThan(0);
    // The breaker spares the service (its 429s are answered at the edge) but not the messages.
    expect(results['circuit-breaker'].shedRequests).toBeGreaterThan(0);
    expect(results.none.healed).toBe(false);
    expect(results['circuit-breaker'].healed).toBe(false);
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

  it('does nothing to the mapping in the baselines', () => {
    for (const variant of ['circuit-breaker', 'none'] as const) {
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
