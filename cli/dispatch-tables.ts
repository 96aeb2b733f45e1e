/**
 * Dispatch's tables (control and ledger) where an operator command acts: the deployment's own in
 * AWS, or the local deployment's in dynalite, restored from the state file and, after a change,
 * saved back to it. The commands then run the same domain functions on either.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DEFAULT_DISPATCH_TABLES, type DispatchTables } from '../domain/dispatch/tables.ts';
import { ResourceNotFoundError } from '../domain/errors.ts';
import { UsageError } from './exit-codes.ts';
import { DISPATCH_TABLE_NAMES, withLocalTables, withLockedLocalTables } from './local-deployment.ts';
import type { Target } from './target.ts';

export interface DispatchStore {
  dynamodb: DynamoDBClient;
  tables: DispatchTables;
  /** Where, in an operator's words: `deployment prod (AWS, eu-west-1)`, `the local deployment (FILE)`. */
  where: string;
}

/**
 * `write`: the command changes the tables, so a local deployment's state file is locked before it
 * is read and saved after the change; `read` takes no lock (a save replaces the file at once).
 */
export type Access = 'read' | 'write';

export async function withDispatchTables<T>(
  target: Target,
  access: Access,
  use: (store: DispatchStore) => Promise<T>,
): Promise<T> {
  if (target.kind === 'local') {
    // The local engine's dispatch reads the default tables whatever --deployment says.
    const where = `the local deployment (${target.stateFile})`;
    if (access === 'read')
      return withLocalTables(target.stateFile, (dynamodb) =>
        use({ dynamodb, tables: DEFAULT_DISPATCH_TABLES, where }),
      );
    return withLockedLocalTables(target.stateFile, async (dynamodb, _restored, state) => {
      const result = await use({ dynamodb, tables: DEFAULT_DISPATCH_TABLES, where });
      await state.save({ tables: { dynamodb, names: DISPATCH_TABLE_NAMES } });
      return result;
    });
  }
  const dynamodb = target.dynamodb();
  // The client's resolved region, not the option: that is where the calls really go.
  const region = await dynamodb.config.region();
  const { names } = target;
  const tables = { control: names.controlTable, ledger: names.ledgerTable };
  try {
    return await use({ dynamodb, tables, where: `deployment ${names.deployment} (AWS, ${region})` });
  } catch (error) {
    // A missing table is almost always a wrong --deployment or --region: say so, not "not found".
    if (error instanceof ResourceNotFoundError) {
      throw new UsageError(
        `${error.message}; is deployment ${names.deployment} deployed in ${region}? (--deployment, --region)`,
      );
    }
    throw error;
  }
}
