/**
 * One Lambda task as selfheal deploys it: the handler module's bundle from the project's one
 * build (`packaging/handler-bundles.ts`, the same files the local engine and the tests run; ESM,
 * arm64, Node 24), traced with X-Ray, Powertools configured by environment, logging to a log
 * group of its own with a retention, and running under a role of its own that can write only
 * that log group until its grants are added.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Policy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, Function, Runtime, type CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { acknowledgeWildcards } from './scoped-grants.ts';
import { buildHandlerBundles, REPOSITORY_ROOT } from '../../packaging/handler-bundles.ts';

export { REPOSITORY_ROOT };

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
  /** Stack traces mapped through the shipped source maps at run time (config `sourceMapsAtRuntime`). */
  sourceMaps?: boolean;
}

export class TaskFunction extends Construct {
  readonly function: Function;
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
    this.function = new Function(this, 'Function', {
      functionName: props.functionName,
      description: props.description,
      code: codeOf(this, props.entry, props.files ?? {}),
      handler: `index.${props.handler ?? 'handler'}`,
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
        ...(props.sourceMaps ? { NODE_OPTIONS: '--enable-source-maps' } : {}),
        ...props.environment,
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

/**
 * The function's code: its handler module's bundle, with `files` beside it. Synthesizing without
 * bundling (`aws:cdk:bundling-stacks`, as the template tests do) deploys a placeholder instead,
 * as the CDK's own bundled functions do, so a template test need not build or copy 50 MB.
 */
function codeOf(scope: Construct, entry: string, files: Record<string, string>): Code {
  if (!Stack.of(scope).bundlingRequired) return Code.fromInline(`// ${entry}: bundling skipped`);
  const bundle = buildHandlerBundles().folderOf(entry);
  if (Object.keys(files).length === 0) return Code.fromAsset(bundle);
  return Code.fromAsset(withFiles(bundle, files));
}

/**
 * A copy of the bundle's folder with `files` written beside it, in a folder named by the bundle
 * and the files (two functions of one module with different files are two assets). The CDK hashes
 * the folder's content for the asset, so a rebuilt bundle is a new asset.
 */
export function withFiles(bundle: string, files: Record<string, string>, root = STAGED_DIR): string {
  const hash = createHash('sha256').update(bundle);
  const names = readdirSync(bundle).sort();
  for (const [name, content] of Object.entries(files).sort()) {
    if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`not a plain file name: ${name}`);
    if (names.includes(name)) throw new Error(`${name} would overwrite the bundle's own file`);
    hash.update(name).update(content);
  }
  const staged = join(root, hash.digest('hex').slice(0, 16));
  mkdirSync(staged, { recursive: true });
  for (const name of names) copyFileSync(join(bundle, name), join(staged, name));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(staged, name), content);
  return staged;
}

/** Where bundles with files beside them are staged for the CDK's asset copy. */
const STAGED_DIR = join(REPOSITORY_ROOT, 'dist', 'staged');
