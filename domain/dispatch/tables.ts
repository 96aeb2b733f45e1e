/**
 * The two tables dispatch keeps its state in. The control table holds switches, locks, cooldowns
 * and rate counters (one item each, `pk` only, expired by TTL); the ledger holds the audit trail,
 * by resource and time (`resource`, `at`), and by day and time through the `by-day` index.
 * The CDK app and the local engine create them from these definitions.
 */
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';

export interface DispatchTables {
  control: string;
  ledger: string;
}

export const DEFAULT_DISPATCH_TABLES: DispatchTables = {
  control: 'selfheal-control',
  ledger: 'selfheal-ledger',
};

/** Item attribute DynamoDB's TTL deletes by (epoch seconds). */
export const TTL_ATTRIBUTE = 'expiresAtEpoch';
export const LEDGER_BY_DAY_INDEX = 'by-day';

export function dispatchTablesFromEnvironment(env: NodeJS.ProcessEnv = process.env): DispatchTables {
  return {
    control: env.SELFHEAL_CONTROL_TABLE ?? DEFAULT_DISPATCH_TABLES.control,
    ledger: env.SELFHEAL_LEDGER_TABLE ?? DEFAULT_DISPATCH_TABLES.ledger,
  };
}

export function controlTableDefinition(name: string): CreateTableCommandInput {
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
  };
}

export function ledgerTableDefinition(name: string): CreateTableCommandInput {
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'resource', AttributeType: 'S' },
      { AttributeName: 'at', AttributeType: 'S' },
      { AttributeName: 'day', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'resource', KeyType: 'HASH' },
      { AttributeName: 'at', KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: LEDGER_BY_DAY_INDEX,
        KeySchema: [
          { AttributeName: 'day', KeyType: 'HASH' },
          { AttributeName: 'at', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  };
}

/** Locally: create both tables (dynalite has no TTL sweeper; leases are checked by time anyway). */
export async function createDispatchTables(dynamodb: DynamoDBClient, tables: DispatchTables): Promise<void> {
  await dynamodb.send(new CreateTableCommand(controlTableDefinition(tables.control)));
  await dynamodb.send(new CreateTableCommand(ledgerTableDefinition(tables.ledger)));
}
