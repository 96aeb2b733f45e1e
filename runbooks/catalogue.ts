/**
 * The runbook catalogue: every runbook and every Lambda task, read from the manifests. A root (the
 * repository, or a folder laid out like it) holds `statemachines/<name>.asl.json`, the manifests
 * `runbooks/<name>.json` that own them, and the handler modules the manifests name. Adding a
 * runbook is adding files to a root; nothing here or in the code that reads the catalogue changes.
 *
 * The CDK app deploys from the catalogue, `packaging/` bundles its modules, and the local engine
 * binds its tasks. Reading it loads no handler code. A manifest that does not hold together (an ASL
 * file no manifest owns, a task id used twice, a module that is not there) fails with a one-line
 * `CatalogueError` naming the file.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runbookManifestSchema, type TaskGrant, type TaskPorts } from './task-spec.ts';

export class CatalogueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CatalogueError';
  }
}

/** selfheal's own root: the repository. */
export const PRODUCT_ROOT = fileURLToPath(new URL('../', import.meta.url));

/** selfheal's own ASL files. */
export const STATEMACHINES_DIR = join(PRODUCT_ROOT, 'statemachines');

/** A Lambda task's timeout unless its manifest says otherwise. */
export const DEFAULT_TASK_TIMEOUT_SECONDS = 60;

/** Handler modules the CDK app deploys besides the runbooks' tasks (scheduled detectors). */
export const DETECTOR_ENTRIES = ['handlers/detect-grey-cells.ts'] as const;

export interface TaskFunction {
  id: string;
  /** `${Substitution}` in the ASL, replaced by the function's ARN. */
  substitution: string;
  /** Handler module path from the repository root, for bundling. */
  entry: string;
  /** The module's export Lambda calls; `handler` unless told. */
  handlerName?: string;
  /** The module's export that builds the same handler on other ports; `makeHandler` unless told. */
  factory?: string;
  /** The ports the factory is given (the local deployment builds them on the simulated world). */
  ports: TaskPorts;
  timeoutSeconds?: number;
  /** What the function's role may do, each grant on its scope. */
  grants: readonly TaskGrant[];
  /** The manifest that declares it. */
  manifest: string;
}

export interface RunbookFile {
  name: string;
  /** Absolute path of its ASL. */
  path: string;
  manifest: string;
}

export interface Catalogue {
  roots: readonly string[];
  runbooks: readonly RunbookFile[];
  tasks: readonly TaskFunction[];
  /** Every handler module to bundle and deploy, from the repository root, each once. */
  entries: readonly string[];
}

/** `plan-capacity` -> `PlanCapacity`. */
const pascal = (name: string): string =>
  name.replace(/(^|-)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase());

/** `hot-shard` -> `HotShardStateMachineArn`. */
export const stateMachineSubstitution = (name: string): string => `${pascal(name)}StateMachineArn`;

/** `plan-capacity` -> `PlanCapacityFunctionArn`. */
export const functionSubstitution = (id: string): string => `${pascal(id)}FunctionArn`;

export const functionName = (id: string): string => `selfheal-${id}`;

const filesIn = (dir: string, suffix: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((file) => file.endsWith(suffix))
        .sort()
    : [];

function readManifest(path: string) {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new CatalogueError(`${path}: not JSON: ${(error as Error).message}`);
  }
  const parsed = runbookManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CatalogueError(`${path}: ${issue?.path.join('.') || '(top)'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/**
 * The catalogue of the given roots, selfheal's own first by default. A test adds a root of its own
 * (a fixture folder laid out like the repository) to register a runbook without editing this one.
 */
export function readCatalogue(roots: readonly string[] = [PRODUCT_ROOT]): Catalogue {
  const runbooks: RunbookFile[] = [];
  const tasks: TaskFunction[] = [];
  for (const root of roots) {
    const aslDir = join(root, 'statemachines');
    const unowned = new Set(filesIn(aslDir, '.asl.json').map((file) => basename(file, '.asl.json')));
    for (const file of filesIn(join(root, 'runbooks'), '.json')) {
      const path = join(root, 'runbooks', file);
      const manifest = readManifest(path);
      for (const name of manifest.runbooks) {
        if (!unowned.delete(name)) {
          const why = runbooks.some((r) => r.name === name) ? 'is owned by another manifest' : 'has no ASL';
          throw new CatalogueError(`${path}: runbook ${name} ${why} (statemachines/${name}.asl.json)`);
        }
        runbooks.push({ name, path: join(aslDir, `${name}.asl.json`), manifest: path });
      }
      for (const task of manifest.tasks) {
        if (tasks.some((known) => known.id === task.id)) {
          throw new CatalogueError(`${path}: task ${task.id} is declared twice`);
        }
        if (!existsSync(join(root, task.entry))) {
          throw new CatalogueError(`${path}: task ${task.id}: no module ${task.entry}`);
        }
        tasks.push({
          id: task.id,
          substitution: functionSubstitution(task.id),
          entry: relative(PRODUCT_ROOT, join(root, task.entry)),
          ...(task.handler ? { handlerName: task.handler } : {}),
          ...(task.factory ? { factory: task.factory } : {}),
          ports: task.ports,
          ...(task.timeoutSeconds ? { timeoutSeconds: task.timeoutSeconds } : {}),
          grants: task.grants,
          manifest: path,
        });
      }
    }
    const stray = [...unowned][0];
    if (stray !== undefined) {
      throw new CatalogueError(`${join(aslDir, `${stray}.asl.json`)}: no manifest in runbooks/ owns it`);
    }
  }
  const names = runbooks.map((r) => r.name);
  const twice = names.find((name, i) => names.indexOf(name) !== i);
  if (twice !== undefined) throw new CatalogueError(`runbook ${twice} is in two roots`);
  runbooks.sort((a, b) => a.name.localeCompare(b.name));
  const detectors = roots.includes(PRODUCT_ROOT) ? DETECTOR_ENTRIES : [];
  return { roots, runbooks, tasks, entries: [...new Set([...tasks.map((t) => t.entry), ...detectors])] };
}

/** selfheal's own catalogue, read once. */
export const CATALOGUE: Catalogue = readCatalogue();

export const TASK_FUNCTIONS: readonly TaskFunction[] = CATALOGUE.tasks;

/** Every handler module the CDK app deploys, each bundled once. */
export const HANDLER_ENTRIES: readonly string[] = CATALOGUE.entries;

/** The runbooks' names, sorted. */
export const runbookNames = (catalogue: Catalogue = CATALOGUE): string[] =>
  catalogue.runbooks.map((r) => r.name);

/**
 * The task a Lambda Task state invokes, by its `FunctionName` as the ASL writes it
 * (`${PlanCapacityFunctionArn}`); undefined for anything else.
 */
export function taskInvokedAs(
  functionNameParameter: unknown,
  catalogue: Catalogue = CATALOGUE,
): TaskFunction | undefined {
  const substitution = /^\$\{(\w+)\}$/.exec(String(functionNameParameter))?.[1];
  return catalogue.tasks.find((task) => task.substitution === substitution);
}
