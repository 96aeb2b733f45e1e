/**
 * What the local state holds, as a command uses it: the saved items put back into dispatch's
 * tables in dynalite, where virtual time stood, and the saved runs. Files from before the runs
 * were kept (no `executions`) read as having none. Read without a lock, a reader sees the last
 * save whole (writes are atomic).
 */
import { PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ExecutionRecord } from '../../engine/local-engine.ts';
import { parseSavedExecution } from '../saved-executions.ts';
import { firstIssue } from './errors.ts';
import { readState, unreadable, type Parsed } from './file.ts';

export interface RestoredState {
  items: number;
  clockMs: number | undefined;
}

/** What the file held when it was read; for a command that changes it, read under its lock. */
export interface LocalState {
  readonly path: string;
  readonly clockMs: number | undefined;
  /** Puts the saved items back into dispatch's tables (which must exist). */
  restore(dynamodb: DynamoDBClient): Promise<RestoredState>;
  /** The saved runs, oldest first. */
  executions(): Promise<ExecutionRecord[]>;
}

async function parseExecutions(path: string, raw: readonly unknown[]): Promise<ExecutionRecord[]> {
  const records: ExecutionRecord[] = [];
  for (const [index, saved] of raw.entries()) {
    let record: ExecutionRecord;
    try {
      record = parseSavedExecution(saved);
    } catch (error) {
      throw await unreadable(path, `saved execution ${index + 1} is damaged: ${firstIssue(error)}`);
    }
    records.push(record);
  }
  return records;
}

export function localState(path: string, parsed: Parsed | undefined): LocalState {
  let records: Promise<ExecutionRecord[]> | undefined;
  return {
    path,
    clockMs: parsed?.state.clockMs,
    async restore(dynamodb) {
      if (!parsed) return { items: 0, clockMs: undefined };
      let items = 0;
      for (const [TableName, tableItems] of Object.entries(parsed.state.tables)) {
        for (const [index, Item] of tableItems.entries()) {
          try {
            await dynamodb.send(new PutItemCommand({ TableName, Item }));
          } catch (error) {
            // A hand-edited item DynamoDB refuses: the file's fault, not selfheal's.
            throw await unreadable(path, `item ${index + 1} of table ${TableName}: ${firstIssue(error)}`);
          }
          items++;
        }
      }
      return { items, clockMs: parsed.state.clockMs };
    },
    executions: () => (records ??= parseExecutions(path, parsed?.state.executions ?? [])),
  };
}

/** The local state as it is now, without a lock: a reader sees the last save whole (writes are atomic). */
export async function readLocalState(path: string): Promise<LocalState> {
  return localState(path, await readState(path));
}
