/**
 * The synthesized template, read as a reviewer would: what each role may do and on what, what each
 * rule sends where, which alarms exist, how the runbooks are deployed.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import { configWith, EXAMPLE_CONFIG_FILE, synthesize } from '../support/selfheal-stack.ts';
import { readFileSync } from 'node:fs';
import { TASK_FUNCTIONS } from '../../runbooks/catalogue.ts';
import { ROUTING_FILE } from '../../infra/selfheal-stack.ts';

const exampleConfigRaw = (): Record<string, unknown> =>
  JSON.parse(readFileSync(EXAMPLE_CONFIG_FILE, 'utf8')) as Record<string, unknown>;

interface Statement {
  Action: string | string[];
  Resource: unknown;
  Effect: string;
  Condition?: Record<string, Record<string, unknown>>;
}
type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

let template: Template;
let resources: Resources;

beforeAll(() => {
  template = synthesize().template;
  resources = template.toJSON().Resources as Resources;
});

const list = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
const flat = (value: unknown): string => flattenCfnReference(value);

/** The statements of the policy attached to the role whose logical id starts with `prefix`. */
function statementsOf(prefix: string): Statement[] {
  const policy = Object.entries(resources).find(
    ([id, r]) => r.Type === 'AWS::IAM::Policy' && id.startsWith(prefix) && id.includes('Role'),
  );
  if (!policy) throw new Error(`no role policy for ${prefix}`);
  return (policy[1].Properties.PolicyDocument as { Statement: Statement[] }).Statement;
}

/** The statements on `*` of the task function whose logical id starts with `prefix`. */
function unscopedOf(prefix: string): Statement[] {
  const policy = Object.entries(resources).find(
    ([id, r]) => r.Type === 'AWS::IAM::Policy' && id.startsWith(`${prefix}Unscoped`),
  );
  if (!policy) throw new Error(`no unscoped policy for ${prefix}`);
  return (policy[1].Properties.PolicyDocument as { Statement: Statement[] }).Statement;
}

/** Action -> the flattened resources it is allowed on. */
function allowed(statements: Statement[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const s of statements.filter((st) => st.Effect === 'Allow')) {
    for (const action of list(s.Action))
      map.set(action, [...(map.get(action) ?? []), ...list(s.Resource).map(flat)]);
  }
  return map;
}

const taskPrefix = (id: string) => id.replaceAll('-', '');
const stateMachineRolePrefix = (runbook: string) => `Runbooks${runbook.replaceAll('-', '')}Role`;

