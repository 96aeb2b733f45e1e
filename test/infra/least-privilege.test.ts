/**
 * Least privilege, checked both ways (issue 17). Each Lambda task of the catalogue (and the
 * grey-cell detector) runs its production handler — the module's export Lambda calls, over the
 * production adapters and SDK clients — with the SDK mocked (aws-sdk-client-mock) to give canned
 * answers, or a simulated world's, or dynalite's for DynamoDB. The commands it sends are recorded,
 * and each request IAM would authorise (action, real resource ARN, condition keys) is evaluated with
 * an IAM policy simulator (@cloud-copilot/iam-simulate) against the identity policies the CDK app
 * synthesizes for that function's role, intrinsics resolved to the stack's real ARNs. Every request
 * must be allowed, and every action the role is granted must be sent by some recorded call, but
 * for the explained exceptions below. Each state machine's role is checked the same way against
 * what its ASL's Task states ask of AWS, read with their Parameters.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  DynamoDBClient,
  PutItemCommand,
  type ServiceOutputTypes as DynamoDBServiceOutput,
} from '@aws-sdk/client-dynamodb';
import {
  CloudWatchClient,
  DescribeInsightRulesCommand,
  GetInsightRuleReportCommand,
  GetMetricDataCommand,
  type GetMetricDataInput,
} from '@aws-sdk/client-cloudwatch';
import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  DescribeScheduledActionsCommand,
  PutScheduledActionCommand,
  RegisterScalableTargetCommand,
  type DescribeScalableTargetsRequest,
} from '@aws-sdk/client-application-auto-scaling';
import {
  GetInsightSummariesCommand,
  GetTimeSeriesServiceStatisticsCommand,
  XRayClient,
} from '@aws-sdk/client-xray';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  GetEventSourceMappingCommand,
  LambdaClient,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  GetRoutingControlStateCommand,
  Route53RecoveryClusterClient,
  UpdateRoutingControlStatesCommand,
} from '@aws-sdk/client-route53-recovery-cluster';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { Context } from 'aws-lambda';
import { lambdaContext } from '../handlers/support.ts';
import { synthesize, exampleConfig } from '../support/selfheal-stack.ts';
import {
  queueArnFromUrl,
  SdkCallRecorder,
  type AuthorisationRequest,
  type SdkClientName,
  type SdkCommandHistory,
} from '../support/sdk-call-recorder.ts';
import { SynthesizedRoles, type CfnTemplate, type SynthesizedRole } from '../support/synthesized-roles.ts';
import { stateMachineRequests } from '../support/state-machine-requests.ts';
import { CATALOGUE, DETECTOR_ENTRIES, PRODUCT_ROOT } from '../../runbooks/catalogue.ts';
import { deploymentNames } from '../../domain/deployment/names.ts';
import { createDispatchTables } from '../../domain/dispatch/tables.ts';
import { localDynamoDbClient, startLocalDynamoDb, type LocalDynamoDb } from '../../local/dynalite.ts';
import { toJson } from '../../core/json.ts';
import { routingOf } from '../../infra/config/derived.ts';
import { HOT_KEY, HOT_KEY_TABLE, seedHotKeyTable, sortKeyOf } from '../../world/dynamodb/hot-key-table.ts';
import { shardKey } from '../../key-router/shard-map.ts';
import { cellFleetPorts, request as cellShiftRequest } from '../support/cell-fleet-ports.ts';
import { request as backpressureRequest } from '../support/queue-world-ports.ts';
import { createProvisionedTable } from '../support/local-dynamodb.ts';
import { EXAMPLE_ALARM } from '../support/alarm-state-changes.ts';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

function missing(what: string): never {
  throw new Error(what);
}

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const config = exampleConfig();
const names = deploymentNames(config.deployment);
const MAPPING = config.mappings[0] ?? missing('the example config has no mapping');
const CONSUMER_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${MAPPING.functionName}`;

// ---------------------------------------------------------------------------------------------
// The explained exceptions: actions a role is granted that no handler's SDK call sends.

/** Granted to every Lambda task's role, used by the Lambda service and runtime, not by the handler's SDK clients. */
const FUNCTION_EXCEPTIONS: Readonly<Record<string, string>> = {
  'logs:CreateLogStream': "Lambda creates the function's log stream in its own log group with the role",
  'logs:PutLogEvents': "Lambda writes the function's logs to its own log group with the role",
  'xray:PutTraceSegments': 'active tracing: Lambda and the X-Ray SDK send trace segments with the role',
  'xray:PutTelemetryRecords': 'active tracing: the X-Ray daemon in Lambda sends telemetry with the role',
};

