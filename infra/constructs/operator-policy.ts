/**
 * What the `selfheal` CLI needs in AWS, as one managed policy to attach to operators' roles:
 * start runs through dispatch only (so the guardrails apply), list, describe and stop the
 * deployment's executions, answer approvals, set switches and read the ledger. Nothing here lets
 * an operator start a runbook directly or change a protected resource.
 */
import { ArnFormat, CfnOutput, Stack } from 'aws-cdk-lib';
import { ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { DeploymentNames } from '../../domain/deployment/names.ts';
import { LEDGER_BY_DAY_INDEX } from '../../domain/dispatch/tables.ts';
import { acknowledgeWildcards } from './scoped-grants.ts';

export interface OperatorPolicyProps {
  names: DeploymentNames;
  runbooks: ReadonlyMap<string, IStateMachine>;
  control: ITable;
  ledger: ITable;
}

export class OperatorPolicy extends Construct {
  readonly policy: ManagedPolicy;

  constructor(scope: Construct, id: string, props: OperatorPolicyProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const dispatch = props.runbooks.get('dispatch');
    if (!dispatch) throw new Error('the operator policy needs the dispatch runbook');
    const machines = [...props.runbooks.values()].map((m) => m.stateMachineArn);
    const executions = [...props.runbooks.keys()].map((runbook) =>
      stack.formatArn({
        service: 'states',
        resource: 'execution',
        resourceName: `${props.names.stateMachine(runbook)}:*`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    );
    const unscoped = new PolicyStatement({
      actions: ['states:ListStateMachines', 'states:SendTaskSuccess', 'states:SendTaskFailure'],
      resources: ['*'],
    });
    this.policy = new ManagedPolicy(this, 'Policy', {
      managedPolicyName: `${props.names.deployment}-operator`,
      description: `selfheal (${props.names.deployment}): what the selfheal CLI needs`,
      statements: [
        new PolicyStatement({ actions: ['states:StartExecution'], resources: [dispatch.stateMachineArn] }),
        new PolicyStatement({ actions: ['states:ListExecutions'], resources: machines }),
        new PolicyStatement({
          actions: ['states:DescribeExecution', 'states:GetExecutionHistory', 'states:StopExecution'],
          resources: executions,
        }),
        unscoped,
        new PolicyStatement({
          actions: ['dynamodb:BatchGetItem', 'dynamodb:PutItem'],
          resources: [props.control.tableArn],
        }),
        new PolicyStatement({
          actions: ['dynamodb:Query'],
          resources: [props.ledger.tableArn, `${props.ledger.tableArn}/index/${LEDGER_BY_DAY_INDEX}`],
        }),
      ],
    });
    acknowledgeWildcards(
      this.policy,
      ['*'],
      'ListStateMachines lists, and SendTaskSuccess/SendTaskFailure answer a task token, on no narrower resource',
    );
    acknowledgeWildcards(
      this.policy,
      executions,
      "an operator describes and stops the deployment's executions, whose names are chosen at run time",
    );
    new CfnOutput(stack, 'OperatorPolicyArn', {
      value: this.policy.managedPolicyArn,
      description: 'Attach to the roles of the people who run the selfheal CLI',
    });
  }
}