describe('Lambda tasks', () => {
  it('deploys every registered task as an arm64 function on Node 24, traced, with Powertools configured', () => {
    template.resourceCountIs('AWS::Lambda::Function', TASK_FUNCTIONS.length + 1);
    for (const task of TASK_FUNCTIONS) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: `selfheal-${task.id}`,
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: `index.${task.handlerName ?? 'handler'}`,
        TracingConfig: { Mode: 'Active' },
        Environment: {
          Variables: Match.objectLike({
            POWERTOOLS_SERVICE_NAME: 'selfheal',
            POWERTOOLS_METRICS_NAMESPACE: 'selfheal',
            SELFHEAL_CONTROL_TABLE: 'selfheal-control',
            SELFHEAL_LEDGER_TABLE: 'selfheal-ledger',
          }),
        },
      });
    }
  });

  it('maps stack traces through the shipped source maps only when the config asks (a cold start pays for it)', () => {
    const nodeOptions = (t: Template) =>
      Object.values(t.findResources('AWS::Lambda::Function')).map(
        (fn) => (fn.Properties.Environment as { Variables: Record<string, string> }).Variables.NODE_OPTIONS,
      );
    expect(new Set(nodeOptions(template))).toEqual(new Set([undefined]));
    const asked = synthesize(configWith({ ...exampleConfigRaw(), sourceMapsAtRuntime: true })).template;
    expect(new Set(nodeOptions(asked))).toEqual(new Set(['--enable-source-maps']));
  });

  it('gives each function a role of its own with no managed policy', () => {
    for (const role of Object.values(resources).filter((r) => r.Type === 'AWS::IAM::Role')) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });

  it('lets a function write only its own log group', () => {
    const logs = allowed(statementsOf('plancapacity')).get('logs:PutLogEvents');
    expect(logs).toHaveLength(1);
    expect(logs?.[0]).toMatch(/^<plancapacityLogs[0-9A-F]{8}\.Arn>$/);
  });

  it('lets the capacity task change only the configured tables', () => {
    const actions = allowed(statementsOf(taskPrefix('apply-capacity-plan')));
    expect(actions.get('dynamodb:UpdateTable')).toEqual([
      'arn:<AWS::Partition>:dynamodb:eu-west-1:123456789012:table/orders',
      'arn:<AWS::Partition>:dynamodb:eu-west-1:123456789012:table/events',
      'arn:<AWS::Partition>:dynamodb:eu-west-1:123456789012:table/sessions',
    ]);
    expect([...actions.keys()].filter((a) => a.startsWith('dynamodb:'))).toEqual([
      'dynamodb:DescribeTable',
      'dynamodb:UpdateTable',
    ]);
  });

  it('lets the backpressure tasks change only the configured mapping, and only while it feeds its consumer', () => {
    const statements = statementsOf(taskPrefix('apply-backpressure'));
    const update = statements.find((s) => list(s.Action).includes('lambda:UpdateEventSourceMapping'));
    expect(list(update?.Resource).map(flat)).toEqual([
      'arn:<AWS::Partition>:lambda:eu-west-1:123456789012:event-source-mapping:6c1d8a4e-3b2f-4e7a-9c51-0d2e7f4a8b13',
    ]);
    expect(list(update?.Condition?.ArnLike?.['lambda:FunctionArn']).map(flat)).toEqual([
      'arn:<AWS::Partition>:lambda:eu-west-1:123456789012:function:orders-consumer',
      'arn:<AWS::Partition>:lambda:eu-west-1:123456789012:function:orders-consumer:*',
    ]);
    expect(allowed(statements).get('sqs:GetQueueAttributes')).toBeUndefined();
    expect(allowed(statementsOf(taskPrefix('inspect-backpressure'))).get('sqs:GetQueueAttributes')).toEqual([
      'arn:<AWS::Partition>:sqs:eu-west-1:123456789012:orders',
    ]);
  });

  it('lets only the routing task change routing controls, and only the fleets’ own', () => {
    const changers = TASK_FUNCTIONS.filter((task) =>
      allowed(statementsOf(taskPrefix(task.id))).has('route53-recovery-cluster:UpdateRoutingControlStates'),
    ).map((task) => task.id);
    expect(changers).toEqual(['set-cell-routing']);
    const controls = allowed(statementsOf('setcellrouting')).get(
      'route53-recovery-cluster:UpdateRoutingControlStates',
    );
    expect(controls).toHaveLength(5);
    for (const arn of controls ?? [])
      expect(arn).toMatch(
        /^arn:aws:route53-recovery-control::123456789012:controlpanel\/cells\/routingcontrol\/checkout-cell-\d$/,
      );
  });

  it('gives the tasks that need nothing from AWS nothing but their logs, and their traces apart', () => {
    for (const id of ['normalise-signal', 'plan-capacity', 'check-capacity-request', 'summarise-outcome']) {
      expect([...allowed(statementsOf(taskPrefix(id))).keys()].sort()).toEqual([
        'logs:CreateLogStream',
        'logs:PutLogEvents',
      ]);
      expect([...allowed(unscopedOf(taskPrefix(id))).keys()].sort()).toEqual([
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ]);
    }
  });

  it('keeps every statement on "*" out of the roles’ own policies', () => {
    for (const task of TASK_FUNCTIONS) {
      for (const statement of statementsOf(taskPrefix(task.id)))
        expect(list(statement.Resource), task.id).not.toContain('*');
    }
  });

  it('allows a "*" resource only for actions AWS authorises on no narrower one', () => {
    const onAnything = new Set<string>();
    for (const r of Object.values(resources)) {
      if (r.Type !== 'AWS::IAM::Policy') continue;
      for (const s of (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement) {
        if (list(s.Resource).some((res) => res === '*')) for (const a of list(s.Action)) onAnything.add(a);
      }
    }
    expect([...onAnything].sort()).toEqual([
      'application-autoscaling:DescribeScalableTargets',
      'application-autoscaling:DescribeScheduledActions',
      'cloudwatch:DescribeInsightRules',
      'cloudwatch:GetMetricData',
      'logs:CreateLogDelivery',
      'logs:DeleteLogDelivery',
      'logs:DescribeLogGroups',
      'logs:DescribeResourcePolicies',
      'logs:GetLogDelivery',
      'logs:ListLogDeliveries',
      'logs:PutResourcePolicy',
      'logs:UpdateLogDelivery',
      'xray:GetInsightSummaries',
      'xray:GetSamplingRules',
      'xray:GetSamplingTargets',
      'xray:GetTimeSeriesServiceStatistics',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ]);
  });
});

