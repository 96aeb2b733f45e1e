/**
 * The runbooks in `statemachines/`, loaded into a local engine with local ARNs filled in for every
 * `${...}` substitution: Lambda functions from the handler registry, and `${<Name>StateMachineArn}`
 * for runbooks that start other runbooks.
 */
import { readdirSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDefinitionFile, substitute, type AslDefinition } from '../engine/asl.ts';
import { LOCAL_ACCOUNT, LOCAL_REGION, stateMachineArn } from '../engine/arns.ts';
import { DEFAULT_DISPATCH_TABLES } from '../domain/dispatch/tables.ts';
import { LocalEngine } from '../engine/local-engine.ts';
import type { VirtualClock } from '../core/virtual-clock.ts';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { localFunctionTable, type HandlerCode } from './functions.ts';
import type { LocalPorts } from '../handlers/registry.ts';
import { localFunctionSubstitutions } from '../handlers/registry.ts';

export const STATEMACHINES_DIR = fileURLToPath(new URL('../statemachines/', import.meta.url));

export interface RunbookFile {
  name: string;
  path: string;
}

export async function runbookFiles(dir: string = STATEMACHINES_DIR): Promise<RunbookFile[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.asl.json')).sort();
  return files.map((file) => ({ name: basename(file, '.asl.json'), path: join(dir, file) }));
}

/** The runbooks' names, read at once (for callers that cannot wait, such as name checks). */
export function runbookNames(dir: string = STATEMACHINES_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.asl.json'))
    .map((f) => basename(f, '.asl.json'))
    .sort();
}

/** `hot-shard` -> `HotShardStateMachineArn`. */
export const stateMachineSubstitution = (name: string): string =>
  `${name.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase())}StateMachineArn`;

/** Names and ARNs of the resources dispatch uses, as deployed locally. */
export const LOCAL_NOTIFICATION_TOPIC_ARN = `arn:aws:sns:${LOCAL_REGION}:${LOCAL_ACCOUNT}:selfheal-notifications`;

export function localSubstitutions(runbooks: readonly RunbookFile[]): Record<string, string> {
  return {
    ...localFunctionSubstitutions(),
    ControlTableName: DEFAULT_DISPATCH_TABLES.control,
    LedgerTableName: DEFAULT_DISPATCH_TABLES.ledger,
    NotificationTopicArn: LOCAL_NOTIFICATION_TOPIC_ARN,
    ...Object.fromEntries(runbooks.map((r) => [stateMachineSubstitution(r.name), stateMachineArn(r.name)])),
  };
}

export async function loadRunbooks(
  engine: LocalEngine,
  dir: string = STATEMACHINES_DIR,
): Promise<Record<string, AslDefinition>> {
  const runbooks = await runbookFiles(dir);
  const values = localSubstitutions(runbooks);
  const loaded: Record<string, AslDefinition> = {};
  for (const runbook of runbooks) {
    const definition = substitute(await loadDefinitionFile(runbook.path), values, runbook.name);
    engine.register(runbook.name, definition);
    loaded[runbook.name] = definition;
  }
  return loaded;
}

/**
 * A local engine with every runbook loaded, its tasks bound to `ports` (a simulated world). The
 * tasks run the handler bundles the CDK app deploys unless `handlers: 'sources'` asks for the
 * TypeScript (quicker to step through in a debugger; the same code before bundling).
 */
export async function startRunbookEngine(options: {
  clock: VirtualClock;
  ports: LocalPorts;
  dynamodb: DynamoDBClient;
  seed: number;
  executionNamePrefix?: string;
  handlers?: HandlerCode;
}): Promise<LocalEngine> {
  const engine = new LocalEngine({
    clock: options.clock,
    functions: await localFunctionTable(options.ports, options.handlers),
    dynamodb: options.dynamodb,
    seed: options.seed,
    ...(options.executionNamePrefix ? { executionNamePrefix: options.executionNamePrefix } : {}),
  });
  await loadRunbooks(engine);
  return engine;
}
