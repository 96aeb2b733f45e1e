/**
 * Faults at every step (issue 17): the (runbook, state, fault) matrix read from the ASL, and a local
 * engine that injects one fault into one Task state.
 *
 * The matrix is generated, never written by hand: every Task state of every runbook of the
 * catalogue is listed from its definition (Parallel branches and Map processors included). A Lambda
 * task's function is found from its `FunctionName` (`taskInvokedAs`), and its faults follow from
 * what its manifest says it may do in AWS: a task with grants calls AWS, so it can meet AWS's
 * throttling, 5xx and refusals; a task with a grant that is not a read (`Describe*`, `Get*`, ...)
 * changes something, so it can also crash after the change. A new Task state, or a new task, is in
 * the matrix without a test written for it.
 *
 * Injection: the engine runs the ASL as written except that the one state under test invokes a
 * stand-in function (`fault-injected`) wrapping the real handler, so exactly that state meets the
 * fault (another state invoking the same function does not), and the real handler runs where the
 * fault says it does (after the change, or on the retry).
 *
 * A Task state of another integration (the optimized DynamoDB, SNS and StartExecution ones, an
 * AWS SDK call) meets the errors Step Functions reports for that service (`SERVICE_FAULTS`), thrown
 * by the engine's call hook (`taskCallHook`) for that one state, before the real call or after it
 * took effect; the state's history is AWS's (TaskScheduled, TaskStarted, TaskFailed).
 */
import { readFileSync } from 'node:fs';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { allStates, substitute, type AslDefinition, type AslState } from '../../engine/asl.ts';
import { lambdaArn, stateMachineNameOf } from '../../engine/arns.ts';
import type { TaskCallHook } from '../../engine/bindings/binding.ts';
import { TaskError } from '../../engine/bindings/task-error.ts';
import type { LambdaFunctionTable, LocalLambdaHandler } from '../../engine/bindings/lambda-invoke.ts';
import { LocalEngine } from '../../engine/local-engine.ts';
import type { VirtualClock } from '../../core/virtual-clock.ts';
import {
  CATALOGUE,
  functionName,
  taskInvokedAs,
  type Catalogue,
  type TaskFunction,
} from '../../runbooks/catalogue.ts';
import { localFunctionTable } from '../../local/functions.ts';
import { localSubstitutions } from '../../local/runbooks.ts';
import type { LocalPorts } from '../../local/task-ports.ts';

/** The stand-in function the state under test invokes instead of its own. */
export const FAULT_FUNCTION = 'fault-injected';

/**
 * What goes wrong. `transient` faults happen once and are what a Retry is for; the run must end as
 * it ends without them. `fatal` faults are not retried (or never stop), and the run must end by
 * name with everything put back or told. `after-change` faults come after the real handler did its
 * work: the change is made, but the state does not know it.
 */
export interface Fault {
  /** A short id for test names. */
  id: string;
  /** The error name the state sees (Lambda's `errorType`, or the integration's `Service.Exception`). */
  error: string;
  kind: 'transient' | 'fatal' | 'after-change';
  /** Before the real handler runs (it never runs on that attempt), or after it returned. */
  when: 'before' | 'after';
  /** How many attempts fail: one, or every one. */
  times: 1 | 'always';
  what: string;
}

/** Every Lambda task may meet these: the Lambda service itself throttling or failing the invoke. */
const LAMBDA_FAULTS: readonly Fault[] = [
  {
    id: 'lambda-throttled',
    error: 'Lambda.TooManyRequestsException',
    kind: 'transient',
    when: 'before',
    times: 1,
    what: 'Lambda throttles the invocation once',
  },
  {
    id: 'lambda-5xx',
    error: 'Lambda.ServiceException',
    kind: 'transient',
    when: 'before',
    times: 1,
    what: 'Lambda fails the invocation once with a 5xx',
  },
  {
    id: 'function-timeout',
    error: 'Sandbox.Timedout',
    kind: 'fatal',
    when: 'before',
    times: 1,
    what: 'the function runs out of time before it does anything',
  },
];

/** A task that calls AWS meets AWS's errors as the domain classifies them (domain/errors.ts). */
const AWS_CALL_FAULTS: readonly Fault[] = [
  {
    id: 'aws-throttled',
    error: 'AwsThrottledError',
    kind: 'transient',
    when: 'before',
    times: 1,
    what: 'an AWS call is throttled once',
  },
  {
    id: 'aws-5xx',
    error: 'AwsTransientError',
    kind: 'transient',
    when: 'before',
    times: 1,
    what: 'an AWS call fails once with a 5xx or a timeout',
  },
  {
    id: 'aws-throttled-always',
    error: 'AwsThrottledError',
    kind: 'fatal',
    when: 'before',
    times: 'always',
    what: 'every AWS call is throttled, past every retry',
  },
  {
    id: 'aws-refused',
    error: 'UnexpectedAwsError',
    kind: 'fatal',
    when: 'before',
    times: 1,
    what: 'AWS refuses the call (access denied)',
  },
];

