/**
 * The error contract between the deployed bundles and the runbooks. Step Functions' Retry and
 * Catch match a Lambda task's failure by its `errorType`, which Lambda takes from the thrown
 * error's `name`; so the names in the ASL and the names the bundles throw must be the same names.
 *
 * - Every bundle the CDK app deploys, called as Lambda calls it with an empty event, fails with a
 *   selfheal error by its real name (minified without kept names it would be `Dd`, `eg`, ...).
 * - Every error name a deployed Retry or Catch of a Lambda task names is thrown, by that name, by
 *   the bundle that task runs.
 * - Every error a bundle throws by name is matched by each state that calls it: a retryable one
 *   by a Retry naming it, a fatal one by a Retry or Catch naming it or by a catch-all Catch; or it
 *   is deliberately left to fail the state, listed below with the reason.
 *
 * "Thrown by a bundle": the bundle holds the error's class under its kept name (esbuild's
 * `keepNames` marks each class `(this,"Name")`), which is how Lambda will see it named.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { allStates, loadDefinitionFile, type AslDefinition, type AslState } from '../../engine/asl.ts';
import { CATALOGUE } from '../../runbooks/catalogue.ts';
import {
  HANDLER_ENTRIES,
  TASK_FUNCTIONS,
  taskInvokedAs,
  type TaskFunction,
} from '../../runbooks/catalogue.ts';
import {
  buildHandlerBundles,
  REPOSITORY_ROOT,
  type HandlerBundles,
} from '../../packaging/handler-bundles.ts';
import { SelfHealError } from '../../domain/errors.ts';
import { lambdaContext } from '../handlers/support.ts';

/** Errors a state may let fail it, by `runbook/state/error`, each with its reason. */
const DELIBERATELY_UNMATCHED: Record<string, string> = {};

/** Names Step Functions and Lambda raise themselves, not a bundle. */
const SERVICE_ERROR = /^(States|Lambda)\./;

type ErrorClass = new (...args: unknown[]) => SelfHealError;

/** Every selfheal error class (the `errors.ts` modules of domain/), by name, and whether it is retryable. */
async function selfhealErrors(): Promise<Map<string, boolean>> {
  const modules = [
    'domain/errors.ts',
    ...readdirSync(join(REPOSITORY_ROOT, 'domain'), { recursive: true, encoding: 'utf8' })
      .filter((path) => path.endsWith('/errors.ts'))
      .map((path) => `domain/${path}`),
  ];
  const errors = new Map<string, boolean>();
  for (const module of modules) {
    const exports = (await import(pathToFileURL(join(REPOSITORY_ROOT, module)).href)) as Record<
      string,
      unknown
    >;
    for (const value of Object.values(exports)) {
      if (typeof value !== 'function' || !(value.prototype instanceof SelfHealError)) continue;
      if (value === SelfHealError) continue;
      const error = new (value as ErrorClass)('contract', []);
      errors.set(error.name, error.retryable);
    }
  }
  return errors;
}

interface Caller {
  runbook: string;
  state: string;
  task: TaskFunction;
  retried: Set<string>;
  caught: Set<string>;
  catchAll: boolean;
}

/** Every Lambda Task state of every runbook, with the task it invokes and what it matches. */
async function callers(): Promise<Caller[]> {
  const found: Caller[] = [];
  for (const runbook of CATALOGUE.runbooks) {
    const definition: AslDefinition = await loadDefinitionFile(runbook.path);
    const states = allStates(definition);
    for (const { name, state, path } of states) {
      const task = invokedTask(state);
      if (!task) continue;
      // A failed Map iteration or Parallel branch fails the enclosing state with the same error,
      // so the enclosing states' Retry and Catch match it too.
      const enclosing = path.map((outer) => states.find((s) => s.name === outer)?.state);
      const matchers = [state, ...enclosing].filter((s): s is AslState => s !== undefined);
      const retry = matchers.flatMap((s) => ('Retry' in s ? (s.Retry ?? []) : []));
      const catches = matchers.flatMap((s) => ('Catch' in s ? (s.Catch ?? []) : []));
      const caught = new Set(catches.flatMap((c) => c.ErrorEquals));
      found.push({
        runbook: runbook.name,
        state: name,
        task,
        retried: new Set(retry.flatMap((r) => r.ErrorEquals)),
        caught,
        catchAll: caught.has('States.ALL') || caught.has('States.TaskFailed'),
      });
    }
  }
  return found;
}

