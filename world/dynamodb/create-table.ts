/**
 * Creates a scenario's table in dynalite (the real DynamoDB API), waiting until it is ACTIVE.
 */
import { CreateTableCommand, DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { BillingMode } from './capacity-model.ts';

export interface CreateTableOptions {
  tableName: string;
  /** Default PROVISIONED. */
  billingMode?: BillingMode;
  /** Required for PROVISIONED tables. */
  readCapacityUnits?: number;
  writeCapacityUnits?: number;
}

/** Key schema `pk` (S, HASH) + `sk` (S, RANGE). */
export async function createTable(dynamodb: DynamoDBClient, options: CreateTableOptions): Promise<void> {
  const billingMode = options.billingMode ?? 'PROVISIONED';
  if (billingMode === 'PROVISIONED' && (!options.readCapacityUnits || !options.writeCapacityUnits)) {
    throw new RangeError(`A provisioned table needs readCapacityUnits and writeCapacityUnits`);
  }
  await dynamodb.send(
    new CreateTableCommand({
      TableName: options.tableName,
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: billingMode,
      ...(billingMode === 'PROVISIONED'
        ? {
            ProvisionedThroughput: {
              ReadCapacityUnits: options.readCapacityUnits,
              WriteCapacityUnits: options.writeCapacityUnits,
            },
          }
        : {}),
    }),
  );
  // dynalite's CREATING lasts real milliseconds (createTableMs), so a short real-time poll suffices.
  for (let attempt = 0; attempt < 200; attempt++) {
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: options.tableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`Table ${options.tableName} did not become ACTIVE`);
}
