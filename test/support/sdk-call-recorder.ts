/**
 * What a task asks of AWS, as IAM sees it. The least-privilege check (`test/infra/least-privilege.test.ts`)
 * runs each task's production handler over aws-sdk-client-mock'ed clients; this reads the commands
 * the mocks received (service, command, input) and turns each into the requests IAM authorises:
 * the action (`UpdateTableCommand` of DynamoDB -> `dynamodb:UpdateTable`), the resource ARN built
 * from the command's input as AWS builds it (a table's ARN from TableName, a queue's from its URL,
 * `*` where the action has no resource type), and the condition keys AWS fills in from the request.
 * One command may be several requests: a BatchGetItem is authorised per table, a PutEvents per entry.
 */

/** The IAM service prefix of each SDK client the tasks use. */
export const IAM_PREFIX = {
  DynamoDBClient: 'dynamodb',
  CloudWatchClient: 'cloudwatch',
  ApplicationAutoScalingClient: 'application-autoscaling',
  XRayClient: 'xray',
  EventBridgeClient: 'events',
  LambdaClient: 'lambda',
  SQSClient: 'sqs',
  Route53RecoveryClusterClient: 'route53-recovery-cluster',
  SFNClient: 'states',
} as const;
export type SdkClientName = keyof typeof IAM_PREFIX;

/** Where the requests are made: the account and region a resource's ARN names. */
export interface CallerEnvironment {
  account: string;
  region: string;
  /** The function each event-source mapping feeds, by UUID: Lambda authorises a mapping change on it. */
  mappingFunctions?: Readonly<Record<string, string>>;
  /**
   * Application Auto Scaling names a scalable target by an id it assigns (`scalable-target/<id>`),
   * which no request carries: the id to put in its ARN.
   */
  scalableTargetId?: string;
}

/** One request IAM authorises. */
export interface AuthorisationRequest {
  action: string;
  resource: string;
  context: Record<string, string | string[]>;
}

/** One command a mocked client received. */
export interface SdkCall {
  client: SdkClientName;
  command: string;
  input: Readonly<Record<string, unknown>>;
  requests: AuthorisationRequest[];
}

/**
 * The commands a mock received (`mockClient(X).calls()`), whatever the client: each call's first
 * argument is the command sent.
 */
export interface SdkCommandHistory {
  calls(): { args: readonly unknown[] }[];
}

/** What a recorder watches: mocks by the client they replace. */
export class SdkCallRecorder {
  private readonly mocks: { client: SdkClientName; mock: SdkCommandHistory }[] = [];
  private readonly environment: CallerEnvironment;

  constructor(environment: CallerEnvironment) {
    this.environment = environment;
  }

  /** Watches `mock`, the aws-sdk-client-mock stub of `client`; returns it. */
  watch<Stub extends SdkCommandHistory>(client: SdkClientName, mock: Stub): Stub {
    this.mocks.push({ client, mock });
    return mock;
  }

  /** Every command the watched mocks have received since their history was last reset. */
  calls(): SdkCall[] {
    return this.mocks.flatMap(({ client, mock }) =>
      mock.calls().map((call) => {
        const command = call.args[0] as { input?: object; constructor: { name: string } };
        const name = command.constructor.name;
        const input = (command.input ?? {}) as Record<string, unknown>;
        return {
          client,
          command: name,
          input,
          requests: authorisationRequests(client, name, input, this.environment),
        };
      }),
    );
  }
}

/** `UpdateTableCommand` -> `UpdateTable`. */
const operationOf = (command: string): string => command.replace(/Command$/, '');

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** A queue's ARN from its URL (`https://sqs.<region>.amazonaws.com/<account>/<name>`). */
export function queueArnFromUrl(url: string): string {
  const match = /^https:\/\/sqs\.([a-z0-9-]+)\.amazonaws\.com\/(\d{12})\/([\w-]+(?:\.fifo)?)$/.exec(url);
  if (!match) throw new Error(`not an SQS queue URL: ${url}`);
  return `arn:aws:sqs:${match[1]}:${match[2]}:${match[3]}`;
}