describe('runbooks', () => {
  it('deploys every runbook as a Standard workflow, logging ALL with execution data, traced', () => {
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 7);
    for (const runbook of [
      'dispatch',
      'hot-shard',
      'key-reshuffle',
      'key-merge',
      'key-move-batches',
      'sqs-backpressure',
      'cell-traffic-shift',
    ]) {
      template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
        StateMachineName: `selfheal-${runbook}`,
        StateMachineType: 'STANDARD',
        TracingConfiguration: { Enabled: true },
        LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: true }),
      });
    }
  });

  it('fills every ${...} of every definition from its DefinitionSubstitutions, functions by their ARN', () => {
    for (const sm of Object.values(resources).filter((r) => r.Type === 'AWS::StepFunctions::StateMachine')) {
      const definition = sm.Properties.DefinitionString as string;
      const substitutions = sm.Properties.DefinitionSubstitutions as Record<string, unknown>;
      const used = [...new Set([...definition.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]))].sort();
      expect(Object.keys(substitutions).sort()).toEqual(used);
      for (const [name, value] of Object.entries(substitutions)) {
        if (name.endsWith('FunctionArn')) {
          const task = TASK_FUNCTIONS.find((t) => t.substitution === name);
          expect(flat(value)).toMatch(
            new RegExp(`^<${taskPrefix(task?.id ?? '')}Function[0-9A-F]{8}\\.Arn>$`),
          );
        }
        if (name.endsWith('StateMachineArn')) {
          const runbook = name
            .replace('StateMachineArn', '')
            .replace(/[A-Z]/g, (c, i: number) => `${i ? '-' : ''}${c.toLowerCase()}`);
          expect(flat(value)).toBe(
            `arn:<AWS::Partition>:states:eu-west-1:123456789012:stateMachine:selfheal-${runbook}`,
          );
        }
      }
    }
  });

  it('lets dispatch start only the runbooks it routes to, invoke only its own tasks, and write only its tables', () => {
    const actions = allowed(statementsOf(stateMachineRolePrefix('dispatch')));
    expect(actions.get('states:StartExecution')?.sort()).toEqual(
      ['cell-traffic-shift', 'hot-shard', 'sqs-backpressure'].map(
        (r) => `arn:<AWS::Partition>:states:eu-west-1:123456789012:stateMachine:selfheal-${r}`,
      ),
    );
    expect(
      actions.get('lambda:InvokeFunction')?.map((f) => f.replace(/Function[0-9A-F]{8}\.Arn>$/, '')),
    ).toEqual(['<checkguardrails', '<normalisesignal', '<summariseoutcome']);
    for (const action of [
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
    ]) {
      const tables = actions.get(action);
      expect(tables, action).toBeDefined();
      for (const table of tables ?? []) expect(table).toMatch(/^<Tables(Control|Ledger)[0-9A-F]{8}\.Arn>$/);
    }
    expect(actions.get('states:DescribeExecution')?.sort()).toEqual(
      ['hot-shard', 'sqs-backpressure'].map(
        (r) => `arn:<AWS::Partition>:states:eu-west-1:123456789012:execution:selfheal-${r}:*`,
      ),
    );
  });

  it('lets a runbook that starts nothing start nothing', () => {
    const actions = allowed(statementsOf(stateMachineRolePrefix('sqs-backpressure')));
    expect(actions.has('states:StartExecution')).toBe(false);
    expect(actions.get('sns:Publish')).toHaveLength(1);
    expect(actions.get('sns:Publish')?.[0]).toMatch(/^<NotificationsTopic[0-9A-F]{8}>$/);
  });
});