/** Granted to every state machine's role by the CDK for its logging (level ALL) and X-Ray tracing. */
const STATE_MACHINE_EXCEPTIONS: Readonly<Record<string, string>> = {
  'logs:CreateLogDelivery': 'Step Functions sets up log delivery to the log group (CDK, logging)',
  'logs:GetLogDelivery': 'Step Functions log delivery (CDK, logging)',
  'logs:UpdateLogDelivery': 'Step Functions log delivery (CDK, logging)',
  'logs:DeleteLogDelivery': 'Step Functions log delivery (CDK, logging)',
  'logs:ListLogDeliveries': 'Step Functions log delivery (CDK, logging)',
  'logs:PutResourcePolicy': 'Step Functions log delivery to a vended log group (CDK, logging)',
  'logs:DescribeResourcePolicies': 'Step Functions log delivery to a vended log group (CDK, logging)',
  'logs:DescribeLogGroups': 'Step Functions log delivery (CDK, logging)',
  'xray:PutTraceSegments': 'X-Ray tracing of the state machine (CDK, tracingEnabled)',
  'xray:PutTelemetryRecords': 'X-Ray tracing of the state machine (CDK, tracingEnabled)',
  'xray:GetSamplingRules': 'X-Ray tracing of the state machine (CDK, tracingEnabled)',
  'xray:GetSamplingTargets': 'X-Ray tracing of the state machine (CDK, tracingEnabled)',
};

// ---------------------------------------------------------------------------------------------
// Evaluating requests against a role.

interface Verdict {
  request: AuthorisationRequest;
  allowed: boolean;
  why: string;
}

