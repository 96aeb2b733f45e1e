/**
 * Shared setup for the handler tests: the handlers are invoked as Lambda invokes them (a JSON
 * event built from the hot-shard runbook's own Parameters, a Lambda context object, a JSON result)
 * against tables in an in-process dynalite.
 */
import { afterEach, beforeAll, expect } from 'vitest';
import {
  DeleteTableCommand,
  DescribeTableCommand,
  InternalServerError,
  ResourceInUseException,
  ThrottlingException,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { CloudWatchServiceException, InternalServiceFault } from '@aws-sdk/client-cloudwatch';
import {
  ApplicationAutoScalingServiceException,
  ConcurrentUpdateException,
} from '@aws-sdk/client-application-auto-scaling';
import type { Context } from 'aws-lambda';
import { join } from 'node:path';
import type { AutoScalingPort, CloudWatchPort } from '../../domain/ports.ts';
import type { CapacityPorts } from '../../domain/capacity/ports.ts';
import type { LocalDynamoDbOptions } from '../../local/dynalite.ts';
import { findState, loadDefinitionFile } from '../../engine/asl.ts';
import { STATEMACHINES_DIR } from '../../runbooks/catalogue.ts';
import { isJsonObject, toJson, type JsonValue } from '../../core/json.ts';
import { lambdaArn } from '../../engine/arns.ts';
import { functionName } from '../../runbooks/catalogue.ts';
import { steadyDemandCloudWatch, type SteadyDemand } from '../../world/dynamodb/steady-demand.ts';
import {
  createOnDemandTable,
  createProvisionedTable,
  interceptCommands,
  useLocalDynamoDbClients,
} from '../support/local-dynamodb.ts';

export const TABLE = 'orders';
export const MISSING_TABLE = 'no-such-table';
/** 12:03:20.250: mid-minute, so every metric window ends at 12:03:00. */
export const NOW = Date.UTC(2026, 0, 1, 12, 3, 20, 250);

// ---------------------------------------------------------------------------------------------
// Invoking a handler the way Lambda does.

/** The context object Lambda passes (the fields Powertools reads, and the callbacks). */
export function lambdaContext(taskId: string): Context {
  const name = functionName(taskId);
  return {
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: lambdaArn(name),
    memoryLimitInMB: '1024',
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: '2026/01/01/[$LATEST]0123456789abcdef',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => 60_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

type LambdaHandler<Result> = (event: unknown, context: Context) => Promise<Result>;

/** Invokes a handler: the event and the result both cross a JSON boundary, as in Lambda. */
export async function invoke<Result>(
  handler: LambdaHandler<Result>,
  taskId: string,
  event: unknown,
): Promise<Result> {
  const result = await handler(toJson(event), lambdaContext(taskId));
  return toJson(result) as Result;
}

/** The rejection of an invocation, for assertions on its name and fields. */
export async function invocationError(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error as Error & Record<string, unknown>;
    throw new Error(`the handler threw a non-Error: ${String(error)}`, { cause: error });
  }
  throw new Error('the handler was expected to fail, and succeeded');
}

/**
 * The rejection of an invocation of a Task state's handler, checked to be under `name`, retryable
 * as `retried` says, and retried by the state's Retry blocks exactly when it is retryable.
 */
async function taskFailure(stateName: string, promise: Promise<unknown>, name: string, retried: boolean) {
  const error = await invocationError(promise);
  expect(error).toMatchObject({ name, retryable: retried });
  expect(retriedBy(stateName).includes(name), `${stateName} retries ${name}`).toBe(retried);
  return error;
}

/** {@link taskFailure} of an error the state retries. */
export const retriedFailure = (stateName: string, promise: Promise<unknown>, name: string) =>
  taskFailure(stateName, promise, name, true);

/** {@link taskFailure} of an error the state does not retry. */
export const unretriedFailure = (stateName: string, promise: Promise<unknown>, name: string) =>
  taskFailure(stateName, promise, name, false);

// ---------------------------------------------------------------------------------------------
// The hot-shard runbook: what its Task states send, and which errors they retry.

const hotShard = await loadDefinitionFile(join(STATEMACHINES_DIR, 'hot-shard.asl.json'));

interface LambdaTaskState {
  Parameters?: { [key: string]: JsonValue };
  Retry?: { ErrorEquals: string[] }[];
  Catch?: { ErrorEquals: string[]; Next: string }[];
}

function taskState(stateName: string): LambdaTaskState {
  const state = findState(hotShard, stateName);
  if (state?.Type !== 'Task') throw new Error(`hot-shard has no Task state "${stateName}"`);
  return state as LambdaTaskState;
}

/** `$`, `$.a.b` and `$$.a.b` (the context object): the paths the runbooks' task Parameters use. */
function select(path: string, input: JsonValue, context: JsonValue): JsonValue {
  if (path === '$') return input;
  if (!path.startsWith('$.') && !path.startsWith('$$.')) throw new Error(`unsupported path ${path}`);
  const [root, keys] = path.startsWith('$$.') ? [context, path.slice(3)] : [input, path.slice(2)];
  return keys.split('.').reduce<JsonValue>((value, key) => {
    if (!isJsonObject(value) || !(key in value)) throw new Error(`${path} selects nothing`);
    return value[key] as JsonValue;
  }, root);
}

/** A state's Parameters filled in from its input (and the context object), as Step Functions does. */
export function fillParameters(
  template: { [key: string]: JsonValue },
  input: JsonValue,
  context: JsonValue = {},
): { [key: string]: JsonValue } {
  return Object.fromEntries(
    Object.entries(template).map(([key, value]) => {
      if (key.endsWith('.$')) return [key.slice(0, -2), select(value as string, input, context)];
      return [key, isJsonObject(value) ? fillParameters(value, input, context) : value];
    }),
  );
}

/** The Lambda event a Task state sends, given the state's input (its Parameters' `Payload`). */
export function payloadOf(stateName: string, stateInput: unknown): JsonValue {
  const parameters = taskState(stateName).Parameters ?? {};
  return fillParameters(parameters, toJson(stateInput)).Payload ?? null;
}

/** Every error name a Task state's Retry blocks match. */
export function retriedBy(stateName: string): string[] {
  return (taskState(stateName).Retry ?? []).flatMap((retry) => retry.ErrorEquals);
}

/** The state a Task state's Catch sends an error of this name to (the first matching Catch). */
export function caughtBy(stateName: string, errorName: string): string | undefined {
  const matches = (equals: string[]) => equals.includes(errorName) || equals.includes('States.ALL');
  return (taskState(stateName).Catch ?? []).find((c) => matches(c.ErrorEquals))?.Next;
}

// ---------------------------------------------------------------------------------------------
// dynalite: tables to act on, and a record of what the handlers send.

export interface TableState {
  status: string | undefined;
  billingMode: string;
  read: number | undefined;
  write: number | undefined;
}

export interface LocalTables {
  /** The handlers' client: what is sent through it is recorded in `sent`. */
  readonly dynamodb: DynamoDBClient;
  /** The test's own client (creating, inspecting), recording nothing. */
  readonly direct: DynamoDBClient;
  /** Names of the commands sent through `dynamodb` in this test. */
  readonly sent: string[];
  create(options?: { name?: string; read?: number; write?: number; onDemand?: boolean }): Promise<void>;
  state(name?: string): Promise<TableState>;
  /** Makes the next `commandName` (e.g. 'UpdateTableCommand') fail with `error`, before it is sent. */
  failNext(commandName: string, error: Error): void;
}

/**
 * One dynalite for the file (or describe block), every table dropped after each test. The
 * returned object is usable from `beforeEach` and the tests on.
 */
export function useLocalTables(options: LocalDynamoDbOptions = {}): LocalTables {
  const [client, direct] = useLocalDynamoDbClients(2, options);
  const created: string[] = [];
  const sent: string[] = [];
  const failures = new Map<string, Error>();

  beforeAll(() => {
    interceptCommands(client!(), ({ command }) => {
      sent.push(command);
      const failure = failures.get(command);
      if (failure) {
        failures.delete(command);
        throw failure;
      }
    });
  });

  afterEach(async () => {
    failures.clear();
    sent.length = 0;
    for (const name of created.splice(0)) {
      await tables.direct.send(new DeleteTableCommand({ TableName: name }));
    }
  });

  const tables: LocalTables = {
    get dynamodb() {
      return client!();
    },
    get direct() {
      return direct!();
    },
    sent,
    async create({ name = TABLE, read = 300, write = 100, onDemand = false } = {}) {
      if (onDemand) await createOnDemandTable(tables.direct, name);
      else await createProvisionedTable(tables.direct, name, read, write);
      created.push(name);
    },
    async state(name = TABLE) {
      const table = (await tables.direct.send(new DescribeTableCommand({ TableName: name }))).Table;
      return {
        status: table?.TableStatus,
        billingMode: table?.BillingModeSummary?.BillingMode ?? 'PROVISIONED',
        read: table?.ProvisionedThroughput?.ReadCapacityUnits,
        write: table?.ProvisionedThroughput?.WriteCapacityUnits,
      };
    },
    failNext(commandName, error) {
      failures.set(commandName, error);
    },
  };
  return tables;
}

// ---------------------------------------------------------------------------------------------
// Ports around a dynalite table.

/** CloudWatch for a table that has no metrics (a table that does not exist, for one). */
export const noMetrics: CloudWatchPort = {
  getMetricData: async (input) => ({
    MetricDataResults: (input.MetricDataQueries ?? []).map((q) => ({
      Id: q.Id,
      StatusCode: 'Complete',
      Timestamps: [],
      Values: [],
    })),
  }),
  describeInsightRules: async () => ({ InsightRules: [] }),
  getInsightRuleReport: () => Promise.reject(new Error('there is no Contributor Insights rule to read')),
};

/** Application Auto Scaling that manages no table, and refuses to be changed. */
export const noAutoScaling: AutoScalingPort = {
  describeScalableTargets: async () => ({ ScalableTargets: [] }),
  registerScalableTarget: () => Promise.reject(new Error('no scalable target was expected to change')),
  describeScheduledActions: async () => ({ ScheduledActions: [] }),
  putScheduledAction: () => Promise.reject(new Error('no scheduled action was expected')),
};

/** Ports for a handler: the table's demand as CloudWatch sees it, no auto scaling, time at NOW. */
export function capacityPorts(
  tables: LocalTables,
  demand: SteadyDemand = { read: 100, write: 500 },
  overrides: Partial<CapacityPorts> = {},
): () => CapacityPorts {
  const ports: CapacityPorts = {
    dynamodb: tables.dynamodb,
    cloudwatch: steadyDemandCloudWatch(tables.direct, TABLE, demand).port,
    autoScaling: noAutoScaling,
    now: () => NOW,
    ...overrides,
  };
  return () => ports;
}

/** A port whose one method fails with `error` (the other methods as `base`). */
export function failing<Port extends object>(base: Port, method: keyof Port, error: Error): Port {
  return { ...base, [method]: () => Promise.reject(error) };
}

/** Errors as the AWS SDK v3 clients throw them (after their own retries gave up). */
export const awsErrors = {
  dynamoDbThrottling: () =>
    new ThrottlingException({ message: 'Rate of requests exceeds the allowed throughput.', $metadata: {} }),
  dynamoDbInternalError: () => new InternalServerError({ message: 'Internal server error', $metadata: {} }),
  dynamoDbTableInUse: () =>
    new ResourceInUseException({
      message: 'Attempt to change a resource which is still in use',
      $metadata: {},
    }),
  cloudWatchThrottling: () =>
    new CloudWatchServiceException({
      name: 'Throttling',
      $fault: 'client',
      $metadata: {},
      message: 'Rate exceeded',
    }),
  cloudWatchInternalFault: () =>
    new InternalServiceFault({ message: 'Internal service error', $metadata: {} }),
  autoScalingThrottling: () =>
    new ApplicationAutoScalingServiceException({
      name: 'ThrottlingException',
      $fault: 'client',
      $metadata: {},
      message: 'Rate exceeded',
    }),
  autoScalingConcurrentUpdate: () =>
    new ConcurrentUpdateException({ message: 'Concurrent update to the scalable target', $metadata: {} }),
  /** A socket reset as Node reports it: name 'Error', the cause in `code`. */
  connectionReset: () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
};
