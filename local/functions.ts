/**
 * The task list as the engine's function table: every handler built on the given ports, from the
 * bundles the CDK app deploys (`packaging/`, the default) or from the TypeScript sources.
 *
 * On bundles, each task is the deployed module's own code — its minified domain logic, its error
 * classes and their names, its zod, its middy and Powertools shell — built by the module's factory
 * export on the world's ports instead of the AWS SDK clients the `handler` export would build.
 */
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import type { LambdaFunctionTable, LocalLambdaHandler } from '../engine/bindings/lambda-invoke.ts';
import { TASK_FUNCTIONS, functionName, type LocalPorts } from '../handlers/registry.ts';
import { buildHandlerBundles, REPOSITORY_ROOT } from '../packaging/handler-bundles.ts';

/** What the tasks run: the deployed bundles, or the TypeScript they are built from. */
export type HandlerCode = 'bundles' | 'sources';

export const HANDLER_CODES: readonly HandlerCode[] = ['bundles', 'sources'];

type HandlerModule = Record<string, unknown>;

type LoadedModules = Map<string, { file: string; module: HandlerModule }>;

/**
 * The handler modules, by entry path, built (if need be) and loaded once per process for each kind
 * of code: Node caches a module by its URL, so a later rebuild could not be loaded again anyway.
 */
const loaded = new Map<HandlerCode, Promise<LoadedModules>>();

function loadModules(code: HandlerCode): Promise<LoadedModules> {
  let modules = loaded.get(code);
  if (!modules) {
    modules = importModules(code);
    loaded.set(code, modules);
  }
  return modules;
}

async function importModules(code: HandlerCode): Promise<LoadedModules> {
  const entries = [...new Set(TASK_FUNCTIONS.map((task) => task.entry))];
  const bundles = code === 'bundles' ? buildHandlerBundles() : undefined;
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
): Promise<LambdaFunctionTable> {
  const modules = await loadModules(code);
  const handlers = new Map<string, LocalLambdaHandler>();
  const origins = new Map<string, string>();
  for (const task of TASK_FUNCTIONS) {
    const factoryName = task.factory ?? 'makeHandler';
    const loadedModule = modules.get(task.entry);
    const factory = loadedModule?.module[factoryName];
    if (!loadedModule || typeof factory !== 'function') {
      throw new Error(`${task.entry} (${code}) exports no function ${factoryName} for task ${task.id}`);
    }
    handlers.set(functionName(task.id), factory(...task.localArgs(ports)) as LocalLambdaHandler);
    origins.set(functionName(task.id), loadedModule.file);
  }
  return {
    get: (name) => handlers.get(name),
    names: () => [...handlers.keys()],
    origin: (name) => origins.get(name),
  };
}
