import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  incidentWorld,
  QUEUE_VARIANTS,
  rightSizedConcurrency,
  runSqsBackpressure,
  type QueueVariant,
  type QueueVariantResult,
} from '../../scenarios/sqs-backpressure/run.ts';
import {
  readSqsBackpressureIncident,
  SQS_BACKPRESSURE_INCIDENT,
  SQS_BACKPRESSURE_INCIDENT_FILE,
  type QueueIncident,
} from '../../scenarios/sqs-backpressure/incident.ts';
import { IncidentFileError } from '../../scenarios/table/incident-file.ts';
import { INITIAL_POLLERS } from '../../world/sqs/event-source-mapping.ts';

const ORIGINAL = SQS_BACKPRESSURE_INCIDENT.mapping.maximumConcurrency;
const RESOURCE = `event-source-mapping/${SQS_BACKPRESSURE_INCIDENT.mapping.uuid}`;
const BASELINES = QUEUE_VARIANTS.filter((v) => v !== 'selfheal');

describe('the sqs-backpressure incident, simulated end to end', () => {
  const results = {} as Record<QueueVariant, QueueVariantResult>;

  beforeAll(async () => {
    for (const variant of QUEUE_VARIANTS) results[variant] = await runSqsBackpressure({ seed: 1, variant });
  }, 120_000);

  it('with selfheal, expires nothing, drains the backlog, and sends to the DLQ only while payments browns out, far fewer than any baseline', () => {
    const { deadLetterMessages, expiredMessages, drainSeconds, timeline, recoveredAtSeconds } =
      results.selfheal;
    expect(expiredMessages).toBe(0);
    expect(drainSeconds).not.toBeNull();
    expect(timeline.at(-1)).toMatchObject({ visible: 0 });
    // Messages reach the DLQ from failing their fifth receive: before the lowered limit took
    // effect, and when a step up is tried while payments still browns out (the probe sees it only
    // once a minute after the step is published). A message failed last just before the recovery
    // moves at its next receive, a visibility timeout later; none moves after that.
    const lastMove = timeline.filter((m) => m.movedToDeadLetter > 0).at(-1);
    expect(deadLetterMessages).toBeGreaterThan(0);
    expect(lastMove!.minute * 60).toBeLessThan(
      recoveredAtSeconds + SQS_BACKPRESSURE_INCIDENT.queue.visibilityTimeoutSeconds!,
    );
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
    // The first change within the minute the alarm fired in: dispatch and the first look take
    // seconds, not minutes.
    const first = actions[0];
    expect(first!.atSeconds - detectedAtSeconds!).toBeGreaterThanOrEqual(0);
    expect(first!.atSeconds - detectedAtSeconds!).toBeLessThan(60);
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

describe('the sqs-backpressure incident as a file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'selfheal-sqs-incident-'));
  let written = 0;
  /** Writes `content` (JSON, or the text as given) to a new file in `dir`. */
  const write = (content: unknown): string => {
    const file = join(dir, `incident-${written++}.json`);
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
    return file;
  };
  /** The incident as its file says it: the start as an ISO time. */
  const asFile = ({ startMs, ...rest }: QueueIncident) => ({
    ...rest,
    start: new Date(startMs).toISOString(),
  });

  it('is the incident the scenario always ran, read from incident.json', () => {
    expect(readSqsBackpressureIncident(SQS_BACKPRESSURE_INCIDENT_FILE)).toEqual({
      description: expect.stringMatching(/^Steady orders into a queue/),
      startMs: Date.UTC(2026, 10, 23, 9, 0, 0),
      simulatedSeconds: 90 * 60,
      arrivals: {
        phases: [{ name: 'steady', durationSeconds: 90 * 60, messagesPerSecond: 200 }],
        noise: 0.05,
      },
      queue: {
        name: 'orders',
        visibilityTimeoutSeconds: 60,
        maxReceiveCount: 5,
        messageRetentionPeriodSeconds: 3600,
      },
      mapping: { uuid: '6c1d8a4e-3b2f-4e7a-9c51-0d2e7f4a8b13', batchSize: 10, maximumConcurrency: 100 },
      function: { name: 'orders-consumer', timeoutSeconds: 10 },
      downstream: { name: 'payments', capacity: 100, latencyMs: 200 },
      brownout: { fromMinute: 10, durationMinutes: 20, capacity: 10 },
      circuitBreaker: { errorThresholdPercent: 50, windowSeconds: 10, minimumRequests: 20, openSeconds: 30 },
    });
  });

  it('round-trips: the built-in incident written as a file reads back the same', () => {
    expect(readSqsBackpressureIncident(write(asFile(SQS_BACKPRESSURE_INCIDENT)))).toEqual(
      SQS_BACKPRESSURE_INCIDENT,
    );
  });

  it('leaves out what AWS defaults: no breaker settings is the world’s breaker, no limit is none', () => {
    const { circuitBreaker: _breaker, ...rest } = asFile(SQS_BACKPRESSURE_INCIDENT);
    const incident = readSqsBackpressureIncident(
      write({ ...rest, mapping: { uuid: SQS_BACKPRESSURE_INCIDENT.mapping.uuid } }),
    );
    expect(incident.circuitBreaker).toEqual({});
    expect(incident.mapping).toEqual({ uuid: SQS_BACKPRESSURE_INCIDENT.mapping.uuid });
  });

  it('runs the incident the file describes: a shorter brownout, seen in the figures', async () => {
    const file = write({
      ...asFile(SQS_BACKPRESSURE_INCIDENT),
      simulatedSeconds: 20 * 60,
      brownout: { fromMinute: 2, durationMinutes: 5, capacity: 10 },
    });

    const result = await runSqsBackpressure({
      seed: 1,
      variant: 'none',
      incident: readSqsBackpressureIncident(file),
    });

    expect(result.recoveredAtSeconds).toBe(7 * 60);
    expect(result.timeline).toHaveLength(20);
    const capacity = (minute: number) => result.timeline[minute]?.downstreamCapacity;
    expect([capacity(1), capacity(2), capacity(6), capacity(7)]).toEqual([100, 10, 10, 100]);
  }, 60_000);

  type Raw = ReturnType<typeof asFile> & Record<string, unknown>;
  it.each<[string, (raw: Raw) => unknown, RegExp]>([
    ['an unknown field', (raw) => ({ ...raw, extra: 1 }), /^\(top\): Unrecognized key: "extra"$/],
    ['a missing mapping UUID', (raw) => ({ ...raw, mapping: { batchSize: 10 } }), /^mapping\.uuid: /],
    [
      'a malformed mapping UUID',
      (raw) => ({ ...raw, mapping: { uuid: 'nope' } }),
      /^mapping\.uuid: an event-source mapping UUID$/,
    ],
    [
      'a FIFO queue',
      (raw) => ({ ...raw, queue: { ...raw.queue, name: 'orders.fifo' } }),
      /^queue\.name: a standard queue name/,
    ],
    [
      'a maxReceiveCount of 0',
      (raw) => ({ ...raw, queue: { ...raw.queue, maxReceiveCount: 0 } }),
      /^queue\.maxReceiveCount: .*1/,
    ],
    [
      'a retention period over 14 days',
      (raw) => ({ ...raw, queue: { ...raw.queue, messageRetentionPeriodSeconds: 1_209_601 } }),
      /^queue\.messageRetentionPeriodSeconds: .*1209600/,
    ],
    [
      'a MaximumConcurrency of 1',
      (raw) => ({ ...raw, mapping: { ...raw.mapping, maximumConcurrency: 1 } }),
      /^mapping\.maximumConcurrency: .*2/,
    ],
    [
      'a batch of 100 without a batching window',
      (raw) => ({ ...raw, mapping: { ...raw.mapping, batchSize: 100 } }),
      /^mapping\.batchSize: above 10 needs maximumBatchingWindowInSeconds of at least 1$/,
    ],
    [
      'a function timeout over 15 minutes',
      (raw) => ({ ...raw, function: { ...raw.function, timeoutSeconds: 901 } }),
      /^function\.timeoutSeconds: .*900/,
    ],
    [
      'a visibility timeout below the function timeout',
      (raw) => ({ ...raw, queue: { ...raw.queue, visibilityTimeoutSeconds: 5 } }),
      /^queue\.visibilityTimeoutSeconds: 5 s is less than the function timeout of 10 s, which Lambda refuses for a mapping$/,
    ],
    [
      'a negative rate',
      (raw) => ({
        ...raw,
        arrivals: { phases: [{ name: 'steady', durationSeconds: 60, messagesPerSecond: [200, -1] }] },
      }),
      /^arrivals\.phases\.0\.messagesPerSecond/,
    ],
    [
      'a brownout that outlasts the simulation',
      (raw) => ({ ...raw, brownout: { fromMinute: 80, durationMinutes: 20, capacity: 10 } }),
      /^brownout\.durationMinutes: ends after the simulation \(5400 s\): the recovery could not be seen$/,
    ],
    [
      'a p99 latency below the median',
      (raw) => ({ ...raw, downstream: { ...raw.downstream, p99LatencyMs: 100 } }),
      /^downstream\.p99LatencyMs: is below latencyMs$/,
    ],
    ['a start that is no time', (raw) => ({ ...raw, start: 'yesterday' }), /^start: /],
    [
      'a simulation of part of a minute',
      (raw) => ({ ...raw, simulatedSeconds: 5430 }),
      /^simulatedSeconds: .*60/,
    ],
  ])('refuses %s in one line naming the field', (_case, edit, says) => {
    const file = write(edit(asFile(SQS_BACKPRESSURE_INCIDENT) as Raw));
    let error: unknown;
    try {
      readSqsBackpressureIncident(file);
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(IncidentFileError);
    const text = (error as Error).message;
    expect(text.startsWith(`${file}: `)).toBe(true);
    expect(text.slice(file.length + 2)).toMatch(says);
    expect(text).not.toContain('\n');
  });

  it('refuses a file that is not JSON, or is not there, in one line naming the file', () => {
    const broken = write('{ "queue": ');
    expect(() => readSqsBackpressureIncident(broken)).toThrow(IncidentFileError);
    expect(() => readSqsBackpressureIncident(broken)).toThrow(new RegExp(`^${broken}: .*JSON`));
    const missing = join(dir, 'missing.json');
    expect(() => readSqsBackpressureIncident(missing)).toThrow(new RegExp(`^${missing}: ENOENT`));
  });
});
