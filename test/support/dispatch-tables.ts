/** Dispatch's control and ledger tables and the `orders` table it protects, fresh for every test. */
import { afterEach, beforeEach } from 'vitest';
import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDispatchTables, DEFAULT_DISPATCH_TABLES } from '../../domain/dispatch/tables.ts';
import { createProvisionedTable } from './local-dynamodb.ts';

/** Creates the default dispatch tables and a provisioned `orders` before each test, drops them after. */
export function dispatchTablesAndOrdersEachTest(client: () => DynamoDBClient): void {
  const tables = DEFAULT_DISPATCH_TABLES;
  beforeEach(async () => {
    await createDispatchTables(client(), tables);
    await createProvisionedTable(client(), 'orders');
  });

  afterEach(async () => {
    for (const name of [tables.control, tables.ledger, 'orders']) {
      await client()
        .send(new DeleteTableCommand({ TableName: name }))
        .catch(() => undefined);
    }
  });
}
