/** dynalite and a client on it, for the length of `use`: how a one-shot local run gets DynamoDB. */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { localDynamoDbClient, startLocalDynamoDb } from './dynalite.ts';

export async function withLocalDynamoDb<T>(use: (dynamodb: DynamoDBClient) => Promise<T>): Promise<T> {
  const local = await startLocalDynamoDb();
  const dynamodb = localDynamoDbClient(local);
  try {
    return await use(dynamodb);
  } finally {
    dynamodb.destroy();
    await local.close();
  }
}
