/**
 * Each state machine as CloudFormation will create it: its synthesized DefinitionString, with the
 * substitutions filled by ARNs of the right shape, is valid Amazon States Language.
 */
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { synthesize } from '../support/selfheal-stack.ts';

type Validator = (definition: unknown) => { isValid: boolean; errorsText: (separator?: string) => string };
const aslValidator = createRequire(import.meta.url)('asl-validator') as Validator;

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;
let machines: { name: string; definition: string; substitutions: Record<string, unknown> }[];

beforeAll(() => {
  const resources = synthesize().template.toJSON().Resources as Resources;
  machines = Object.values(resources)
    .filter((r) => r.Type === 'AWS::StepFunctions::StateMachine')
    .map((r) => ({
      name: r.Properties.StateMachineName as string,
      definition: r.Properties.DefinitionString as string,
      substitutions: r.Properties.DefinitionSubstitutions as Record<string, unknown>,
    }));
});

/** What CloudFormation would put in: an ARN or name of the kind the placeholder stands for. */
function valueFor(name: string): string {
  if (name.endsWith('FunctionArn')) return `arn:aws:lambda:eu-west-1:123456789012:function:selfheal-${name}`;
  if (name.endsWith('StateMachineArn'))
    return `arn:aws:states:eu-west-1:123456789012:stateMachine:selfheal-${name}`;
  if (name.endsWith('TopicArn')) return 'arn:aws:sns:eu-west-1:123456789012:selfheal-notifications';
  if (name.endsWith('TableName')) return `selfheal-${name}`;
  throw new Error(`no value shape for \${${name}}`);
}

describe('asl-validator on the synthesized definitions', () => {
  it('finds all seven runbooks', () => {
    expect(machines.map((m) => m.name).sort()).toEqual(
      [
        'cell-traffic-shift',
        'dispatch',
        'hot-shard',
        'key-merge',
        'key-move-batches',
        'key-reshuffle',
        'sqs-backpressure',
      ].map((n) => `selfheal-${n}`),
    );
  });

  it('accepts every one of them', () => {
    for (const machine of machines) {
      const filled = machine.definition.replace(/\$\{([A-Za-z0-9_]+)\}/g, (_, name: string) => {
        expect(machine.substitutions).toHaveProperty(name);
        return valueFor(name);
      });
      const result = aslValidator(JSON.parse(filled));
      expect(result.isValid, `${machine.name}: ${result.errorsText('\n')}`).toBe(true);
    }
  });

  it('rejects a definition with a broken transition, so a pass means something', () => {
    const broken = { StartAt: 'A', States: { A: { Type: 'Pass', Next: 'Nowhere' } } };
    expect(aslValidator(broken).isValid).toBe(false);
  });
});
