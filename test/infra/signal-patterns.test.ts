/**
 * The rules to dispatch are `signalRulesOf(config)`, exactly: the game day matches its simulated
 * events against that function's patterns instead of running CDK, so the synthesized template
 * must hold the same patterns, rule for rule, and pass the event to dispatch as it is.
 */
import { describe, expect, it } from 'vitest';
import { signalRulesOf } from '../../infra/config/signal-patterns.ts';
import type { SelfhealConfig } from '../../infra/config/schema.ts';
import { configWith, exampleConfig, synthesize } from '../support/selfheal-stack.ts';

type Resource = { Type: string; Properties: Record<string, unknown> };
interface Target {
  Arn: { Ref?: string };
  Input?: unknown;
  InputPath?: unknown;
  InputTransformer?: unknown;
}

/** The template's rules whose target is dispatch, by name. */
function dispatchRules(config: SelfhealConfig) {
  const resources = synthesize(config).template.toJSON().Resources as Record<string, Resource>;
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::Events::Rule')
    .filter((r) =>
      ((r.Properties.Targets ?? []) as Target[]).some((t) => t.Arn.Ref?.startsWith('Runbooksdispatch')),
    )
    .map((r) => ({
      name: r.Properties.Name,
      description: r.Properties.Description,
      pattern: r.Properties.EventPattern,
      targets: r.Properties.Targets as Target[],
    }));
}

describe('the signal rules of the template', () => {
  it.each([
    ['the example deployment', exampleConfig()],
    ['a deployment protecting nothing yet', configWith({ deployment: 'staging' })],
    ['a deployment of tables only', configWith({ tables: [{ name: 'orders' }] })],
  ])(
    'are signalRulesOf(config)’s, pattern for pattern, for %s',
    (_, config) => {
      const byName = (a: { name: unknown }, b: { name: unknown }) =>
        String(a.name).localeCompare(String(b.name));
      const synthesized = dispatchRules(config)
        .map(({ name, description, pattern }) => ({ name, description, pattern }))
        .sort(byName);
      const expected = signalRulesOf(config)
        .map(({ name, description, pattern }) => ({ name, description, pattern }))
        .sort(byName);
      expect(synthesized).toEqual(expected);
    },
    60_000,
  );

  it('hand dispatch the matched event as it is: no input, input path or transformer', () => {
    for (const rule of dispatchRules(exampleConfig())) {
      expect(rule.targets).toHaveLength(1);
      const [target] = rule.targets;
      expect(target?.Input, rule.name as string).toBeUndefined();
      expect(target?.InputPath, rule.name as string).toBeUndefined();
      expect(target?.InputTransformer, rule.name as string).toBeUndefined();
    }
  }, 60_000);

  it('has a rule per signal source of the example: alarms, X-Ray insights, the detector, operators', () => {
    expect(signalRulesOf(exampleConfig()).map((rule) => rule.name)).toEqual([
      'selfheal-alarms',
      'selfheal-x-ray-insights',
      'selfheal-grey-cells',
      'selfheal-operator-requests',
    ]);
    expect(signalRulesOf(configWith({ deployment: 'staging' })).map((rule) => rule.name)).toEqual([
      'staging-operator-requests',
    ]);
  });
});
