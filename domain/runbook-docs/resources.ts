/**
 * What a Task calls, as a reader names it: `${PlanCapacityFunctionArn}` is "Lambda: plan-capacity",
 * `${KeyReshuffleStateMachineArn}` with `.sync:2` is the key-reshuffle runbook, started and waited
 * for. The names come from the caller (the handler registry and the runbook list), so this module
 * stays pure.
 */
import type { AslState } from '../../engine/asl.ts';
import { capitalize, code } from './markdown-text.ts';

type TaskState = Extract<AslState, { Type: 'Task' }>;

export interface ResourceName {
  text: string;
  /** A page to link the name to, such as another runbook's. */
  href?: string;
}

/** Display names by `${...}` substitution. */
export type ResourceNames = ReadonlyMap<string, ResourceName>;

export function resourceNames(sources: {
  functions: ReadonlyArray<{ id: string; substitution: string }>;
  stateMachines: ReadonlyArray<{ name: string; substitution: string }>;
}): ResourceNames {
  return new Map<string, ResourceName>([
    ...sources.functions.map((f): [string, ResourceName] => [f.substitution, { text: f.id }]),
    ...sources.stateMachines.map((m): [string, ResourceName] => [
      m.substitution,
      { text: m.name, href: `${m.name}.md` },
    ]),
  ]);
}

const SERVICES: Readonly<Record<string, string>> = {
  lambda: 'Lambda',
  states: 'Step Functions',
  dynamodb: 'DynamoDB',
  sns: 'SNS',
  sqs: 'SQS',
  events: 'EventBridge',
  ecs: 'ECS',
  batch: 'Batch',
  glue: 'Glue',
};

const PATTERNS: Readonly<Record<string, string>> = {
  sync: ' (waits for it to finish)',
  'sync:2': ' (waits for it to finish)',
  waitForTaskToken: ' (waits for a task token)',
};

/** The parameter naming what is called, and what a reader calls it. */
const TARGETS: ReadonlyArray<readonly [string, string]> = [
  ['FunctionName', 'function'],
  ['StateMachineArn', 'state machine'],
  ['TableName', 'table'],
  ['TopicArn', 'topic'],
  ['QueueUrl', 'queue'],
];

const INTEGRATION =
  /^arn:aws:states:::(?:(aws-sdk):)?([a-z0-9-]+):([A-Za-z0-9]+)(?:\.(sync(?::2)?|waitForTaskToken))?$/;
const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:[^:]*:[^:]*:function:([^:]+)/;
const WHOLE_PLACEHOLDER = /^\$\{([A-Za-z0-9_]+)\}$/;

/** `${ControlTableName}` with no name given reads "control table"; unknown kinds stay as written. */
function placeholder(name: string, names: ResourceNames): string | undefined {
  const known = names.get(name);
  if (known) return known.href ? `[${known.text}](${known.href})` : known.text;
  const kind = /^([A-Z][A-Za-z0-9]*?)(Table|Topic|Queue)(Name|Arn|Url)$/.exec(name);
  if (!kind) return undefined;
  const words = (kind[1] as string).replace(/(?<=[a-z0-9])([A-Z])/g, ' $1').toLowerCase();
  return `${words} ${(kind[2] as string).toLowerCase()}`;
}

function literal(value: string, names: ResourceNames): string {
  const whole = WHOLE_PLACEHOLDER.exec(value);
  const lambda = LAMBDA_ARN.exec(value);
  return (whole && placeholder(whole[1] as string, names)) ?? (lambda ? (lambda[1] as string) : code(value));
}

function target(parameters: unknown, names: ResourceNames): string | undefined {
  if (typeof parameters !== 'object' || parameters === null) return undefined;
  const fields = parameters as Readonly<Record<string, unknown>>;
  for (const [key, noun] of TARGETS) {
    const value = fields[key];
    if (typeof value === 'string') return literal(value, names);
    const path = fields[`${key}.$`];
    if (typeof path === 'string') return `the ${noun} in ${code(path)}`;
  }
  return undefined;
}

/** The Task's resource as inline Markdown. */
export function describeResource(state: TaskState, names: ResourceNames): string {
  const integration = INTEGRATION.exec(state.Resource);
  if (!integration) {
    const lambda = LAMBDA_ARN.exec(state.Resource) ?? WHOLE_PLACEHOLDER.exec(state.Resource);
    return lambda ? `Lambda: ${literal(state.Resource, names)}` : code(state.Resource);
  }
  const [, sdk, service = '', action = '', pattern] = integration;
  const what = target(state.Parameters, names);
  const suffix = pattern ? (PATTERNS[pattern] ?? '') : '';
  if (!sdk && service === 'lambda' && action === 'invoke') return `Lambda: ${what ?? 'a function'}${suffix}`;
  const call = `${SERVICES[service] ?? service} ${capitalize(action)}`;
  return `${sdk ? 'AWS SDK ' : ''}${call}${what ? `: ${what}` : ''}${suffix}`;
}