describe('signals and notifications', () => {
  it('sends the deployment’s alarms going to ALARM to dispatch, with retries and a dead-letter queue', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        detail: {
          alarmName: [{ prefix: 'selfheal-' }],
          state: { value: ['ALARM'] },
        },
      },
      Targets: [
        Match.objectLike({
          Arn: { Ref: Match.stringLikeRegexp('^Runbooksdispatch') },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SignalsUndelivered'), 'Arn'] } },
          RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 },
        }),
      ],
    });
  });

  it('sends X-Ray insights of the fleets’ groups, the detector’s incidents and operators’ requests to dispatch', () => {
    for (const pattern of [
      {
        source: ['aws.xray'],
        'detail-type': ['AWS X-Ray Insight Update'],
        detail: { GroupName: ['Default'] },
      },
      { source: ['selfheal.detectors'], 'detail-type': ['Cell Grey Failure Detected'] },
      { source: ['selfheal.operator'], 'detail-type': ['Remediation Requested'] },
    ]) {
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: pattern,
        Targets: [Match.objectLike({ Arn: { Ref: Match.stringLikeRegexp('^Runbooksdispatch') } })],
      });
    }
  });

  it('publishes every failed, timed-out or aborted runbook execution to the notification topic', () => {
    const rule = Object.values(resources).find(
      (r) => r.Type === 'AWS::Events::Rule' && (r.Properties.Name as string) === 'selfheal-failed-runs',
    );
    const pattern = rule?.Properties.EventPattern as {
      detail: { status: string[]; stateMachineArn: unknown[] };
    };
    expect(pattern.detail.status).toEqual(['FAILED', 'TIMED_OUT', 'ABORTED']);
    // Every state machine, key-move-batches (a run of key-reshuffle's or key-merge's batches) too.
    expect(pattern.detail.stateMachineArn).toHaveLength(7);
    const [target] = rule?.Properties.Targets as {
      Arn: unknown;
      InputTransformer: { InputTemplate: string };
    }[];
    expect(flat(target?.Arn)).toMatch(/^<NotificationsTopic/);
    expect(target?.InputTransformer.InputTemplate).toContain('selfheal describe <detail-executionArn>');
  });

  it('encrypts the topic with a rotated key of its own and accepts only TLS', () => {
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::SNS::Topic', {
      TopicName: 'selfheal-notifications',
      KmsMasterKeyId: Match.anyValue(),
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('lets no service publish through the topic policy: failed runs reach the topic through their rule’s own role', () => {
    const policies = Object.values(resources).filter((r) => r.Type === 'AWS::SNS::TopicPolicy');
    const statements = policies.flatMap(
      (p) =>
        (p.Properties.PolicyDocument as { Statement: (Statement & { Principal?: unknown })[] }).Statement,
    );
    expect(statements.filter((st) => st.Effect === 'Allow')).toEqual([]);
    const [rule] = Object.entries(resources).filter(
      ([id, r]) => r.Type === 'AWS::Events::Rule' && id.includes('FailedRuns'),
    );
    const [target] = (rule?.[1].Properties.Targets ?? []) as { RoleArn?: unknown }[];
    expect(flat(target?.RoleArn)).toMatch(/^<SignalsFailedRunsEventsRole/);
    // That role may publish to the notification topic and use its key, nothing else.
    expect(allowed(statementsOf('SignalsFailedRunsEventsRole'))).toEqual(
      new Map([
        ['sns:Publish', [expect.stringMatching(/^<NotificationsTopic/)]],
        ['kms:Decrypt', [expect.stringMatching(/^<NotificationsKey/)]],
        ['kms:GenerateDataKey*', [expect.stringMatching(/^<NotificationsKey/)]],
      ]),
    );
  });

  it('runs the grey-cell detector of each fleet on its schedule', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^detectgreycellscheckout'), 'Arn'] },
        }),
      ],
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          CELL_NAMES: 'checkout-cell-1,checkout-cell-2,checkout-cell-3,checkout-cell-4,checkout-cell-5',
          XRAY_GROUP_NAME: 'Default',
        }),
      },
    });
  });
});