async function evaluate(role: SynthesizedRole, request: AuthorisationRequest): Promise<Verdict> {
  // A resource policy of the stack's (a key's, a topic's) is evaluated with the identity policies:
  // KMS honours identity policies only where the key policy lets the account's IAM do so.
  const resourcePolicy = roles.resourcePolicies()[request.resource];
  const result = await runSimulation(
    {
      request: {
        principal: role.arn,
        action: request.action,
        resource: { resource: request.resource, accountId: ACCOUNT },
        // The SDK and the services call AWS over TLS (the topic's policy denies anything else).
        contextVariables: { 'aws:SecureTransport': 'true', ...request.context },
      },
      ...(resourcePolicy ? { resourcePolicy } : {}),
      identityPolicies: role.policies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (result.resultType === 'error') {
    return { request, allowed: false, why: `simulation error: ${result.errors.message}` };
  }
  const allowed = result.overallResult === 'Allowed';
  const analysis = result.resultType === 'single' ? result.result.analysis : result.results[0]?.analysis;
  const explains = [
    ...(analysis?.identityAnalysis?.allowStatements ?? []),
    ...(analysis?.identityAnalysis?.denyStatements ?? []),
    ...(analysis?.identityAnalysis?.unmatchedStatements ?? []),
  ]
    .map((s) => s.explain)
    .filter((e) => e.actionMatch);
  return {
    request,
    allowed,
    why: allowed
      ? 'allowed'
      : `${result.overallResult}; statements of this action: ${JSON.stringify(explains)}`,
  };
}

/**
 * Each action a role is granted by each statement, on the statement's resources: a grant's scope
 * (the protected tables, the control table, the fleet's routing controls) is used if a request
 * uses it on any of its resources, since which table or cell an incident names is chosen at run time.
 */
interface Grant {
  action: string;
  resources: string[];
}

const grantsOf = (role: SynthesizedRole): Grant[] =>
  role.policies.flatMap((p) =>
    p.policy.Statement.filter((s) => s.Effect === 'Allow').flatMap((s) =>
      [s.Action].flat().map((action) => ({ action, resources: [s.Resource].flat() })),
    ),
  );

/** IAM's resource matching: `*` any run of characters, `?` any one. */
const matches = (pattern: string, resource: string): boolean =>
  new RegExp(
    `^${pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('')}$`,
  ).test(resource);

/** A grant some request uses: the same action, on a resource one of the grant's patterns covers. */
const usedBy = (grant: Grant, requests: readonly AuthorisationRequest[]): boolean =>
  requests.some(
    (r) =>
      r.action.toLowerCase() === grant.action.toLowerCase() &&
      grant.resources.some((pattern) => matches(pattern, r.resource)),
  );

const describeGrant = (grant: Grant): string =>
  `${grant.action} on ${grant.resources.length === 1 ? grant.resources[0] : `[${grant.resources.join(', ')}]`}`;

/** What the check found for one role. */
interface RoleFigures {
  role: string;
  /** SDK commands the function's task sent (for a state machine: its Task states). */
  calls: number;
  /** The distinct requests IAM authorises for them, each evaluated against the role. */
  checked: number;
  denied: Verdict[];
  unused: string[];
  explained: string[];
}

async function checkRole(
  label: string,
  role: SynthesizedRole,
  calls: number,
  requests: readonly AuthorisationRequest[],
  exceptions: Readonly<Record<string, string>>,
): Promise<RoleFigures> {
  // Each distinct request once: a batch task sends the same few requests many times.
  const distinct = [...new Map(requests.map((r) => [JSON.stringify(r), r])).values()];
  const verdicts = await Promise.all(distinct.map((r) => evaluate(role, r)));
  const notSent = grantsOf(role).filter((grant) => !usedBy(grant, requests));
  return {
    role: label,
    calls,
    checked: distinct.length,
    denied: verdicts.filter((v) => !v.allowed),
    unused: notSent.filter((g) => exceptions[g.action] === undefined).map(describeGrant),
    explained: notSent.filter((g) => exceptions[g.action] !== undefined).map(describeGrant),
  };
}

// ---------------------------------------------------------------------------------------------
// The stack, dynalite, and the mocked clients.

let roles: SynthesizedRoles;
let dynalite: LocalDynamoDb;
/** A client to dynalite: where the mocked DynamoDB clients' commands go, and the tests' own setup. */
let local: DynamoDBClient;

const recorder = new SdkCallRecorder({
  account: ACCOUNT,
  region: REGION,
  mappingFunctions: { [MAPPING.uuid]: CONSUMER_ARN },
});
/** What the file does with every mock: forget its calls before a task runs, restore it at the end. */
interface Mock {
  resetHistory(): unknown;
  restore(): unknown;
}
const mocks: Mock[] = [];
const watch = <Stub extends Mock & SdkCommandHistory>(client: SdkClientName, mock: Stub): Stub => {
  mocks.push(mock);
  return recorder.watch(client, mock);
};

/** The real send of a client, kept before the mocks replace it: DynamoDB's commands go on to dynalite. */
const realSend = DynamoDBClient.prototype.send as (
  this: DynamoDBClient,
  command: Parameters<DynamoDBClient['send']>[0],
) => Promise<DynamoDBServiceOutput>;
const dynamodb = watch('DynamoDBClient', mockClient(DynamoDBClient));
const cloudwatch = watch('CloudWatchClient', mockClient(CloudWatchClient));
const autoScaling = watch('ApplicationAutoScalingClient', mockClient(ApplicationAutoScalingClient));
const xray = watch('XRayClient', mockClient(XRayClient));
const events = watch('EventBridgeClient', mockClient(EventBridgeClient));
const lambda = watch('LambdaClient', mockClient(LambdaClient));
const sqs = watch('SQSClient', mockClient(SQSClient));
const recoveryCluster = watch('Route53RecoveryClusterClient', mockClient(Route53RecoveryClusterClient));

type Handler = (event: unknown, context: Context) => Promise<unknown>;

/** Each task's calls, by task id. */
const callsOf = new Map<string, { commands: number; requests: AuthorisationRequest[] }>();
/** Errors the handlers threw (a path may end in one once its calls are sent). */
const failures: string[] = [];

/**
 * Invokes a task's production handler (the export Lambda calls) on `payload`, records the requests
 * its SDK calls make, and returns its result, or undefined if it threw.
 */
async function run<Result>(id: string, payload: unknown): Promise<Result | undefined> {
  const task = CATALOGUE.tasks.find((t) => t.id === id);
  const entry = task?.entry ?? DETECTOR_ENTRIES.find((e) => e.includes(id));
  if (!entry) throw new Error(`no task ${id}`);
  const module = (await import(/* @vite-ignore */ pathToFileURL(join(PRODUCT_ROOT, entry)).href)) as Record<
    string,
    Handler
  >;
  const handler = module[task?.handlerName ?? 'handler'];
  if (!handler) throw new Error(`${entry} has no handler ${task?.handlerName ?? 'handler'}`);
  for (const mock of mocks) mock.resetHistory();
  let result: Result | undefined;
  try {
    result = toJson(await handler(toJson(payload), lambdaContext(id))) as Result;
  } catch (error) {
    failures.push(`${id}: ${(error as Error).message}`);
  }
  const calls = recorder.calls();
  const known = callsOf.get(id) ?? { commands: 0, requests: [] };
  callsOf.set(id, {
    commands: known.commands + calls.length,
    requests: [...known.requests, ...calls.flatMap((call) => call.requests)],
  });
  return result;
}

beforeAll(async () => {
  roles = new SynthesizedRoles(synthesize().template.toJSON() as CfnTemplate, {
    account: ACCOUNT,
    region: REGION,
  });
  dynalite = await startLocalDynamoDb();
  local = localDynamoDbClient(dynalite);
  dynamodb.send.callsFake((command: Parameters<DynamoDBClient['send']>[0]) => realSend.call(local, command));
  vi.stubEnv('AWS_REGION', REGION);
  vi.stubEnv('SELFHEAL_CONTROL_TABLE', names.controlTable);
  vi.stubEnv('SELFHEAL_LEDGER_TABLE', names.ledgerTable);
  vi.stubEnv('SELFHEAL_ARC_CLUSTER_ENDPOINTS', JSON.stringify(config.arcCluster?.endpoints ?? []));
  await createDispatchTables(local, { control: names.controlTable, ledger: names.ledgerTable });
  await seedHotKeyTable(local, 30);
});

afterAll(async () => {
  for (const mock of mocks) mock.restore();
  vi.unstubAllEnvs();
  local?.destroy();
  await dynalite?.close();
});

// ---------------------------------------------------------------------------------------------
// The tasks, run through their production handlers on the paths that send their calls. Each
// family's state runs in order, each task's result feeding the next as its runbook's states do.

async function runBackpressure(): Promise<void> {
  const $metadata = {};
  const mapping = {
    UUID: MAPPING.uuid,
    EventSourceArn: queueArnFromUrl(MAPPING.queueUrl),
    FunctionArn: CONSUMER_ARN,
    State: 'Enabled',
    ScalingConfig: { MaximumConcurrency: 100 },
  };
  lambda.on(GetEventSourceMappingCommand).resolves({ $metadata, ...mapping });
  lambda.on(UpdateEventSourceMappingCommand).resolves({ $metadata, ...mapping, State: 'Updating' });
  sqs.on(GetQueueAttributesCommand).resolves({
    $metadata,
    Attributes: {
      VisibilityTimeout: '30',
      MessageRetentionPeriod: '345600',
      ApproximateNumberOfMessages: '12000',
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: `${mapping.EventSourceArn}-dlq`,
        maxReceiveCount: 5,
      }),
    },
  });
  const request = backpressureRequest({ mappingId: MAPPING.uuid, queueUrl: MAPPING.queueUrl });
  const inspected = await run<Record<string, unknown>>('inspect-backpressure', request);
  const applied = await run<Record<string, unknown>>('apply-backpressure', inspected);
  await run('check-mapping-settled', applied);
  await run('probe-backpressure', applied);
  const original = { request: inspected?.request, original: inspected?.original };
  // By now the runbook has lowered the limit: restoring puts the original back.
  lambda.on(GetEventSourceMappingCommand).resolves({ ...mapping, ScalingConfig: { MaximumConcurrency: 50 } });
  await run('restore-concurrency', original);
  await run('build-backpressure-ledger-item', { ...original, executionName: 'sqs-backpressure-7f3a' });
}

