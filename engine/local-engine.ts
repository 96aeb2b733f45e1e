/**
 * The local engine: runs the project's own ASL files with aws-local-stepfunctions, exactly as
 * written, binding every Task by the kind of its resource (not by hand per state), in virtual time.
 *
 * - `lambda:invoke` (and `.waitForTaskToken`) -> the handler module in-process;
 * - `aws-sdk:<service>:<action>` and the optimized DynamoDB integrations -> a real AWS SDK v3 call
 *   against the local endpoint (dynalite), or a port bound to the simulated world;
 * - `states:startExecution.sync:2` -> a nested local execution.
 * Wait states and retry pauses advance the shared VirtualClock instead of sleeping.
 */
import { LocalTopic } from './local-topic.ts';
import { portService } from './bindings/aws-sdk.ts';
import { StateMachine } from 'aws-local-stepfunctions';
import type { RunOptions } from 'aws-local-stepfunctions';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { allStates, type AslDefinition, type AslState } from './asl.ts';
import { executionArn as toExecutionArn, stateMachineArn, stateMachineNameOf } from './arns.ts';
import { UnknownExecutionError, UnknownStateMachineError, UnsupportedResourceError } from './errors.ts';
import { HistoryRecorder, type HistoryEvent } from './history.ts';
import type { JsonValue } from './json.ts';
import { TaskTokens, type PendingTask } from './task-tokens.ts';
import { VirtualClock } from './virtual-clock.ts';
import { TaskError } from './bindings/task-error.ts';
import { bindTask, type TaskBinding } from './bindings/resolve.ts';
import type { LambdaFunctionTable } from './bindings/lambda-invoke.ts';
import type { SdkService } from './bindings/aws-sdk.ts';
import { waitSeconds, retryPauseSeconds } from './virtual-waits.ts';
import { seededRandom, type Random } from '../world/random.ts';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';

export interface ExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  input: JsonValue;
  output?: JsonValue;
  error?: string;
  cause?: string;
  startDate: Date;
  stopDate?: Date;
  history: HistoryEvent[];
  /** Set by the runbook that started it (`states:startExecution`), for the CLI and audits. */
  parentExecutionArn?: string;
}

export interface LocalEngineOptions {
  clock?: VirtualClock;
  /** Handler modules by function name, for `lambda:invoke`. */
  functions: LambdaFunctionTable;
  /** DynamoDB (dynalite) for `aws-sdk:dynamodb:*` and the optimized `dynamodb:*` integrations. */
  dynamodb?: DynamoDBClient;
  /** Other `aws-sdk:<service>` services, keyed by the ARN's service name (e.g. `cloudwatch`). */
  sdkServices?: Record<string, SdkService>;
  /** Seed for retry jitter (`JitterStrategy: FULL`), so a run replays the same way. */
  seed?: number;
  roleArn?: string;
  /**
   * Executions started without a name are `<prefix>-0001`, `<prefix>-0002`, ... (default `local`).
   * A deployment whose runs outlive the engine (saved in the state file) needs a prefix of its own.
   */
  executionNamePrefix?: string;
}

interface RegisteredMachine {
  name: string;
  arn: string;
  definition: AslDefinition;
  machine: StateMachine;
  bindings: Map<string, TaskBinding>;
  states: Map<string, AslState>;
}

export interface StartOptions {
  name?: string;
  parentExecutionArn?: string;
}

export interface ExecutionHandle {
  executionArn: string;
  done: Promise<ExecutionRecord>;
  stop(error?: string, cause?: string): void;
}

export class LocalEngine {
  readonly clock: VirtualClock;
  readonly tokens = new TaskTokens();
  /** Where `sns:publish` tasks publish, unless the options bind `sns` elsewhere. */
  readonly notifications = new LocalTopic();
  readonly #options: LocalEngineOptions;
  readonly #machines = new Map<string, RegisteredMachine>();
  readonly #executions = new Map<string, ExecutionRecord>();
  readonly #random: Random;
  #sequence = 0;
  #tokenListeners: ((pending: PendingTask) => void)[] = [];
  #historyListeners: ((executionArn: string, event: HistoryEvent) => void)[] = [];
  /** Every execution's handle, to stop it or wait for its end by ARN. */
  readonly #handles = new Map<string, ExecutionHandle>();

  constructor(options: LocalEngineOptions) {
    this.#options = options;
    this.clock = options.clock ?? new VirtualClock();
    this.#random = seededRandom(options.seed ?? 1).fork('retry-jitter');
  }

