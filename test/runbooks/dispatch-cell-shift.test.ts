import { describe, expect, it } from 'vitest';
import { statesEntered } from '../../engine/history.ts';
import type { JsonValue } from '../../core/json.ts';
import { detectGreyCells } from '../../domain/cells/detect.ts';
import { greyCellFleetSchema } from '../../domain/cells/fleet.ts';
import { publishIncidents } from '../../domain/cells/publish.ts';
import { DEFAULT_DISPATCH_TABLES } from '../../domain/dispatch/tables.ts';
import { queryLedger } from '../../domain/dispatch/ledger.ts';
import { writeRunbookSwitch } from '../../domain/dispatch/switches.ts';
import { DEFAULT_ROUTING, routingSchema } from '../../detectors/routing/routes.ts';
import { simulatedEventBus } from '../../world/cells/events.ts';
import { CHECKOUT_CELLS } from '../support/dispatch-routings.ts';
import { dropDispatchTablesAfterEach, useLocalDynamoDb } from '../support/local-dynamodb.ts';
import { cellFleetEngine, GREY_CELL } from '../support/cell-fleet-engine.ts';

const TABLES = DEFAULT_DISPATCH_TABLES;
const dynamodb = useLocalDynamoDb();

dropDispatchTablesAfterEach(dynamodb);

describe('dispatch of a grey-cell incident', () => {
  it('starts cell-traffic-shift with the fleet from the routing, hands it over, and the shift runs to its end', async () => {
    // The routing an operator writes: the fleet's cells, their ARC routing controls, no approval.
    const cells = CHECKOUT_CELLS;
    const routing = routingSchema.parse({
      ...DEFAULT_ROUTING,
      fleets: { checkout: { cells, approval: { required: false }, recovery: { bakeSeconds: 300 } } },
    });
    // checkout-cell-3 grey from minute 1 to minute 15.
    const world = await cellFleetEngine({ dynamodb: dynamodb(), routing });
    const { engine } = world;
    await writeRunbookSwitch(dynamodb(), TABLES.control, 'cell-traffic-shift', { live: true });

    // The detector, six minutes in, publishes the incident dispatch receives.
    await world.clock.advance(6 * 60);
    const detection = await detectGreyCells(
      world.xray,
      greyCellFleetSchema.parse({ cells: cells.map((c) => c.name) }),
      world.clock.now(),
    );
    const bus = simulatedEventBus({ now: () => world.clock.now() });
    await publishIncidents(bus, 'default', detection.incidents);
    const [delivered] = bus.delivered;

    const dispatch = await engine.run('dispatch', delivered?.event as unknown as JsonValue);

    expect(dispatch.cause ?? '').toBe('');
    expect(dispatch.status).toBe('SUCCEEDED');
    expect(statesEntered(dispatch.history)).toContain('Start the cell-traffic-shift runbook');
    const shift = engine.executions().find((e) => e.stateMachineArn.endsWith(':cell-traffic-shift'));
    expect(shift?.parentExecutionArn).toBe(dispatch.executionArn);
    // The shift goes on by itself, to its end.
    await expect
      .poll(() => engine.describe(shift!.executionArn).status, { timeout: 30_000, interval: 50 })
      .toBe('SUCCEEDED');
    expect(engine.describe(shift!.executionArn)).toMatchObject({
      input: { cell: GREY_CELL, fleet: { name: 'checkout' }, dryRun: false },
      output: { outcome: 'shifted-back' },
    });
    expect(world.routing.changes.map((c) => c.to)).toEqual(['Off', 'On']);
    // Dispatch's decision, then the runbook's record of the routing and dispatch handing over, in
    // whichever order their tasks end (each Lambda invocation takes its time).
    const records = await queryLedger(dynamodb(), TABLES.ledger, { resource: `cell/${GREY_CELL}` });
    expect(records[0]?.decision).toBe('started');
    expect(records.map((r) => r.decision).sort()).toEqual(['handed-over', 'recorded', 'started']);
    expect(records.find((r) => r.decision === 'handed-over')?.executionArn).toBe(shift?.executionArn);
  }, 60_000);
});
