/**
 * One Lambda task as selfheal deploys it: bundled from its TypeScript entry by the local esbuild
 * (ESM, arm64, Node 24), traced with X-Ray, Powertools configured by environment, logging to a log
 * group of its own with a retention, and running under a role of its own that can write only
 * that log group until its grants are added.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Policy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, type CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type ICommandHooks } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { join } from 'node:path';
import { acknowledgeWildcards } from './scoped-grants.ts';
import { fileURLToPath } from 'node:url';

export const REPOSITORY_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface TaskFunctionProps {
  functionName: string;
  /** Module path from the repository root, e.g. `handlers/plan-capacity.ts`. */
  entry: string;
  handler?: string;
  description: string;
  environment?: Record<string, string>;
  timeout?: Duration;
  logRetention: RetentionDays;
  /** The deployment's name: Powertools' service name and metrics namespace. */
  service: string;
  /** Files written beside the bundle, by name: configuration too large for the environment. */
  files?: Record<string, string>;
}

export class TaskFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;
  /** The role's statements on `*` (X-Ray, and unscoped grants), kept apart from the rest. */
  readonly unscoped: Policy;

  constructor(scope: Construct, id: string, props: TaskFunctionProps) {
    super(scope, id);
    const logGroup = new LogGroup(this, 'Logs', {
      logGroupName: `/aws/lambda/${props.functionName}`,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // A role of its own, with no managed policy: AWSLambdaBasicExecutionRole would let it write
    // any log group in the account.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.functionName}: ${props.description}`,
    });
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    this.function = new NodejsFunction(this, 'Function', {
      functionName: props.functionName,
      description: props.description,
      entry: join(REPOSITORY_ROOT, props.entry),
      handler: props.handler ?? 'handler',
      projectRoot: REPOSITORY_ROOT,
      depsLockFilePath: join(REPOSITORY_ROOT, 'package-lock.json'),
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: 512,
      timeout: props.timeout ?? Duration.seconds(60),
      role: this.role,
      logGroup,
      environment: {
        POWERTOOLS_SERVICE_NAME: props.service,
        POWERTOOLS_METRICS_NAMESPACE: props.service,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        // The oldest Node the code is tested on; the runtime is newer.
        target: 'node22',
        mainFields: ['module', 'main'],
        minify: true,
        sourceMap: true,
        // ESM bundles of CommonJS dependencies still call require().
        banner:
          "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
        forceDockerBundling: false,
        // The SDK the tests ran against (the lockfile's), not the one the runtime happens to ship.
        externalModules: [],
        ...(props.files ? { commandHooks: writeFiles(props.files) } : {}),
      },
    });
    // Active tracing set on the function itself, so that the X-Ray statement the CDK would add to
    // the role's policy goes to the separate policy of statements on `*` instead.
    (this.function.node.defaultChild as CfnFunction).tracingConfig = { mode: 'Active' };
    this.unscoped = new Policy(this, 'Unscoped', {
      roles: [this.role],
      statements: [
        new PolicyStatement({
          actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
          resources: ['*'],
        }),
      ],
    });
    acknowledgeWildcards(
      this.unscoped,
      ['*'],
      'X-Ray trace writes (active tracing) support no resource-level permissions',
    );
  }
}

/** Bundling hooks that write `files` into the bundle's output, base64 so no shell quoting can break them. */
export function writeFiles(files: Record<string, string>): ICommandHooks {
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (_inputDir, outputDir) =>
      Object.entries(files).map(([name, content]) => {
        if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`not a plain file name: ${name}`);
        return `echo ${Buffer.from(content).toString('base64')} | base64 -d > "${join(outputDir, name)}"`;
      }),
  };
}
