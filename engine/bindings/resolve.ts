/**
 * Binds a Task's Resource to what runs it locally, by the kind of resource. Returns a reason
 * string for a resource the engine cannot run, so registration can name the state.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LOCAL_REGION, functionNameOf } from '../arns.ts';
import type { ExecutionRecord, StartOptions } from '../executions.ts';
import { isJsonObject, type JsonValue } from '../../core/json.ts';
import { DATA_LIMIT_ERROR, payloadBytes, resultTooLargeCause } from '../quotas.ts';
import type { TaskTokens } from '../task-tokens.ts';
import { jsonTextOf, type InvocationContext, type TaskBinding, type TaskCallHook } from './binding.ts';
import { callSdkAction, dynamoDbService, type SdkService } from './aws-sdk.ts';
import { invokeLocalFunction, type LambdaFunctionTable } from './lambda-invoke.ts';
import type { LambdaEnvironments } from '../lambda-environments.ts';
import { startDetachedExecution, startNestedExecution, type NestedExecution } from './start-execution.ts';
import { TaskError } from './task-error.ts';

export type { InvocationContext, TaskBinding, TaskCallHook } from './binding.ts';

export interface BindingSources {
  functions: LambdaFunctionTable;
  /** Where the functions run, and how long each invocation takes in virtual time. */
  lambdaEnvironments: LambdaEnvironments;
  dynamodb: DynamoDBClient | undefined;
  sdkServices: Record<string, SdkService>;
  tokens: TaskTokens;
  startNested(reference: string, input: JsonValue, options: StartOptions): NestedExecution;
  /** Starts an execution without waiting for it (`states:startExecution`, request-response). */
  startDetached(reference: string, input: JsonValue, options: StartOptions): ExecutionRecord;
  /** Around every call (LocalEngineOptions.taskCallHook). */
  callHook?: TaskCallHook | undefined;
}

type Call = (parameters: JsonValue, context: InvocationContext) => Promise<JsonValue>;

const OPTIMIZED_DYNAMODB = new Set(['getItem', 'putItem', 'updateItem', 'deleteItem']);

export function bindTask(
  resource: string,
  parameters: JsonValue | undefined,
  sources: BindingSources,
): TaskBinding | string {
  const match = /^arn:aws:states:::([a-z0-9-]+):(.+)$/.exec(resource);
  if (!match) {
    return 'only service integrations (arn:aws:states:::…) are bound locally; call a Lambda through lambda:invoke';
  }
  const [, service, rest] = match as unknown as [string, string, string];
  const [action, ...patternParts] = rest.split('.');
  const pattern = patternParts.join('.');

  if (service === 'lambda' && action === 'invoke' && (pattern === '' || pattern === 'waitForTaskToken')) {
    const staticName = isJsonObject(parameters) ? parameters.FunctionName : undefined;
    if (typeof staticName === 'string' && !sources.functions.get(functionNameOf(staticName))) {
      return `no local handler is registered for function ${functionNameOf(staticName)}`;
    }
    return binding(
      'lambda',
      rest,
      pattern,
      invokeLocalFunction(sources.functions, sources.lambdaEnvironments),
      sources.tokens,
      sources.callHook,
    );
  }
  if (service === 'aws-sdk') {
    const [sdkService, sdkAction] = rest.split(':') as [string, string | undefined];
    const [actionName = ''] = (sdkAction ?? '').split('.');
    const target =
      sdkService === 'dynamodb' && sources.dynamodb
        ? dynamoDbService(sources.dynamodb, 'DynamoDb')
        : sources.sdkServices[sdkService];
    if (!target) return `no local server or simulated world serves the ${sdkService} API`;
    if (!target.has(actionName)) return `${sdkService} has no action ${actionName}`;
    if ((sdkAction ?? '').includes('.'))
      return 'integration patterns are not supported on aws-sdk tasks locally';
    return binding(
      `aws-sdk:${sdkService}`,
      actionName,
      '',
      callSdkAction(target, actionName),
      sources.tokens,
      sources.callHook,
    );
  }
  if (service === 'dynamodb' && OPTIMIZED_DYNAMODB.has(action ?? '') && pattern === '') {
    if (!sources.dynamodb) return 'the engine was started without a DynamoDB endpoint';
    const call = callSdkAction(dynamoDbService(sources.dynamodb, 'DynamoDB'), action as string);
    return binding('dynamodb', rest, '', call, sources.tokens, sources.callHook);
  }
  // `.waitForTaskToken`: publish a request (an approval) carrying the token, then wait for it.
  if (service === 'sns' && action === 'publish' && (pattern === '' || pattern === 'waitForTaskToken')) {
    const topic = sources.sdkServices.sns;
    if (!topic) return 'no local SNS topic is bound';
    return binding('sns', rest, pattern, callSdkAction(topic, 'publish'), sources.tokens, sources.callHook);
  }
  if (service === 'states' && action === 'startExecution' && pattern === 'sync:2') {
    return binding(
      'states',
      rest,
      '',
      startNestedExecution(sources.startNested),
      sources.tokens,
      sources.callHook,
    );
  }
  if (service === 'states' && action === 'startExecution' && pattern === '') {
    return binding(
      'states',
      rest,
      '',
      startDetachedExecution(sources.startDetached),
      sources.tokens,
      sources.callHook,
    );
  }
  return `the ${service}:${rest} integration is not bound in the local engine`;
}