/** A task that changes something can fail after the change. */
const AFTER_CHANGE_FAULTS: readonly Fault[] = [
  {
    id: 'crash-after-change',
    error: 'Sandbox.Timedout',
    kind: 'after-change',
    when: 'after',
    times: 1,
    what: 'the function times out after its change was made',
  },
  {
    id: 'response-lost-after-change',
    error: 'AwsTransientError',
    kind: 'after-change',
    when: 'after',
    times: 1,
    what: 'the change is made but its response is lost: the retry makes it again',
  },
];

const READ_ACTION = /^[a-z0-9-]+:(Describe|Get|List|BatchGet|Query|Scan|Receive)/;

/** A task that calls AWS at all: its manifest grants it something. */
export const callsAws = (task: TaskFunction): boolean => task.grants.length > 0;

/** A task that changes something in AWS: a grant that is not a read. */
export const mutates = (task: TaskFunction): boolean =>
  task.grants.some((grant) => grant.actions.some((action) => !READ_ACTION.test(action)));

export function faultsFor(task: TaskFunction): Fault[] {
  return [
    ...LAMBDA_FAULTS,
    ...(callsAws(task) ? AWS_CALL_FAULTS : []),
    ...(mutates(task) ? AFTER_CHANGE_FAULTS : []),
  ];
}

/**
 * The integrations of the Task states that are not Lambda, by their Resource, and the errors Step
 * Functions reports for each (../shared/aws-facts.md, "Step Functions errors"): the optimized
 * DynamoDB integration `DynamoDB.<Exception>`, the AWS SDK one `DynamoDb.<Exception>`, SNS
 * `SNS.<Error>Exception`, StartExecution `StepFunctions.ExecutionLimitExceeded`. `writes`: the call
 * changes something (an item, a message sent, an execution started), so it can take effect and
 * still fail the state (a lost response, retried where the state's Retry names the error).
 */
interface Integration {
  id: string;
  resource: RegExp;
  writes: boolean;
  throttled?: string;
  serverError?: string;
  refused: string;
  /** The error the state sees when the call took effect but its response was lost. */
  lost: string;
}

const INTEGRATIONS: readonly Integration[] = [
  {
    id: 'dynamodb',
    resource: /^arn:aws:states:::dynamodb:(getItem|putItem|updateItem|deleteItem)$/,
    writes: true,
    throttled: 'DynamoDB.ProvisionedThroughputExceededException',
    serverError: 'DynamoDB.InternalServerErrorException',
    refused: 'DynamoDB.AccessDeniedException',
    lost: 'DynamoDB.InternalServerErrorException',
  },
  {
    id: 'dynamodb-sdk',
    resource: /^arn:aws:states:::aws-sdk:dynamodb:[a-zA-Z]+$/,
    writes: false,
    throttled: 'DynamoDb.ThrottlingException',
    serverError: 'DynamoDb.InternalServerErrorException',
    refused: 'DynamoDb.AccessDeniedException',
    lost: 'DynamoDb.InternalServerErrorException',
  },
  {
    id: 'sns',
    resource: /^arn:aws:states:::sns:publish(\.waitForTaskToken)?$/,
    writes: true,
    throttled: 'SNS.ThrottledException',
    serverError: 'SNS.InternalErrorException',
    refused: 'SNS.AuthorizationErrorException',
    lost: 'SNS.InternalErrorException',
  },
  {
    id: 'states',
    resource: /^arn:aws:states:::states:startExecution(\.sync:2)?$/,
    writes: true,
    // StartExecution refused for too many open executions (AWS's own example retries it).
    throttled: 'StepFunctions.ExecutionLimitExceeded',
    // A refused or failed start the integration names no further: the task fails.
    refused: 'States.TaskFailed',
    lost: 'States.TaskFailed',
  },
];

const isReadAction = (resource: string): boolean =>
  /:(getItem|describe[A-Za-z]*|get[A-Za-z]*|list[A-Za-z]*|query|scan)$/.test(resource);

/** The faults a Task state of another integration than Lambda can meet, read from its Resource. */
export function serviceFaultsFor(resource: string): Fault[] {
  const integration = INTEGRATIONS.find((i) => i.resource.test(resource));
  if (!integration) return [];
  const faults: Fault[] = [];
  if (integration.throttled) {
    faults.push({
      id: 'service-throttled',
      error: integration.throttled,
      kind: 'transient',
      when: 'before',
      times: 1,
      what: 'the service throttles the call once',
    });
  }
  if (integration.serverError) {
    faults.push({
      id: 'service-5xx',
      error: integration.serverError,
      kind: 'transient',
      when: 'before',
      times: 1,
      what: 'the service fails the call once with a 5xx',
    });
  }
  faults.push({
    id: 'service-refused',
    error: integration.refused,
    kind: 'fatal',
    when: 'before',
    times: 1,
    what: 'the service refuses the call (access denied)',
  });
  if (integration.writes && !isReadAction(resource)) {
    faults.push({
      id: 'response-lost-after-write',
      error: integration.lost,
      kind: 'after-change',
      when: 'after',
      times: 1,
      what: 'the call takes effect but its response is lost',
    });
  }
  return faults;
}