  /**
   * Validates a (substituted) definition and binds every Task. Anything the engine cannot run
   * faithfully is an error here, naming the state, before any execution starts.
   */
  register(name: string, definition: AslDefinition): string {
    const machine = new StateMachine(definition, { validationOptions: { checkArn: true, checkPaths: true } });
    const bindings = new Map<string, TaskBinding>();
    const states = new Map<string, AslState>();
    for (const { name: stateName, state } of allStates(definition)) {
      states.set(stateName, state);
      if (state.Type !== 'Task') continue;
      const binding = bindTask(state.Resource, state.Parameters as JsonValue | undefined, {
        functions: this.#options.functions,
        dynamodb: this.#options.dynamodb,
        sdkServices: { sns: portService('SNS', this.notifications), ...this.#options.sdkServices },
        tokens: this.tokens,
        startNested: (reference, input, options) => this.#startNested(reference, input, options),
        startDetached: (reference, input, options) =>
          this.describe(this.start(reference, input, options).executionArn),
      });
      if (typeof binding === 'string')
        throw new UnsupportedResourceError(name, stateName, state.Resource, binding);
      bindings.set(stateName, binding);
    }
    const arn = stateMachineArn(name);
    this.#machines.set(name, { name, arn, definition, machine, bindings, states });
    return arn;
  }

  stateMachines(): { name: string; arn: string; definition: AslDefinition }[] {
    return [...this.#machines.values()].map(({ name, arn, definition }) => ({ name, arn, definition }));
  }

  /** Starts an execution; resolves its record when it ends (it never rejects for a failed run). */
  start(reference: string, input: JsonValue, options: StartOptions = {}): ExecutionHandle {
    const registered = this.#machine(reference);
    const prefix = this.#options.executionNamePrefix ?? 'local';
    const name = options.name ?? `${prefix}-${String(++this.#sequence).padStart(4, '0')}`;
    const arn = toExecutionArn(registered.name, name);
    const history = new HistoryRecorder(
      () => this.clock.now(),
      (event) => {
        for (const listener of [...this.#historyListeners]) listener(arn, event);
      },
    );
    const record: ExecutionRecord = {
      executionArn: arn,
      stateMachineArn: registered.arn,
      name,
      status: 'RUNNING',
      input,
      startDate: new Date(this.clock.now()),
      history: history.events,
      ...(options.parentExecutionArn ? { parentExecutionArn: options.parentExecutionArn } : {}),
    };
    this.#executions.set(arn, record);

    const runOptions: RunOptions = {
      overrides: {
        taskResourceLocalHandlers: this.#taskHandlers(registered, record, history),
        // Virtual time: every pause is zero real milliseconds; the event consumer advances the clock.
        waitTimeOverrides: Object.fromEntries(
          [...registered.states].filter(([, s]) => s.Type === 'Wait').map(([n]) => [n, 0]),
        ),
        retryIntervalOverrides: Object.fromEntries(
          [...registered.states].filter(([, s]) => 'Retry' in s && s.Retry).map(([n]) => [n, 0]),
        ),
      },
      context: {
        Execution: {
          Id: arn,
          Name: name,
          RoleArn: this.#roleArn(),
          StartTime: record.startDate.toISOString(),
        },
        StateMachine: { Id: registered.arn, Name: registered.name },
        Task: this.tokens.contextTask(),
      },
    };

    const execution = registered.machine.run(input, runOptions);
    const consumed = this.#consumeEvents(execution.eventLogs, registered, history);
    let stopped: TaskError | undefined;
    const done = execution.result.then(
      (output) => ({ status: 'SUCCEEDED' as const, output: output as JsonValue }),
      (error: unknown) => ({ status: stopped ? ('ABORTED' as const) : ('FAILED' as const), error }),
    );
    const finished = (async (): Promise<ExecutionRecord> => {
      const outcome = await done;
      await consumed;
      await this.clock.settled();
      record.stopDate = new Date(this.clock.now());
      if (outcome.status === 'SUCCEEDED') {
        record.status = 'SUCCEEDED';
        record.output = outcome.output;
      } else {
        const failure = stopped ?? rootCause(outcome.error);
        record.status = outcome.status;
        record.error = failure.name;
        record.cause = failure.message;
        if (outcome.status === 'ABORTED') {
          history.record('ExecutionAborted', {
            executionAbortedEventDetails: { error: failure.name, cause: failure.message },
          });
        }
      }
      return record;
    })();
    const handle: ExecutionHandle = {
      executionArn: arn,
      done: finished,
      stop: (error = 'States.Aborted', cause = 'Stopped by an operator') => {
        if (stopped || record.status !== 'RUNNING') return;
        stopped = new TaskError(error, cause);
        this.tokens.abandon(arn, stopped);
        execution.abort();
      },
    };
    this.#handles.set(arn, handle);
    return handle;
  }

  /** The execution's record once it has ended. */
  whenDone(executionArn: string): Promise<ExecutionRecord> {
    const handle = this.#handles.get(executionArn);
    if (!handle) throw new UnknownExecutionError(executionArn);
    return handle.done;
  }

  /** Stops a running execution (ABORTED, with this error and cause); one that has ended stays as it is. */
  stop(executionArn: string, error?: string, cause?: string): Promise<ExecutionRecord> {
    const handle = this.#handles.get(executionArn);
    if (!handle) throw new UnknownExecutionError(executionArn);
    handle.stop(error, cause);
    return handle.done;
  }

  /** Runs an execution to its end. */
  run(reference: string, input: JsonValue, options: StartOptions = {}): Promise<ExecutionRecord> {
    return this.start(reference, input, options).done;
  }

  describe(executionArn: string): ExecutionRecord {
    const record = this.#executions.get(executionArn);
    if (!record) throw new UnknownExecutionError(executionArn);
    return record;
  }

  executions(): ExecutionRecord[] {
    return [...this.#executions.values()];
  }

  #machine(reference: string): RegisteredMachine {
    const registered = this.#machines.get(stateMachineNameOf(reference));
    if (!registered) throw new UnknownStateMachineError(reference, [...this.#machines.keys()]);
    return registered;
  }

  #roleArn(): string {
    return this.#options.roleArn ?? 'arn:aws:iam::000000000000:role/selfheal-local';
  }

  #startNested(reference: string, input: JsonValue, options: StartOptions): Promise<ExecutionRecord> {
    return this.start(reference, input, options).done;
  }

  #taskHandlers(registered: RegisteredMachine, record: ExecutionRecord, history: HistoryRecorder) {
    const handlers: Record<string, (input: JsonValue) => Promise<JsonValue>> = {};
    for (const [stateName, binding] of registered.bindings) {
      handlers[stateName] = async (parameters) => {
        // Let the event consumer catch up (StateEntered, a Wait's clock advance, a retry's pause)
        // before the task looks at the world: it runs on microtasks, so one macrotask drains it.
        await new Promise<void>((resolve) => setImmediate(resolve));
        await this.clock.settled();
        // After a pause the consumer records the paused state's exit and this state's entry a few
        // turns after the clock settles: the history must read in order, as AWS's does.
        for (let turn = 0; turn < MAX_CATCH_UP_TURNS && !isOpen(history.events, stateName); turn++) {
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
        return binding.invoke(parameters, {
          stateName,
          history,
          execution: record,
          tokens: this.tokens,
          waitForToken: (token) =>
            this.#waitForToken(token, record, stateName, registered.states.get(stateName)),
        });
      };
    }
    return handlers;
  }

  /**
   * A `.waitForTaskToken` task waits for its answer. Operators (tests, simulated on-call
   * engineers) hear of the wait at once; with a TimeoutSeconds, virtual time goes on while it waits
   * — a minute at a time, so the world moves and a clock hook can answer — and the state fails with
   * States.Timeout when the answer has not come in time. Without one it waits as long as it takes.
   */
  async #waitForToken(
    token: string,
    record: ExecutionRecord,
    stateName: string,
    state: AslState | undefined,
  ): Promise<JsonValue> {
    const answer = this.tokens.wait(token, record.executionArn, stateName);
    let answered = false;
    answer.then(
      () => (answered = true),
      () => (answered = true),
    );
    for (const listener of [...this.#tokenListeners]) {
      listener({ token, executionArn: record.executionArn, stateName });
    }
    const timeoutSeconds = state && 'TimeoutSeconds' in state ? Number(state.TimeoutSeconds) : 0;
    if (timeoutSeconds > 0) {
      const deadline = this.clock.now() + timeoutSeconds * 1000;
      for (;;) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (answered) break;
        if (this.clock.now() >= deadline) {
          this.tokens.fail(token, 'States.Timeout', `${stateName} had no answer within ${timeoutSeconds} s`);
          break;
        }
        await this.clock.advance(Math.min(60, (deadline - this.clock.now()) / 1000));
      }
    }
    return answer;
  }

  /** Hears every history event of every execution as it is recorded (an operator following a run). */
  onHistoryEvent(listener: (executionArn: string, event: HistoryEvent) => void): () => void {
    this.#historyListeners.push(listener);
    return () => {
      this.#historyListeners = this.#historyListeners.filter((l) => l !== listener);
    };
  }

  /** Hears every `.waitForTaskToken` wait as it starts (an operator, a test's approver). */
  onTaskToken(listener: (pending: PendingTask) => void): () => void {
    this.#tokenListeners.push(listener);
    return () => {
      this.#tokenListeners = this.#tokenListeners.filter((l) => l !== listener);
    };
  }

  async #consumeEvents(
    events: AsyncGenerator<Parameters<typeof recordEvent>[0]>,
    registered: RegisteredMachine,
    history: HistoryRecorder,
  ): Promise<void> {
    for await (const event of events) {
      recordEvent(event, history, this.#roleArn());
      // Awaited, so the events after a pause (the Wait's exit, the next state) carry its end time.
      const seconds = this.#pauseOf(event, registered);
      if (seconds > 0) await this.clock.advance(seconds);
    }
  }

  /** Virtual seconds an event stands for: a Wait state's duration, or a retry's backoff. */
  #pauseOf(event: Parameters<typeof recordEvent>[0], registered: RegisteredMachine): number {
    if (event.type === 'StateEntered' && event.state.type === 'Wait') {
      const state = registered.states.get(event.state.name);
      return state?.Type === 'Wait'
        ? waitSeconds(state, event.state.input as JsonValue, this.clock.now())
        : 0;
    }
    if (event.type === 'StateRetried') {
      return retryPauseSeconds(event.retry.retrier, event.retry.attempt, this.#random);
    }
    return 0;
  }
}

/** Turns a task waits at most for its state's entry to be recorded (it is there within a few). */
const MAX_CATCH_UP_TURNS = 50;

/** Whether the history has an entry of the state with no exit after it. */
function isOpen(events: readonly HistoryEvent[], stateName: string): boolean {
  let open = 0;
  for (const event of events) {
    if (event.stateEnteredEventDetails?.name === stateName) open++;
    else if (event.stateExitedEventDetails?.name === stateName) open--;
  }
  return open > 0;
}

/** The library wraps a failed state's error in ExecutionError: report the state's own error. */
function rootCause(error: unknown): Error {
  let current: unknown = error;
  while (current instanceof Error && current.name === 'ExecutionError' && current.cause instanceof Error) {
    current = current.cause;
  }
  return current instanceof Error ? current : new Error(String(current));
}

type LibraryEvent = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

const json = (value: unknown): string => JSON.stringify(value ?? null);

function recordEvent(event: LibraryEvent, history: HistoryRecorder, roleArn: string): void {
  switch (event.type) {
    case 'ExecutionStarted':
      history.record('ExecutionStarted', {
        executionStartedEventDetails: {
          input: json(event.input),
          inputDetails: { truncated: false },
          roleArn,
        },
      });
      return;
    case 'ExecutionSucceeded':
      history.record('ExecutionSucceeded', {
        executionSucceededEventDetails: { output: json(event.output), outputDetails: { truncated: false } },
      });
      return;
    case 'ExecutionFailed': {
      const cause = rootCause(event.Cause);
      history.record('ExecutionFailed', {
        executionFailedEventDetails: {
          error: event.Error === 'ExecutionError' ? cause.name : event.Error,
          cause: cause.message,
        },
      });
      return;
    }
    case 'ExecutionTimeout':
      history.record('ExecutionTimedOut');
      return;
    case 'StateEntered':
      history.record(`${event.state.type}StateEntered`, {
        stateEnteredEventDetails: {
          name: event.state.name,
          input: json(event.state.input),
          inputDetails: { truncated: false },
        },
      });
      return;
    case 'StateExited':
      history.record(`${event.state.type}StateExited`, {
        stateExitedEventDetails: {
          name: event.state.name,
          output: json(event.state.output),
          outputDetails: { truncated: false },
        },
      });
      return;
    case 'MapIterationStarted':
      history.record('MapIterationStarted', {
        mapIterationStartedEventDetails: { name: event.parentState.name, index: event.index },
      });
      return;
    case 'MapIterationSucceeded':
      history.record('MapIterationSucceeded', {
        mapIterationSucceededEventDetails: { name: event.parentState.name, index: event.index },
      });
      return;
    case 'MapIterationFailed':
      history.record('MapIterationFailed', {
        mapIterationFailedEventDetails: { name: event.parentState.name, index: event.index },
      });
      return;
    default:
      // StateFailed / StateRetried / StateCaught have no history event of their own in AWS: the task
      // bindings record TaskFailed and each re-scheduled attempt; the caught path shows as the next entry.
      return;
  }
}
