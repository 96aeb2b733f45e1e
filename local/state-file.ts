/**
 * What a local deployment keeps between CLI commands: the items of dispatch's tables (switches,
 * locks, cooldowns, rate counters, the ledger), where virtual time stood, and the runs its engine
 * made, in one JSON file. dynalite and the engine run in memory for one process; `selfheal
 * dispatch` and `selfheal start --local` save here, `selfheal ledger`, `list`, `describe` read here.
 * Files from before the runs were kept (no `executions`) read as having none.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import {
  PutItemCommand,
  ScanCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { ExecutionRecord } from '../engine/local-engine.ts';
import { parseSavedExecution } from './saved-executions.ts';

export const DEFAULT_STATE_FILE = '.selfheal/local-state.json';

/** The newest runs kept: a dispatch run and its runbook take some 300 kB with their histories. */
export const MAX_SAVED_EXECUTIONS = 50;

type Item = Record<string, AttributeValue>;

interface StateFile {
  version: 1;
  /** Virtual time the last command ended at: the next one goes on from there. */
  clockMs?: number;
  tables: Record<string, Item[]>;
  /** Ended runs, as `local/saved-executions.ts` reads them. */
  executions?: unknown[];
}

export interface RestoredState {
  items: number;
  clockMs: number | undefined;
}

export function stateFilePath(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(option ?? env.SELFHEAL_STATE_FILE ?? DEFAULT_STATE_FILE);
}

export async function saveTables(
  dynamodb: DynamoDBClient,
  tableNames: readonly string[],
  path: string,
  clockMs?: number,
): Promise<void> {
  const tables: Record<string, Item[]> = {};
  for (const name of tableNames) tables[name] = await scanAll(dynamodb, name);
  const previous = await readState(path);
  const latest = Math.max(clockMs ?? 0, previous?.clockMs ?? 0);
  await writeState(path, {
    version: 1,
    ...(latest > 0 ? { clockMs: latest } : {}),
    tables,
    ...(previous?.executions ? { executions: previous.executions } : {}),
  });
}

/**
 * Adds ended runs to the file (a run saved before under the same ARN is replaced), keeping the
 * newest MAX_SAVED_EXECUTIONS. The tables and the clock stay as they are.
 */
export async function saveExecutions(path: string, records: readonly ExecutionRecord[]): Promise<void> {
  const previous = (await readState(path)) ?? { version: 1 as const, tables: {} };
  const arns = new Set(records.map((r) => r.executionArn));
  const kept = (await savedExecutionRecords(path)).filter((r) => !arns.has(r.executionArn));
  const newest = [...kept, ...records]
    .map((record, order) => ({ record, order }))
    .sort((a, b) => a.record.startDate.getTime() - b.record.startDate.getTime() || a.order - b.order)
    .slice(-MAX_SAVED_EXECUTIONS)
    .map(({ record }) => record);
  await writeState(path, { ...previous, executions: newest });
}

/** The runs the file keeps, oldest first; none when there is no file or it predates them. */
export async function savedExecutionRecords(path: string): Promise<ExecutionRecord[]> {
  const saved = (await readState(path))?.executions ?? [];
  return saved.map((raw, index) => {
    try {
      return parseSavedExecution(raw);
    } catch (error) {
      throw new Error(`${path}: saved execution ${index + 1} is not readable: ${(error as Error).message}`, {
        cause: error,
      });
    }
  });
}

async function writeState(path: string, state: StateFile): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(state, null, 2)}\n`);
}

/** Puts back what `saveTables` kept; no file means a fresh deployment. */
export async function restoreTables(dynamodb: DynamoDBClient, path: string): Promise<RestoredState> {
  const state = await readState(path);
  if (!state) return { items: 0, clockMs: undefined };
  let items = 0;
  for (const [TableName, tableItems] of Object.entries(state.tables)) {
    for (const Item of tableItems) {
      await dynamodb.send(new PutItemCommand({ TableName, Item }));
      items++;
    }
  }
  return { items, clockMs: state.clockMs };
}

async function readState(path: string): Promise<StateFile | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const state = JSON.parse(text) as StateFile;
  if (state.version !== 1) throw new Error(`${path}: unknown local state version ${String(state.version)}`);
  return state;
}

export async function scanAll(dynamodb: DynamoDBClient, tableName: string): Promise<Item[]> {
  const items: Item[] = [];
  let ExclusiveStartKey: Item | undefined;
  do {
    const page = await dynamodb.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey }));
    items.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}
