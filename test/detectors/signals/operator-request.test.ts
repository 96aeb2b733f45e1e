import { describe, expect, it } from 'vitest';
import {
  InvalidOperatorRequestError,
  kindForRunbook,
  operatorRequestDetail,
  operatorRequestEvent,
  parseResourceRef,
  resourceTypeFor,
  routedRunbooks,
} from '../../../detectors/signals/operator-request.ts';
import { normaliseSignal } from '../../../detectors/signals/normalise.ts';
import { DEFAULT_ROUTING } from '../../../detectors/routing/routes.ts';

const SOURCE = {
  id: 'e3a7c5b1-2d9f-4e60-9b8a-71f4d0c2e5a9',
  time: new Date('2026-01-01T08:30:00.000Z'),
  account: '123456789012',
  region: 'eu-west-1',
};
const REQUEST = {
  kind: 'table-capacity' as const,
  resource: { type: 'dynamodb-table' as const, name: 'orders' },
  reason: 'sale at 09:00',
  requestedBy: 'alice',
  dryRun: false,
};

describe('which kind of incident starts a runbook', () => {
  it('is the first kind the routing sends to it', () => {
    expect(kindForRunbook(DEFAULT_ROUTING, 'hot-shard')).toBe('table-capacity');
    expect(kindForRunbook(DEFAULT_ROUTING, 'sqs-backpressure')).toBe('queue-backpressure');
    expect(kindForRunbook(DEFAULT_ROUTING, 'cell-traffic-shift')).toBe('cell-grey-failure');
    expect(kindForRunbook(DEFAULT_ROUTING, 'key-reshuffle')).toBeUndefined();
    expect(routedRunbooks(DEFAULT_ROUTING)).toEqual(['hot-shard', 'sqs-backpressure', 'cell-traffic-shift']);
    expect(resourceTypeFor('queue-backpressure')).toBe('event-source-mapping');
  });
});

describe('parseResourceRef', () => {
  it.each([
    ['dynamodb-table/orders', { type: 'dynamodb-table', name: 'orders' }],
    ['cell/checkout-cell-3', { type: 'cell', name: 'checkout-cell-3' }],
    ['orders', undefined],
    ['dynamodb-table/', undefined],
    ['s3-bucket/orders', undefined],
  ])('%s', (text, ref) => {
    expect(parseResourceRef(text)).toEqual(ref);
  });
});

describe('the operator request event', () => {
  it('is what dispatch reads: a start of the routed runbook, a dry run when asked for', () => {
    const asked = operatorRequestEvent(operatorRequestDetail({ ...REQUEST, dryRun: true }), SOURCE);

    expect(asked).toEqual({
      version: '0',
      id: SOURCE.id,
      'detail-type': 'Remediation Requested',
      source: 'selfheal.operator',
      account: '123456789012',
      time: '2026-01-01T08:30:00.000Z',
      region: 'eu-west-1',
      resources: [],
      detail: { ...REQUEST, dryRun: true },
    });
    expect(normaliseSignal(asked, DEFAULT_ROUTING)).toMatchObject({
      decision: 'start',
      runbook: 'hot-shard',
      dryRunRequested: true,
      incident: { kind: 'table-capacity', source: 'operator', evidence: { requestedBy: 'alice' } },
    });
  });

  it('leaves dryRun out unless asked, and dispatch then asks for none', () => {
    const event = operatorRequestEvent(operatorRequestDetail(REQUEST), SOURCE);
    expect(event.detail).not.toHaveProperty('dryRun');
    expect(normaliseSignal(event, DEFAULT_ROUTING)).toMatchObject({
      decision: 'start',
      dryRunRequested: false,
    });
  });

  it.each([
    [{ reason: '' }, /^reason: /],
    [{ requestedBy: 'x'.repeat(201) }, /^requestedBy: /],
  ])('refuses what dispatch would refuse: %j', (change, message) => {
    expect(() => operatorRequestDetail({ ...REQUEST, ...change })).toThrow(InvalidOperatorRequestError);
    expect(() => operatorRequestDetail({ ...REQUEST, ...change })).toThrow(message);
  });
});