/** The requests IAM authorises for one command of one client. */
export function authorisationRequests(
  client: SdkClientName,
  command: string,
  input: Readonly<Record<string, unknown>>,
  env: CallerEnvironment,
): AuthorisationRequest[] {
  const operation = operationOf(command);
  const action = `${IAM_PREFIX[client]}:${operation}`;
  const arn = (service: string, resource: string, region = env.region) =>
    `arn:aws:${service}:${region}:${env.account}:${resource}`;
  const one = (resource: string, context: Record<string, string | string[]> = {}) => [
    { action, resource, context },
  ];
  switch (client) {
    case 'DynamoDBClient': {
      const table = (name: string) => arn('dynamodb', `table/${name}`);
      if (operation === 'BatchGetItem' || operation === 'BatchWriteItem') {
        const tables = Object.keys((input.RequestItems ?? {}) as Record<string, unknown>);
        return tables.map((name) => ({ action, resource: table(name), context: {} }));
      }
      const index = text(input.IndexName);
      return one(index ? `${table(text(input.TableName))}/index/${index}` : table(text(input.TableName)));
    }
    case 'CloudWatchClient':
      // GetInsightRuleReport is authorised on the rule; GetMetricData and DescribeInsightRules on `*`.
      return one(
        operation === 'GetInsightRuleReport'
          ? arn('cloudwatch', `insight-rule/${text(input.RuleName)}`)
          : '*',
      );
    case 'ApplicationAutoScalingClient': {
      if (operation.startsWith('Describe')) return one('*');
      const id = env.scalableTargetId ?? '0123456789abcdef0123456789abcdef';
      return one(arn('application-autoscaling', `scalable-target/${id}`), {
        'application-autoscaling:service-namespace': text(input.ServiceNamespace),
        'application-autoscaling:scalable-dimension': text(input.ScalableDimension),
      });
    }
    case 'XRayClient':
      // The reads the tasks make (statistics, insight summaries) have no resource type.
      return one('*');
    case 'EventBridgeClient': {
      // PutEvents is authorised once per event bus, with the sources and detail-types of all its
      // entries as the multivalued keys `events:source` and `events:detail-type`.
      const entries = (input.Entries ?? []) as {
        EventBusName?: string;
        Source?: string;
        DetailType?: string;
      }[];
      const bus = (entry: { EventBusName?: string }) =>
        entry.EventBusName?.startsWith('arn:')
          ? entry.EventBusName
          : arn('events', `event-bus/${entry.EventBusName ?? 'default'}`);
      return [...new Set(entries.map(bus))].map((resource) => {
        const on = entries.filter((entry) => bus(entry) === resource);
        const distinct = (values: (string | undefined)[]) => [...new Set(values.map((v) => v ?? ''))];
        return {
          action,
          resource,
          context: {
            'events:source': distinct(on.map((e) => e.Source)),
            'events:detail-type': distinct(on.map((e) => e.DetailType)),
          },
        };
      });
    }
    case 'LambdaClient': {
      const uuid = text(input.UUID);
      const fn = env.mappingFunctions?.[uuid];
      return one(
        arn('lambda', `event-source-mapping:${uuid}`),
        operation === 'UpdateEventSourceMapping' && fn ? { 'lambda:FunctionArn': fn } : {},
      );
    }
    case 'SQSClient':
      return one(queueArnFromUrl(text(input.QueueUrl)));
    case 'Route53RecoveryClusterClient': {
      if (operation === 'UpdateRoutingControlStates') {
        const entries = (input.UpdateRoutingControlStateEntries ?? []) as { RoutingControlArn?: string }[];
        return entries.map((entry) => ({ action, resource: entry.RoutingControlArn ?? '', context: {} }));
      }
      return one(text(input.RoutingControlArn));
    }
    case 'SFNClient': {
      const target = text(input.executionArn) || text(input.stateMachineArn);
      return one(target || '*');
    }
  }
}