/** Wraps a call with the history events AWS records for a task, and the token wait if asked. */
function binding(
  resourceType: string,
  resource: string,
  pattern: string,
  call: Call,
  tokens: TaskTokens,
  hook?: TaskCallHook,
): TaskBinding {
  return {
    resourceType,
    resource,
    invoke: async (parameters, context) => {
      const { history } = context;
      const token = pattern === 'waitForTaskToken' ? tokens.claimFrom(parameters) : undefined;
      if (pattern === 'waitForTaskToken' && !token) {
        throw new TaskError(
          'States.Runtime',
          `${context.stateName} waits for a task token but passes none ($$.Task.Token)`,
        );
      }
      history.record('TaskScheduled', {
        taskScheduledEventDetails: {
          resourceType,
          resource,
          region: LOCAL_REGION,
          parameters: context.parametersJson,
        },
      });
      history.record('TaskStarted', { taskStartedEventDetails: { resourceType, resource } });
      try {
        // A hook may hand the call other parameters or change its result: then nothing written
        // before is trusted, the parameters and the result are written as they are now.
        let output = await (hook
          ? hook(
              () => call(parameters, { ...context, parametersJson: JSON.stringify(parameters) }),
              parameters,
              context,
            )
          : call(parameters, context));
        if (context.signal.aborted) return output;
        if (token) {
          history.record('TaskSubmitted', {
            taskSubmittedEventDetails: { resourceType, resource, output: JSON.stringify(output) },
          });
          output = await context.waitForToken(token);
          if (context.signal.aborted) return output;
        }
        const json = hook ? JSON.stringify(output) : jsonTextOf(output);
        // A result over the payload quota fails the task (AWS names the integration, e.g. 'lambda').
        if (payloadBytes(json) > context.maxPayloadBytes) {
          throw new TaskError(DATA_LIMIT_ERROR, resultTooLargeCause(resourceType));
        }
        history.record('TaskSucceeded', {
          taskSucceededEventDetails: { resourceType, resource, output: json },
        });
        return output;
      } catch (error) {
        if (context.signal.aborted) throw error;
        const failure =
          error instanceof TaskError ? error : new TaskError('States.TaskFailed', String(error));
        history.record('TaskFailed', {
          taskFailedEventDetails: { resourceType, resource, error: failure.name, cause: failure.message },
        });
        throw failure;
      }
    },
  };
}
