/**
 * A resource's name keys its lock, its cooldown and its ledger partition, and is printed on one
 * line: a name no AWS resource can have is refused where the incident is made, never written.
 */
import { describe, expect, it } from 'vitest';
import { resourceKey, resourceRefSchema } from '../../../domain/incidents/incident.ts';

describe('a resource reference', () => {
  it.each([
    ['dynamodb-table', 'orders'],
    ['dynamodb-table', 'Orders_2026.v-1'],
    ['event-source-mapping', '6c1d8a4e-3b2f-4e7a-9c51-0d2e7f4a8b13'],
    ['cell', 'checkout-cell-3'],
    ['cell', 'checkout cell 3'],
  ] as const)('takes the %s %j', (type, name) => {
    expect(resourceKey(resourceRefSchema.parse({ type, name }))).toBe(`${type}/${name}`);
  });

  it.each([
    ['dynamodb-table', 'orders\nDROP', 'a name with a control character or a line break'],
    ['cell', 'cell\r3', 'a name with a control character or a line break'],
    ['cell', 'cell\u20283', 'a name with a control character or a line break'],
    ['event-source-mapping', 'uuid\u0000', 'a name with a control character or a line break'],
    ['dynamodb-table', 'ab', 'not a DynamoDB table name'],
    ['dynamodb-table', 'orders table', 'not a DynamoDB table name'],
    ['dynamodb-table', 'orders/2', 'not a DynamoDB table name'],
  ] as const)('refuses the %s %j: %s', (type, name, message) => {
    const parsed = resourceRefSchema.safeParse({ type, name });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.message)).toContain(message);
  });
});
