/**
 * The local DynamoDB (dynalite, patched: patches/dynalite+4.0.0.patch): a table change with no
 * delay configured is complete when the call returns, and the call still answers as DynamoDB does
 * (CREATING, UPDATING with the old throughput, DELETING); with a delay it lasts that long. Clients
 * in this process reach it without a socket (local/dynalite-transport.ts), others over HTTP: the
 * same answers, errors included.
 */
import { describe, expect, it } from 'vitest';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  PutItemCommand,
  ScanCommand,
  ResourceNotFoundException,
  UpdateTableCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { useLocalDynamoDb } from '../support/local-dynamodb.ts';
import { localDynamoDbClient, startLocalDynamoDb } from '../../local/dynalite.ts';
import { createDynamoDbClient, localEndpointConfig } from '../../adapters/aws-clients.ts';

const create = (dynamodb: DynamoDBClient, name: string) =>
  dynamodb.send(
    new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 },
    }),
  );
const raise = (dynamodb: DynamoDBClient, name: string, wcu: number) =>
  dynamodb.send(
    new UpdateTableCommand({
      TableName: name,
      ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: wcu },
    }),
  );
const describeTable = async (dynamodb: DynamoDBClient, name: string) =>
  (await dynamodb.send(new DescribeTableCommand({ TableName: name }))).Table;

describe('dynalite with no delay (the local default)', () => {
  const dynamodb = useLocalDynamoDb();

  it('answers CreateTable with CREATING, and the table is ACTIVE the moment the call returns', async () => {
    const created = await create(dynamodb(), 'at-once');
    expect(created.TableDescription?.TableStatus).toBe('CREATING');
    expect((await describeTable(dynamodb(), 'at-once'))?.TableStatus).toBe('ACTIVE');
  });

  it('answers UpdateTable with UPDATING and the old throughput; the new one is in effect when it returns', async () => {
    await create(dynamodb(), 'raised');
    const updated = await raise(dynamodb(), 'raised', 50);
    expect(updated.TableDescription?.TableStatus).toBe('UPDATING');
    expect(updated.TableDescription?.ProvisionedThroughput?.WriteCapacityUnits).toBe(5);
    const table = await describeTable(dynamodb(), 'raised');
    expect([table?.TableStatus, table?.ProvisionedThroughput?.WriteCapacityUnits]).toEqual(['ACTIVE', 50]);
    // At once another change is taken, as DynamoDB takes one on an ACTIVE table.
    await raise(dynamodb(), 'raised', 60);
    expect((await describeTable(dynamodb(), 'raised'))?.ProvisionedThroughput?.WriteCapacityUnits).toBe(60);
  });

  it('answers DeleteTable with DELETING, and the table is gone when it returns', async () => {
    await create(dynamodb(), 'dropped');
    const deleted = await dynamodb().send(new DeleteTableCommand({ TableName: 'dropped' }));
    expect(deleted.TableDescription?.TableStatus).toBe('DELETING');
    await expect(describeTable(dynamodb(), 'dropped')).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});

describe('dynalite with a delay', () => {
  const dynamodb = useLocalDynamoDb({ updateTableMs: 10_000 });

  it('keeps the table UPDATING, with its old throughput, for that long', async () => {
    await create(dynamodb(), 'slow');
    await raise(dynamodb(), 'slow', 50);
    const table = await describeTable(dynamodb(), 'slow');
    expect([table?.TableStatus, table?.ProvisionedThroughput?.WriteCapacityUnits]).toEqual(['UPDATING', 5]);
  });
});

describe('dynalite reached in-process and over HTTP', () => {
  it('answers both alike: items, a large scan, and an error by its name', async () => {
    const local = await startLocalDynamoDb();
    const inProcess = localDynamoDbClient(local);
    const overHttp = createDynamoDbClient(localEndpointConfig({ dynamodb: local.endpoint }));
    try {
      await create(inProcess, 'shared');
      for (let i = 0; i < 200; i++) {
        await (i % 2 ? inProcess : overHttp).send(
          new PutItemCommand({
            TableName: 'shared',
            Item: {
              pk: { S: `item#${String(i).padStart(3, '0')}` },
              blob: { S: 'x'.repeat(500) },
            },
          }),
        );
      }
      const scan = new ScanCommand({ TableName: 'shared' });
      const [viaProcess, viaHttp] = await Promise.all([inProcess.send(scan), overHttp.send(scan)]);
      expect(viaProcess.Count).toBe(200);
      expect(viaProcess.Items).toEqual(viaHttp.Items);
      for (const client of [inProcess, overHttp]) {
        await expect(describeTable(client, 'no')).rejects.toMatchObject({
          name: 'ValidationException',
          message: 'TableName must be at least 3 characters long and at most 255 characters long',
          $metadata: { httpStatusCode: 400 },
        });
      }
    } finally {
      inProcess.destroy();
      overHttp.destroy();
      await local.close();
    }
  });
});

describe('dynalite once closed', () => {
  it('refuses a call in-process as a closed port refuses one over HTTP, and does not hang', async () => {
    const local = await startLocalDynamoDb();
    const inProcess = localDynamoDbClient(local);
    try {
      await create(inProcess, 'gone');
      await local.close();
      await expect(describeTable(inProcess, 'gone')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    } finally {
      inProcess.destroy();
    }
  });
});
