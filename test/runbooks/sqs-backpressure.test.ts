import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { LOCAL_NOTIFICATION_TOPIC_ARN } from '../../local/runbooks.ts';
import { statesEntered, type HistoryEvent } from '../../engine/history.ts';
import type { BackpressurePorts } from '../../domain/backpressure/ports.ts';
import type { BackpressureState } from '../../domain/backpressure/runbook.ts';
import { backpressurePolicySchema } from '../../domain/backpressure/request.ts';
import { createDispatchTables, DEFAULT_DISPATCH_TABLES } from '../../domain/dispatch/tables.ts';
import { queryLedger } from '../../domain/dispatch/ledger.ts';
import { SimulatedServiceError } from '../../world/service-error.ts';
import type { QueueWorld } from '../../world/sqs/queue-world.ts';
import {
  BROWNOUT_MAPPING_UUID,
  brownoutWorld,
  ORDERS_TO_PAYMENTS,
  startQueueWorld,
  type QueueWorldParts,
} from '../../scenarios/sqs-backpressure/world.ts';
import { useLocalDynamoDb } from '../support/local-dynamodb.ts';

const UUID = BROWNOUT_MAPPING_UUID;
const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/orders';
const LEDGER = DEFAULT_DISPATCH_TABLES.ledger;

const dynamodb = useLocalDynamoDb();

beforeEach(async () => {
  await createDispatchTables(dynamodb(), DEFAULT_DISPATCH_TABLES);
});

afterEach(async () => {
  for (const name of [DEFAULT_DISPATCH_TABLES.control, LEDGER]) {
    await dynamodb()
      .send(new DeleteTableCommand({ TableName: name }))
      .catch(() => undefined);
  }
});

/**
 * The runbook's own world (`brownoutWorld`): 200 messages a second into `orders`, drained by
 * `orders-consumer` (MaximumConcurrency 100 unless told) calling `payments` (100 requests a second
 * at 200 ms), a brownout to 5 requests a second from minute 2 for `brownoutMinutes`; the engine and
 * the world share one virtual clock.
 */
async function setUp(
  options: {
    world?: Partial<QueueWorldParts>;
    brownoutMinutes?: number;
    wrap?: (ports: BackpressurePorts) => BackpressurePorts;
  } = {},
) {
  const { clock, metrics, world, engine } = await startQueueWorld({
    seed: 1,
    startMs: Date.UTC(2026, 0, 1, 12, 0, 0),
    world: { ...brownoutWorld(options.brownoutMinutes ?? 20), ...options.world },
    dynamodb: dynamodb(),
    ...(options.wrap ? { wrap: options.wrap } : {}),
  });
  // The alarm fires a few minutes into the brownout. CloudWatch publishes each minute
  // `publicationDelaySeconds` after it ends, so the run starts that much later than 5 minutes and
  // its first look reads the same minute as it would without the delay (minute 4, the third of the
  // brownout), not the brownout's first minute.
  await clock.advance(5 * 60 + metrics.publicationDelaySeconds);
  return { clock, world, engine };
}

/**
 * The mapping of `brownoutWorld` without Lambda's backoff on failed invocations (the world's
 * default, as AWS documents it), as for a consumer reporting batch item failures, which AWS does not
 * scale down: its pollers stay at MaximumConcurrency through the brownout. With the backoff the
 * consumer runs 5 batches at once from the brownout's second minute, and the runbook, cutting from
 * what the consumer runs, goes from 100 to the floor in one step; the tests stepping down from the
 * limit the consumer uses need this mapping.
 */
const atItsLimit: Partial<QueueWorldParts> = {
  mapping: { uuid: UUID, maximumConcurrency: 100, transitionSeconds: 20, backoffOnErrors: false },
};

/** The `orders` queue of `setUp`, keeping its messages `seconds` instead of four days. */
const keepingMessagesFor = (seconds: number): Partial<QueueWorldParts> => ({
  queue: { ...ORDERS_TO_PAYMENTS.queue, messageRetentionPeriodSeconds: seconds },
});

const request = (extra: { policy?: object } & Record<string, unknown> = {}) => ({
  mappingId: UUID,
  queueUrl: QUEUE_URL,
  incidentId: 'incident-1',
  health: { namespace: 'Downstream', dimensions: { Service: 'payments' }, thresholdPercent: 5 },
  ...extra,
  policy: { probeSeconds: 120, increaseStep: 25, ...extra.policy },
});

