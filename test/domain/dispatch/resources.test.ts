import { describe, expect, it } from 'vitest';
import { runbookInputFor } from '../../../detectors/routing/runbook-input.ts';
import { DEFAULT_ROUTING, routingSchema } from '../../../detectors/routing/routes.ts';
import type { IncidentKind, ResourceRef } from '../../../domain/incidents/incident.ts';
import { controlItem, incidentOn, useDispatchControl } from '../../support/dispatch-control.ts';

/**
 * Which resources a runbook may act on, and what the guardrails hold per resource. The routing's
 * allow-lists (routing.tables, .mappings, .fleets) decide whether an incident's resource is one
 * the deployment may touch, before the guardrails are checked; the lock and the cooldown then hold
 * per resource, its type and name together. normalise.test.ts covers the lists through whole signals;
 * here the decision itself, and the resource types each runbook may be handed.
 */
const UUID = '6c1d8a4e-3b2f-4e7a-9c51-0d2e7f4a8b13';
const controlArn = (cell: string) =>
  `arn:aws:route53-recovery-control::123456789012:controlpanel/cells/routingcontrol/${cell}`;
const ROUTING = routingSchema.parse({
  ...DEFAULT_ROUTING,
  tables: { orders: {} },
  mappings: {
    [UUID]: {
      queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/orders',
      health: { namespace: 'Downstream', dimensions: { Service: 'payments' }, thresholdPercent: 5 },
    },
  },
  fleets: {
    checkout: {
      cells: ['cell-1', 'cell-2', 'cell-3'].map((name) => ({
        name,
        routingControlArn: controlArn(name),
        capacityRps: 250,
      })),
    },
  },
});

const decide = (kind: IncidentKind, resource: ResourceRef, routing = ROUTING) =>
  runbookInputFor({ ...incidentOn(resource), kind }, routing);

describe('the routing’s allow-lists: the resources a runbook may be started on', () => {
  it.each<[string, IncidentKind, ResourceRef, Record<string, unknown>]>([
    [
      'a table the routing lists',
      'table-capacity',
      { type: 'dynamodb-table', name: 'orders' },
      { tableName: 'orders' },
    ],
    [
      'a hot key in a table it lists',
      'hot-key',
      { type: 'dynamodb-table', name: 'orders' },
      { tableName: 'orders' },
    ],
    [
      'a mapping it configures',
      'queue-backpressure',
      { type: 'event-source-mapping', name: UUID },
      { mappingId: UUID },
    ],
    [
      'a cell of a fleet it configures',
      'cell-grey-failure',
      { type: 'cell', name: 'cell-2' },
      { cell: 'cell-2', fleet: expect.objectContaining({ name: 'checkout' }) },
    ],
  ])('starts on %s, handing the runbook that resource', (_, kind, resource, input) => {
    expect(decide(kind, resource)).toEqual({ input: expect.objectContaining(input) });
  });

  it.each<[string, IncidentKind, ResourceRef, RegExp]>([
    [
      'a table it does not list',
      'table-capacity',
      { type: 'dynamodb-table', name: 'carts' },
      /not a table this deployment protects/,
    ],
    // Own keys only: a resource named like an Object.prototype member is not listed by it.
    [
      'a table named constructor',
      'table-capacity',
      { type: 'dynamodb-table', name: 'constructor' },
      /not a table/,
    ],
    [
      'a mapping it does not configure',
      'queue-backpressure',
      { type: 'event-source-mapping', name: 'other' },
      /not a configured event-source mapping/,
    ],
    [
      'a configured mapping’s name on a table',
      'queue-backpressure',
      { type: 'dynamodb-table', name: UUID },
      /not a configured event-source mapping/,
    ],
    ['a cell in no fleet', 'cell-grey-failure', { type: 'cell', name: 'cell-9' }, /in no configured fleet/],
    [
      'a fleet cell’s name on a table',
      'cell-grey-failure',
      { type: 'dynamodb-table', name: 'cell-1' },
      /in no configured fleet/,
    ],
    [
      '__proto__ as a mapping',
      'queue-backpressure',
      { type: 'event-source-mapping', name: '__proto__' },
      /not a configured/,
    ],
  ])('does not start on %s, and says why', (_, kind, resource, reason) => {
    expect(decide(kind, resource)).toEqual({ reason: expect.stringMatching(reason) });
  });

  it('starts on any table when the routing lists none (the runbook’s defaults apply)', () => {
    expect(decide('table-capacity', { type: 'dynamodb-table', name: 'carts' }, DEFAULT_ROUTING)).toEqual({
      input: { tableName: 'carts', policy: {} },
    });
  });

  // An operator's request may name any type: a table incident on a cell named `orders` would act
  // on the table `orders` under the cell's lock and cooldown, not kept out by the table's own.
  it.each(['table-capacity', 'hot-key'] as const)(
    'does not start %s on a resource that is not a table',
    (kind) => {
      expect(decide(kind, { type: 'cell', name: 'orders' })).toEqual({
        reason: `cell/orders is not a DynamoDB table: a ${kind} incident acts on a table`,
      });
    },
  );
});

describe('the guardrails hold per resource', () => {
  const control = useDispatchControl();

  it('keys the lock and the cooldown by the resource’s type and name', async () => {
    const verdict = await control.check({ incident: incidentOn({ type: 'cell', name: 'orders' }) });

    expect(verdict.lock.pk).toBe('lock#cell/orders');
    expect(verdict.cooldown.pk).toBe('cooldown#cell/orders');
  });

  it.each([
    ['the same table', { type: 'dynamodb-table', name: 'orders' }, 'suppressed'],
    ['another table', { type: 'dynamodb-table', name: 'carts' }, 'proceed'],
    ['another type of resource of the same name', { type: 'cell', name: 'orders' }, 'proceed'],
  ] as const)('a cooldown on dynamodb-table/orders, an incident on %s: %s', async (_, resource, verdict) => {
    await control.put(controlItem.cooldown('dynamodb-table/orders', '2026-01-01T12:20:00.000Z'));

    expect((await control.check({ incident: incidentOn(resource) })).verdict).toBe(verdict);
  });
});
