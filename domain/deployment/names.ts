/**
 * The names one deployment of selfheal gives its resources. The CDK app names them so, and the
 * operator CLI finds them so, which is why the two share this file: a state machine is
 * `<deployment>-<runbook>`, a table `<deployment>-control` / `<deployment>-ledger`.
 * The default deployment (`selfheal`) gives the tables the names the handlers default to.
 */
import * as z from 'zod';

export const DEFAULT_DEPLOYMENT = 'selfheal';

/** Short enough that `<deployment>-cell-traffic-shift` and every function name stay within AWS limits. */
export const deploymentNameSchema = z
  .string()
  .regex(
    /^[a-z][a-z0-9-]{0,19}$/,
    'a deployment name is 1-20 lowercase letters, digits or "-", from a letter',
  );

export interface DeploymentNames {
  deployment: string;
  stateMachine(runbook: string): string;
  controlTable: string;
  ledgerTable: string;
  notificationTopic: string;
  /** `selfheal-dispatch` and so on: each runbook's CloudWatch Logs group. */
  logGroup(runbook: string): string;
  /** A Lambda task's function name, from its id in the handler registry. */
  function(id: string): string;
}

export function deploymentNames(deployment: string = DEFAULT_DEPLOYMENT): DeploymentNames {
  const name = deploymentNameSchema.parse(deployment);
  return {
    deployment: name,
    stateMachine: (runbook) => `${name}-${runbook}`,
    controlTable: `${name}-control`,
    ledgerTable: `${name}-ledger`,
    notificationTopic: `${name}-notifications`,
    logGroup: (runbook) => `/aws/vendedlogs/states/${name}-${runbook}`,
    function: (id) => `${name}-${id}`,
  };
}

/**
 * The runbook a deployed state machine's name stands for, or undefined if it is none of this
 * deployment's: `selfheal-dev-dispatch` is not deployment `selfheal`'s runbook `dev-dispatch`,
 * since only the runbooks there are (`runbooks`) count.
 */
export function runbookOf(
  names: DeploymentNames,
  stateMachineName: string,
  runbooks: readonly string[],
): string | undefined {
  return runbooks.find((runbook) => names.stateMachine(runbook) === stateMachineName);
}