async function runCellShift(): Promise<void> {
  const world = await cellFleetPorts();
  const now = () => vi.setSystemTime(world.ports.now());
  xray
    .on(GetTimeSeriesServiceStatisticsCommand)
    .callsFake((input) => world.ports.xray.getTimeSeriesServiceStatistics(input));
  xray.on(GetInsightSummariesCommand).callsFake((input) => world.ports.xray.getInsightSummaries(input));
  recoveryCluster
    .on(GetRoutingControlStateCommand)
    .callsFake((input) => world.controls.getRoutingControlState(input));
  recoveryCluster
    .on(UpdateRoutingControlStatesCommand)
    .callsFake((input) => world.controls.updateRoutingControlStates(input));
  now();
  const confirmed = await run<{ request: unknown }>('confirm-grey-cell', { request: cellShiftRequest() });
  const request = confirmed?.request ?? cellShiftRequest();
  await run('check-shift-safety', { request });
  await run('record-cell-routing', {
    request,
    decision: 'recorded',
    reason: 'before the shift',
    executionName: 'e-1',
  });
  await run('set-cell-routing', { request, state: 'Off' });
  await world.goTo(14);
  now();
  const judgeFrom = new Date(Date.now() - 240_000).toISOString();
  await run('verify-cell-routing', {
    request,
    expected: 'Off',
    cellRps: 250,
    checks: 0,
    maxChecks: 5,
    waits: 0,
    maxWaits: 5,
    judgeFrom,
  });
  await run('check-cell-recovery', {
    request,
    checks: 0,
    healthySeconds: 0,
    waits: 0,
    maxWaits: 5,
    judgeFrom,
  });
  // The grey-cell detector of the fleet, on the same world.
  const fleet = Object.values(config.fleets)[0];
  vi.stubEnv('CELL_NAMES', fleet?.cells.map((c) => c.name).join(',') ?? '');
  vi.stubEnv('XRAY_GROUP_NAME', fleet?.detector.xrayGroup ?? 'Default');
  vi.stubEnv('EVENT_BUS_NAME', 'default');
  events.on(PutEventsCommand).callsFake((input: { Entries?: unknown[] }) => ({
    FailedEntryCount: 0,
    Entries: (input.Entries ?? []).map((_, i) => ({ EventId: `event-${i}` })),
  }));
  await run('detect-grey-cells', {
    id: 'schedule-1',
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    time: new Date(Date.now()).toISOString().replace(/\.\d+Z$/, 'Z'),
    resources: [`arn:aws:events:${REGION}:${ACCOUNT}:rule/selfheal-detect-grey-cells-checkout`],
  });
}

