/**
 * `bench/results.json`: what `npm run bench` measured, one section per benchmark, each with the
 * time it was measured (a run of some benchmarks only keeps the others' last results). The README's
 * results section is generated from it (`bench/readme-table.ts`).
 */
import type { StormResult } from './storm.ts';
import { readFile, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import type { EngineOptions, EngineRow } from './engine-overhead.ts';
import type { ColdStartRow } from './cold-start.ts';
import type { ExecutionCounts, PRICES, RunCost } from './cost.ts';
import type { ScenarioOutcome } from './outcome.ts';
import type { ThroughputResult } from './reshuffle-throughput.ts';

export const RESULTS_FILE = new URL('./results.json', import.meta.url);

export interface Machine {
  node: string;
  platform: string;
  cpus: number;
  cpuModel: string;
}

export interface CostRow {
  /** The runbook, or `dispatch + hot-shard` for a run and the runbook it started. */
  run: string;
  counts: ExecutionCounts;
  cost: RunCost;
}

export interface BenchResults {
  version: 1;
  machine: Machine;
  engine?: { measuredAt: string; options: EngineOptions; rows: EngineRow[] };
  coldStart?: { measuredAt: string; runs: number; nodeOptions: string; rows: ColdStartRow[] };
  cost?: { measuredAt: string; prices: typeof PRICES; rows: CostRow[] };
  outcome?: { measuredAt: string; seed: number; scenarios: ScenarioOutcome[] };
  reshuffle?: { measuredAt: string; result: ThroughputResult };
  storm?: { measuredAt: string; result: StormResult };
}

export type Section = Exclude<keyof BenchResults, 'version' | 'machine'>;

export function thisMachine(): Machine {
  const all = cpus();
  return {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: all.length,
    cpuModel: all[0]?.model.trim() ?? 'unknown',
  };
}

export async function readResults(file: URL | string = RESULTS_FILE): Promise<BenchResults | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as BenchResults;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The new sections over the file's previous ones (a partial run keeps the rest). */
export function mergeResults(previous: BenchResults | undefined, next: BenchResults): BenchResults {
  return { ...previous, ...stripUndefined(next), version: 1, machine: next.machine };
}

const stripUndefined = <T extends object>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

/** Written as Prettier formats JSON, so the repository's format check passes on the committed file. */
export async function writeResults(results: BenchResults, file: URL | string = RESULTS_FILE): Promise<void> {
  const path = typeof file === 'string' ? file : fileURLToPath(file);
  const options = { ...(await resolveConfig(path)), filepath: path };
  await writeFile(path, await format(JSON.stringify(results, null, 2), options));
}
