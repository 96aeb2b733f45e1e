/**
 * The ledger's record of the routing: `routingNow` reads every control after a failure, and
 * `routingLedgerItem` writes the routing into the item the runbook puts in dispatch's ledger.
 */
import { describe, expect, it } from 'vitest';
import type { ControlState } from '../../../../domain/cells/shift/safety.ts';
import { routingLedgerItem, routingNow } from '../../../../domain/cells/shift/runbook.ts';
import { allOn, at, CELLS, GREY, greyCellDrained, parsedRequest } from '../../../support/cell-fleet-ports.ts';

const EXECUTION_NAME = 'cell-traffic-shift-7f3a';
const FAILED =
  'the shift failed: ShiftNotEffectiveError: checkout-cell-3: routing control reads Off (asked Off) ...';
const greyOff = (): Record<string, ControlState> => ({ ...allOn(), [GREY]: 'Off' });

describe('the record of the routing (Record the routing before the shift; after the failure)', () => {
  it.each<['recorded' | 'failed', string, Record<string, ControlState>, string, string, string]>([
    [
      'recorded',
      'routing before the shift',
      allOn(),
      '2026-11-23T09:11:05.000Z',
      '2-recorded',
      'checkout-cell-1 On, checkout-cell-2 On, checkout-cell-3 On, checkout-cell-4 On, checkout-cell-5 On',
    ],
    [
      'failed',
      FAILED,
      greyOff(),
      '2026-11-23T09:16:20.000Z',
      '3-failed',
      'checkout-cell-1 On, checkout-cell-2 On, checkout-cell-3 Off, checkout-cell-4 On, checkout-cell-5 On',
    ],
  ])(
    'records the routing %s as the exact ledger item, every control named in its reason',
    (decision, reason, routing, time, sequence, states) => {
      const item = routingLedgerItem(
        parsedRequest(),
        { decision, reason, routing },
        new Date(time),
        EXECUTION_NAME,
      );

      expect(item).toEqual({
        resource: { S: 'cell/checkout-cell-3' },
        at: { S: `${time}#incident-1#${sequence}` },
        day: { S: '2026-11-23' },
        time: { S: time },
        incidentId: { S: 'incident-1' },
        decision: { S: decision },
        reason: { S: `${reason}; routing: ${states}` },
        kind: { S: 'cell-traffic-shift' },
        runbook: { S: 'cell-traffic-shift' },
        actions: { S: JSON.stringify({ routing }) },
      });
    },
  );

  it('names the incident after the execution when the request has no incident id', () => {
    const { incidentId: _incidentId, ...withoutIncident } = parsedRequest();

    const item = routingLedgerItem(
      withoutIncident,
      { decision: 'recorded', reason: 'routing before the shift', routing: allOn() },
      new Date(at(10)),
      EXECUTION_NAME,
    );

    expect(item).toMatchObject({
      incidentId: { S: EXECUTION_NAME },
      at: { S: `2026-11-23T09:10:40.000Z#${EXECUTION_NAME}#2-recorded` },
    });
  });

  it('after a failure, reads every control as it is now', async () => {
    const { world, request } = await greyCellDrained();
    await world.goTo(16);

    const now = await routingNow(world.ports, request);

    expect(now).toEqual({ routing: greyOff(), at: '2026-11-23T09:16:40.000Z' });
    expect(world.calls).toEqual(CELLS.map((c) => `GetRoutingControlState ${c}`));
  });
});
