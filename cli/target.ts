/**
 * Where an operator command acts: a deployment in AWS (the SDK's default credential and region
 * chain, or `--region`), or with `--local` the local deployment kept in the state file. Commands
 * that work on both take `TARGET_OPTIONS` and call `targetFrom`, so the flags read the same
 * everywhere.
 */
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

export const TARGET_USAGE = `Where:
  --local            act on the local deployment (the local engine and a simulated world)
  --state FILE       the local deployment's state (default .selfheal/local-state.json)
  --deployment NAME  the deployment in AWS (default $SELFHEAL_DEPLOYMENT or ${DEFAULT_DEPLOYMENT})
  --region R         its region (default $AWS_REGION, else $AWS_DEFAULT_REGION, else us-east-1)`;

export interface AwsTarget {
  kind: 'aws';
  names: DeploymentNames;
  region: string | undefined;
  /** Clients are made on first use, one per process (the tests inject their own). */
  stepFunctions(): StepFunctionsPort;
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
  stepFunctions(region: string | undefined): StepFunctionsPort;
  dynamodb(region: string | undefined): DynamoDBClient;
}

const sdkClients: AwsClientFactory = {
  stepFunctions: (region) => sfnAdapter(createSfnClient(region ? { region } : {})),
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
  const region = values.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  const factory = clientFactory;
  let stepFunctions: StepFunctionsPort | undefined;
  let dynamodb: DynamoDBClient | undefined;
  return {
    kind: 'aws',
    names: parsed,
    region,
    stepFunctions: () => (stepFunctions ??= factory.stepFunctions(region)),
    dynamodb: () => (dynamodb ??= factory.dynamodb(region)),
  };
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
