/**
 * Record and replay of what a runbook's tasks answered, so the engine benchmark times the engine
 * and not the world: a run in the tests' world records every answer (Lambda handlers, the DynamoDB
 * integrations' calls, an operator's answer to a task token); later runs of the same ASL on a fresh
 * local engine get the same answers at once, from memory. The engine does everything it does in a
 * real run — bindings, the JSON boundary, history, virtual waits, tokens, nested executions.
 *
 * An answer is found by what was asked (the function and its event, the DynamoDB action and its
 * input), so Map iterations that run side by side get theirs whatever order they ask in; failing
 * that, the next answer of the same kind is given and counted as a miss.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { LambdaFunctionTable, LocalLambdaHandler } from '../engine/bindings/lambda-invoke.ts';
import { toJson, type JsonValue } from '../core/json.ts';

export type CallOutcome = { ok: true; output: JsonValue } | { ok: false; error: string; message: string };

export interface RecordedCall {
  /** `lambda:<function>`, `dynamodb:<action>` or `token`. */
  channel: string;
  /** What was asked, as JSON. */
  key: string;
  outcome: CallOutcome;
}

/**
 * Names the local engine numbers in sequence — executions started without a name (`local-0002`),
 * SNS message ids (`local-000001`) — differ from one run on the same engine to the next: they are
 * masked, so a replayed run asks what the recorded one asked.
 */
export const maskSequenceNames = (json: string): string => json.replace(/\blocal-\d{4,}\b/g, 'local-#');

export const keyOf = (value: unknown): string => maskSequenceNames(JSON.stringify(value ?? null));

/** `PutItemCommand` -> `putItem`, as the integration's resource names the action. */
export function actionOf(command: object): string {
  const name = command.constructor.name.replace(/Command$/, '');
  return name.charAt(0).toLowerCase() + name.slice(1);
}

const failure = (error: unknown): CallOutcome => ({
  ok: false,
  error: error instanceof Error ? error.name : 'Error',
  message: error instanceof Error ? error.message : String(error),
});

/** Gives back a recorded answer: its output, or its error by name, as the real call did. */
export function answer(outcome: CallOutcome): JsonValue {
  if (outcome.ok) return outcome.output;
  throw Object.assign(new Error(outcome.message), { name: outcome.error });
}

/** Records every answer the wrapped sources give, in the order they give them. */
export class CallRecorder {
  readonly calls: RecordedCall[] = [];

  record(channel: string, key: string, outcome: CallOutcome): void {
    this.calls.push({ channel, key, outcome });
  }

  /** The function table, each handler's answers recorded. */
  functions(real: LambdaFunctionTable): LambdaFunctionTable {
    return {
      names: () => real.names(),
      get: (name) => {
        const handler = real.get(name);
        if (!handler) return undefined;
        const recorded: LocalLambdaHandler = async (event, context) => {
          const key = keyOf(event);
          try {
            const result = await handler(event, context);
            this.record(`lambda:${name}`, key, { ok: true, output: toJson(result) });
            return result;
          } catch (error) {
            this.record(`lambda:${name}`, key, failure(error));
            throw error;
          }
        };
        return recorded;
      },
    };
  }

  /** A DynamoDB client for the engine's integrations, each call's answer recorded. */
  dynamodb(real: DynamoDBClient): DynamoDBClient {
    const send = async (command: { input: unknown }): Promise<unknown> => {
      const channel = `dynamodb:${actionOf(command)}`;
      const key = keyOf(command.input);
      try {
        const output = await real.send(command as Parameters<DynamoDBClient['send']>[0]);
        this.record(channel, key, { ok: true, output: toJson(output) });
        return output;
      } catch (error) {
        this.record(channel, key, failure(error));
        throw error;
      }
    };
    return { send } as unknown as DynamoDBClient;
  }
}

interface Entry {
  outcome: CallOutcome;
  used: boolean;
}

/** The recorded answers of one run, each given once. */
export class ReplayTable {
  readonly #byKey = new Map<string, Entry[]>();
  readonly #byChannel = new Map<string, Entry[]>();
  /** Answers given in order, not by what was asked (the run asked something it had not). */
  misses = 0;

  constructor(calls: readonly RecordedCall[]) {
    for (const call of calls) {
      const entry: Entry = { outcome: call.outcome, used: false };
      push(this.#byKey, `${call.channel}\n${call.key}`, entry);
      push(this.#byChannel, call.channel, entry);
    }
  }

  take(channel: string, key: string): CallOutcome {
    const exact = this.#byKey.get(`${channel}\n${key}`)?.find((e) => !e.used);
    const entry = exact ?? this.#byChannel.get(channel)?.find((e) => !e.used);
    if (!entry) throw new Error(`the recording has no (more) answers for ${channel}`);
    if (!exact) this.misses++;
    entry.used = true;
    return entry.outcome;
  }

  /** Answers never asked for. */
  unused(): number {
    let count = 0;
    for (const entries of this.#byChannel.values()) count += entries.filter((e) => !e.used).length;
    return count;
  }

  /** The function table that answers from the recording. */
  functions(): LambdaFunctionTable {
    return {
      names: () => [],
      get: (name) => async (event) => answer(this.take(`lambda:${name}`, keyOf(event))),
    };
  }

  /** A DynamoDB client that answers from the recording. */
  dynamodb(): DynamoDBClient {
    const send = async (command: { input: unknown }) =>
      answer(this.take(`dynamodb:${actionOf(command)}`, keyOf(command.input)));
    return { send } as unknown as DynamoDBClient;
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
