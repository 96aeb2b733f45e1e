/**
 * The task list as the engine's function table: every handler built on the given ports, from the
 * bundles the CDK app deploys (`packaging/`, the default) or from the TypeScript sources.
 *
 * On bundles, each task is the deployed module's own code — its minified domain logic, its error
 * classes and their names, its zod, its middy and Powertools shell — built by the module's factory
 * export on the world's ports instead of the AWS SDK clients the `handler` export would build.
 */
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import type { LambdaFunctionTable, LocalLambdaHandler } from '../engine/bindings/lambda-invoke.ts';
import { CATALOGUE, functionName, type Catalogue } from '../runbooks/catalogue.ts';
import { BUNDLES_DIR, buildHandlerBundles, REPOSITORY_ROOT } from '../packaging/handler-bundles.ts';
import { factoryArguments, type LocalPorts } from './task-ports.ts';

/** What the tasks run: the deployed bundles, or the TypeScript they are built from. */
export type HandlerCode = 'bundles' | 'sources';

export const HANDLER_CODES: readonly HandlerCode[] = ['bundles', 'sources'];

type HandlerModule = Record<string, unknown>;

type LoadedModules = Map<string, { file: string; module: HandlerModule }>;

/**
 * The handler modules, by entry path, built (if need be) and loaded once per process for each kind
 * of code and catalogue: Node caches a module by its URL, so a later rebuild could not be loaded
 * again anyway.
 */
const loaded = new Map<string, Promise<LoadedModules>>();

function loadModules(code: HandlerCode, catalogue: Catalogue): Promise<LoadedModules> {
  const key = `${code} ${catalogue.roots.join(' ')}`;
  let modules = loaded.get(key);
  if (!modules) {
    modules = importModules(code, catalogue);
    loaded.set(key, modules);
  }
  return modules;
}

/**
 * Where a catalogue's bundles go: selfheal's own in `dist/handlers`, the ones the CDK app deploys;
 * a catalogue with more roots (a test's fixture runbook) beside them, so it never touches those.
 */
const bundlesDirOf = (catalogue: Catalogue): string =>
  catalogue === CATALOGUE ? BUNDLES_DIR : `${BUNDLES_DIR}-${hashOf(catalogue.entries)}`;

const hashOf = (entries: readonly string[]): string =>
  createHash('sha256').update(entries.join('\n')).digest('hex').slice(0, 12);

async function importModules(code: HandlerCode, catalogue: Catalogue): Promise<LoadedModules> {
  const entries = [...new Set(catalogue.tasks.map((task) => task.entry))];
  const bundles =
    code === 'bundles'
      ? buildHandlerBundles({ dir: bundlesDirOf(catalogue), entries: catalogue.entries })
      : undefined;
  const modules: LoadedModules = new Map();
  for (const entry of entries) {
    const file = bundles ? bundles.fileOf(entry) : join(REPOSITORY_ROOT, entry);
    modules.set(entry, { file, module: (await import(pathToFileURL(file).href)) as HandlerModule });
  }
  return modules;
}

export async function localFunctionTable(
  ports: LocalPorts,
  code: HandlerCode = 'bundles',
  catalogue: Catalogue = CATALOGUE,
): Promise<LambdaFunctionTable> {
  const modules = await loadModules(code, catalogue);
  const handlers = new Map<string, LocalLambdaHandler>();
  const origins = new Map<string, string>();
  for (const task of catalogue.tasks) {
    const factoryName = task.factory ?? 'makeHandler';
    const loadedModule = modules.get(task.entry);
    const factory = loadedModule?.module[factoryName];
    if (!loadedModule || typeof factory !== 'function') {
      throw new Error(`${task.entry} (${code}) exports no function ${factoryName} for task ${task.id}`);
    }
    handlers.set(
      functionName(task.id),
      factory(...factoryArguments(task.ports, ports)) as LocalLambdaHandler,
    );
    origins.set(functionName(task.id), loadedModule.file);
  }
  return {
    get: (name) => handlers.get(name),
    names: () => [...handlers.keys()],
    origin: (name) => origins.get(name),
  };
}