/** A Task state of a runbook, as its ASL writes it. */
export interface TaskState {
  runbook: string;
  state: string;
  resource: string;
  /** For a Lambda task: the catalogue's function it invokes. */
  task?: TaskFunction;
  /** For a DynamoDB task: the table it names (`${LedgerTableName}`, ...). */
  table?: string;
}

const definitionOf = (path: string): AslDefinition => JSON.parse(readFileSync(path, 'utf8')) as AslDefinition;

const functionNameParameter = (state: AslState): unknown =>
  'Parameters' in state && typeof state.Parameters === 'object' && state.Parameters !== null
    ? (state.Parameters as Record<string, unknown>).FunctionName
    : undefined;

const tableParameter = (state: AslState): unknown =>
  'Parameters' in state && typeof state.Parameters === 'object' && state.Parameters !== null
    ? (state.Parameters as Record<string, unknown>).TableName
    : undefined;

const isLambdaInvoke = (resource: string): boolean => resource.startsWith('arn:aws:states:::lambda:invoke');

/** Every Task state of every runbook in the catalogue, in definition order. */
export function taskStates(catalogue: Catalogue = CATALOGUE): TaskState[] {
  return catalogue.runbooks.flatMap((runbook) =>
    allStates(definitionOf(runbook.path)).flatMap(({ name, state }): TaskState[] => {
      if (state.Type !== 'Task') return [];
      const task = isLambdaInvoke(state.Resource)
        ? taskInvokedAs(functionNameParameter(state), catalogue)
        : undefined;
      const table = tableParameter(state);
      return [
        {
          runbook: runbook.name,
          state: name,
          resource: state.Resource,
          ...(task ? { task } : {}),
          ...(typeof table === 'string' ? { table } : {}),
        },
      ];
    }),
  );
}

export interface FaultCase {
  runbook: string;
  state: string;
  /** For a Lambda Task state: the catalogue's function it invokes (none for another integration). */
  task?: TaskFunction;
  resource: string;
  /** For a DynamoDB task: the table it names. */
  table?: string;
  fault: Fault;
}

/** The (runbook, state, fault) matrix of the Lambda Task states of `runbooks`. */
export function lambdaFaultMatrix(
  runbooks: readonly string[],
  catalogue: Catalogue = CATALOGUE,
): FaultCase[] {
  return taskStates(catalogue)
    .filter((s) => runbooks.includes(s.runbook))
    .flatMap(({ runbook, state, task, resource }) =>
      task ? faultsFor(task).map((fault): FaultCase => ({ runbook, state, task, resource, fault })) : [],
    );
}

/** The (runbook, state, fault) matrix of the other Task states of `runbooks` (not Lambda). */
export function serviceFaultMatrix(
  runbooks: readonly string[],
  catalogue: Catalogue = CATALOGUE,
): FaultCase[] {
  return taskStates(catalogue)
    .filter((s) => runbooks.includes(s.runbook) && !s.task)
    .flatMap(({ runbook, state, resource, table }) =>
      serviceFaultsFor(resource).map((fault): FaultCase => ({
        runbook,
        state,
        resource,
        ...(table ? { table } : {}),
        fault,
      })),
    );
}

/**
 * An error as the handler would throw it: Lambda reports its `name` as the `errorType`. Its message
 * names no state (a state's name in a cause must not pass for the runbook telling what it left).
 */
function injectedError(fault: Fault): Error {
  const error = new Error(`${fault.what} (injected)`);
  error.name = fault.error;
  return error;
}

/** What the stand-in saw: how often it was invoked and how often it failed. */
export interface Injection {
  invocations: number;
  failures: number;
}

/** A state to inject into, the fault, and the stand-in function its state invokes. */
interface Injected {
  faultCase: FaultCase;
  standIn: string;
  injection: Injection;
}

const taskOf = (faultCase: FaultCase): TaskFunction => {
  if (!faultCase.task) throw new Error(`${faultCase.runbook}: ${faultCase.state} is not a Lambda task`);
  return faultCase.task;
};