describe('alarms and tables', () => {
  it('puts the throttling alarms on every table and the health alarm on every mapping’s downstream', () => {
    const names = Object.values(resources)
      .filter((r) => r.Type === 'AWS::CloudWatch::Alarm')
      .map((r) => r.Properties.AlarmName);
    expect(names.sort()).toEqual([
      'selfheal-6c1d8a4e-payments-error-rate',
      'selfheal-events-capacity-throttling',
      'selfheal-events-key-range-throttling',
      'selfheal-orders-capacity-throttling',
      'selfheal-orders-key-range-throttling',
      'selfheal-sessions-capacity-throttling',
      'selfheal-sessions-key-range-throttling',
      'selfheal-undelivered-signals',
    ]);
    // Each routed alarm starts with the deployment's name, as the signal rule's prefix expects.
    for (const name of names) expect(name).toMatch(/^selfheal-/);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'selfheal-sessions-capacity-throttling',
      Threshold: 20,
      Metrics: Match.arrayWith([
        Match.objectLike({
          MetricStat: Match.objectLike({
            Metric: {
              Namespace: 'AWS/DynamoDB',
              MetricName: 'WriteProvisionedThroughputThrottleEvents',
              Dimensions: [{ Name: 'TableName', Value: 'sessions' }],
            },
          }),
        }),
      ]),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'selfheal-6c1d8a4e-payments-error-rate',
      Threshold: 5,
      Tags: [{ Key: 'selfheal:runbook', Value: 'sqs-backpressure' }],
    });
  });

  it('keeps dispatch’s tables with point-in-time recovery and encryption, the ledger retained', () => {
    for (const name of ['selfheal-control', 'selfheal-ledger']) {
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        TableName: name,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
      });
    }
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: Match.objectLike({ TableName: 'selfheal-ledger', DeletionProtectionEnabled: true }),
      DeletionPolicy: 'Retain',
    });
  });

  it('gives the routing task its routing as a file in its code, named by SELFHEAL_ROUTING_FILE', () => {
    const fn = Object.values(resources).find(
      (r) => r.Type === 'AWS::Lambda::Function' && r.Properties.FunctionName === 'selfheal-normalise-signal',
    );
    const variables = (fn?.Properties.Environment as { Variables: Record<string, string> }).Variables;
    expect(variables.SELFHEAL_ROUTING_FILE).toBe(ROUTING_FILE);
    expect(variables.SELFHEAL_ROUTING).toBeUndefined();
  });
});

describe('guards on what a role may do', () => {
  it('lets the capacity task register and schedule only DynamoDB tables’ capacity with auto scaling', () => {
    const register = statementsOf(taskPrefix('apply-capacity-plan')).find((s) =>
      list(s.Action).includes('application-autoscaling:RegisterScalableTarget'),
    );
    expect(list(register?.Action)).toContain('application-autoscaling:PutScheduledAction');
    expect(register?.Condition).toEqual({
      StringEquals: {
        'application-autoscaling:service-namespace': ['dynamodb'],
        'application-autoscaling:scalable-dimension': [
          'dynamodb:table:ReadCapacityUnits',
          'dynamodb:table:WriteCapacityUnits',
        ],
      },
    });
  });

  it('lets the detector put only its own incidents on the default bus', () => {
    const put = statementsOf('detectgreycellscheckout').find((s) =>
      list(s.Action).includes('events:PutEvents'),
    );
    expect(list(put?.Resource).map(flat)).toEqual([
      'arn:<AWS::Partition>:events:eu-west-1:123456789012:event-bus/default',
    ]);
    expect(put?.Condition).toEqual({
      'ForAllValues:StringEquals': {
        'events:source': ['selfheal.detectors'],
        'events:detail-type': ['Cell Grey Failure Detected'],
      },
      Null: { 'events:source': ['false'], 'events:detail-type': ['false'] },
    });
  });

  it('alarms to the topic as soon as a signal waits in the dead-letter queue', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'selfheal-undelivered-signals',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^NotificationsTopic') }],
    });
  });
});

describe('operators', () => {
  it('get one managed policy: start through dispatch only, watch and stop the deployment’s runs, set switches, read the ledger', () => {
    const policy = Object.values(resources).find(
      (r) => r.Type === 'AWS::IAM::ManagedPolicy' && r.Properties.ManagedPolicyName === 'selfheal-operator',
    );
    const actions = allowed((policy?.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
    expect(actions.get('states:StartExecution')).toEqual([
      expect.stringMatching(/^<Runbooksdispatch[0-9A-F]{8}>$/),
    ]);
    expect(actions.get('states:StopExecution')).toHaveLength(7);
    for (const arn of actions.get('states:StopExecution') ?? [])
      expect(arn).toMatch(
        /^arn:<AWS::Partition>:states:eu-west-1:123456789012:execution:selfheal-[a-z-]+:\*$/,
      );
    expect(actions.get('dynamodb:PutItem')).toEqual([
      expect.stringMatching(/^<TablesControl[0-9A-F]{8}\.Arn>$/),
    ]);
    expect([...actions.keys()].filter((a) => !a.startsWith('states:') && !a.startsWith('dynamodb:'))).toEqual(
      [],
    );
  });
});