/** CloudWatch as a throttled table shows it: every minute of the last ten, capacity exhausted. */
function cannedCloudWatch(): void {
  const backpressure: Record<string, number> = { 'AWS/SQS': 120, 'AWS/Lambda': 100, Payments: 20 };
  // Writes throttled for want of provisioned capacity (not a hot key, not an account limit).
  const dynamodbMetric = (name: string): number =>
    name.startsWith('Provisioned')
      ? 100
      : name.startsWith('Consumed')
        ? 6_000
        : name === 'WriteProvisionedThroughputThrottleEvents' || name === 'WriteThrottleEvents'
          ? 5_000
          : 0;
  cloudwatch.on(GetMetricDataCommand).callsFake((input: GetMetricDataInput) => {
    const end = Math.floor(Date.now() / 60_000) * 60_000;
    const minutes = Array.from({ length: 10 }, (_, i) => new Date(end - (i + 1) * 60_000));
    return {
      MetricDataResults: (input.MetricDataQueries ?? []).map((query) => {
        const metric = query.MetricStat?.Metric;
        const namespace = metric?.Namespace ?? '';
        const value =
          namespace === 'AWS/DynamoDB' ? dynamodbMetric(metric?.MetricName ?? '') : backpressure[namespace];
        return {
          Id: query.Id,
          StatusCode: 'Complete',
          Timestamps: value === undefined ? [] : minutes,
          Values: value === undefined ? [] : minutes.map(() => value),
        };
      }),
    };
  });
  // Contributor Insights on every protected table, the hot key the busiest.
  cloudwatch.on(DescribeInsightRulesCommand).resolves({
    InsightRules: config.tables.flatMap((table) =>
      ['PKC', 'PKT'].map((code) => ({
        Name: `DynamoDBContributorInsights-${code}-${table.name}-1767225600000`,
        State: 'ENABLED',
        Schema: '{"Name":"CloudWatchLogRule","Version":1}',
        Definition: '{}',
        ManagedRule: true,
      })),
    ),
  });
  cloudwatch.on(GetInsightRuleReportCommand).callsFake((input: { RuleName?: string }) => ({
    KeyLabels: ['pk'],
    AggregationStatistic: 'Sum',
    Contributors: input.RuleName?.includes(`-${HOT_KEY_TABLE}-`)
      ? [{ Keys: [HOT_KEY], ApproximateAggregateValue: 180_000, Datapoints: [] }]
      : [],
  }));
}

