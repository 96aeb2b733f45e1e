/**
 * A function's code is its handler module's bundle from the project's one build, byte for byte,
 * with the files the stack writes beside it (the routing) arriving there byte for byte too.
 */
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { withFiles } from '../../infra/constructs/task-function.ts';
import { routingOf } from '../../infra/config/derived.ts';
import { routingFromEnvironment } from '../../detectors/routing/routes.ts';
import { buildHandlerBundles } from '../../packaging/handler-bundles.ts';
import { buildApp } from '../../infra/app.ts';
import { exampleConfig } from '../support/selfheal-stack.ts';

describe('files written beside a bundle', () => {
  it('carries the routing, quotes and all, so the routing task reads what the config said', () => {
    const bundle = buildHandlerBundles().folderOf('handlers/normalise-signal.ts');
    const routing = JSON.stringify(routingOf(exampleConfig()));
    const staged = withFiles(bundle, { 'routing.json': routing }, mkdtempSync(join(tmpdir(), 'selfheal-')));

    expect(readFileSync(join(staged, 'routing.json'), 'utf8')).toBe(routing);
    expect(readFileSync(join(staged, 'index.mjs'))).toEqual(readFileSync(join(bundle, 'index.mjs')));
    expect(
      routingFromEnvironment({ SELFHEAL_ROUTING_FILE: 'routing.json', LAMBDA_TASK_ROOT: staged }),
    ).toEqual(routingOf(exampleConfig()));
  });

  it('refuses a file name that could escape the bundle, or that would replace the bundle', () => {
    const bundle = buildHandlerBundles().folderOf('handlers/normalise-signal.ts');
    const root = mkdtempSync(join(tmpdir(), 'selfheal-'));
    expect(() => withFiles(bundle, { '../evil': 'x' }, root)).toThrow(/not a plain file name/);
    expect(() => withFiles(bundle, { 'index.mjs': 'x' }, root)).toThrow(/would overwrite/);
  });
});

describe('the synthesized functions', () => {
  it('deploy the very bundles the local engine and the tests run', () => {
    const bundles = buildHandlerBundles();
    const outdir = mkdtempSync(join(tmpdir(), 'selfheal-cdk-'));
    const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
    const { stack } = buildApp(
      { ...exampleConfig(), environment: { account: '123456789012', region: 'eu-west-1' } },
      app,
    );
    const assembly = app.synth();
    const template = assembly.getStackByName(stack.stackName).template as {
      Resources: Record<
        string,
        { Type: string; Properties: { Handler?: string }; Metadata?: Record<string, string> }
      >;
    };
    const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    const deployed = new Set<string>();
    for (const fn of functions) {
      const asset = fn.Metadata?.['aws:asset:path'];
      if (!asset) continue; // the CDK's own helper functions (log retention and the like)
      const files = readdirSync(join(outdir, asset));
      const entry = bundles.entries.find((e) =>
        readFileSync(bundles.fileOf(e)).equals(readFileSync(join(outdir, asset, 'index.mjs'))),
      );
      expect(entry, `${asset} holds one of the built bundles`).toBeDefined();
      expect(files).toContain('index.mjs.map');
      deployed.add(entry as string);
    }
    // Every handler module the build makes is deployed by some function, and nothing else is.
    expect([...deployed].sort()).toEqual([...bundles.entries].sort());
  }, 180_000);
});
