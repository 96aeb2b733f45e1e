/**
 * The CDK app: `npm run synth` (or `npx cdk synth` / `deploy`, see cdk.json). The config file is
 * `selfheal.config.json` at the repository root unless `-c config=FILE` or $SELFHEAL_CONFIG names
 * another. cdk-nag's AwsSolutions checks run on every synth; a finding that is not acknowledged
 * with a written reason fails it.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { SelfhealStack } from './selfheal-stack.ts';
import { loadConfig, DEFAULT_CONFIG_FILE, ConfigError } from './config/load.ts';
import type { SelfhealConfig } from './config/schema.ts';
import type { Catalogue } from '../runbooks/catalogue.ts';

export function buildApp(
  config: SelfhealConfig,
  app: App = new App(),
  catalogue?: Catalogue,
): { app: App; stack: SelfhealStack } {
  const stack = new SelfhealStack(app, config.deployment, {
    config,
    ...(catalogue ? { catalogue } : {}),
    description: `selfheal (${config.deployment}): self-healing remediations on AWS Step Functions`,
    env: {
      account: config.environment.account ?? process.env.CDK_DEFAULT_ACCOUNT,
      region: config.environment.region ?? process.env.CDK_DEFAULT_REGION,
    },
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}

if (import.meta.main) {
  const app = new App();
  const file =
    (app.node.tryGetContext('config') as string | undefined) ??
    process.env.SELFHEAL_CONFIG ??
    DEFAULT_CONFIG_FILE;
  try {
    buildApp(loadConfig(file), app);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(2);
  }
  app.synth();
}