async function runCapacity(local: DynamoDBClient): Promise<void> {
  // `orders` without auto scaling (UpdateTable), `sessions` with it (its scalable targets).
  await createProvisionedTable(local, 'orders', 100, 100);
  await createProvisionedTable(local, 'sessions', 100, 100);
  autoScaling.on(DescribeScalableTargetsCommand).callsFake((input: DescribeScalableTargetsRequest) => ({
    ScalableTargets: (input.ResourceIds ?? [])
      .filter((id) => id === 'table/sessions')
      .flatMap((id) =>
        (['Read', 'Write'] as const).map((dimension) => ({
          ServiceNamespace: 'dynamodb',
          ResourceId: id,
          ScalableDimension: `dynamodb:table:${dimension}CapacityUnits`,
          MinCapacity: 100,
          MaxCapacity: 200,
          RoleARN: `arn:aws:iam::${ACCOUNT}:role/aws-service-role/dynamodb.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_DynamoDBTable`,
          CreationTime: new Date(0),
        })),
      ),
  }));
  autoScaling.on(RegisterScalableTargetCommand).resolves({});
  autoScaling.on(DescribeScheduledActionsCommand).resolves({ ScheduledActions: [] });
  autoScaling.on(PutScheduledActionCommand).resolves({});
  for (const tableName of ['orders', 'sessions']) {
    const request = await run('check-capacity-request', { tableName, policy: { allowOnDemand: false } });
    const diagnosis = await run('diagnose-table', { request });
    const plan = await run('plan-capacity', {
      diagnosis,
      policy: (request as { policy?: unknown } | undefined)?.policy,
    });
    await run('apply-capacity-plan', { plan, actions: [] });
    await run('verify-table-health', {
      tableName,
      verificationWindowSeconds: 180,
      since: new Date(Date.now() - 600_000).toISOString(),
    });
  }
}

async function runDispatch(): Promise<void> {
  vi.stubEnv('SELFHEAL_ROUTING', JSON.stringify(routingOf(config)));
  const event = JSON.parse(await readFile(EXAMPLE_ALARM, 'utf8')) as Record<string, unknown>;
  const signal = await run<Record<string, unknown>>('normalise-signal', {
    event,
    now: new Date().toISOString(),
  });
  await run('check-guardrails', {
    incident: signal?.incident,
    runbook: signal?.runbook,
    dryRunRequested: false,
    executionId: `arn:aws:states:${REGION}:${ACCOUNT}:execution:${names.stateMachine('dispatch')}:e-1`,
  });
  await run('summarise-outcome', {
    incident: signal?.incident,
    runbook: signal?.runbook,
    dryRun: false,
    run: {
      status: 'SUCCEEDED',
      executionArn: `arn:aws:states:${REGION}:${ACCOUNT}:execution:${names.stateMachine('hot-shard')}:e-1`,
    },
  });
}

/** Puts a copy of the hot key's first item under each of `keys`, as a mover would have. */
async function copyFirstItem(local: DynamoDBClient, keys: readonly string[]): Promise<void> {
  for (const key of keys) {
    await local.send(
      new PutItemCommand({
        TableName: HOT_KEY_TABLE,
        Item: { pk: { S: key }, sk: { S: sortKeyOf(0) }, total: { N: '0' } },
      }),
    );
  }
}

