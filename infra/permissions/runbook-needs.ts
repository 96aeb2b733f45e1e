/**
 * What a runbook's Task states call, read from its ASL: the Lambda functions, the runbooks it
 * starts, the DynamoDB actions on each table, the topics it publishes to, and the AWS SDK
 * integrations. The state machine's role is granted exactly this, so the ASL stays the single
 * source of truth for permissions as it is for behaviour. A Task whose resource this file cannot
 * read is an error: it would otherwise run without the permission it needs, or with a broad one.
 */
import { allStates, type AslDefinition } from '../../engine/asl.ts';

const PLACEHOLDER = /^\$\{([A-Za-z0-9_]+)\}$/;

export interface RunbookNeeds {
  /** `${...}` substitutions of the functions it invokes. */
  functions: string[];
  /** Runbooks it starts, by substitution, and whether it waits for them (`.sync`). */
  runbooks: { substitution: string; sync: boolean }[];
  /** DynamoDB actions (`GetItem`, …) per table substitution, or `request` for a table named at run time. */
  dynamodb: { action: string; table: string }[];
  /** SNS topics it publishes to, by substitution. */
  topics: string[];
}

export class UnreadableTaskError extends Error {
  constructor(runbook: string, state: string, detail: string) {
    super(`${runbook}: state "${state}": ${detail}`);
    this.name = 'UnreadableTaskError';
  }
}

type Parameters = Record<string, unknown>;

const OPTIMIZED_DYNAMODB = /^arn:aws:states:::dynamodb:(getItem|putItem|updateItem|deleteItem)$/;
const SDK_DYNAMODB = /^arn:aws:states:::aws-sdk:dynamodb:([a-zA-Z]+)$/;
const LAMBDA_INVOKE = /^arn:aws:states:::lambda:invoke(\.waitForTaskToken)?$/;
const SNS_PUBLISH = /^arn:aws:states:::sns:publish(\.waitForTaskToken)?$/;
const START_EXECUTION = /^arn:aws:states:::states:startExecution(\.sync(:2)?)?$/;

const capitalised = (action: string): string => action.charAt(0).toUpperCase() + action.slice(1);

export function runbookNeeds(runbook: string, definition: AslDefinition): RunbookNeeds {
  const needs: RunbookNeeds = { functions: [], runbooks: [], dynamodb: [], topics: [] };
  for (const { name, state } of allStates(definition)) {
    if (state.Type !== 'Task') continue;
    const resource = state.Resource;
    const parameters = (state.Parameters ?? {}) as Parameters;
    const placeholder = (field: string): string => {
      const value = parameters[field];
      const match = typeof value === 'string' ? PLACEHOLDER.exec(value) : null;
      if (!match?.[1]) {
        throw new UnreadableTaskError(
          runbook,
          name,
          `${field} must be a \${...} substitution, not ${JSON.stringify(value)}`,
        );
      }
      return match[1];
    };
    const table = (): string => ('TableName.$' in parameters ? 'request' : placeholder('TableName'));

    let match: RegExpExecArray | null;
    if (LAMBDA_INVOKE.test(resource)) needs.functions.push(placeholder('FunctionName'));
    else if ((match = OPTIMIZED_DYNAMODB.exec(resource)))
      needs.dynamodb.push({ action: capitalised(match[1] as string), table: table() });
    else if ((match = SDK_DYNAMODB.exec(resource)))
      needs.dynamodb.push({ action: capitalised(match[1] as string), table: table() });
    else if (SNS_PUBLISH.test(resource)) needs.topics.push(placeholder('TopicArn'));
    else if ((match = START_EXECUTION.exec(resource)))
      needs.runbooks.push({ substitution: placeholder('StateMachineArn'), sync: match[1] !== undefined });
    else throw new UnreadableTaskError(runbook, name, `no permissions are known for resource ${resource}`);
  }
  return {
    functions: unique(needs.functions),
    runbooks: uniqueBy(needs.runbooks, (r) => `${r.substitution}|${r.sync}`),
    dynamodb: uniqueBy(needs.dynamodb, (d) => `${d.action}|${d.table}`),
    topics: unique(needs.topics),
  };
}

const unique = (values: string[]): string[] => [...new Set(values)].sort();

function uniqueBy<T>(values: T[], key: (value: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const value of values) if (!seen.has(key(value))) seen.set(key(value), value);
  return [...seen.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, value]) => value);
}
