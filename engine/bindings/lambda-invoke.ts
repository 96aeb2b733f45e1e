/**
 * `arn:aws:states:::lambda:invoke`: runs the handler module in-process with the event and context
 * Lambda would give it, and returns what the optimized integration returns (`Payload` and friends).
 */
import { randomUUID } from 'node:crypto';
import { functionNameOf, lambdaArn } from '../arns.ts';
import { type JsonValue, isJsonObject } from '../../core/json.ts';
import { TaskError } from './task-error.ts';
import { withJsonText, type InvocationContext } from './binding.ts';
import type { LambdaEnvironments } from '../lambda-environments.ts';

/** The part of the Lambda context object handlers and Powertools read. */
export interface LocalLambdaContext {
  functionName: string;
  functionVersion: string;
  invokedFunctionArn: string;
  memoryLimitInMB: string;
  awsRequestId: string;
  logGroupName: string;
  logStreamName: string;
  callbackWaitsForEmptyEventLoop: boolean;
  getRemainingTimeInMillis(): number;
  done(): void;
  fail(): void;
  succeed(): void;
}

export type LocalLambdaHandler = (event: unknown, context: LocalLambdaContext) => Promise<unknown>;

export interface LambdaFunctionTable {
  get(functionName: string): LocalLambdaHandler | undefined;
  names(): string[];
  /** Where a function's code comes from (its module file), for reports and tests. */
  origin?(functionName: string): string | undefined;
}

function contextFor(functionName: string): LocalLambdaContext {
  return {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: lambdaArn(functionName),
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => 60_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Lambda reports a function error as `errorType` / JSON cause; Step Functions surfaces both. */
function functionError(error: unknown): TaskError {
  const errorType = error instanceof Error ? error.name : 'Error';
  const errorMessage = error instanceof Error ? error.message : String(error);
  const trace = error instanceof Error && error.stack ? error.stack.split('\n') : [];
  return new TaskError(errorType, JSON.stringify({ errorType, errorMessage, trace }));
}

/**
 * The handler runs in one of its function's execution environments (`environments`): a cold one
 * waits for Lambda's Init phase first, and every invocation lasts its Invoke phase, in virtual time
 * (engine/lambda-environments.ts; no time at all unless the engine is given durations).
 */
export function invokeLocalFunction(functions: LambdaFunctionTable, environments: LambdaEnvironments) {
  return async (
    parameters: JsonValue,
    context: Pick<InvocationContext, 'signal' | 'parametersJson'>,
  ): Promise<JsonValue> => {
    if (!isJsonObject(parameters) || typeof parameters.FunctionName !== 'string') {
      throw new TaskError('States.Runtime', 'lambda:invoke needs a FunctionName string in Parameters');
    }
    const name = functionNameOf(parameters.FunctionName);
    const handler = functions.get(name);
    if (!handler) {
      // What Lambda answers for a function that does not exist.
      throw new TaskError('Lambda.ResourceNotFoundException', `Function not found: ${lambdaArn(name)}`);
    }
    // The payload crosses a JSON boundary both ways, exactly as it does in AWS: the event is read
    // back from the parameters' text (a copy the handler may change freely), the result is
    // written as Node's runtime writes it (JSON.stringify, undefined as null).
    const event = (JSON.parse(context.parametersJson) as { Payload?: JsonValue }).Payload ?? {};
    let result: unknown;
    try {
      result = await environments.invoke(name, context.signal, () => handler(event, contextFor(name)));
    } catch (error) {
      throw functionError(error);
    }
    const payload = (JSON.stringify(result) as string | undefined) ?? 'null';
    const output = {
      ExecutedVersion: '$LATEST',
      Payload: JSON.parse(payload) as JsonValue,
      SdkHttpMetadata: { HttpStatusCode: 200 },
      StatusCode: 200,
    };
    return withJsonText(
      output,
      `{"ExecutedVersion":"$LATEST","Payload":${payload},"SdkHttpMetadata":{"HttpStatusCode":200},"StatusCode":200}`,
    );
  };
}
