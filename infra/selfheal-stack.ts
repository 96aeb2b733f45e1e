/**
 * selfheal in one stack, from one config: dispatch's tables and topic, every Lambda task, every
 * runbook, the alarms of the protected resources, the rules that bring signals to dispatch, and the
 * grey-cell detector's schedule. Roles are scoped to what the config names.
 */
import { ArnFormat, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { deploymentNames, type DeploymentNames } from '../domain/deployment/names.ts';
import { LEDGER_BY_DAY_INDEX } from '../domain/dispatch/tables.ts';
import { CATALOGUE, DEFAULT_TASK_TIMEOUT_SECONDS, type Catalogue } from '../runbooks/catalogue.ts';
import type { GrantScope } from '../runbooks/task-spec.ts';
import type { SelfhealConfig, FleetConfig } from './config/schema.ts';
import { alarmsOf, queueArnOf, routingControlArnsOf, routingOf } from './config/derived.ts';
import { DETECTOR_GRANTS } from './permissions/detector-grants.ts';
import { Alarms } from './constructs/alarms.ts';
import { ControlTables } from './constructs/control-tables.ts';
import { Notifications } from './constructs/notifications.ts';
import { readRunbooks, Runbooks } from './constructs/runbooks.ts';
import { applyGrants, type ScopedResources } from './constructs/scoped-grants.ts';
import { SignalRules } from './constructs/signal-rules.ts';
import { signalRulesOf } from './config/signal-patterns.ts';
import { OperatorPolicy } from './constructs/operator-policy.ts';
import { TaskFunction } from './constructs/task-function.ts';

/** Where the routing lies in the routing task's code (`SELFHEAL_ROUTING_FILE`). */
export const ROUTING_FILE = 'routing.json';

export interface SelfhealStackProps extends StackProps {
  config: SelfhealConfig;
  /** The runbooks and tasks to deploy: selfheal's own (`runbooks/*.json`) unless told. */
  catalogue?: Catalogue;
}

export class SelfhealStack extends Stack {
  readonly names: DeploymentNames;
  readonly functions = new Map<string, TaskFunction>();
  readonly runbooks: Runbooks;

  constructor(scope: Construct, id: string, props: SelfhealStackProps) {
    super(scope, id, props);
    const { config } = props;
    const catalogue = props.catalogue ?? CATALOGUE;
    const names = (this.names = deploymentNames(config.deployment));
    const logRetention = config.logRetentionDays as RetentionDays;
    const tables = new ControlTables(this, 'Tables', names);
    const notifications = new Notifications(this, 'Notifications', {
      names,
      emails: config.notifications.emails,
    });

    // A file in the function's code, not a variable: Lambda's environment holds 4 KB in all, and
    // each mapping or fleet adds half a kilobyte of routing.
    const routing = JSON.stringify(routingOf(config));
    const common = { SELFHEAL_CONTROL_TABLE: names.controlTable, SELFHEAL_LEDGER_TABLE: names.ledgerTable };
    const arcEndpoints = JSON.stringify(config.arcCluster?.endpoints ?? []);
    const resources = this.scopedResources(config, tables);

    for (const task of catalogue.tasks) {
      const fn = new TaskFunction(this, task.id, {
        functionName: names.function(task.id),
        entry: task.entry,
        ...(task.handlerName ? { handler: task.handlerName } : {}),
        description: `selfheal task ${task.id}`,
        logRetention,
        service: names.deployment,
        sourceMaps: config.sourceMapsAtRuntime,
        timeout: Duration.seconds(task.timeoutSeconds ?? DEFAULT_TASK_TIMEOUT_SECONDS),
        // What its ports read in production: the routing, or the ARC cluster's endpoints.
        ...(task.ports === 'routing' ? { files: { [ROUTING_FILE]: routing } } : {}),
        environment: {
          ...common,
          ...(task.ports === 'routing' ? { SELFHEAL_ROUTING_FILE: ROUTING_FILE } : {}),
          ...(task.ports === 'cells' ? { SELFHEAL_ARC_CLUSTER_ENDPOINTS: arcEndpoints } : {}),
        },
      });
      applyGrants(fn.role, fn.unscoped, task.grants, resources);
      this.functions.set(task.id, fn);
    }

    const runbookFiles = readRunbooks(catalogue);
    const tableArns = (table: string): string[] => {
      if (table === 'ControlTableName') return [tables.control.tableArn];
      if (table === 'LedgerTableName') return [tables.ledger.tableArn];
      if (table === 'request') return resources.arns('protected-tables');
      throw new Error(`a runbook names table \${${table}}, which this stack does not deploy`);
    };
    this.runbooks = new Runbooks(this, 'Runbooks', {
      names,
      runbooks: runbookFiles,
      logRetention,
      tableArns,
      topicKeyArn: notifications.key.keyArn,
      substitutions: {
        ...Object.fromEntries(
          catalogue.tasks.map((task) => [
            task.substitution,
            this.functions.get(task.id)?.function.functionArn ?? '',
          ]),
        ),
        ControlTableName: tables.control.tableName,
        LedgerTableName: tables.ledger.tableName,
        NotificationTopicArn: notifications.topic.topicArn,
      },
    });

    new Alarms(this, 'Alarms', alarmsOf(config));
    const dispatch = this.runbooks.stateMachines.get('dispatch');
    if (!dispatch) throw new Error('statemachines/ has no dispatch runbook');
    const fleets = Object.entries(config.fleets);
    new SignalRules(this, 'Signals', {
      deployment: names.deployment,
      dispatch,
      signals: signalRulesOf(config),
      runbooks: [...this.runbooks.stateMachines.values()],
      topic: notifications.topic,
    });
    new OperatorPolicy(this, 'Operators', {
      names,
      runbooks: this.runbooks.stateMachines,
      control: tables.control,
      ledger: tables.ledger,
    });
    for (const [fleetName, fleet] of fleets)
      this.detector(
        names,
        fleetName,
        fleet,
        { logRetention, sourceMaps: config.sourceMapsAtRuntime },
        resources,
      );
  }

  /** The grey-cell detector of one fleet, run on its schedule. */
  private detector(
    names: DeploymentNames,
    fleetName: string,
    fleet: FleetConfig,
    functions: { logRetention: RetentionDays; sourceMaps: boolean },
    resources: ScopedResources,
  ): void {
    const { logRetention, sourceMaps } = functions;
    const id = `detect-grey-cells-${fleetName}`;
    const { detector } = fleet;
    const fn = new TaskFunction(this, id, {
      functionName: names.function(id).slice(0, 64),
      entry: 'handlers/detect-grey-cells.ts',
      description: `selfheal grey-cell detector of fleet ${fleetName}`,
      logRetention,
      service: names.deployment,
      sourceMaps,
      environment: {
        CELL_NAMES: fleet.cells.map((c) => c.name).join(','),
        XRAY_GROUP_NAME: detector.xrayGroup,
        WINDOW_MINUTES: String(detector.windowMinutes),
        MIN_REQUESTS_PER_CELL: String(detector.policy.minRequests),
        OUTLIER_SCORE: String(detector.policy.outlierScore),
        MIN_FAULT_RATE_INCREASE: String(detector.policy.minFaultRateIncrease),
        MIN_P99_INCREASE_MS: String(detector.policy.minP99IncreaseMs),
        MIN_P99_RATIO: String(detector.policy.minP99Ratio),
        EVENT_BUS_NAME: 'default',
      },
    });
    applyGrants(fn.role, fn.unscoped, DETECTOR_GRANTS, resources);
    new Rule(this, `${id}-schedule`, {
      ruleName: `${names.deployment}-${id}`.slice(0, 64),
      description: `Runs the grey-cell detector of fleet ${fleetName} every ${detector.everyMinutes} min`,
      schedule: Schedule.rate(Duration.minutes(detector.everyMinutes)),
      targets: [new LambdaFunction(fn.function, { retryAttempts: 0 })],
    });
  }

  private scopedResources(config: SelfhealConfig, tables: ControlTables): ScopedResources {
    const arn = (
      service: string,
      resource: string,
      resourceName: string,
      arnFormat = ArnFormat.SLASH_RESOURCE_NAME,
    ) => this.formatArn({ service, resource, resourceName, arnFormat });
    const mappingArns = config.mappings.map((m) =>
      arn('lambda', 'event-source-mapping', m.uuid, ArnFormat.COLON_RESOURCE_NAME),
    );
    // Lambda authorises a mapping change on the function it feeds, named with or without a
    // version or alias.
    const consumerArns = config.mappings.flatMap((m) => {
      const fn = arn('lambda', 'function', m.functionName, ArnFormat.COLON_RESOURCE_NAME);
      return [fn, `${fn}:*`];
    });
    const scopes: Record<Exclude<GrantScope, 'unscoped'>, string[]> = {
      'protected-tables': config.tables.map((t) => arn('dynamodb', 'table', t.name)),
      'control-table': [tables.control.tableArn],
      'ledger-table': [tables.ledger.tableArn, `${tables.ledger.tableArn}/index/${LEDGER_BY_DAY_INDEX}`],
      // DynamoDB names a table's Contributor Insights rules `DynamoDBContributorInsights-<code>-<table>-<created>`,
      // the code three letters (PKC, PKT, ...): `???` keeps `x-orders`'s rules out of `orders`'s.
      'insight-rules': config.tables.map((t) =>
        arn('cloudwatch', 'insight-rule', `DynamoDBContributorInsights-???-${t.name}-*`),
      ),
      'scalable-targets':
        config.tables.length > 0 ? [arn('application-autoscaling', 'scalable-target', '*')] : [],
      mappings: mappingArns,
      queues: config.mappings.map((m) => queueArnOf(m.queueUrl, this.partition)),
      'routing-controls': routingControlArnsOf(config),
      'event-bus': [arn('events', 'event-bus', 'default')],
    };
    return {
      arns: (scope) => (scope === 'unscoped' ? ['*'] : scopes[scope]),
      // Lambda authorises changes to a mapping on the function it feeds (lambda:FunctionArn).
      conditions: (scope, actions) =>
        scope === 'mappings' && actions.includes('lambda:UpdateEventSourceMapping')
          ? { ArnLike: { 'lambda:FunctionArn': consumerArns } }
          : undefined,
      wildcardReason: (scope) =>
        scope === 'insight-rules'
          ? 'DynamoDB names Contributor Insights rules with a code and a creation time, known only at run time; the table name is fixed'
          : scope === 'scalable-targets'
            ? 'Application Auto Scaling scalable targets have ids assigned by AWS, not known at deploy time'
            : undefined,
    };
  }
}
