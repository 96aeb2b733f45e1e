import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionRecord } from '../../engine/local-engine.ts';
import { endedRuns } from '../support/ended-runs.ts';
import {
  MAX_SAVED_EXECUTIONS,
  saveExecutions,
  savedExecutionRecords,
  saveTables,
} from '../../local/state-file.ts';
import { createDispatchTables, DEFAULT_DISPATCH_TABLES } from '../../domain/dispatch/tables.ts';
import { useLocalDynamoDb } from '../support/local-dynamodb.ts';

const dynamodb = useLocalDynamoDb();
let dir: string;
let path: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'selfheal-state-'));
  path = join(dir, 'state.json');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** `count` ended runs named `<prefix>-<i>`, from `startMs` (a later command: later). */
const runs = (count: number, prefix = 'run', startMs?: number): Promise<ExecutionRecord[]> =>
  endedRuns(count, { prefix, ...(startMs === undefined ? {} : { startMs }) });

describe('the runs a local deployment saves', () => {
  it('read back as they were: dates, input, output, history', async () => {
    const [run] = await runs(1);

    await saveExecutions(path, [run as ExecutionRecord]);

    expect(await savedExecutionRecords(path)).toEqual([run]);
  });

  it('a file from before runs were kept, or no file, has none; saving the tables keeps them', async () => {
    expect(await savedExecutionRecords(path)).toEqual([]);
    await writeFile(path, JSON.stringify({ version: 1, clockMs: 60_000, tables: {} }));
    expect(await savedExecutionRecords(path)).toEqual([]);

    const saved = await runs(2);
    await saveExecutions(path, saved);
    await createDispatchTables(dynamodb(), DEFAULT_DISPATCH_TABLES);
    await saveTables(dynamodb(), [DEFAULT_DISPATCH_TABLES.control], path, 120_000);

    expect(await savedExecutionRecords(path)).toEqual(saved);
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ version: 1, clockMs: 120_000 });
  });

  it(`keeps the newest ${MAX_SAVED_EXECUTIONS}, a run saved again once`, async () => {
    const older = await runs(MAX_SAVED_EXECUTIONS - 1, 'old');
    await saveExecutions(path, older);
    const newer = await runs(2, 'new', Date.UTC(2026, 0, 2));
    await saveExecutions(path, [...newer, older[5] as ExecutionRecord]);

    const kept = await savedExecutionRecords(path);
    expect(kept).toHaveLength(MAX_SAVED_EXECUTIONS);
    expect(kept.map((r) => r.name).slice(0, 2)).toEqual(['old-1', 'old-2']);
    expect(kept.map((r) => r.name).slice(-2)).toEqual(['new-0', 'new-1']);
    expect(kept.filter((r) => r.name === 'old-5')).toHaveLength(1);
  });

  it('names the file and the run when a saved run cannot be read', async () => {
    await writeFile(path, JSON.stringify({ version: 1, tables: {}, executions: [{ executionArn: 'x' }] }));
    await expect(savedExecutionRecords(path)).rejects.toThrow(
      `the local state ${path} is not readable (saved execution 1 is damaged: `,
    );
  });
});
