/**
 * The one build of the Lambda handlers. The CDK app deploys these bundles (`infra/constructs/
 * task-function.ts`), the local engine can run its runbooks on them (`local/functions.ts`),
 * and the tests and the bench load them: what is proven offline is the code AWS runs.
 *
 * Each handler module of the task list becomes `dist/handlers/<name>/index.mjs` (with its source
 * map), built by the esbuild the project locks, in one esbuild call. A manifest of every input's
 * size and modification time lets a later process reuse the bundles when nothing changed.
 */
import { buildSync, version as esbuildVersion, type BuildOptions, type Metafile } from 'esbuild';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HANDLER_ENTRIES } from '../runbooks/catalogue.ts';

export const REPOSITORY_ROOT = fileURLToPath(new URL('../', import.meta.url));
export const BUNDLES_DIR = join(REPOSITORY_ROOT, 'dist', 'handlers');

/**
 * How every handler is bundled. `keepNames`: a task's errors reach Step Functions by their class
 * name (Lambda's `errorType`), and the runbooks' Retry and Catch match on it; minified without it,
 * `InvalidRequestError` becomes `Dd` and every named Retry/Catch silently stops matching.
 */
export const BUNDLE_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  // The oldest Node the code is tested on; the runtime is newer.
  target: 'node22',
  mainFields: ['module', 'main'],
  minify: true,
  keepNames: true,
  sourcemap: true,
  // ESM bundles of CommonJS dependencies still call require().
  banner: {
    js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
  },
  // The SDK the tests ran against (the lockfile's), not the one the runtime happens to ship.
  external: [],
  outExtension: { '.js': '.mjs' },
  logLevel: 'warning',
} as const satisfies BuildOptions;

/** `handlers/plan-capacity.ts` -> `plan-capacity`: the bundle's folder name. */
export const bundleName = (entry: string): string => basename(entry).replace(/\.ts$/, '');

export interface HandlerBundles {
  dir: string;
  /** The folder holding `index.mjs` (and its map) of a handler module, by its entry path. */
  folderOf(entry: string): string;
  /** The bundle file of a handler module, by its entry path. */
  fileOf(entry: string): string;
  entries: readonly string[];
}

interface Manifest {
  key: string;
  inputs: Record<string, { size: number; mtimeMs: number }>;
}

const MANIFEST = 'manifest.json';

/** Files esbuild reads that its metafile does not list as inputs. */
const CONFIG_FILES = ['tsconfig.json', 'package-lock.json'];

/** Everything that decides the output besides the inputs' contents. */
function buildKey(entries: readonly string[]): string {
  const hash = createHash('sha256').update(JSON.stringify({ esbuildVersion, BUNDLE_OPTIONS, entries }));
  for (const file of CONFIG_FILES) hash.update(readFileSync(join(REPOSITORY_ROOT, file)));
  return hash.digest('hex');
}

function bundlesAt(dir: string, entries: readonly string[]): HandlerBundles {
  const folderOf = (entry: string): string => {
    if (!entries.includes(entry)) throw new Error(`no handler bundle is built from ${entry}`);
    return join(dir, bundleName(entry));
  };
  return { dir, entries, folderOf, fileOf: (entry) => join(folderOf(entry), 'index.mjs') };
}

function upToDate(dir: string, key: string, entries: readonly string[]): boolean {
  try {
    const manifest = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')) as Manifest;
    if (manifest.key !== key) return false;
    if (!entries.every((entry) => existsSync(join(dir, bundleName(entry), 'index.mjs')))) return false;
    return Object.entries(manifest.inputs).every(([path, seen]) => {
      const now = statSync(join(REPOSITORY_ROOT, path));
      return now.size === seen.size && now.mtimeMs === seen.mtimeMs;
    });
  } catch {
    return false;
  }
}

/**
 * The inputs as the build read them. An input changed since the build began (an editor saving
 * mid-build) may not be what the bundle holds: it is recorded as unseen, so the next start rebuilds.
 */
function manifestOf(metafile: Metafile, key: string, startedMs: number): Manifest {
  const inputs: Manifest['inputs'] = {};
  for (const path of Object.keys(metafile.inputs)) {
    const stat = statSync(join(REPOSITORY_ROOT, path));
    inputs[path] = { size: stat.size, mtimeMs: stat.mtimeMs >= startedMs ? -1 : stat.mtimeMs };
  }
  return { key, inputs };
}

function buildOptions(entries: readonly string[], outdir: string): BuildOptions {
  return {
    ...BUNDLE_OPTIONS,
    banner: { ...BUNDLE_OPTIONS.banner },
    mainFields: [...BUNDLE_OPTIONS.mainFields],
    external: [],
    outExtension: { ...BUNDLE_OPTIONS.outExtension },
    absWorkingDir: REPOSITORY_ROOT,
    entryPoints: Object.fromEntries(entries.map((entry) => [`${bundleName(entry)}/index`, entry])),
    outdir,
    metafile: true,
  };
}

/**
 * Builds into a fresh folder beside `dir`, then swaps it in, so a process loading the bundles
 * never sees half a build.
 */
function publish(dir: string, staging: string, manifest: Manifest): void {
  writeFileSync(join(staging, MANIFEST), JSON.stringify(manifest));
  const old = `${dir}.old-${process.pid}-${Date.now()}`;
  try {
    if (existsSync(dir)) renameSync(dir, old);
    renameSync(staging, dir);
  } catch (error) {
    // Another process published its build in between: theirs is as good, keep it.
    if (!existsSync(dir)) throw error;
  } finally {
    rmSync(old, { recursive: true, force: true });
  }
}

/** Runs a build into a staging folder, removed whatever happens unless published. */
function staged<T>(dir: string, build: (staging: string) => T): T {
  const staging = stagingFor(dir);
  try {
    return build(staging);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

const stagingFor = (dir: string): string => {
  const staging = `${dir}.building-${process.pid}-${Date.now()}`;
  mkdirSync(staging, { recursive: true });
  return staging;
};

export interface BuildHandlerBundlesOptions {
  /** Where the bundles go (`dist/handlers` unless told). */
  dir?: string;
  entries?: readonly string[];
}

/**
 * Builds the handler bundles unless they are up to date. Synchronous, as the CDK app needs (its
 * constructs are built synchronously); a build takes a few seconds, once.
 */
export function buildHandlerBundles(options: BuildHandlerBundlesOptions = {}): HandlerBundles {
  const dir = options.dir ?? BUNDLES_DIR;
  const entries = options.entries ?? HANDLER_ENTRIES;
  const key = buildKey(entries);
  if (!upToDate(dir, key, entries)) {
    staged(dir, (staging) => {
      const startedMs = Date.now();
      const result = buildSync(buildOptions(entries, staging));
      publish(dir, staging, manifestOf(result.metafile as Metafile, key, startedMs));
    });
  }
  return bundlesAt(dir, entries);
}
