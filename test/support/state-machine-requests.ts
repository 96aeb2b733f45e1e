/**
 * What a state machine asks of AWS, as IAM sees it: each Task state of its ASL (substitutions made,
 * so names and ARNs are the deployed ones), read with its Parameters, turned into the requests Step
 * Functions makes with the state machine's role. The least-privilege check evaluates them against
 * the role the CDK app synthesizes. Independent of `infra/permissions/runbook-needs.ts` on purpose:
 * it reads the deployed definition, not the placeholders, and names every resource by its ARN.
 */
import { allStates, type AslDefinition } from '../../engine/asl.ts';
import type { JsonObject } from '../../core/json.ts';
import type { AuthorisationRequest } from './sdk-call-recorder.ts';

export interface StateMachineContext {
  account: string;
  region: string;
  /** Tables a Task names at run time (`TableName.$`): the ones the deployment may be asked about. */
  requestTables: readonly string[];
  /** The KMS key that encrypts a topic, by topic ARN. */
  topicKeys: Readonly<Record<string, string>>;
}

/** One Task state's requests. */
export interface TaskStateRequests {
  state: string;
  resource: string;
  requests: AuthorisationRequest[];
}

const OPTIMIZED_DYNAMODB = /^arn:aws:states:::dynamodb:(getItem|putItem|updateItem|deleteItem)$/;
const SDK_DYNAMODB = /^arn:aws:states:::aws-sdk:dynamodb:([a-zA-Z]+)$/;
const LAMBDA_INVOKE = /^arn:aws:states:::lambda:invoke(\.waitForTaskToken)?$/;
const SNS_PUBLISH = /^arn:aws:states:::sns:publish(\.waitForTaskToken)?$/;
const START_EXECUTION = /^arn:aws:states:::states:startExecution(\.sync(:2)?)?$/;

const capitalised = (action: string): string => action.charAt(0).toUpperCase() + action.slice(1);

export function stateMachineRequests(
  definition: JsonObject,
  context: StateMachineContext,
): TaskStateRequests[] {
  const arn = (service: string, resource: string) =>
    `arn:aws:${service}:${context.region}:${context.account}:${resource}`;
  const result: TaskStateRequests[] = [];
  for (const { name, state } of allStates(definition as unknown as AslDefinition)) {
    if (state.Type !== 'Task') continue;
    const resource = state.Resource;
    const parameters = (state.Parameters ?? {}) as Record<string, unknown>;
    const field = (key: string): string => {
      const value = parameters[key];
      if (typeof value !== 'string')
        throw new Error(`${name}: ${key} is not a deployed name: ${JSON.stringify(value)}`);
      return value;
    };
    const request = (action: string, target: string): AuthorisationRequest => ({
      action,
      resource: target,
      context: {},
    });
    const tables = (): string[] =>
      'TableName.$' in parameters
        ? context.requestTables.map((t) => arn('dynamodb', `table/${t}`))
        : [arn('dynamodb', `table/${field('TableName')}`)];
    let match: RegExpExecArray | null;
    let requests: AuthorisationRequest[];
    if (LAMBDA_INVOKE.test(resource)) {
      requests = [request('lambda:InvokeFunction', field('FunctionName'))];
    } else if ((match = OPTIMIZED_DYNAMODB.exec(resource)) ?? (match = SDK_DYNAMODB.exec(resource))) {
      const action = `dynamodb:${capitalised(match[1] ?? '')}`;
      requests = tables().map((table) => request(action, table));
    } else if (SNS_PUBLISH.test(resource)) {
      const topic = field('TopicArn');
      const key = context.topicKeys[topic];
      // Publishing to a topic encrypted with a customer managed key: SNS asks KMS for a data key
      // with the publisher's permissions (kms:GenerateDataKey, kms:Decrypt on the key).
      requests = [
        request('sns:Publish', topic),
        ...(key ? [request('kms:GenerateDataKey', key), request('kms:Decrypt', key)] : []),
      ];
    } else if ((match = START_EXECUTION.exec(resource))) {
      const stateMachine = field('StateMachineArn');
      requests = [request('states:StartExecution', stateMachine)];
      if (match[1] !== undefined) {
        // `.sync` polls the child execution, stops it if this run stops, and learns of its end
        // through the rule Step Functions manages in the account.
        const execution = stateMachine.replace(':stateMachine:', ':execution:') + ':a1b2c3d4-child';
        const rule = arn('events', 'rule/StepFunctionsGetEventsForStepFunctionsExecutionRule');
        requests.push(
          request('states:DescribeExecution', execution),
          request('states:StopExecution', execution),
          request('events:PutTargets', rule),
          request('events:PutRule', rule),
          request('events:DescribeRule', rule),
        );
      }
    } else {
      throw new Error(`${name}: no requests are known for resource ${resource}`);
    }
    result.push({ state: name, resource, requests });
  }
  return result;
}
