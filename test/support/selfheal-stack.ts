/**
 * The stack as the template tests see it: the example config (or another), synthesized with
 * esbuild bundling skipped (`npm run synth` bundles for real) and cdk-nag's AwsSolutions checks on.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../infra/app.ts';
import { loadConfig, parseConfig } from '../../infra/config/load.ts';
import type { SelfhealConfig } from '../../infra/config/schema.ts';
import type { SelfhealStack } from '../../infra/selfheal-stack.ts';
import type { Catalogue } from '../../runbooks/catalogue.ts';

export const EXAMPLE_CONFIG_FILE = new URL('../../selfheal.config.json', import.meta.url).pathname;

export function exampleConfig(): SelfhealConfig {
  return loadConfig(EXAMPLE_CONFIG_FILE);
}

export function configWith(raw: Record<string, unknown>): SelfhealConfig {
  return parseConfig(raw, 'test config');
}

export interface SynthesizedStack {
  app: App;
  stack: SelfhealStack;
  template: Template;
}

export function synthesize(
  config: SelfhealConfig = exampleConfig(),
  catalogue?: Catalogue,
): SynthesizedStack {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const { stack } = buildApp(
    { ...config, environment: { account: '123456789012', region: 'eu-west-1', ...config.environment } },
    app,
    catalogue,
  );
  return { app, stack, template: Template.fromStack(stack) };
}
