/**
 * Where an operator command acts: a deployment in AWS (the SDK's own default credential and region
 * chains, profiles included, or `--region`), or with `--local` the local deployment kept in the
 * state file. Every command takes `TARGET_OPTIONS`, so the flags read the same everywhere; those
 * that act on AWS call `targetFrom`, those that only ever run here call `localOnlyTarget`.
 */
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoDbClient, createSfnClient } from '../adapters/aws-clients.ts';
import { sfnAdapter } from '../adapters/sfn.ts';
import { DEFAULT_DEPLOYMENT, deploymentNames, type DeploymentNames } from '../domain/deployment/names.ts';
import type { StepFunctionsPort } from '../domain/operator/ports.ts';
import { stateFilePath } from '../local/state-file.ts';
import { UsageError } from './exit-codes.ts';

export const TARGET_OPTIONS = {
  local: { type: 'boolean', default: false },
  deployment: { type: 'string' },
  region: { type: 'string' },
  state: { type: 'string' },
} as const;

const STATE_USAGE = `  --state FILE       with --local, the local deployment's state
                     (default $SELFHEAL_STATE_FILE, else .selfheal/local-state.json)`;

export const TARGET_USAGE = `Where (a deployment in AWS, or --local):
  --local            act on the local deployment (the local engine and a simulated world)
${STATE_USAGE}
  --deployment NAME  the deployment in AWS (default $SELFHEAL_DEPLOYMENT, else ${DEFAULT_DEPLOYMENT})
  --region R         its region (default the AWS SDK's: $AWS_REGION, else the region of the
                     profile $AWS_PROFILE, or default, in ~/.aws/config)
  In AWS the SDK's credential chain applies: environment, profile (SSO too), or the role.`;

/** TARGET_USAGE for a command that only ever runs here: `--local` is what it always does. */
export function localOnlyUsage(command: string, why: string, withState: boolean): string {
  return [
    `Where (${command} runs on this machine only: ${why}):`,
    `  --local            accepted, and changes nothing: ${command} is always local`,
    ...(withState ? [STATE_USAGE] : []),
    '  --deployment, --region  refused: they name a deployment in AWS',
  ].join('\n');
}

export interface AwsTarget {
  kind: 'aws';
  names: DeploymentNames;
  /** The region asked for (`--region`, or an execution ARN's); undefined: the SDK's chain decides. */
  region: string | undefined;
  /** Clients are made on first use, one per process (the tests inject their own). */
  stepFunctions(): StepFunctionsPort;
  /** The region Step Functions' client resolved: where its calls really go. */
  stepFunctionsRegion(): Promise<string>;
  dynamodb(): DynamoDBClient;
}

export interface LocalTarget {
  kind: 'local';
  names: DeploymentNames;
  stateFile: string;
}

export type Target = AwsTarget | LocalTarget;

export interface TargetValues {
  local?: boolean;
  deployment?: string;
  region?: string;
  state?: string;
}

/** Clients for AWS targets; tests replace them with mocked ones. */
export interface AwsClientFactory {
  stepFunctions(region: string | undefined): SFNClient;
  dynamodb(region: string | undefined): DynamoDBClient;
}

// No region unless asked: the SDK's own chain then reads $AWS_REGION or the profile's region.
const sdkClients: AwsClientFactory = {
  stepFunctions: (region) => createSfnClient(region ? { region } : {}),
  dynamodb: (region) => createDynamoDbClient(region ? { region } : {}),
};

let clientFactory: AwsClientFactory = sdkClients;

/** For tests: make AWS targets use these clients; returns a function that puts the SDK's back. */
export function useAwsClients(factory: AwsClientFactory): () => void {
  clientFactory = factory;
  return () => {
    clientFactory = sdkClients;
  };
}

export function targetFrom(values: TargetValues, env: NodeJS.ProcessEnv = process.env): Target {
  const deployment = values.deployment ?? env.SELFHEAL_DEPLOYMENT ?? DEFAULT_DEPLOYMENT;
  const parsed = deploymentNamesOrUsage(deployment);
  if (values.local) {
    if (values.region !== undefined) throw new UsageError('--region is for AWS; --local runs here');
    // The local engine has one deployment, with the default names its runbooks are loaded with.
    if (values.deployment !== undefined)
      throw new UsageError('--deployment is for AWS; --local has one deployment');
    return { kind: 'local', names: parsed, stateFile: stateFilePath(values.state, env) };
  }
  if (values.state !== undefined) throw new UsageError('--state is for the local deployment: add --local');
  const region = values.region;
  const factory = clientFactory;
  let sfn: SFNClient | undefined;
  let port: StepFunctionsPort | undefined;
  let dynamodb: DynamoDBClient | undefined;
  const sfnClient = (): SFNClient => (sfn ??= factory.stepFunctions(region));
  return {
    kind: 'aws',
    names: parsed,
    region,
    stepFunctions: () => (port ??= sfnAdapter(sfnClient())),
    stepFunctionsRegion: () => sfnClient().config.region(),
    dynamodb: () => (dynamodb ??= factory.dynamodb(region)),
  };
}

/**
 * The target of a command that runs on the local engine only (dispatch): `--local` is accepted
 * and changes nothing, `--state` applies, and a flag naming a deployment in AWS is refused.
 */
export function localOnlyTarget(values: TargetValues, command: string, instead: string): LocalTarget {
  if (values.deployment !== undefined || values.region !== undefined) {
    throw new UsageError(
      `${command} runs on this machine only, so --deployment and --region do not apply: ${instead}`,
    );
  }
  return targetFrom({ ...values, local: true }) as LocalTarget;
}

/** Local-only commands that keep no state (simulate, runbook): `--state` is refused too. */
export function statelessLocalOnly(values: TargetValues, command: string, instead: string): void {
  localOnlyTarget({ ...values, state: undefined }, command, instead);
  if (values.state !== undefined)
    throw new UsageError(`${command} keeps no state, so --state does not apply`);
}

function deploymentNamesOrUsage(deployment: string): DeploymentNames {
  try {
    return deploymentNames(deployment);
  } catch {
    throw new UsageError(
      `--deployment "${deployment}" is not a deployment name (1-20 lowercase letters, digits or "-", from a letter)`,
    );
  }
}
