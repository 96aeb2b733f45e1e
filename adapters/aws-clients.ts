/**
 * The one place AWS SDK clients are built. One client per service per process (Lambda reuses
 * them across invocations); an endpoint configuration points them at local servers, so the same
 * production code runs against dynalite in tests and the local engine.
 */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { XRayClient } from '@aws-sdk/client-xray';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { Route53RecoveryClusterClient } from '@aws-sdk/client-route53-recovery-cluster';
import { Route53Client } from '@aws-sdk/client-route-53';
import { SFNClient } from '@aws-sdk/client-sfn';

export interface EndpointConfig {
  region?: string;
  /** Per-service endpoint overrides, e.g. `{ dynamodb: 'http://127.0.0.1:4567' }`. */
  endpoints?: Partial<Record<'dynamodb' | 'cloudwatch' | 'applicationAutoScaling', string>>;
  /** Static credentials for local servers; omitted in AWS, where the default chain applies. */
  localCredentials?: boolean;
  /** How a local DynamoDB is reached in-process (local/dynalite-transport.ts); HTTP otherwise. */
  dynamodbRequestHandler?: DynamoDBClientConfig['requestHandler'];
}

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/**
 * A region only when one is asked for: otherwise the SDK's own chain decides ($AWS_REGION, which
 * Lambda sets, else the region of the profile in ~/.aws/config). A fallback here would hide the
 * profile's region from an operator whose profile names one.
 */
function clientConfig(config: EndpointConfig, endpoint: string | undefined) {
  return {
    ...(config.region ? { region: config.region } : {}),
    ...(endpoint ? { endpoint } : {}),
    ...(config.localCredentials ? { credentials: LOCAL_CREDENTIALS } : {}),
  };
}

export function createDynamoDbClient(config: EndpointConfig = {}): DynamoDBClient {
  return new DynamoDBClient({
    ...clientConfig(config, config.endpoints?.dynamodb),
    ...(config.dynamodbRequestHandler ? { requestHandler: config.dynamodbRequestHandler } : {}),
  });
}

export function createCloudWatchClient(config: EndpointConfig = {}): CloudWatchClient {
  return new CloudWatchClient(clientConfig(config, config.endpoints?.cloudwatch));
}

export function createAutoScalingClient(config: EndpointConfig = {}): ApplicationAutoScalingClient {
  return new ApplicationAutoScalingClient(clientConfig(config, config.endpoints?.applicationAutoScaling));
}

/**
 * X-Ray has no local server: the simulated fleet implements XRayPort itself, so this client is
 * only ever built for AWS and takes no endpoint override.
 */
export function createXRayClient(config: EndpointConfig = {}): XRayClient {
  return new XRayClient(clientConfig(config, undefined));
}

/**
 * EventBridge has no local server either: the local world records what is published
 * (`world/cells/events.ts`), so this client is only ever built for AWS and takes no endpoint override.
 */
export function createEventBridgeClient(config: EndpointConfig = {}): EventBridgeClient {
  return new EventBridgeClient(clientConfig(config, undefined));
}

/**
 * Lambda has no local server: the simulated queue world implements EventSourceMappingPort itself
 * (`world/sqs/`), so this client is only ever built for AWS and takes no endpoint override.
 */
export function createLambdaClient(config: EndpointConfig = {}): LambdaClient {
  return new LambdaClient(clientConfig(config, undefined));
}

/**
 * SQS has no local server either: the simulated queue world implements QueuePort itself
 * (`world/sqs/`), so this client is only ever built for AWS and takes no endpoint override.
 */
export function createSqsClient(config: EndpointConfig = {}): SQSClient {
  return new SQSClient(clientConfig(config, undefined));
}

/**
 * Step Functions, for an operator's answer to a waiting runbook (`selfheal approve`/`reject`): only
 * ever built for AWS (the local engine answers through `local/step-functions.ts`), so no endpoint
 * override. The execution's ARN names its region; callers pass it, since that is where it runs.
 */
export function createSfnClient(config: EndpointConfig = {}): SFNClient {
  return new SFNClient(clientConfig(config, undefined));
}

/**
 * One client per Route 53 ARC cluster endpoint: the data plane answers only at the cluster's own
 * endpoint URLs, each signed for its own region (as DescribeCluster lists them). No SDK retries and
 * short timeouts, because `adapters/route53-recovery-cluster.ts` fails over to the next endpoint
 * instead: backing off on an endpoint that is down would only delay reaching one that is up.
 */
export function createRecoveryClusterClient(endpoint: string, region: string): Route53RecoveryClusterClient {
  return new Route53RecoveryClusterClient({
    endpoint,
    region,
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 2_000, requestTimeout: 5_000 },
  });
}

/**
 * Route 53's control plane, for the weighted-records routing adapter
 * (`adapters/route53-weighted-records.ts`) that fleets without ARC use. Route 53 is a global
 * service: whatever the region, the SDK sends its calls to the one global endpoint. No local
 * server (the simulated fleet implements RoutingControlPort itself), so no endpoint override. The
 * SDK's own retries back off on Route 53's Throttling and PriorRequestNotComplete.
 */
export function createRoute53Client(config: EndpointConfig = {}): Route53Client {
  return new Route53Client(clientConfig(config, undefined));
}

/** Local servers: a fixed region and static credentials, so nothing reaches for AWS config. */
export function localEndpointConfig(endpoints: EndpointConfig['endpoints']): EndpointConfig {
  return { region: 'us-east-1', endpoints, localCredentials: true };
}