function standInFor(base: LambdaFunctionTable, { faultCase, injection }: Injected): LocalLambdaHandler {
  const real = base.get(functionName(taskOf(faultCase).id));
  if (!real) throw new Error(`no function ${functionName(taskOf(faultCase).id)} in the table`);
  const { fault } = faultCase;
  const failsNow = (): boolean => fault.times === 'always' || injection.failures < fault.times;
  return async (event, context) => {
    injection.invocations += 1;
    if (fault.when === 'before' && failsNow()) {
      injection.failures += 1;
      throw injectedError(fault);
    }
    const result = await real(event, context);
    if (fault.when === 'after' && failsNow()) {
      injection.failures += 1;
      throw injectedError(fault);
    }
    return result;
  };
}

/** The function table with a stand-in for each injected state: its real handler, failing as told. */
function faultyFunctionTable(base: LambdaFunctionTable, injected: readonly Injected[]): LambdaFunctionTable {
  const standIns = new Map(injected.map((i) => [i.standIn, standInFor(base, i)]));
  const realOf = new Map(injected.map((i) => [i.standIn, functionName(taskOf(i.faultCase).id)]));
  return {
    get: (name) => standIns.get(name) ?? base.get(name),
    names: () => [...base.names(), ...standIns.keys()],
    origin: (name) => base.origin?.(realOf.get(name) ?? name),
  };
}

/**
 * The engine's call hook failing the calls of the injected states of other integrations than
 * Lambda, as the service would: before the real call (it never happens), or after it (it took
 * effect); every other call goes through as it is.
 */
function faultyCalls(injected: readonly Injected[]): TaskCallHook {
  return async (call, _parameters, context) => {
    const runbook = stateMachineNameOf(context.execution.stateMachineArn);
    const at = injected.find(
      (i) => i.faultCase.runbook === runbook && i.faultCase.state === context.stateName,
    );
    if (!at) return call();
    const { fault } = at.faultCase;
    const failsNow = (): boolean => fault.times === 'always' || at.injection.failures < fault.times;
    const fail = (): never => {
      at.injection.failures += 1;
      throw new TaskError(fault.error, `${fault.what} (injected)`);
    };
    at.injection.invocations += 1;
    if (fault.when === 'before' && failsNow()) fail();
    const result = await call();
    if (fault.when === 'after' && failsNow()) fail();
    return result;
  };
}

/** Points state `stateName` of a (substituted) definition at the stand-in function. */
function redirect(definition: AslDefinition, stateName: string, standIn: string): void {
  const visited = allStates(definition).find((s) => s.name === stateName);
  const state = visited?.state;
  if (!state || state.Type !== 'Task' || !isLambdaInvoke(state.Resource)) {
    throw new Error(`no Lambda Task state "${stateName}" to inject into`);
  }
  const parameters = (state as { Parameters?: Record<string, unknown> }).Parameters;
  if (!parameters) throw new Error(`Lambda Task state "${stateName}" has no Parameters`);
  parameters.FunctionName = lambdaArn(standIn);
}

/**
 * A local engine with every runbook of the catalogue loaded on the world's `ports`, the tasks
 * running the deployed bundles; with a `faultCase`, its state invokes a stand-in instead (a Lambda
 * task), or its calls fail through the engine's call hook (another integration). A `primer`
 * is a fault injected first elsewhere, to take the run down the path to a state it reaches only
 * after a failure (a restore, a roll-back); `injection` counts the case's own fault only.
 */
export async function faultyEngine(options: {
  clock: VirtualClock;
  ports: LocalPorts;
  dynamodb: DynamoDBClient;
  faultCase?: FaultCase | undefined;
  primer?: FaultCase | undefined;
  seed?: number;
}): Promise<{ engine: LocalEngine; injection: Injection }> {
  const injection: Injection = { invocations: 0, failures: 0 };
  const injected: Injected[] = [];
  if (options.faultCase) injected.push({ faultCase: options.faultCase, standIn: FAULT_FUNCTION, injection });
  if (options.primer) {
    injected.push({
      faultCase: options.primer,
      standIn: `${FAULT_FUNCTION}-primer`,
      injection: { invocations: 0, failures: 0 },
    });
  }
  const base = await localFunctionTable(options.ports);
  const lambdas = injected.filter((i) => i.faultCase.task);
  const services = injected.filter((i) => !i.faultCase.task);
  const engine = new LocalEngine({
    clock: options.clock,
    functions: lambdas.length > 0 ? faultyFunctionTable(base, lambdas) : base,
    dynamodb: options.dynamodb,
    seed: options.seed ?? 1,
    ...(services.length > 0 ? { taskCallHook: faultyCalls(services) } : {}),
  });
  const values = localSubstitutions();
  for (const runbook of CATALOGUE.runbooks) {
    const definition = substitute(definitionOf(runbook.path), values, runbook.name);
    for (const { faultCase, standIn } of lambdas) {
      if (faultCase.runbook === runbook.name) redirect(definition, faultCase.state, standIn);
    }
    engine.register(runbook.name, definition);
  }
  return { engine, injection };
}
