/**
 * The catalogue's runbooks, loaded into a local engine with local ARNs filled in for every
 * `${...}` substitution: Lambda functions from the catalogue's tasks, and `${<Name>StateMachineArn}`
 * for runbooks that start other runbooks.
 */
import { loadDefinitionFile, substitute, type AslDefinition } from '../engine/asl.ts';
import { LOCAL_ACCOUNT, LOCAL_REGION, lambdaArn, stateMachineArn } from '../engine/arns.ts';
import { DEFAULT_DISPATCH_TABLES } from '../domain/dispatch/tables.ts';
import { LocalEngine } from '../engine/local-engine.ts';
import type { VirtualClock } from '../core/virtual-clock.ts';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { localFunctionTable, type HandlerCode } from './functions.ts';
import type { LocalPorts } from './task-ports.ts';
import { CATALOGUE, functionName, stateMachineSubstitution, type Catalogue } from '../runbooks/catalogue.ts';
import type { LambdaTimings } from '../engine/lambda-environments.ts';
import { lambdaTimingsFrom } from './lambda-timings.ts';

/** Names and ARNs of the resources dispatch uses, as deployed locally. */
export const LOCAL_NOTIFICATION_TOPIC_ARN = `arn:aws:sns:${LOCAL_REGION}:${LOCAL_ACCOUNT}:selfheal-notifications`;

export function localSubstitutions(catalogue: Catalogue = CATALOGUE): Record<string, string> {
  return {
    ...Object.fromEntries(
      catalogue.tasks.map((task) => [task.substitution, lambdaArn(functionName(task.id))]),
    ),
    ControlTableName: DEFAULT_DISPATCH_TABLES.control,
    LedgerTableName: DEFAULT_DISPATCH_TABLES.ledger,
    NotificationTopicArn: LOCAL_NOTIFICATION_TOPIC_ARN,
    ...Object.fromEntries(
      catalogue.runbooks.map((r) => [stateMachineSubstitution(r.name), stateMachineArn(r.name)]),
    ),
  };
}

export async function loadRunbooks(
  engine: LocalEngine,
  catalogue: Catalogue = CATALOGUE,
): Promise<Record<string, AslDefinition>> {
  const values = localSubstitutions(catalogue);
  const loaded: Record<string, AslDefinition> = {};
  for (const runbook of catalogue.runbooks) {
    const definition = substitute(await loadDefinitionFile(runbook.path), values, runbook.name);
    engine.register(runbook.name, definition);
    loaded[runbook.name] = definition;
  }
  return loaded;
}

/**
 * A local engine with every runbook of the catalogue (selfheal's own unless told) loaded, its tasks
 * bound to `ports` (a simulated world). The tasks run the handler bundles the CDK app deploys unless
 * `handlers: 'sources'` asks for the TypeScript (quicker to step through in a debugger; the same
 * code before bundling). Each Lambda task takes virtual time, a cold start then its invocation
 * (local/lambda-timings.ts: measured unless `$SELFHEAL_LAMBDA_TIMINGS` says `instant`), unless
 * `lambdaTimings` says otherwise (INSTANT_LAMBDA: no time at all).
 */
export async function startRunbookEngine(options: {
  clock: VirtualClock;
  ports: LocalPorts;
  dynamodb: DynamoDBClient;
  seed: number;
  executionNamePrefix?: string;
  handlers?: HandlerCode;
  catalogue?: Catalogue;
  lambdaTimings?: LambdaTimings;
}): Promise<LocalEngine> {
  const catalogue = options.catalogue ?? CATALOGUE;
  const engine = new LocalEngine({
    clock: options.clock,
    functions: await localFunctionTable(options.ports, options.handlers, catalogue),
    dynamodb: options.dynamodb,
    seed: options.seed,
    lambdaTimings: options.lambdaTimings ?? lambdaTimingsFrom(process.env, catalogue),
    ...(options.executionNamePrefix ? { executionNamePrefix: options.executionNamePrefix } : {}),
  });
  await loadRunbooks(engine, catalogue);
  return engine;
}
