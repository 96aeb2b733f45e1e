/**
 * dynalite in-process on an ephemeral loopback port: the real DynamoDB API and its validation
 * (same-value UpdateTable errors, UPDATING -> ACTIVE), with an in-memory store and no network.
 * The clients made here reach it without the socket (local/dynalite-transport.ts).
 */
import dynalite from 'dynalite';
import type { AddressInfo } from 'node:net';
import type { RequestListener } from 'node:http';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoDbClient, localEndpointConfig } from '../adapters/aws-clients.ts';
import { inProcessTransport, type SdkRequestHandler } from './dynalite-transport.ts';

export interface LocalDynamoDb {
  /** Where it listens, for a client in another process. */
  endpoint: string;
  /** Its HTTP handler for an SDK client in this process, called directly. */
  requestHandler: SdkRequestHandler;
  close(): Promise<void>;
}

/** A DynamoDB client on the local dynalite, through its in-process handler. */
export function localDynamoDbClient(local: LocalDynamoDb): DynamoDBClient {
  return createDynamoDbClient({
    ...localEndpointConfig({ dynamodb: local.endpoint }),
    dynamodbRequestHandler: local.requestHandler,
  });
}

/**
 * Real milliseconds a table stays UPDATING, CREATING or DELETING (dynalite's own timers). The
 * default 0 means none at all: patched dynalite (patches/dynalite+4.0.0.patch) completes the change
 * before it answers, so a caller never meets a 0 ms real-time timer still pending, a race that
 * virtual time cannot see (the world adds UPDATING in virtual time: world/dynamodb/update-table-delay.ts).
 */
export interface LocalDynamoDbOptions {
  updateTableMs?: number;
  createTableMs?: number;
  deleteTableMs?: number;
}

export async function startLocalDynamoDb(options: LocalDynamoDbOptions = {}): Promise<LocalDynamoDb> {
  const server = dynalite({
    createTableMs: options.createTableMs ?? 0,
    deleteTableMs: options.deleteTableMs ?? 0,
    updateTableMs: options.updateTableMs ?? 0,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const [listener] = server.listeners('request') as RequestListener[];
  if (!listener) throw new Error('dynalite has no request handler');
  const transport = inProcessTransport(listener);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requestHandler: transport.requestHandler,
    close: () =>
      new Promise<void>((resolve) => {
        // New requests are refused at once; those under way are answered as the store closes,
        // and any still unanswered once it has closed are refused.
        transport.refuseNew();
        server.closeAllConnections?.();
        server.close(() => {
          transport.close();
          resolve();
        });
      }),
  };
}
