/**
 * dynalite for the tests: one in-process server with clients to it, started for a file (or a
 * describe block) and closed after it, and the tables the tests act on.
 */
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { localDynamoDbClient, startLocalDynamoDb, type LocalDynamoDbOptions } from '../../local/dynalite.ts';
import { DEFAULT_DISPATCH_TABLES } from '../../domain/dispatch/tables.ts';

export interface LocalDynamoDbClients {
  /** Clients to the one dynalite, each with its own middleware stack. */
  clients: DynamoDBClient[];
  /** Destroys the clients and stops dynalite. */
  close(): Promise<void>;
}

/** Starts a dynalite and connects `count` clients to it. */
export async function connectLocalDynamoDb(
  options: LocalDynamoDbOptions = {},
  count = 1,
): Promise<LocalDynamoDbClients> {
  const server = await startLocalDynamoDb(options);
  const clients = Array.from({ length: count }, () => localDynamoDbClient(server));
  return {
    clients,
    close: async () => {
      for (const client of clients) client.destroy();
      await server.close();
    },
  };
}

/**
 * One dynalite for the file (or the describe block this is called in): started before its tests,
 * closed after them. Returns a getter for each of `count` clients to it, usable from the hooks
 * registered after this call, from `beforeEach` and from the tests.
 */
export function useLocalDynamoDbClients(
  count: number,
  options: LocalDynamoDbOptions = {},
): (() => DynamoDBClient)[] {
  let local: LocalDynamoDbClients | undefined;

  beforeAll(async () => {
    local = await connectLocalDynamoDb(options, count);
  });

  afterAll(async () => {
    await local?.close();
  });

  return Array.from({ length: count }, (_, i) => () => {
    const client = local?.clients[i];
    if (!client) throw new Error('dynalite is not started yet (use it from a hook or a test)');
    return client;
  });
}

/** {@link useLocalDynamoDbClients} with one client: a getter for it. */
export function useLocalDynamoDb(options: LocalDynamoDbOptions = {}): () => DynamoDBClient {
  const [client] = useLocalDynamoDbClients(1, options);
  return client!;
}

/** A command as it was sent: its name (e.g. 'UpdateTableCommand') and its input. */
export interface SentCommand {
  command: string;
  input: unknown;
}

/**
 * Calls `intercept` with every command sent through the client, before it is sent: what it throws
 * fails the command.
 */
export function interceptCommands(client: DynamoDBClient, intercept: (sent: SentCommand) => void): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      intercept({ command: context.commandName as string, input: args.input });
      return next(args);
    },
    { step: 'initialize', name: 'interceptCommands' },
  );
}

/** Records every command sent through the client, in order; empty the array to start over. */
export function recordCommands(client: DynamoDBClient): SentCommand[] {
  const sent: SentCommand[] = [];
  interceptCommands(client, (command) => sent.push(command));
  return sent;
}

/** A table keyed by a string `pk`, as the tests create them; `billing` sets its capacity mode. */
function tableInput(
  name: string,
  billing: Pick<CreateTableCommandInput, 'BillingMode' | 'ProvisionedThroughput'>,
): CreateTableCommandInput {
  return {
    TableName: name,
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    ...billing,
  };
}

/**
 * Waits until the table is ACTIVE, as a caller of CreateTable or UpdateTable must on AWS too:
 * a dynalite started with createTableMs or updateTableMs above 0 keeps it CREATING or UPDATING
 * for that many real milliseconds (at 0 it is ACTIVE by the time the call returns).
 */
export async function waitUntilActive(
  client: DynamoDBClient,
  name: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
    if (Table?.TableStatus === 'ACTIVE') return;
    if (Date.now() > deadline)
      throw new Error(`Table ${name} is still ${Table?.TableStatus} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/**
 * Waits until a table of that name being deleted is gone: with deleteTableMs above 0 dynalite
 * deletes on a timer, so a test creating a table its previous test deleted could otherwise meet
 * ResourceInUseException.
 */
async function waitUntilDeleted(client: DynamoDBClient, name: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await client.send(new DescribeTableCommand({ TableName: name })).then(
      (output) => output.Table?.TableStatus,
      (error: unknown) => {
        if (error instanceof Error && error.name === 'ResourceNotFoundException') return undefined;
        throw error;
      },
    );
    if (status !== 'DELETING') return;
    if (Date.now() > deadline) throw new Error(`Table ${name} is still DELETING after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** Creates a provisioned table of `rcu` read and `wcu` write capacity units (300 and 100 unless told). */
export async function createProvisionedTable(
  client: DynamoDBClient,
  name: string,
  rcu = 300,
  wcu = 100,
): Promise<void> {
  await waitUntilDeleted(client, name);
  await client.send(
    new CreateTableCommand(
      tableInput(name, { ProvisionedThroughput: { ReadCapacityUnits: rcu, WriteCapacityUnits: wcu } }),
    ),
  );
  await waitUntilActive(client, name);
}

/** Creates an on-demand (PAY_PER_REQUEST) table. */
export async function createOnDemandTable(client: DynamoDBClient, name: string): Promise<void> {
  await waitUntilDeleted(client, name);
  await client.send(new CreateTableCommand(tableInput(name, { BillingMode: 'PAY_PER_REQUEST' })));
  await waitUntilActive(client, name);
}

/** Creates a provisioned table (as {@link createProvisionedTable}) before each test, and deletes it after. */
export function useProvisionedTable(client: () => DynamoDBClient, name: string, rcu = 300, wcu = 100): void {
  beforeEach(async () => {
    await createProvisionedTable(client(), name, rcu, wcu);
  });

  afterEach(async () => {
    await client().send(new DeleteTableCommand({ TableName: name }));
  });
}

/** Deletes dispatch's control and ledger tables after each test (whoever created them). */
export function dropDispatchTablesAfterEach(client: () => DynamoDBClient): void {
  afterEach(async () => {
    for (const name of [DEFAULT_DISPATCH_TABLES.control, DEFAULT_DISPATCH_TABLES.ledger]) {
      await client()
        .send(new DeleteTableCommand({ TableName: name }))
        .catch(() => undefined);
    }
  });
}
