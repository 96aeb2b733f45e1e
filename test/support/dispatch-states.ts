/**
 * One state of the dispatch state machine (statemachines/dispatch.asl.json, as deployed), run alone
 * on aws-local-stepfunctions against dynalite: where the machine goes next, and the data it goes
 * there with. The domain tests use it to hold the guardrails' verdict against the Choice states and
 * conditional writes that read it, without running a whole dispatch.
 */
import { readFileSync } from 'node:fs';
import { StateMachine } from 'aws-local-stepfunctions';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { toJson, type JsonValue } from '../../core/json.ts';
import type { DispatchTables } from '../../domain/dispatch/tables.ts';
import { placeholdersOf, substitute, type AslDefinition, type AslState } from '../../engine/asl.ts';
import { callSdkAction, dynamoDbService } from '../../engine/bindings/aws-sdk.ts';

const SOURCE = JSON.parse(
  readFileSync(new URL('../../statemachines/dispatch.asl.json', import.meta.url), 'utf8'),
) as AslDefinition;

/** The execution the states run in: `$$.Execution.Id`, the lock's owner. */
export const THIS_RUN = 'arn:aws:states:us-east-1:000000000000:execution:dispatch:this-run';

/** The definition with its tables named, and a stand-in ARN for every other placeholder. */
export function dispatchDefinition(tables: DispatchTables): AslDefinition {
  const arns = Object.fromEntries(
    placeholdersOf(SOURCE).map((name) => [name, `arn:aws:lambda:us-east-1:000000000000:function:${name}`]),
  );
  return substitute(
    SOURCE,
    { ...arns, ControlTableName: tables.control, LedgerTableName: tables.ledger },
    'dispatch',
  );
}

/** The states a state can go to: its Next, its Choices' and Default, its Catchers'. */
function targetsOf(state: AslState): string[] {
  const targets = new Set<string>();
  const add = (name: unknown) => typeof name === 'string' && targets.add(name);
  add('Next' in state ? state.Next : undefined);
  if (state.Type === 'Choice') {
    state.Choices.forEach((choice) => add(choice.Next));
    add(state.Default);
  }
  if ('Catch' in state) state.Catch?.forEach((catcher) => add(catcher.Next));
  return [...targets];
}

const validated = new Set<string>();

export interface StepOptions {
  dynamodb: DynamoDBClient;
  tables: DispatchTables;
  /** The Lambda a `lambda:invoke` state calls, given its Payload. */
  invoke?: (payload: JsonValue) => Promise<unknown>;
  executionId?: string;
}

export interface Step {
  /** The state the machine goes to after this one. */
  next: string;
  /** The data it goes there with (after ResultSelector, ResultPath and a Catcher's ResultPath). */
  output: JsonValue;
}

/**
 * Runs state `name` on `input`; each state it can go to is replaced by one that ends the run and
 * names itself. Retries are immediate: a retried call comes to what the last attempt comes to.
 */
export async function step(name: string, input: JsonValue, options: StepOptions): Promise<Step> {
  const state = dispatchDefinition(options.tables).States[name];
  if (!state) throw new Error(`dispatch has no state ${name}`);
  const ends = targetsOf(state).map((target) => [
    target,
    { Type: 'Pass', Parameters: { next: target, 'output.$': '$' }, End: true },
  ]);
  const definition = {
    StartAt: name,
    States: { [name]: state, ...Object.fromEntries(ends) },
  } as AslDefinition;
  // Validating a definition takes ~80 ms, and only its shape matters: once per state is enough.
  const machine = new StateMachine(definition, {
    validationOptions: validated.has(name) ? { noValidate: true } : { checkArn: true, checkPaths: true },
  });
  validated.add(name);
  const handlers: Record<string, (parameters: JsonValue) => Promise<JsonValue>> = {};
  if (state.Type === 'Task') {
    const [, service, action = ''] = /^arn:aws:states:::([a-z]+):(\w+)$/.exec(state.Resource) ?? [];
    if (service === 'dynamodb') {
      handlers[name] = callSdkAction(dynamoDbService(options.dynamodb, 'DynamoDB'), action);
    } else if (service === 'lambda' && options.invoke) {
      const invoke = options.invoke;
      handlers[name] = async (parameters) => {
        const payload = (parameters as { Payload: JsonValue }).Payload;
        return { Payload: toJson(await invoke(payload)), StatusCode: 200 };
      };
    } else {
      throw new Error(`step runs DynamoDB tasks and, given invoke, Lambda tasks: not ${state.Resource}`);
    }
  }
  const execution = machine.run(input, {
    overrides: { taskResourceLocalHandlers: handlers, retryIntervalOverrides: { [name]: 0 } },
    context: { Execution: { Id: options.executionId ?? THIS_RUN } },
  });
  return (await execution.result) as unknown as Step;
}
