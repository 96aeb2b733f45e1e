/**
 * cdk-nag's AwsSolutions pack passes on the whole app, every finding acknowledged with a reason;
 * and it is really on: an unacknowledged wildcard fails the synth.
 */
import { describe, expect, it } from 'vitest';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { configWith, exampleConfig, synthesize } from '../support/selfheal-stack.ts';

describe('cdk-nag AwsSolutions', () => {
  it('passes on the stack from the example config, and on an empty one', () => {
    for (const config of [exampleConfig(), configWith({})]) {
      const { app } = synthesize(config);
      expect(() => app.synth({ force: true })).not.toThrow();
    }
  });

  it('fails the synth on a wildcard nobody explained', () => {
    const { app, stack } = synthesize();
    const fn = stack.functions.get('check-capacity-request');
    fn?.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['dynamodb:DeleteTable'], resources: ['*'] }),
    );
    expect(() => app.synth({ force: true })).toThrow(
      /wildcard permissions[\s\S]*check-capacity-request\/Role\/DefaultPolicy[\s\S]*AwsSolutions-IAM5\[Resource::\*\]/,
    );
  });
});
