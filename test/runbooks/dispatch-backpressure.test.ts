import { beforeEach, describe, expect, it } from 'vitest';
import { statesEntered } from '../../engine/history.ts';
import type { JsonValue } from '../../core/json.ts';
import { downstreamHealthAlarms } from '../../detectors/alarms/downstream-health.ts';
import type { CloudWatchAlarmEvent } from '../../contracts/cloudwatch-alarm-event.ts';
import type { Routing } from '../../detectors/routing/routes.ts';
import { createDispatchTables, DEFAULT_DISPATCH_TABLES } from '../../domain/dispatch/tables.ts';
import { queryLedger } from '../../domain/dispatch/ledger.ts';
import { writeRunbookSwitch } from '../../domain/dispatch/switches.ts';
import {
  brownoutFromMinute2,
  ORDERS_TO_PAYMENTS,
  startQueueWorld,
  steadyOrders,
} from '../../scenarios/sqs-backpressure/world.ts';
import { dropDispatchTablesAfterEach, useLocalDynamoDb } from '../support/local-dynamodb.ts';
import { PAYMENTS_MAPPING, paymentsQueueRouting } from '../support/dispatch-routings.ts';

const UUID = PAYMENTS_MAPPING;
const OTHER_UUID = '00000000-0000-4000-8000-000000000000';
const TABLES = DEFAULT_DISPATCH_TABLES;
const RESOURCE = `event-source-mapping/${UUID}`;

const dynamodb = useLocalDynamoDb();

beforeEach(async () => {
  await createDispatchTables(dynamodb(), TABLES);
});

dropDispatchTablesAfterEach(dynamodb);

/** The routing an operator writes: the downstream alarm names the mapping; the mapping its queue. */
const routing = paymentsQueueRouting;

/**
 * The queue world of the runbook tests (200 messages a second, payments browning out to 5 requests
 * a second from minute 2 for 15 minutes), its downstream alarm, and dispatch on the local engine;
 * runs until the alarm fires and returns its EventBridge event.
 */
async function untilTheAlarm(routes: Routing) {
  const { clock, world, alarms, engine } = await startQueueWorld({
    seed: 1,
    startMs: Date.UTC(2026, 0, 1, 12, 0, 0),
    world: {
      arrivals: steadyOrders(200, 0),
      queue: { ...ORDERS_TO_PAYMENTS.queue, visibilityTimeoutSeconds: 60 },
      mapping: { uuid: UUID, maximumConcurrency: 100 },
      function: { ...ORDERS_TO_PAYMENTS.function, timeoutSeconds: 10 },
      downstream: { ...ORDERS_TO_PAYMENTS.downstream, brownouts: [brownoutFromMinute2(15)] },
    },
    alarms: downstreamHealthAlarms({ service: 'payments' }),
    dynamodb: dynamodb(),
    routing: routes,
  });
  let alarm: CloudWatchAlarmEvent | undefined;
  alarms.onStateChange((event) => {
    if (event.detail.state.value === 'ALARM') alarm ??= event;
  });
  while (!alarm) await clock.advance(60);
  return { world, engine, event: alarm as unknown as JsonValue };
}

const decisions = async () =>
  (await queryLedger(dynamodb(), TABLES.ledger, { resource: RESOURCE })).map((r) => r.decision);

describe('dispatch of a downstream-health alarm', () => {
  it('starts sqs-backpressure for the mapping the routing names, with its queue, health and policy', async () => {
    await writeRunbookSwitch(dynamodb(), TABLES.control, 'sqs-backpressure', { live: true });
    const { world, engine, event } = await untilTheAlarm(routing());

    const dispatch = await engine.run('dispatch', event);

    expect(dispatch.cause ?? '').toBe('');
    expect(dispatch.status).toBe('SUCCEEDED');
    expect(statesEntered(dispatch.history)).toContain('Run the sqs-backpressure runbook');
    const child = engine.executions().find((e) => e.stateMachineArn.endsWith(':sqs-backpressure'));
    expect(child?.input).toMatchObject({
      mappingId: UUID,
      queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/orders',
      health: { namespace: 'Downstream', dimensions: { Service: 'payments' }, thresholdPercent: 5 },
      policy: { probeSeconds: 60, maxProbes: 36 },
      dryRun: false,
    });
    expect(child).toMatchObject({ status: 'SUCCEEDED', output: { outcome: 'restored', concurrency: 100 } });
    expect(world.mappingChanges.length).toBeGreaterThan(1);
    // Dispatch's decision, the runbook's record of the original limit, dispatch's outcome.
    expect(await decisions()).toEqual(['started', 'recorded', 'succeeded']);
    expect(engine.notifications.messages.at(-1)?.Subject).toMatch(/sqs-backpressure/);
  }, 60_000);

  it('runs it dry until the runbook is made live: it reports the first step and changes nothing', async () => {
    const { world, engine, event } = await untilTheAlarm(routing());

    const dispatch = await engine.run('dispatch', event);

    expect(dispatch.status).toBe('SUCCEEDED');
    const child = engine.executions().find((e) => e.stateMachineArn.endsWith(':sqs-backpressure'));
    expect(child?.output).toMatchObject({ outcome: 'dry-run', plan: { decision: 'decrease' } });
    expect(world.mappingChanges).toEqual([]);
    expect(await decisions()).toEqual(['dry-run', 'succeeded']);
  });

  it('records an alarm on a mapping with no configured queue as unhandled and starts nothing', async () => {
    const { engine, event } = await untilTheAlarm(routing(OTHER_UUID));

    const dispatch = await engine.run('dispatch', event);

    expect(dispatch.status).toBe('SUCCEEDED');
    expect(engine.executions().filter((e) => e.stateMachineArn.endsWith(':sqs-backpressure'))).toEqual([]);
    const records = await queryLedger(dynamodb(), TABLES.ledger, {
      resource: `event-source-mapping/${OTHER_UUID}`,
    });
    expect(records).toEqual([expect.objectContaining({ decision: 'unhandled' })]);
    expect(records[0]?.reason).toMatch(/not a configured event-source mapping/);
  });

  it('refuses a routing whose backpressure policy could outlast dispatch wait, naming the field', () => {
    expect(() => routing(UUID, { probeSeconds: 120, maxProbes: 60 })).toThrow(
      /policy.*maxProbes x \(probeSeconds \+ settleSeconds\) \+ 300 s to restore must be at most 2700 s/s,
    );
  });
});
