/**
 * What a local deployment keeps between CLI commands: the items of dispatch's tables (switches,
 * locks, cooldowns, rate counters, the ledger) and where virtual time stood, in one JSON file.
 * dynalite runs in memory for one process; `selfheal dispatch` saves here and `selfheal ledger`
 * reads from here.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import {
  PutItemCommand,
  ScanCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';

export const DEFAULT_STATE_FILE = '.selfheal/local-state.json';

type Item = Record<string, AttributeValue>;

interface StateFile {
  version: 1;
  /** Virtual time the last command ended at: the next one goes on from there. */
  clockMs?: number;
  tables: Record<string, Item[]>;
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
  const latest = Math.max(clockMs ?? 0, (await readState(path))?.clockMs ?? 0);
  const state: StateFile = { version: 1, ...(latest > 0 ? { clockMs: latest } : {}), tables };
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
