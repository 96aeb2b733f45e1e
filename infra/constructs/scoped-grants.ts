/**
 * Turns a task's grants (its manifest's `grants`) into IAM statements on its role, each on
 * the configured resources of its scope. A scope with nothing configured grants nothing: a
 * deployment with no mappings gives the backpressure tasks no Lambda permission at all. Statements
 * that must name a wildcard resource are acknowledged to cdk-nag with the grant's written reason.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement, type IRole, type Policy } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import type { GrantScope, TaskGrant } from '../../runbooks/task-spec.ts';

export interface ScopedResources {
  /** The ARNs a scope stands for in this deployment. */
  arns(scope: GrantScope): string[];
  /** Conditions that narrow a scope further, where AWS supports them. */
  conditions?(
    scope: GrantScope,
    actions: readonly string[],
  ): Record<string, Record<string, string[]>> | undefined;
  /** Why a scope's ARNs hold a wildcard (e.g. insight rules DynamoDB names at run time). */
  wildcardReason?(scope: GrantScope): string | undefined;
}

/**
 * Grants go on the role; grants on `*` go on `unscoped`, a policy of their own, where the cdk-nag
 * acknowledgement is made: an acknowledgement names a finding (`Resource::*`), not a statement,
 * so one made on the role would also pass any `*` added to it later.
 */
export function applyGrants(
  role: IRole,
  unscopedPolicy: Policy,
  grants: readonly TaskGrant[],
  resources: ScopedResources,
): void {
  for (const grant of grants) {
    const unscoped = grant.scope === 'unscoped';
    if (unscoped && !grant.why)
      throw new Error(`an unscoped grant of ${grant.actions.join(', ')} must say why`);
    const arns = unscoped ? ['*'] : resources.arns(grant.scope);
    if (arns.length === 0) continue;
    const scoped = unscoped ? undefined : resources.conditions?.(grant.scope, grant.actions);
    const conditions = grant.conditions || scoped ? { ...grant.conditions, ...scoped } : undefined;
    const statement = new PolicyStatement({
      actions: [...grant.actions],
      resources: arns,
      ...(conditions ? { conditions } : {}),
    });
    if (unscoped) {
      unscopedPolicy.addStatements(statement);
      acknowledgeWildcards(unscopedPolicy, arns, `${grant.actions.join(', ')}: ${grant.why}`);
      continue;
    }
    role.addToPrincipalPolicy(statement);
    const reason = resources.wildcardReason?.(grant.scope);
    if (reason) acknowledgeWildcards(role, arns, `${grant.actions.join(', ')}: ${reason}`);
  }
}

/** Acknowledges cdk-nag's IAM5 finding for each of `arns` that holds a wildcard, by its exact finding id. */
export function acknowledgeWildcards(scope: IConstruct, arns: readonly string[], reason: string): void {
  const stack = Stack.of(scope);
  for (const arn of arns) {
    const flat = flattenCfnReference(stack.resolve(arn));
    if (flat.includes('*'))
      Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Resource::${flat}]`, reason });
  }
}