/** Runs a batch task from its checkpoint until it says it is done, as key-move-batches does. */
async function moveUntilDone(id: string, input: Record<string, unknown>): Promise<void> {
  let checkpoint: unknown = null;
  for (let batch = 0; batch < 5; batch++) {
    const result = await run<{ checkpoint: unknown; done: boolean }>(id, { ...input, checkpoint });
    if (!result || result.done) return;
    checkpoint = result.checkpoint;
  }
  throw new Error(`${id} did not finish in 5 batches`);
}

async function runReshuffle(local: DynamoDBClient): Promise<void> {
  const request = { tableName: HOT_KEY_TABLE, logicalKey: HOT_KEY, resume: true };
  const planned = await run<{ request: unknown; plan: { shards: number } }>('plan-key-reshuffle', request);
  const filled = planned?.request ?? request;
  const shards = Math.max(planned?.plan.shards ?? 4, 2);
  await run('snapshot-key', { request: filled, shards });
  const sharding = await run('publish-shard-map', { request: filled, shards });
  // Resuming a reshuffle whose shard map is already published: the conflict, then the read.
  await run('publish-shard-map', { request: filled, shards });
  // An earlier, interrupted run copied the first item to every shard already: the mover reads
  // what is there (GetItem) before it counts the item as copied.
  await copyFirstItem(
    local,
    Array.from({ length: shards }, (_, n) => shardKey(HOT_KEY, n)),
  );
  await moveUntilDone('move-key-batch', { request: filled, entry: sharding });
  type Advance = { entry: unknown };
  const active = (await run<Advance>('advance-shard-map', { request: filled, entry: sharding }))?.entry;
  await run('check-key-cool', filled);
  const merging = (await run<Advance>('advance-shard-map', { request: filled, entry: active }))?.entry;
  await copyFirstItem(local, [HOT_KEY]);
  for (let shard = 0; shard < shards; shard++) {
    await moveUntilDone('merge-key-batch', { request: filled, entry: merging, shard });
  }
  await run('finish-key-merge', { request: filled, entry: merging });
}

// ---------------------------------------------------------------------------------------------
// The checks.

/** The Lambda functions checked: every task of the catalogue, and each fleet's grey-cell detector. */
const FUNCTIONS = [
  ...CATALOGUE.tasks.map((task) => ({ id: task.id, name: names.function(task.id) })),
  ...Object.keys(config.fleets).map((fleet) => ({
    id: 'detect-grey-cells',
    name: names.function(`detect-grey-cells-${fleet}`).slice(0, 64),
  })),
];

