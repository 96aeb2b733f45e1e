/**
 * The second yardstick for the engine: the runbooks' own definitions (as the engine registered
 * them, placeholders substituted) run directly on a bare aws-local-stepfunctions `StateMachine`,
 * `machine.run(input, { overrides: { taskResourceLocalHandlers } })`, every Task answered as the
 * local engine's recorded run answered it (`replay.ts`): the Lambda functions' and DynamoDB calls'
 * recorded answers in the shape each integration returns, the operator's answer to a task token,
 * and a `startExecution` child run in turn on its own bare machine. Waits and retry pauses are
 * zero, as the engine runs them in virtual time.
 *
 * What this leaves out is what the engine adds on the same library: bindings, the JSON boundary,
 * the execution history, virtual time, task-token bookkeeping, quotas, nested-execution handles.
 * The ratio of the two is the engine's overhead on the runs it really runs; the straight line
 * (`bare-machine.ts`) is the library's floor for a run of that size.
 */
import { StateMachine } from 'aws-local-stepfunctions';
import { allStates, type AslDefinition } from '../engine/asl.ts';
import { executionArn, functionNameOf, stateMachineArn, stateMachineNameOf } from '../engine/arns.ts';
import { sdkErrorName, TaskError } from '../engine/bindings/task-error.ts';
import { isJsonObject, type JsonValue } from '../core/json.ts';
import { keyOf, maskSequenceNames, ReplayTable, type CallOutcome } from './replay.ts';
import type { RecordedRun } from './runbook-worlds.ts';

type Handler = (input: JsonValue) => Promise<JsonValue>;

/** The library's run options (its own type is not exported apart from `run`'s signature). */
type RunOptions = NonNullable<Parameters<StateMachine['run']>[1]>;

export interface BareRunbookRun {
  status: 'SUCCEEDED' | 'FAILED';
  output: JsonValue | undefined;
  /** Executions run: the runbook's and every child it started. */
  executions: number;
  /** Each state entered, by machine, counted (`machine/state`), when asked to follow the events. */
  entered?: Map<string, number>;
}

/** The role the engine gives `$$.Execution.RoleArn` (the bare side reads it the same). */
const ROLE_ARN = 'arn:aws:iam::000000000000:role/selfheal-local';
/** What `$$.Task.Token` reads: one token for every wait, the recording answers them in order. */
const TASK_TOKEN = 'bench-task-token';

interface Machine {
  name: string;
  machine: StateMachine;
  handlers: Record<string, Handler>;
  overrides: RunOptions['overrides'];
}

/** One run of a recording on the bare machines: its answers, its executions' names and children. */
interface RunState {
  table: ReplayTable;
  sequence: number;
  messages: number;
  /** Detached children (`startExecution`), awaited before the run counts as done. */
  detached: Promise<unknown>[];
  executions: number;
  entered: Map<string, number> | undefined;
}

export class BareRunbooks {
  readonly #machines = new Map<string, Machine>();
  #run: RunState | undefined;

