/**
 * Handler cold start: every Lambda entry of the runbook catalogue bundled as the CDK app's one build
 * bundles it (`packaging/handler-bundles.ts`: ESM, node22, minified with names kept, the AWS SDK
 * bundled, the createRequire banner, a linked source map), then imported in a fresh `node` process — the time
 * from the import to a callable handler, median of N — against an honest floor, run turn about
 * with it: a bundle, built with the same options, of the same AWS SDK clients the handler's bundle
 * holds and the same shell every task has (`handlers/shared/task-handler.ts`: middy with
 * Powertools' logger and metrics, the lazy tracer) around a no-op task. What the handler takes over
 * the floor is its own code and the packages only it imports.
 *
 * The processes get the function's environment as the construct sets it (the Powertools variables;
 * NODE_OPTIONS `--enable-source-maps` only where the configuration asks for source maps at run
 * time, `sourceMapsAtRuntime`, off by default) but are not in Lambda: Powertools' tracer is never
 * loaded, as outside Lambda, and no SDK client is built at import (the handlers build theirs on
 * first use).
 */
import { build, type Metafile } from 'esbuild';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { TASK_FUNCTIONS } from '../runbooks/catalogue.ts';
import { BUNDLE_OPTIONS } from '../packaging/handler-bundles.ts';
import { median } from './stats.ts';

export interface ColdStartRow {
  /** The handler module, from the repository root. */
  entry: string;
  /** The functions deployed from it (one bundle each, all alike). */
  functions: string[];
  bundleBytes: number;
  sourceMapBytes: number;
  /** The packages that weigh most in the bundle, bytes in the output. */
  largestPackages: { name: string; bytes: number }[];
  /** `@aws-sdk/client-*` packages in the bundle. */
  sdkClients: string[];
  /** Median milliseconds from import to a callable handler. */
  handlerMs: number;
  /** The floor's bundle: the same SDK clients and the same task shell around a no-op task. */
  bareBundleBytes: number;
  bareMs: number;
  /** Handler import time per the floor's import time. */
  ratio: number;
}

/** The repository root, where the CDK app bundles from (infra/ is not imported: it loads the CDK). */
const REPOSITORY_ROOT = fileURLToPath(new URL('../', import.meta.url));

/** The esbuild options of the project's one build of the handlers (what the CDK app deploys). */
export const BUNDLING = { ...BUNDLE_OPTIONS, metafile: true } as const;

/** `NODE_OPTIONS` the construct sets when the configuration asks for source maps at run time. */
export const SOURCE_MAPS_NODE_OPTIONS = '--enable-source-maps';

/**
 * Whether the repository's deployment configuration (`selfheal.config.json`) asks for source maps at
 * run time (`sourceMapsAtRuntime`; the schema's default is no), so the bench imports as it deploys.
 */
export async function configuredSourceMaps(
  file: string = join(REPOSITORY_ROOT, 'selfheal.config.json'),
): Promise<boolean> {
  const config = JSON.parse(await readFile(file, 'utf8')) as { sourceMapsAtRuntime?: unknown };
  return config.sourceMapsAtRuntime === true;
}

/**
 * The environment the construct gives every function (infra/constructs/task-function.ts), outside
 * Lambda: NODE_OPTIONS only with `sourceMapsAtRuntime`.
 */
export function functionEnvironment(sourceMaps: boolean): Record<string, string> {
  return {
    AWS_REGION: 'us-east-1',
    POWERTOOLS_SERVICE_NAME: 'selfheal',
    POWERTOOLS_METRICS_NAMESPACE: 'selfheal',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    ...(sourceMaps ? { NODE_OPTIONS: SOURCE_MAPS_NODE_OPTIONS } : {}),
  };
}

/** `node_modules/@aws-sdk/client-dynamodb/dist-es/…` -> `@aws-sdk/client-dynamodb`. */
export function packageOf(path: string): string | undefined {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules\/)/.exec(path);
  return match?.[1];
}

/** Bytes each package contributes to the output, largest first (the project's own code as `(selfheal)`). */
export function packageBytes(
  inputs: Metafile['outputs'][string]['inputs'],
): { name: string; bytes: number }[] {
  const bytes = new Map<string, number>();
  for (const [path, { bytesInOutput }] of Object.entries(inputs)) {
    if (bytesInOutput === 0) continue;
    const name = packageOf(path) ?? '(selfheal)';
    bytes.set(name, (bytes.get(name) ?? 0) + bytesInOutput);
  }
  return [...bytes].map(([name, b]) => ({ name, bytes: b })).sort((a, b) => b.bytes - a.bytes);
}

export const sdkClientsOf = (packages: readonly { name: string }[]): string[] =>
  packages
    .map((p) => p.name)
    .filter((name) => /^@aws-sdk\/client-/.test(name))
    .sort();

/** The task shell every handler module builds its handlers with, from the repository root. */
const TASK_SHELL = './handlers/shared/task-handler.ts';

/**
 * The floor: a handler module that imports the clients (the class, as a handler module would) and
 * the task shell, and makes a handler of a task that does nothing with them.
 */