/** The runtime's own requests with a function's role: its log stream, and its trace segments. */
const runtimeRequests = (name: string): AuthorisationRequest[] => {
  const stream = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/${name}:log-stream:2026/01/01/[$LATEST]0123456789abcdef`;
  return ['logs:CreateLogStream', 'logs:PutLogEvents'].map((action) => ({
    action,
    resource: stream,
    context: {},
  }));
};

const figures: RoleFigures[] = [];

describe('least privilege, checked both ways', () => {
  beforeAll(async () => {
    cannedCloudWatch();
    await runBackpressure();
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      await runCellShift();
    } finally {
      vi.useRealTimers();
    }
    await runCapacity(local);
    await runDispatch();
    await runReshuffle(local);
  }, 60_000);

  it('runs every task of the catalogue, and the detector, on paths that end as their runbooks expect', () => {
    expect(FUNCTIONS.filter(({ id }) => !callsOf.has(id)).map(({ id }) => id)).toEqual([]);
    expect(failures).toEqual([]);
  });

  it.each(FUNCTIONS)(
    'the role of $name allows every call its task sends, and grants nothing it does not send',
    async ({ id, name }) => {
      const { commands, requests } = callsOf.get(id) ?? { commands: 0, requests: [] };
      const role = roles.functionRole(name);
      const result = await checkRole(name, role, commands, requests, FUNCTION_EXCEPTIONS);
      // The runtime's own requests with the role (its log stream) are allowed too.
      const runtime = await checkRole(name, role, 0, runtimeRequests(name), {});
      figures.push(result);
      expect(runtime.denied).toEqual([]);
      expect(result.denied.map((d) => `${d.request.action} on ${d.request.resource}: ${d.why}`)).toEqual([]);
      expect(result.unused).toEqual([]);
    },
  );

  it.each(CATALOGUE.runbooks.map((r) => ({ runbook: r.name, name: names.stateMachine(r.name) })))(
    'the role of state machine $name allows what its Task states ask, and grants nothing more',
    async ({ name }) => {
      const role = roles.stateMachineRole(name);
      const states = stateMachineRequests(roles.stateMachineDefinition(name), {
        account: ACCOUNT,
        region: REGION,
        requestTables: config.tables.map((t) => t.name),
        topicKeys: roles.topicKeys(),
      });
      const requests = states.flatMap((s) => s.requests);
      const result = await checkRole(
        `state machine ${name}`,
        role,
        states.length,
        requests,
        STATE_MACHINE_EXCEPTIONS,
      );
      figures.push(result);
      expect(result.denied.map((d) => `${d.request.action} on ${d.request.resource}: ${d.why}`)).toEqual([]);
      expect(result.unused).toEqual([]);
    },
  );

  it("would see a call outside a role's grants, and a grant no call uses (the check is not vacuous)", async () => {
    const name = names.function('apply-capacity-plan');
    const role = roles.functionRole(name);
    // UpdateTable on a table the config does not protect: denied.
    const elsewhere = {
      action: 'dynamodb:UpdateTable',
      resource: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/not-protected`,
      context: {},
    };
    const outside = await checkRole(name, role, 1, [elsewhere], FUNCTION_EXCEPTIONS);
    expect(outside.denied.map((d) => d.request.action)).toEqual(['dynamodb:UpdateTable']);
    // The same role with no call at all: every grant of its own is unused.
    const idle = await checkRole(name, role, 0, [], FUNCTION_EXCEPTIONS);
    expect(idle.unused.length).toBeGreaterThan(0);
    expect(idle.unused.join(' ')).toContain('dynamodb:UpdateTable');
  });

  // The figures, for the README and the issue.
  afterAll(() => {
    const total = (rows: RoleFigures[], pick: (f: RoleFigures) => number) =>
      rows.reduce((n, f) => n + pick(f), 0);
    const functions = figures.filter((f) => !f.role.startsWith('state machine '));
    const machines = figures.filter((f) => f.role.startsWith('state machine '));
    const line = (f: RoleFigures) =>
      `  ${f.role}: ${f.calls} ${f.role.startsWith('state machine ') ? 'Task states' : 'SDK calls'}, ` +
      `${f.checked} distinct requests checked, ${f.denied.length} denied, ${f.unused.length} granted but unused` +
      (f.unused.length > 0 ? ` (${f.unused.join('; ')})` : '') +
      `, ${f.explained.length} explained`;
    const explained = (exceptions: Readonly<Record<string, string>>) =>
      Object.entries(exceptions).map(([action, why]) => `  ${action}: ${why}`);
    const summary = (what: string, rows: RoleFigures[]) =>
      `${what}: ${rows.length} roles, ${total(rows, (f) => f.calls)} ${what === 'Lambda functions' ? 'SDK calls' : 'Task states'}, ` +
      `${total(rows, (f) => f.checked)} distinct requests checked, ${total(rows, (f) => f.denied.length)} denied, ` +
      `${total(rows, (f) => f.unused.length)} granted but unused, ${total(rows, (f) => f.explained.length)} explained`;
    console.log(
      [
        'Least privilege, checked both ways',
        ...functions.map(line),
        ...machines.map(line),
        summary('Lambda functions', functions),
        summary('State machines', machines),
        'Explained exceptions, every Lambda function:',
        ...explained(FUNCTION_EXCEPTIONS),
        'Explained exceptions, every state machine:',
        ...explained(STATE_MACHINE_EXCEPTIONS),
        ...figures.flatMap((f) =>
          f.denied.map((d) => `DENIED to ${f.role}: ${d.request.action} on ${d.request.resource}: ${d.why}`),
        ),
      ].join('\n'),
    );
  });
});