  /** Every definition the engine registered, built once (construction, not a run, validates). */
  constructor(definitions: readonly { name: string; definition: AslDefinition }[]) {
    for (const { name, definition } of definitions) {
      // The engine validated these on registration; this yardstick times runs, not validation.
      const machine = new StateMachine(definition, { validationOptions: { noValidate: true } });
      const states = allStates(definition);
      const handlers: Record<string, Handler> = {};
      for (const { name: stateName, state } of states) {
        if (state.Type === 'Task') handlers[stateName] = this.#handlerFor(state.Resource);
      }
      const zeroFor = (test: (state: (typeof states)[number]['state']) => boolean) =>
        Object.fromEntries(states.filter(({ state }) => test(state)).map(({ name: n }) => [n, 0]));
      this.#machines.set(name, {
        name,
        machine,
        handlers,
        overrides: {
          taskResourceLocalHandlers: handlers,
          // As the engine does: a Wait or a retry's pause takes no real time.
          waitTimeOverrides: zeroFor((s) => s.Type === 'Wait'),
          retryIntervalOverrides: zeroFor((s) => 'Retry' in s && Boolean(s.Retry)),
        },
      });
    }
  }

  /**
   * Runs the recorded run's runbook on its bare machine, children included, to its end.
   * `follow`: also count the states entered from the library's event log (a check run, not timed).
   */
  async run(recorded: RecordedRun, follow = false): Promise<BareRunbookRun & { table: ReplayTable }> {
    const state: RunState = {
      table: new ReplayTable(recorded.calls),
      sequence: 0,
      messages: 0,
      detached: [],
      executions: 0,
      entered: follow ? new Map() : undefined,
    };
    this.#run = state;
    try {
      const result = await this.#execute(
        recorded.runbook,
        recorded.execution.input,
        recorded.execution.name,
        recorded.execution.startDate.toISOString(),
      );
      // A detached child (dispatch starts its runbook so) has run to its end too, as on the engine.
      while (state.detached.length > 0) await Promise.all(state.detached.splice(0));
      return {
        ...result,
        executions: state.executions,
        table: state.table,
        ...(state.entered ? { entered: state.entered } : {}),
      };
    } finally {
      this.#run = undefined;
    }
  }

  async #execute(
    reference: string,
    input: JsonValue,
    name: string,
    startTime: string,
  ): Promise<{ status: 'SUCCEEDED' | 'FAILED'; output: JsonValue | undefined }> {
    const machineName = stateMachineNameOf(reference);
    const found = this.#machines.get(machineName);
    const state = this.#state();
    if (!found) throw new Error(`bench: no bare machine for ${reference}`);
    state.executions++;
    const execution = found.machine.run(input, {
      overrides: found.overrides,
      context: {
        Execution: {
          Id: executionArn(machineName, name),
          Name: name,
          RoleArn: ROLE_ARN,
          StartTime: startTime,
        },
        StateMachine: { Id: stateMachineArn(machineName), Name: machineName },
        Task: { Token: TASK_TOKEN },
      },
    });
    const entered = state.entered;
    const following = entered
      ? (async () => {
          for await (const event of execution.eventLogs) {
            if (event.type === 'StateEntered') {
              const key = `${machineName}/${event.state.name}`;
              entered.set(key, (entered.get(key) ?? 0) + 1);
            }
          }
        })()
      : undefined;
    try {
      const output = (await execution.result) as JsonValue;
      return { status: 'SUCCEEDED', output };
    } catch {
      return { status: 'FAILED', output: undefined };
    } finally {
      await following;
    }
  }

  #state(): RunState {
    if (!this.#run) throw new Error('bench: a bare runbook task ran outside a run');
    return this.#run;
  }

  #take(channel: string, key: string): CallOutcome {
    return this.#state().table.take(channel, key);
  }

  /** What answers a Task of this resource: the recording, in the shape the integration returns. */
  #handlerFor(resource: string): Handler {
    const match = /^arn:aws:states:::([a-z0-9-]+):(.+)$/.exec(resource);
    const [service = '', rest = ''] = match ? [match[1], match[2]] : [];
    const [action = '', ...pattern] = rest.split('.');
    const sync = pattern.join('.');
    if (service === 'lambda' && action === 'invoke') {
      return async (parameters) => {
        const p = isJsonObject(parameters) ? parameters : {};
        const name = functionNameOf(String(p.FunctionName));
        const outcome = this.#take(`lambda:${name}`, keyOf(p.Payload ?? {}));
        if (!outcome.ok) {
          // Lambda's function error, as Step Functions surfaces it.
          const cause = { errorType: outcome.error, errorMessage: outcome.message, trace: [] };
          throw new TaskError(outcome.error, JSON.stringify(cause));
        }
        return {
          ExecutedVersion: '$LATEST',
          Payload: outcome.output,
          SdkHttpMetadata: { HttpStatusCode: 200 },
          StatusCode: 200,
        };
      };
    }
    if (service === 'dynamodb' || (service === 'aws-sdk' && rest.startsWith('dynamodb:'))) {
      const sdkAction = service === 'dynamodb' ? action : (rest.split(':')[1] ?? '');
      const prefix = service === 'dynamodb' ? 'DynamoDB' : 'DynamoDb';
      return async (parameters) => this.#answer(`dynamodb:${sdkAction}`, keyOf(parameters), prefix);
    }
    if (service === 'sns' && action === 'publish') {
      if (sync === 'waitForTaskToken') {
        return async () => {
          const outcome = this.#take('token', '');
          if (!outcome.ok) throw new TaskError(outcome.error, outcome.message);
          return outcome.output;
        };
      }
      return async () => {
        const state = this.#state();
        // Numbered as the engine's local topic numbers them (the recording masks the number).
        return { MessageId: `local-${String(++state.messages).padStart(6, '0')}` };
      };
    }
    if (service === 'states' && action === 'startExecution') {
      return sync === 'sync:2' ? this.#startNested() : this.#startDetached();
    }
    throw new Error(`bench: the bare yardstick cannot answer ${resource}`);
  }

  #answer(channel: string, key: string, prefix: string): JsonValue {
    const outcome = this.#take(channel, key);
    if (!outcome.ok) {
      const error = Object.assign(new Error(outcome.message), { name: outcome.error });
      throw new TaskError(sdkErrorName(prefix, error), outcome.message);
    }
    // The recording holds the SDK's response; Step Functions' result leaves out its `$metadata`.
    if (!isJsonObject(outcome.output)) return outcome.output;
    const { $metadata: _metadata, ...result } = outcome.output;
    return result;
  }

  #child(parameters: JsonValue) {
    const p = isJsonObject(parameters) ? parameters : {};
    const raw = p.Input ?? {};
    const input = typeof raw === 'string' ? (JSON.parse(raw) as JsonValue) : raw;
    const state = this.#state();
    const name = typeof p.Name === 'string' ? p.Name : `local-${String(++state.sequence).padStart(4, '0')}`;
    const machine = stateMachineNameOf(String(p.StateMachineArn));
    return { machine, input, name, startDate: Date.now() };
  }

  #startNested(): Handler {
    return async (parameters) => {
      const child = this.#child(parameters);
      const result = await this.#execute(
        child.machine,
        child.input,
        child.name,
        new Date(child.startDate).toISOString(),
      );
      const description = {
        ExecutionArn: executionArn(child.machine, child.name),
        StateMachineArn: stateMachineArn(child.machine),
        Name: child.name,
        Status: result.status,
        StartDate: child.startDate,
        StopDate: Date.now(),
        Input: child.input,
        InputDetails: { Included: true },
        ...(result.status === 'SUCCEEDED'
          ? { Output: result.output ?? null, OutputDetails: { Included: true } }
          : { Error: 'States.TaskFailed', Cause: '' }),
      };
      if (result.status !== 'SUCCEEDED')
        throw new TaskError('States.TaskFailed', JSON.stringify(description));
      return description;
    };
  }

  #startDetached(): Handler {
    return async (parameters) => {
      const child = this.#child(parameters);
      this.#state().detached.push(
        this.#execute(child.machine, child.input, child.name, new Date(child.startDate).toISOString()),
      );
      return { ExecutionArn: executionArn(child.machine, child.name), StartDate: child.startDate };
    };
  }
}

/** How often each state was entered, as `pathOf` in engine-overhead.ts counts it. */
export function pathOfCounts(counts: ReadonlyMap<string, number>): string {
  return JSON.stringify([...counts].sort(([a], [b]) => a.localeCompare(b)));
}

/** The run's output as the recording is compared: sequence-numbered names masked. */
export const maskedOutput = (output: JsonValue | undefined): string =>
  maskSequenceNames(JSON.stringify(output ?? null));
