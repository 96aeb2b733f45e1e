/**
 * Step Functions where an operator command acts, as one StepFunctionsPort and the deployment's
 * naming: in AWS the SFN client (the target's credentials and region); with `--local`, the local
 * deployment. Its runs end with the command that started them and are saved in the state file, so
 * reading them (`list`, `describe`, `stop`, `approve`) reads the saved runs, and only `start` runs
 * the engine. This is the only place that tells the two apart.
 */
import { savedStepFunctions, localStepFunctions } from '../local/step-functions.ts';
import { followLocal } from '../local/follow.ts';
import { savedExecutions } from '../local/saved-executions.ts';
import { savedExecutionRecords } from '../local/state-file.ts';
import { runbookNames } from '../runbooks/catalogue.ts';
import { runbookOf } from '../domain/deployment/names.ts';
import { arnParts, isExecutionArn, type MachineNaming } from '../domain/operator/executions.ts';
import { followByPolling, type FollowExecution } from '../domain/operator/follow.ts';
import type { StepFunctionsPort } from '../domain/operator/ports.ts';
import { UsageError } from './exit-codes.ts';
import { withLocalDeployment, type WorldName } from './local-deployment.ts';
import { targetFrom, type AwsTarget, type LocalTarget, type Target, type TargetValues } from './target.ts';

export interface StepFunctionsAccess {
  port: StepFunctionsPort;
  naming: MachineNaming;
}

/** What starting a run needs besides: following it as it goes, and the deployment's clock. */
export interface LiveStepFunctions extends StepFunctionsAccess {
  follow: FollowExecution;
  now(): number;
}

/** How often a run in AWS is polled for its progress. */
export const POLL_INTERVAL_MS = 2000;

export async function withStepFunctions<T>(
  target: Target,
  use: (access: StepFunctionsAccess) => Promise<T>,
): Promise<T> {
  if (target.kind === 'aws')
    return use({
      port: target.stepFunctions(),
      naming: awsNaming(target, await target.stepFunctionsRegion()),
    });
  const machines = runbookNames();
  const saved = savedExecutions(await savedExecutionRecords(target.stateFile), machines);
  return use({ port: savedStepFunctions(saved), naming: localNaming(target) });
}

/** For starting a run: locally, the engine over a simulated world (`world`, `seed`). */
export async function withLiveStepFunctions<T>(
  target: Target,
  local: { world: WorldName; seed: number },
  use: (live: LiveStepFunctions) => Promise<T>,
): Promise<T> {
  if (target.kind === 'aws') {
    const port = target.stepFunctions();
    return use({
      port,
      naming: awsNaming(target, await target.stepFunctionsRegion()),
      follow: followByPolling(port, { intervalMs: POLL_INTERVAL_MS }),
      now: () => Date.now(),
    });
  }
  return withLocalDeployment({ ...local, stateFile: target.stateFile }, ({ engine, clock }) =>
    use({
      port: localStepFunctions(engine),
      naming: localNaming(target),
      follow: followLocal(engine),
      now: () => clock.now(),
    }),
  );
}

/**
 * The target of a command about one execution: in AWS, the execution's own region when it is
 * named by ARN (a `--region` that says otherwise is a usage error).
 */
export function executionTarget(values: TargetValues, reference: string): Target {
  const arnRegion = !values.local && isExecutionArn(reference) ? arnParts(reference)?.region : undefined;
  if (values.region !== undefined && arnRegion !== undefined && values.region !== arnRegion) {
    throw new UsageError(`--region ${values.region}, but the execution is in ${arnRegion}`);
  }
  return targetFrom({ ...values, ...(arnRegion && !values.region ? { region: arnRegion } : {}) });
}

/**
 * The deployment's machines are `<deployment>-<runbook>`. `region` is the one the client resolved
 * (asking for it first also tells a missing region before any call is made).
 */
function awsNaming(target: AwsTarget, region: string): MachineNaming {
  const { names } = target;
  return {
    stateMachineName: (runbook) => names.stateMachine(runbook),
    runbookOf: (name) => runbookOf(names, name, runbookNames()),
    where: `deployment ${names.deployment} (AWS, ${region})`,
  };
}

/** The local engine registers each runbook under its own name, whatever --deployment says. */
function localNaming(target: LocalTarget): MachineNaming {
  return {
    stateMachineName: (runbook) => runbook,
    runbookOf: (name) => name,
    where: `the local deployment (${target.stateFile})`,
  };
}
