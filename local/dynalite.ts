/**
 * dynalite in-process on an ephemeral loopback port: the real DynamoDB API and its validation
 * (same-value UpdateTable errors, UPDATING -> ACTIVE), with an in-memory store and no network.
 */
import dynalite from 'dynalite';
import type { AddressInfo } from 'node:net';

export interface LocalDynamoDb {
  endpoint: string;
  close(): Promise<void>;
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
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
