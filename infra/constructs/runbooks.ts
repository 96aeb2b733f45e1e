/**
 * Every runbook of the catalogue (`statemachines/`, owned by `runbooks/*.json`) as a Standard workflow, deployed from the same ASL the local
 * engine runs: `${...}` placeholders become DefinitionSubstitutions, logging is ALL to a log group
 * of its own, X-Ray tracing is on, and its role may do exactly what its Task states call
 * (`permissions/runbook-needs.ts`), on the resources they name.
 */
import { readFileSync } from 'node:fs';
import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { placeholdersOf, type AslDefinition } from '../../engine/asl.ts';
import { CATALOGUE, stateMachineSubstitution, type Catalogue } from '../../runbooks/catalogue.ts';
import type { DeploymentNames } from '../../domain/deployment/names.ts';
import { runbookNeeds, type RunbookNeeds } from '../permissions/runbook-needs.ts';
import { acknowledgeWildcards } from './scoped-grants.ts';

export interface RunbookFile {
  name: string;
  definition: AslDefinition;
}

/** The catalogue's runbooks, the ones the local engine loads, with their ASL read at once. */
export function readRunbooks(catalogue: Catalogue = CATALOGUE): RunbookFile[] {
  return catalogue.runbooks.map((runbook) => ({
    name: runbook.name,
    definition: JSON.parse(readFileSync(runbook.path, 'utf8')) as AslDefinition,
  }));
}

export interface RunbooksProps {
  names: DeploymentNames;
  runbooks: readonly RunbookFile[];
  logRetention: RetentionDays;
  /** Values of the placeholders that are not state machine ARNs: functions, tables, the topic. */
  substitutions: Readonly<Record<string, string>>;
  /** ARNs of the tables a Task names by substitution (`ControlTableName`), or `request` for the protected tables. */
  tableArns(table: string): string[];
  /** The topic's key, for publishing to an encrypted topic. */
  topicKeyArn: string;
}

export class Runbooks extends Construct {
  readonly stateMachines = new Map<string, StateMachine>();

  constructor(scope: Construct, id: string, props: RunbooksProps) {
    super(scope, id);
    const stack = Stack.of(this);
    // By name, not by reference: runbooks that start runbooks need no deployment order.
    const arnOf = (runbook: string): string =>
      stack.formatArn({
        service: 'states',
        resource: 'stateMachine',
        resourceName: props.names.stateMachine(runbook),
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
    const runbookBySubstitution = new Map(
      props.runbooks.map((r) => [stateMachineSubstitution(r.name), r.name]),
    );
    const substitutions: Record<string, string> = {
      ...props.substitutions,
      ...Object.fromEntries(props.runbooks.map((r) => [stateMachineSubstitution(r.name), arnOf(r.name)])),
    };

    for (const runbook of props.runbooks) {
      const used = placeholdersOf(runbook.definition);
      const missing = used.filter((name) => substitutions[name] === undefined);
      if (missing.length > 0)
        throw new Error(`${runbook.name}: no value for ${missing.map((m) => `\${${m}}`).join(', ')}`);
      const stateMachine = new StateMachine(this, runbook.name, {
        stateMachineName: props.names.stateMachine(runbook.name),
        stateMachineType: StateMachineType.STANDARD,
        comment: runbook.definition.Comment,
        definitionBody: DefinitionBody.fromString(JSON.stringify(runbook.definition)),
        definitionSubstitutions: Object.fromEntries(
          used.map((name) => [name, substitutions[name] as string]),
        ),
        tracingEnabled: true,
        logs: {
          destination: new LogGroup(this, `${runbook.name}-logs`, {
            logGroupName: props.names.logGroup(runbook.name),
            retention: props.logRetention,
            removalPolicy: RemovalPolicy.DESTROY,
          }),
          level: LogLevel.ALL,
          includeExecutionData: true,
        },
      });
      const needs = runbookNeeds(runbook.name, runbook.definition);
      const startable = needs.runbooks.map((r) => {
        const child = runbookBySubstitution.get(r.substitution);
        if (!child)
          throw new Error(
            `${runbook.name} starts \${${r.substitution}}, which is no runbook in statemachines/`,
          );
        return { ...r, child };
      });
      this.grant(stateMachine, needs, startable, props, arnOf);
      this.stateMachines.set(runbook.name, stateMachine);
    }
  }

  private grant(
    stateMachine: StateMachine,
    needs: RunbookNeeds,
    startable: { child: string; sync: boolean }[],
    props: RunbooksProps,
    arnOf: (runbook: string) => string,
  ): void {
    const stack = Stack.of(this);
    const allow = (actions: string[], resources: string[]) => {
      if (resources.length > 0) stateMachine.addToRolePolicy(new PolicyStatement({ actions, resources }));
    };
    allow(
      ['lambda:InvokeFunction'],
      needs.functions.map((f) => props.substitutions[f] as string),
    );
    for (const action of new Set(needs.dynamodb.map((d) => d.action))) {
      const tables = needs.dynamodb
        .filter((d) => d.action === action)
        .flatMap((d) => props.tableArns(d.table));
      allow([`dynamodb:${action}`], [...new Set(tables)]);
    }
    if (needs.topics.length > 0) {
      allow(
        ['sns:Publish'],
        needs.topics.map((t) => props.substitutions[t] as string),
      );
      allow(['kms:GenerateDataKey', 'kms:Decrypt'], [props.topicKeyArn]);
    }
    allow(
      ['states:StartExecution'],
      startable.map((s) => arnOf(s.child)),
    );
    const waited = startable.filter((s) => s.sync);
    if (waited.length > 0) {
      // `.sync` polls and, if this run stops, stops the child: on the child's executions, whose
      // names are chosen at run time. It learns of the end through a rule Step Functions manages.
      const executions = waited.map((s) =>
        stack.formatArn({
          service: 'states',
          resource: 'execution',
          resourceName: `${props.names.stateMachine(s.child)}:*`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      );
      allow(['states:DescribeExecution', 'states:StopExecution'], executions);
      acknowledgeWildcards(
        stateMachine,
        executions,
        'a .sync start describes and stops the child executions it starts, whose names are chosen at run time',
      );
      allow(
        ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
        [
          stack.formatArn({
            service: 'events',
            resource: 'rule',
            resourceName: 'StepFunctionsGetEventsForStepFunctionsExecutionRule',
          }),
        ],
      );
    }
    // What the CDK adds for logging and tracing: AWS authorises these on no narrower resource.
    acknowledgeWildcards(
      stateMachine,
      ['*'],
      'log delivery to CloudWatch Logs and X-Ray trace writes (added by the CDK for logging and tracing) support no resource-level permissions',
    );
  }
}