/** Each `Probe the downstream` of a run: when it ended, and the state it handed on. */
function probesOf(history: readonly HistoryEvent[]) {
  return history.flatMap((event) => {
    const exited = event.stateExitedEventDetails;
    if (exited?.name !== 'Probe the downstream') return [];
    const state = JSON.parse(exited.output) as BackpressureState;
    return [{ at: event.timestamp.toISOString(), control: state.control, assessment: state.assessment }];
  });
}

/** The policy's default number of probes (the requests here leave it unset). */
const MAX_PROBES = backpressurePolicySchema.parse({}).maxProbes;

const limits = (world: QueueWorld) =>
  world.timeline.map((minute) => minute.maximumConcurrency).filter((v, i, all) => v !== all[i - 1]);

async function mappingNow(world: QueueWorld) {
  return world.getEventSourceMapping({ UUID });
}

describe('the sqs-backpressure runbook', () => {
  it('lowers MaximumConcurrency to the floor during a brownout, then restores exactly the original', async () => {
    const { world, engine } = await setUp({ world: atItsLimit });
    const run = await engine.run('sqs-backpressure', request());

    expect(run.cause ?? '').toBe('');
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toMatchObject({
      outcome: 'restored',
      original: { maximumConcurrency: 100, enabled: true, concurrency: 100 },
      concurrency: 100,
    });
    // Multiplicative decrease to the floor (each step at least halves: deeper while most requests
    // fail), then additive increase back to the original.
    const seen = limits(world);
    const down = seen.slice(0, seen.indexOf(2) + 1);
    expect(down[0]).toBe(100);
    expect(down.length).toBeGreaterThan(2);
    down
      .slice(1)
      .forEach((limit, i) => expect(limit).toBeLessThanOrEqual(Math.max(2, Math.floor(down[i]! / 2))));
    expect(seen.at(-1)).toBe(100);
    expect(Math.max(...seen.map(Number))).toBe(100);
    expect(await mappingNow(world)).toMatchObject({
      State: 'Enabled',
      ScalingConfig: { MaximumConcurrency: 100 },
    });
    expect(statesEntered(run.history)).toContain('Record the original concurrency in the ledger');

    const ledger = await queryLedger(dynamodb(), LEDGER, { resource: `event-source-mapping/${UUID}` });
    expect(ledger).toHaveLength(1);
    expect(ledger[0]).toMatchObject({
      decision: 'recorded',
      incidentId: 'incident-1',
      runbook: 'sqs-backpressure',
    });
    expect(JSON.parse(ledger[0]?.actions ?? '{}')).toEqual({
      original: { maximumConcurrency: 100, enabled: true, concurrency: 100 },
    });
  });

  it('judges each change only on whole minutes after it took effect, holding while CloudWatch has published none', async () => {
    const { engine } = await setUp({ world: atItsLimit });
    const run = await engine.run('sqs-backpressure', request());
    expect(run.status).toBe('SUCCEEDED');

    const probes = probesOf(run.history);
    const changes = probes.filter((p) => ['decrease', 'increase'].includes(p.assessment.decision));
    expect(changes.length).toBeGreaterThan(3);
    for (const probe of probes) {
      const { lastChange } = probe.control;
      expect(lastChange, 'every probe follows a change').toBeDefined();
      const firstAfter = (Math.floor(Date.parse(lastChange!.tookEffectAt) / 60_000) + 1) * 60_000;
      if (probe.assessment.health === 'not-yet-known' && probe.control.probes < MAX_PROBES) {
        // Nothing published since the change: it changes nothing, and waits for CloudWatch.
        expect(probe.assessment).toMatchObject({ decision: 'hold', judgedMinute: null });
        expect(probe.assessment.target).toBe(probe.control.current);
      } else if (probe.assessment.health === 'not-yet-known') {
        // Out of probes: back to the original, as every run ends.
        expect(probe.assessment.target).toBe(100);
      } else {
        expect(Date.parse(probe.assessment.judgedMinute!), probe.at).toBeGreaterThanOrEqual(firstAfter);
      }
    }
    // The probe right after each change has nothing to judge yet (its minute is not published):
    // a 120 s probe interval is shorter than a minute and CloudWatch's 120 s delay.
    const entered = statesEntered(run.history);
    expect(entered).toContain('Note when the change took effect');
    expect(entered).toContain('Wait for CloudWatch to publish');
    const notes = entered.filter((name) => name === 'Note when the change took effect').length;
    expect(probes.filter((p) => p.assessment.health === 'not-yet-known').length).toBeGreaterThanOrEqual(
      notes,
    );
    // Each change was noted when the mapping had settled: after it was asked, at a probe.
    for (const probe of probes) {
      expect(Date.parse(probe.control.lastChange!.tookEffectAt)).toBeLessThan(Date.parse(probe.at));
    }
  });

  it('restores a mapping that had no MaximumConcurrency to none (counted as 1,000)', async () => {
    const { world, engine } = await setUp({
      world: { mapping: { uuid: UUID, transitionSeconds: 20 } },
      brownoutMinutes: 8,
    });
    const run = await engine.run('sqs-backpressure', request({ policy: { increaseStep: 500 } }));

    expect(run.cause ?? '').toBe('');
    expect(run.output).toMatchObject({
      outcome: 'restored',
      original: { maximumConcurrency: null, concurrency: 1000 },
    });
    const mapping = await mappingNow(world);
    expect(mapping.ScalingConfig).toBeUndefined();
    expect(mapping.State).toBe('Enabled');
  });

  it('restores the original when a step fails part way', async () => {
    let updates = 0;
    const { world, engine } = await setUp({
      world: atItsLimit,
      wrap: (ports) => ({
        ...ports,
        mappings: {
          getEventSourceMapping: (input) => ports.mappings.getEventSourceMapping(input),
          updateEventSourceMapping: async (input) => {
            updates += 1;
            if (updates === 3)
              throw new SimulatedServiceError('ServiceException', 'Lambda fell over', 'client');
            return ports.mappings.updateEventSourceMapping(input);
          },
        },
      }),
    });
    const run = await engine.run('sqs-backpressure', request());

    expect(run).toMatchObject({ status: 'FAILED', error: 'UnexpectedAwsError' });
    // Two decreases, the failing third update, then the restore.
    expect(updates).toBe(4);
    // The second decrease is judged on the first whole minute at 10, once CloudWatch has published
    // it (about two thirds of the calls failing: 10 to 3), not on the last minute at 100, which is
    // all a probe 120 s after the cut could read (nine calls in ten failing: 10 to the floor).
    expect(limits(world).slice(0, 3)).toEqual([100, 10, 3]);
    expect(run.cause).toContain('Lambda fell over');
    expect(statesEntered(run.history)).toContain('Restore the original concurrency');
    expect(await mappingNow(world)).toMatchObject({ ScalingConfig: { MaximumConcurrency: 100 } });
  });

  it('disables the mapping when so configured, and enables it again at the original', async () => {
    const { world, engine } = await setUp({ brownoutMinutes: 8 });
    // While the mapping is disabled the consumer calls nothing, so no ErrorRate is published and
    // health read from it is unknown, never healthy: the run would hold until out of probes. Read
    // from the counts instead, as the downstream-health alarm does, a published minute of 0
    // requests is known: nothing failed.
    const run = await engine.run(
      'sqs-backpressure',
      request({
        health: {
          namespace: 'Downstream',
          dimensions: { Service: 'payments' },
          counts: { errors: 'Errors', requests: 'Requests' },
          thresholdPercent: 5,
        },
        policy: { mode: 'disable', increaseStep: 50 },
      }),
    );

    expect(run.cause ?? '').toBe('');
    expect(run.output).toMatchObject({ outcome: 'restored', concurrency: 100 });
    expect(world.timeline.some((minute) => minute.mappingState === 'Disabled')).toBe(true);
    expect(await mappingNow(world)).toMatchObject({
      State: 'Enabled',
      ScalingConfig: { MaximumConcurrency: 100 },
    });
  });

  it('gives up, restoring the original, when no minute since its cut is published for every probe: not known is not healthy', async () => {
    const { world, engine } = await setUp({ brownoutMinutes: 8 });
    // Disabled, the consumer calls nothing, so payments publishes no ErrorRate: from the cut on,
    // every probe finds nothing to judge, and holds, until the probes run out.
    const run = await engine.run('sqs-backpressure', request({ policy: { mode: 'disable', maxProbes: 4 } }));

    expect(run).toMatchObject({ status: 'FAILED', error: 'DownstreamHealthNotKnownError' });
    expect(run.cause).toMatch(
      /^After 4 probes: out of probes after 4 with the downstream's health since the last change not yet known/,
    );
    const entered = statesEntered(run.history);
    expect(entered.filter((name) => name === 'Wait for CloudWatch to publish')).toHaveLength(3);
    expect(entered).toContain("Give up: the downstream's health stayed unknown");
    // Disabled once, enabled again at the original by the restore; nothing in between.
    expect(world.mappingChanges.map((c) => c.after)).toEqual([
      { maximumConcurrency: 100, enabled: false },
      { maximumConcurrency: 100, enabled: true },
    ]);
    expect(await mappingNow(world)).toMatchObject({ ScalingConfig: { MaximumConcurrency: 100 } });
  });

  it('holds a mapping already at the floor, changing nothing', async () => {
    const { world, engine } = await setUp({
      world: { mapping: { uuid: UUID, maximumConcurrency: 2, transitionSeconds: 20 } },
      brownoutMinutes: 10,
    });
    const run = await engine.run('sqs-backpressure', request());

    expect(run.cause ?? '').toBe('');
    // Unhealthy, but nothing to lower: the run ends at once, without recording or waiting.
    expect(run.output).toMatchObject({
      outcome: 'nothing-to-lower',
      assessment: { decision: 'hold', reason: 'at the floor' },
    });
    expect(statesEntered(run.history)).not.toContain('Record the original concurrency in the ledger');
    expect(world.mappingChanges).toEqual([]);
    expect(limits(world)).toEqual([2]);
  });

  it('names an unknown mapping ResourceNotFoundError, and a malformed request InvalidRequestError', async () => {
    const { world, engine } = await setUp();
    const unknown = await engine.run(
      'sqs-backpressure',
      request({ mappingId: '00000000-0000-4000-8000-000000000000' }),
    );
    expect(unknown).toMatchObject({ status: 'FAILED', error: 'ResourceNotFoundError' });
    expect(unknown.cause).toContain('GetEventSourceMapping');

    const invalid = await engine.run('sqs-backpressure', request({ mappingId: 'not-a-mapping' }));
    expect(invalid).toMatchObject({ status: 'FAILED', error: 'InvalidRequestError' });
    expect(await mappingNow(world)).toMatchObject({ ScalingConfig: { MaximumConcurrency: 100 } });
  });

  it('in dry-run, reports the first step and changes nothing', async () => {
    const { world, engine } = await setUp({ world: atItsLimit });
    const run = await engine.run('sqs-backpressure', request({ dryRun: true }));

    expect(run.output).toMatchObject({
      outcome: 'dry-run',
      original: { maximumConcurrency: 100 },
      // A tenth of the requests succeed: from 100, to 10.
      plan: { decision: 'decrease', target: 10, observedConcurrency: expect.closeTo(100, 6) },
      actions: [],
    });
    expect(await mappingNow(world)).toMatchObject({
      State: 'Enabled',
      ScalingConfig: { MaximumConcurrency: 100 },
    });
    expect(await queryLedger(dynamodb(), LEDGER, { resource: `event-source-mapping/${UUID}` })).toEqual([]);
  });

  it('notifies urgently and holds the limit when messages near their retention period mid-run', async () => {
    const { world, engine } = await setUp({
      world: keepingMessagesFor(900),
      brownoutMinutes: 20,
    });
    const run = await engine.run('sqs-backpressure', request({ policy: { retentionGuardPercent: 30 } }));

    expect(run.cause ?? '').toBe('');
    expect(run.output).toMatchObject({ outcome: 'restored', urgentNotified: true, concurrency: 100 });
    expect(engine.notifications.messages).toHaveLength(1);
    const [notification] = engine.notifications.messages;
    expect(notification).toMatchObject({
      TopicArn: LOCAL_NOTIFICATION_TOPIC_ARN,
      Subject: 'URGENT selfheal: SQS messages are about to expire',
    });
    expect(notification?.Message).toContain('retention period is 900 s');
    // It held the limit it had when the guard tripped, after lowering it once at least.
    const held = Number(/holds MaximumConcurrency at (\d+)/.exec(notification?.Message ?? '')?.[1]);
    expect(held).toBeLessThan(100);
    expect(Math.min(...limits(world).filter((v): v is number => v !== null))).toBe(held);
  });

  it('notifies urgently and changes nothing when messages are near their retention period at the first look', async () => {
    const { world, engine } = await setUp({
      world: keepingMessagesFor(600),
    });
    const run = await engine.run('sqs-backpressure', request({ policy: { retentionGuardPercent: 20 } }));

    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toMatchObject({ outcome: 'urgent', assessment: { decision: 'urgent', urgent: true } });
    expect(engine.notifications.messages).toHaveLength(1);
    expect(world.mappingChanges).toEqual([]);
    expect(statesEntered(run.history)).not.toContain('Record the original concurrency in the ledger');
    expect(await queryLedger(dynamodb(), LEDGER, { resource: `event-source-mapping/${UUID}` })).toEqual([]);
  });
});