function invokedTask(state: AslState): TaskFunction | undefined {
  if (state.Type !== 'Task' || !/^arn:aws:states:::lambda:invoke/.test(state.Resource)) return undefined;
  const parameters = (state.Parameters ?? {}) as Record<string, unknown>;
  const task = taskInvokedAs(parameters.FunctionName);
  if (!task)
    throw new Error(`a Lambda task invokes ${String(parameters.FunctionName)}, which no task deploys`);
  return task;
}

let bundles: HandlerBundles;
let errors: Map<string, boolean>;
let calls: Caller[];
/** Error names each bundle holds under their kept names, by entry. */
const thrownBy = new Map<string, Set<string>>();

beforeAll(async () => {
  bundles = buildHandlerBundles();
  errors = await selfhealErrors();
  calls = await callers();
  for (const entry of bundles.entries) {
    const text = readFileSync(bundles.fileOf(entry), 'utf8');
    thrownBy.set(entry, new Set([...errors.keys()].filter((name) => text.includes(`(this,"${name}")`))));
  }
});

describe('the deployed bundles', () => {
  it('are built for every handler module the CDK app deploys', () => {
    expect([...bundles.entries].sort()).toEqual([...HANDLER_ENTRIES].sort());
    expect(errors.size).toBeGreaterThanOrEqual(10);
  });

  it.each(HANDLER_ENTRIES.flatMap((entry) => handlerExports(entry).map((name) => [entry, name])))(
    '%s: %s, given an empty event, fails with a selfheal error by its own name',
    async (entry, exportName) => {
      const module = (await import(pathToFileURL(bundles.fileOf(entry)).href)) as Record<string, unknown>;
      const handler = module[exportName] as (event: unknown, context: unknown) => Promise<unknown>;
      const failure = await handler({}, lambdaContext(exportName)).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(Error);
      expect(
        errors.has((failure as Error).name),
        `${(failure as Error).name}: ${(failure as Error).message}`,
      ).toBe(true);
      expect(thrownBy.get(entry)).toContain((failure as Error).name);
    },
  );
});

describe('every Retry and Catch of a Lambda task', () => {
  it('names only errors the bundle it invokes throws by that name', () => {
    const unknown = calls.flatMap((call) =>
      [...call.retried, ...call.caught]
        .filter((name) => !SERVICE_ERROR.test(name))
        .filter((name) => !thrownBy.get(call.task.entry)?.has(name))
        .map((name) => `${call.runbook}/${call.state}: ${name} (${call.task.entry})`),
    );
    expect(calls.length).toBeGreaterThan(20);
    expect(unknown).toEqual([]);
  });
});

describe('every error a bundle throws by name', () => {
  it('is matched by each state that calls the bundle, or deliberately left to fail it', () => {
    const unmatched: string[] = [];
    for (const call of calls) {
      for (const name of thrownBy.get(call.task.entry) ?? []) {
        const retryable = errors.get(name) === true;
        const matched = retryable
          ? call.retried.has(name)
          : call.retried.has(name) || call.caught.has(name) || call.catchAll;
        const key = `${call.runbook}/${call.state}/${name}`;
        if (!matched && !DELIBERATELY_UNMATCHED[key])
          unmatched.push(`${key}${retryable ? ' (retryable)' : ''}`);
      }
    }
    expect(unmatched).toEqual([]);
  });

  it('lists as deliberate only pairs that exist and are really unmatched', () => {
    const live = new Set(
      calls.flatMap((call) =>
        [...(thrownBy.get(call.task.entry) ?? [])].map((name) => `${call.runbook}/${call.state}/${name}`),
      ),
    );
    expect(Object.keys(DELIBERATELY_UNMATCHED).filter((key) => !live.has(key))).toEqual([]);
  });
});

/** The exports Lambda calls in a module: `handler`, or each task's `handlerName`. */
function handlerExports(entry: string): string[] {
  const names = TASK_FUNCTIONS.filter((t) => t.entry === entry).map((t) => t.handlerName ?? 'handler');
  return names.length > 0 ? [...new Set(names)] : ['handler'];
}
