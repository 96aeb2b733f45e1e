/**
 * `originalLedgerItem`: the record of the mapping's original limit that the runbook puts in
 * dispatch's ledger before its first change, so an operator (or a later run) can put it back.
 * The original is the one `inspect` records from the simulated mapping.
 */
import { describe, expect, it } from 'vitest';
import { inspect, originalLedgerItem } from '../../../domain/backpressure/runbook.ts';
import {
  EXECUTION_NAME,
  MAPPING_UUID as UUID,
  parsedRequest,
  queueWorldPorts,
  type QueueWorldSetup,
} from '../../support/queue-world-ports.ts';

/** Five minutes into the world, when the tests' first look happens. */
const AT = '2026-01-01T12:05:00.000Z';

/** The request and the original the runbook has after its first look at this mapping. */
async function firstLook(setup: QueueWorldSetup = {}, extra: Record<string, unknown> = {}) {
  const world = await queueWorldPorts(setup);
  return inspect(world.ports, parsedRequest(extra));
}

describe('originalLedgerItem (Build the ledger record of the original concurrency)', () => {
  it('records the original limit as the exact ledger item, at the time it is given', async () => {
    const { request, original } = await firstLook();

    const item = originalLedgerItem(request, original, new Date(AT), EXECUTION_NAME);

    expect(item).toEqual({
      resource: { S: `event-source-mapping/${UUID}` },
      at: { S: `${AT}#incident-1#2-recorded` },
      day: { S: '2026-01-01' },
      time: { S: AT },
      incidentId: { S: 'incident-1' },
      decision: { S: 'recorded' },
      reason: { S: 'original MaximumConcurrency 100, recorded before the first change' },
      kind: { S: 'sqs-backpressure' },
      runbook: { S: 'sqs-backpressure' },
      actions: {
        S: JSON.stringify({ original: { maximumConcurrency: 100, enabled: true, concurrency: 100 } }),
      },
    });
  });

  it('names the execution as the incident when the request carries no incident id', async () => {
    const { request, original } = await firstLook();
    const { incidentId: _incidentId, ...withoutIncident } = request;

    const item = originalLedgerItem(withoutIncident, original, new Date(AT), EXECUTION_NAME);

    expect(item).toMatchObject({
      incidentId: { S: EXECUTION_NAME },
      at: { S: `${AT}#${EXECUTION_NAME}#2-recorded` },
    });
  });

  it("files it under the request's resource when it names one", async () => {
    const { request, original } = await firstLook({}, { resource: 'sqs-queue/orders' });

    const item = originalLedgerItem(request, original, new Date(AT), EXECUTION_NAME);

    expect(item.resource).toEqual({ S: 'sqs-queue/orders' });
  });

  it('records a mapping without MaximumConcurrency as none (1,000), and says when it was disabled', async () => {
    const { request, original } = await firstLook({ maximumConcurrency: null, enabled: false });

    const item = originalLedgerItem(request, original, new Date(AT), EXECUTION_NAME);

    expect(item.reason).toEqual({
      S: 'original MaximumConcurrency none (1,000), mapping disabled, recorded before the first change',
    });
    expect(JSON.parse(item.actions?.S ?? '')).toEqual({
      original: { maximumConcurrency: null, enabled: false, concurrency: 0 },
    });
  });
});