export async function bareSource(clients: readonly string[]): Promise<string> {
  const lines: string[] = [`import { taskHandler } from '${TASK_SHELL}';`];
  const names: string[] = [];
  for (const client of clients) {
    const module = (await import(client)) as Record<string, unknown>;
    const name = Object.keys(module).find((k) => /^[A-Z][A-Za-z0-9]*Client$/.test(k) && k !== '__Client');
    if (!name) throw new Error(`bench: no client class in ${client}`);
    lines.push(`import { ${name} } from '${client}';`);
    names.push(name);
  }
  lines.push(
    `export const handler = taskHandler('bench-floor', async () => [${names.join(', ')}].map((c) => c.name));`,
  );
  return lines.join('\n') + '\n';
}

interface Bundle {
  file: string;
  bytes: number;
  sourceMapBytes: number;
  packages: { name: string; bytes: number }[];
}

async function bundle(
  outdir: string,
  name: string,
  entry: { path: string } | { source: string },
): Promise<Bundle> {
  const outfile = join(outdir, name, 'index.mjs');
  const result = await build({
    ...BUNDLING,
    banner: { ...BUNDLING.banner },
    mainFields: [...BUNDLING.mainFields],
    external: [],
    outfile,
    ...('path' in entry
      ? { entryPoints: [entry.path] }
      : { stdin: { contents: entry.source, resolveDir: REPOSITORY_ROOT, loader: 'ts' as const } }),
  });
  const outputs = result.metafile.outputs;
  const main = Object.entries(outputs).find(([path]) => path.endsWith('index.mjs'));
  const map = Object.entries(outputs).find(([path]) => path.endsWith('index.mjs.map'));
  if (!main) throw new Error(`bench: esbuild wrote no index.mjs for ${name}`);
  return {
    file: outfile,
    bytes: main[1].bytes,
    sourceMapBytes: map?.[1].bytes ?? 0,
    packages: packageBytes(main[1].inputs),
  };
}

/** Imports a bundle in a fresh node, reporting milliseconds from the import to a callable handler. */
const PROBE = `
const [url, name] = process.argv.slice(-2);
const start = performance.now();
const module = await import(url);
if (typeof module[name] !== 'function') throw new Error(url + ' exports no function ' + name);
process.stdout.write(JSON.stringify({ ms: performance.now() - start }));
`;

async function importTime(
  probe: string,
  file: string,
  handlerName: string,
  environment: Record<string, string>,
): Promise<number> {
  const child = spawn(process.execPath, [probe, pathToFileURL(file).href, handlerName], {
    env: { PATH: process.env.PATH ?? '', ...environment },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`bench: importing ${file} failed (${code}): ${stderr.slice(0, 500)}`);
  return (JSON.parse(stdout) as { ms: number }).ms;
}

const slug = (entry: string): string => entry.replace(/^handlers\//, '').replace(/\.ts$/, '');

export async function measureColdStarts(
  runs: number,
  progress: (line: string) => void = () => undefined,
  options: { sourceMaps?: boolean } = {},
): Promise<ColdStartRow[]> {
  const environment = functionEnvironment(options.sourceMaps ?? false);
  const dir = await mkdtemp(join(tmpdir(), 'selfheal-bench-'));
  try {
    const probe = join(dir, 'probe.mjs');
    await writeFile(probe, PROBE);
    const entries = new Map<string, { handlerName: string; functions: string[] }>();
    for (const task of TASK_FUNCTIONS) {
      const seen = entries.get(task.entry);
      if (seen) seen.functions.push(task.id);
      else entries.set(task.entry, { handlerName: task.handlerName ?? 'handler', functions: [task.id] });
    }
    const bareBundles = new Map<string, Bundle>();
    const rows: ColdStartRow[] = [];
    for (const [entry, { handlerName, functions }] of entries) {
      const handler = await bundle(dir, slug(entry), { path: join(REPOSITORY_ROOT, entry) });
      const clients = sdkClientsOf(handler.packages);
      const bareKey = clients.join('+') || 'none';
      let bare = bareBundles.get(bareKey);
      if (!bare) {
        bare = await bundle(dir, `bare-${bareBundles.size}`, { source: await bareSource(clients) });
        bareBundles.set(bareKey, bare);
      }
      const handlerTimes: number[] = [];
      const bareTimes: number[] = [];
      // One of each, turn about: a busy moment slows both alike.
      for (let i = 0; i < runs; i++) {
        handlerTimes.push(await importTime(probe, handler.file, handlerName, environment));
        bareTimes.push(await importTime(probe, bare.file, 'handler', environment));
      }
      const handlerMs = round(median(handlerTimes));
      const bareMs = round(median(bareTimes));
      const row: ColdStartRow = {
        entry,
        functions,
        bundleBytes: handler.bytes,
        sourceMapBytes: handler.sourceMapBytes,
        largestPackages: handler.packages.slice(0, 5),
        sdkClients: clients,
        handlerMs,
        bareBundleBytes: bare.bytes,
        bareMs,
        ratio: Math.round((handlerMs / bareMs) * 100) / 100,
      };
      progress(
        `  ${entry.padEnd(36)} ${kb(row.bundleBytes).padStart(8)}  ${String(handlerMs).padStart(6)} ms` +
          `  floor ${kb(row.bareBundleBytes).padStart(8)} ${String(bareMs).padStart(6)} ms  ratio ${row.ratio}`,
      );
      rows.push(row);
    }
    return rows;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const round = (ms: number): number => Math.round(ms * 10) / 10;
const kb = (bytes: number): string => `${Math.round(bytes / 1024)} KB`;
