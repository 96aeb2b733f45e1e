/**
 * `arn:aws:states:::aws-sdk:<service>:<action>` and the optimized DynamoDB integrations
 * (`arn:aws:states:::dynamodb:getItem` …): a real AWS SDK v3 call against the local endpoint, or a
 * call on a port bound to the simulated world for services with no local server.
 */
import * as dynamodb from '@aws-sdk/client-dynamodb';
import { toJson, type JsonValue } from '../../core/json.ts';
import { TaskError, messageOf, sdkErrorName } from './task-error.ts';

/** A service as a set of actions (camelCase, as in the resource ARN) taking PascalCase parameters. */
export interface SdkService {
  /** The error prefix Step Functions uses for this service, e.g. `DynamoDb` (SDK) or `DynamoDB` (optimized). */
  errorPrefix: string;
  has(action: string): boolean;
  call(action: string, parameters: JsonValue): Promise<unknown>;
}

const pascal = (action: string): string => action.charAt(0).toUpperCase() + action.slice(1);

type CommandConstructor = new (input: unknown) => Parameters<dynamodb.DynamoDBClient['send']>[0];

/** DynamoDB through the real client: dynalite locally, DynamoDB in AWS. */
export function dynamoDbService(
  client: dynamodb.DynamoDBClient,
  errorPrefix: 'DynamoDb' | 'DynamoDB',
): SdkService {
  const commands = dynamodb as unknown as Record<string, CommandConstructor | undefined>;
  const commandFor = (action: string): CommandConstructor | undefined => commands[`${pascal(action)}Command`];
  return {
    errorPrefix,
    has: (action) => commandFor(action) !== undefined,
    call: async (action, parameters) => {
      const Command = commandFor(action) as CommandConstructor;
      const { $metadata: _metadata, ...output } = (await client.send(new Command(parameters))) as {
        $metadata?: unknown;
      };
      return output;
    },
  };
}

/**
 * A port object (methods named like the API actions, e.g. `getMetricData`) as an SDK service, so
 * the world that answers the handlers also answers the state machine's SDK tasks.
 */
export function portService(errorPrefix: string, port: object): SdkService {
  const method = (action: string): ((input: unknown) => Promise<unknown>) | undefined => {
    const candidate = (port as Record<string, unknown>)[action];
    return typeof candidate === 'function'
      ? (candidate.bind(port) as (input: unknown) => Promise<unknown>)
      : undefined;
  };
  return {
    errorPrefix,
    has: (action) => method(action) !== undefined,
    call: (action, parameters) => (method(action) as (input: unknown) => Promise<unknown>)(parameters),
  };
}

export function callSdkAction(service: SdkService, action: string) {
  return async (parameters: JsonValue): Promise<JsonValue> => {
    try {
      return toJson(await service.call(action, parameters));
    } catch (error) {
      throw new TaskError(sdkErrorName(service.errorPrefix, error), messageOf(error));
    }
  };
}
