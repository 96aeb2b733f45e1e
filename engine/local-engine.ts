/**
 * The local engine: runs the project's own ASL files with aws-local-stepfunctions, exactly as
 * written, binding every Task by the kind of its resource (not by hand per state), in virtual time.
 *
 * - `lambda:invoke` (and `.waitForTaskToken`) -> the handler module in-process;
 * - `aws-sdk:<service>:<action>` and the optimized DynamoDB integrations -> a real AWS SDK v3 call
 *   against the local endpoint (dynalite), or a port bound to the simulated world;
 * - `states:startExecution.sync:2` -> a nested local execution.
 * The context object's times (`$$.Execution.StartTime`, `$$.State.EnteredTime`) are virtual too.
 * Wait states and retry pauses advance the shared VirtualClock instead of sleeping, and the
 * TimeoutSeconds of Tasks and executions run out on it (engine/timeouts.ts). A Lambda task lasts
 * the virtual time the options give it (a cold start, then the invocation; none unless told:
 * engine/lambda-environments.ts). Step Functions' quotas (history size, payload size, execution
 * time) end an execution where AWS would (engine/quotas.ts).
 */
import { LocalTopic } from './local-topic.ts';
import type { ExecutionRecord, StartOptions } from './executions.ts';
import { portService } from './bindings/aws-sdk.ts';
import { StateMachine } from 'aws-local-stepfunctions';
import type { RunOptions } from 'aws-local-stepfunctions';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { allStates, type AslDefinition, type AslState } from './asl.ts';
import { executionArn as toExecutionArn, stateMachineArn, stateMachineNameOf } from './arns.ts';
import {
  ExecutionInputTooDeepError,
  ExecutionInputTooLargeError,
  UnknownExecutionError,
  UnknownStateMachineError,
  UnsupportedResourceError,
} from './errors.ts';
import { HistoryRecorder, type HistoryEvent } from './history.ts';
import type { JsonValue } from '../core/json.ts';
import { TaskTokens, type PendingTask } from './task-tokens.ts';
import { VirtualClock } from '../core/virtual-clock.ts';
import { TaskError } from './bindings/task-error.ts';
import { bindTask, type TaskBinding, type TaskCallHook } from './bindings/resolve.ts';
import type { LambdaFunctionTable } from './bindings/lambda-invoke.ts';
import type { SdkService } from './bindings/aws-sdk.ts';
import type { NestedExecution } from './bindings/start-execution.ts';
import { waitSeconds, retryPauseSeconds } from './virtual-waits.ts';
import {
  DATA_LIMIT_ERROR,
  HISTORY_LIMIT_ERROR,
  TIMEOUT_ERROR,
  historyLimitCause,
  inputTooLargeCause,
  payloadBytes,
  resolveQuotas,
  resultTooLargeCause,
  withAwsMatching,
  type StepFunctionsQuotas,
} from './quotas.ts';
import { executionTimeoutSeconds, taskTimeoutSeconds, withoutRealTimeTimeouts } from './timeouts.ts';
import { validatedDefinitions } from './validated-definitions.ts';

/** How every definition is validated: ARNs and paths too, as Step Functions does. */
const VALIDATION = { checkArn: true, checkPaths: true } as const;
import { seededRandom, type Random } from '../core/random.ts';
import {
  INSTANT_LAMBDA,
  LambdaEnvironments,
  type LambdaInvocation,
  type LambdaTimings,
} from './lambda-environments.ts';

export type { ExecutionRecord, ExecutionStatus, StartOptions } from './executions.ts';

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
  /**
   * Step Functions' quotas (engine/quotas.ts): AWS's for a Standard workflow, unless lowered here
   * for a test that cannot afford to reach them. Never higher than AWS's (a RangeError).
   */
  quotas?: Partial<StepFunctionsQuotas>;
  /**
   * How long a `lambda:invoke` task takes in virtual time: a cold start (Lambda's Init phase) for an
   * invocation that needs a new execution environment of its function, then the invocation itself
   * (engine/lambda-environments.ts). Default INSTANT_LAMBDA: no time at all.
   */
  lambdaTimings?: LambdaTimings;
  /** Around every Task's call (engine/bindings/binding.ts): for a test that injects faults. */
  taskCallHook?: TaskCallHook;
}

interface RegisteredMachine {
  name: string;
  arn: string;
  definition: AslDefinition;
  machine: StateMachine;
  bindings: Map<string, TaskBinding>;
  states: Map<string, AslState>;
}

export interface ExecutionHandle {
  executionArn: string;
  done: Promise<ExecutionRecord>;
  stop(error?: string, cause?: string): void;
}

/** How an execution ended before its states did: stopped, timed out, or at a quota. */
interface Ending {
  status: 'ABORTED' | 'FAILED' | 'TIMED_OUT';
  error?: string;
  cause?: string;
  /** Virtual time it ended at. */
  atMs: number;
}

/** One execution while it runs. */
interface Run {
  readonly record: ExecutionRecord;
  readonly history: HistoryRecorder;
  readonly registered: RegisteredMachine;
  ending?: Ending;
  /** Aborted when the execution ends early: every task attempt still running hears it. */
  readonly ended: AbortController;
  /** Ends the library's run of the definition. */
  abortLibrary(): void;
  /** The last state payload written as JSON, and the object it was written from. */
  lastPayload?: { value: object; text: string };
}

export class LocalEngine {
  readonly clock: VirtualClock;
  readonly tokens = new TaskTokens();
  /** Where `sns:publish` tasks publish, unless the options bind `sns` elsewhere. */
  readonly notifications = new LocalTopic();
  readonly #options: LocalEngineOptions;
  readonly #quotas: StepFunctionsQuotas;
  readonly #machines = new Map<string, RegisteredMachine>();
  readonly #executions = new Map<string, ExecutionRecord>();
  readonly #random: Random;
  readonly #lambdaEnvironments: LambdaEnvironments;
  /** Tasks the library has called that are not scheduled yet (catching up with the history). */
  #starting = 0;
  #sequence = 0;
  #tokenListeners: ((pending: PendingTask) => void)[] = [];
  #historyListeners: ((executionArn: string, event: HistoryEvent) => void)[] = [];
  /** Every execution's handle, to stop it or wait for its end by ARN. */
  readonly #handles = new Map<string, ExecutionHandle>();
  readonly #runs = new Map<string, Run>();

  constructor(options: LocalEngineOptions) {
    this.#options = options;
    this.#quotas = resolveQuotas(options.quotas);
    this.clock = options.clock ?? new VirtualClock();
    this.#random = seededRandom(options.seed ?? 1).fork('retry-jitter');
    this.#lambdaEnvironments = new LambdaEnvironments(
      this.clock,
      options.lambdaTimings ?? INSTANT_LAMBDA,
      () => this.#starting > 0,
    );
  }

  /** Every Lambda invocation the engine's tasks made, in start order: cold or warm, and when. */
  lambdaInvocations(): readonly LambdaInvocation[] {
    return this.#lambdaEnvironments.invocations();
  }

  /**
   * Validates a (substituted) definition and binds every Task. Anything the engine cannot run
   * faithfully is an error here, naming the state, before any execution starts.
   */
  register(name: string, definition: AslDefinition): string {
    const runnable = withoutRealTimeTimeouts(definition);
    // The library validates on construction; a definition that passed before is not validated
    // again (engine/validated-definitions.ts), one it has not seen is, with the same options.
    validatedDefinitions.ensure({ runnable, options: VALIDATION }, () => {
      new StateMachine(runnable, { validationOptions: VALIDATION });
    });
    const machine = new StateMachine(runnable, { validationOptions: { noValidate: true } });
    const bindings = new Map<string, TaskBinding>();
    const states = new Map<string, AslState>();
    for (const { name: stateName, state } of allStates(definition)) {
      states.set(stateName, state);
      if (state.Type !== 'Task') continue;
      const binding = bindTask(state.Resource, state.Parameters as JsonValue | undefined, {
        functions: this.#options.functions,
        lambdaEnvironments: this.#lambdaEnvironments,
        dynamodb: this.#options.dynamodb,
        sdkServices: { sns: portService('SNS', this.notifications), ...this.#options.sdkServices },
        tokens: this.tokens,
        startNested: (reference, input, options) => this.#startNested(reference, input, options),
        startDetached: (reference, input, options) =>
          this.describe(this.start(reference, input, options).executionArn),
        callHook: this.#options.taskCallHook,
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

  /**
   * Starts an execution; resolves its record when it ends (it never rejects for a failed run).
   * An input over the payload quota is refused here, as StartExecution refuses it.
   */
  start(reference: string, input: JsonValue, options: StartOptions = {}): ExecutionHandle {
    const registered = this.#machine(reference);
    const inputJson = writeInput(registered.name, input);
    const inputBytes = payloadBytes(inputJson);
    if (inputBytes > this.#quotas.maxPayloadBytes) {
      throw new ExecutionInputTooLargeError(registered.name, inputBytes, this.#quotas.maxPayloadBytes);
    }
    const prefix = this.#options.executionNamePrefix ?? 'local';
    const name = options.name ?? `${prefix}-${String(++this.#sequence).padStart(4, '0')}`;
    const arn = toExecutionArn(registered.name, name);
    const maxEvents = this.#quotas.maxHistoryEvents;
    const history = new HistoryRecorder(
      () => this.clock.now(),
      (event) => {
        for (const listener of [...this.#historyListeners]) listener(arn, event);
      },
      {
        maxEvents,
        // The recorder wrote the failure as the last event there is room for: the run ends there.
        onReached: () =>
          this.#end(run, {
            status: 'FAILED',
            error: HISTORY_LIMIT_ERROR,
            cause: historyLimitCause(maxEvents),
          }),
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
    const run: Run = {
      record,
      history,
      registered,
      ended: new AbortController(),
      abortLibrary: () => undefined,
      // ExecutionStarted carries the input as given: its text is the one written above.
      ...(typeof input === 'object' && input !== null
        ? { lastPayload: { value: input, text: inputJson } }
        : {}),
    };
    this.#runs.set(arn, run);

    const runOptions: EngineRunOptions = {
      // `$$.State.EnteredTime` in virtual time (the patch in patches/ asks for it at every entry).
      stateEnteredTime: (stateName, state) =>
        readsStateContext(state)
          ? this.#enteredTime(run, stateName)
          : new Date(this.clock.now()).toISOString(),
      overrides: {
        taskResourceLocalHandlers: this.#taskHandlers(run),
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
    run.abortLibrary = () => execution.abort();
    // The execution's TimeoutSeconds (at most the service's maximum) runs out in virtual time:
    // TIMED_OUT there, whatever it was doing (a Wait, a retry's pause, a Task).
    const timeoutSeconds = executionTimeoutSeconds(registered.definition, this.#quotas.maxExecutionSeconds);
    const cancelTimeout = this.clock.at(record.startDate.getTime() + timeoutSeconds * 1000, () =>
      this.#end(run, { status: 'TIMED_OUT' }),
    );
    const consumed = this.#consumeEvents(execution.eventLogs, run);
    const done = execution.result.then(
      (output) => ({ status: 'SUCCEEDED' as const, output: output as JsonValue }),
      (error: unknown) => ({ status: 'FAILED' as const, error }),
    );
    const finished = (async (): Promise<ExecutionRecord> => {
      const outcome = await done;
      await consumed;
      // An execution that ended early ended at its moment: its parent (a .sync Task) hears of it
      // then, not once every advance queued after it has run. One that ran to its end ends once
      // virtual time has settled.
      if (!run.ending) await this.clock.settled();
      cancelTimeout();
      const ending = run.ending;
      if (ending) {
        record.stopDate = new Date(ending.atMs);
        record.status = ending.status;
        if (ending.error !== undefined) record.error = ending.error;
        if (ending.cause !== undefined) record.cause = ending.cause;
      } else if (outcome.status === 'SUCCEEDED') {
        record.stopDate = new Date(this.clock.now());
        record.status = 'SUCCEEDED';
        record.output = outcome.output;
      } else {
        const failure = rootCause(outcome.error);
        record.stopDate = new Date(this.clock.now());
        record.status = 'FAILED';
        record.error = failure.name;
        record.cause = failure.message;
      }
      this.#runs.delete(arn);
      return record;
    })();
    const handle: ExecutionHandle = {
      executionArn: arn,
      done: finished,
      stop: (error = 'States.Aborted', cause = 'Stopped by an operator') =>
        this.#end(run, { status: 'ABORTED', error, cause }),
    };
    this.#handles.set(arn, handle);
    return handle;
  }

  /**
   * Ends a running execution before its states end: stopped (ABORTED), timed out (TIMED_OUT) or at
   * a quota (FAILED). Its terminal event is recorded now, at this virtual time, and nothing after
   * it (what the library ran ahead of the history never happened); token waits end, running tasks
   * hear it (a nested child is stopped, as AWS stops it), and the library stops. The first ending
   * wins.
   */
  #end(run: Run, ending: Omit<Ending, 'atMs'>): void {
    if (run.ending || run.record.status !== 'RUNNING') return;
    if (ending.status === 'ABORTED') {
      // StopExecution's error and cause, each only if it was given.
      run.history.record('ExecutionAborted', {
        executionAbortedEventDetails: {
          ...(ending.error !== undefined ? { error: ending.error } : {}),
          ...(ending.cause !== undefined ? { cause: ending.cause } : {}),
        },
      });
    } else if (ending.status === 'TIMED_OUT') {
      // AWS's event carries the error only; DescribeExecution then shows neither error nor cause.
      run.history.record('ExecutionTimedOut', { executionTimedOutEventDetails: { error: TIMEOUT_ERROR } });
    } else if (ending.status === 'FAILED') {
      run.history.record('ExecutionFailed', {
        executionFailedEventDetails: { error: ending.error ?? '', cause: ending.cause ?? '' },
      });
    }
    // Recording may itself have reached the history quota, which ended the run as AWS ends it.
    run.ending ??= { ...ending, atMs: this.clock.now() };
    const reason = new TaskError(
      run.ending.error ?? (run.ending.status === 'TIMED_OUT' ? TIMEOUT_ERROR : 'States.Aborted'),
      run.ending.cause ?? '',
    );
    this.tokens.abandon(run.record.executionArn, reason);
    run.ended.abort(reason);
    run.abortLibrary();
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

  /** A `states:startExecution.sync:2` child: its parent's Task can stop it (ABORTED, no error). */
  #startNested(reference: string, input: JsonValue, options: StartOptions): NestedExecution {
    const handle = this.start(reference, input, options);
    return {
      executionArn: handle.executionArn,
      startDate: this.describe(handle.executionArn).startDate,
      done: handle.done,
      stop: (cause) => {
        const child = this.#runs.get(handle.executionArn);
        if (child) this.#end(child, { status: 'ABORTED', cause });
      },
    };
  }

  #taskHandlers(run: Run) {
    const { registered, history } = run;
    const handlers: Record<string, (input: JsonValue) => Promise<JsonValue>> = {};
    for (const [stateName, binding] of registered.bindings) {
      const state = registered.states.get(stateName) as AslState;
      handlers[stateName] = async (parameters) => {
        // Until it is scheduled, the task is starting: a Lambda task's phase beside it (a Parallel
        // branch, a Map iteration) waits for it before moving the clock, so both start together.
        this.#starting++;
        try {
          // Let the event consumer catch up (StateEntered, a Wait's clock advance, a retry's pause)
          // before the task looks at the world: it runs on microtasks, so one macrotask drains it.
          await new Promise<void>((resolve) => setImmediate(resolve));
          await this.clock.settled();
          // After a pause the consumer records the paused state's exit and this state's entry a few
          // turns after the clock settles: the history must read in order, as AWS's does.
          for (let turn = 0; turn < MAX_CATCH_UP_TURNS && !isOpen(history.events, stateName); turn++) {
            await new Promise<void>((resolve) => setImmediate(resolve));
          }
        } finally {
          this.#started();
        }
        // The library runs ahead of the history: an execution that ended meanwhile runs no more tasks.
        if (run.ending) throw new TaskError('States.Runtime', `${run.record.executionArn} has ended`);
        try {
          // After Parameters, an input over the payload quota fails the Task before it is scheduled.
          const parametersJson = JSON.stringify(parameters);
          if (payloadBytes(parametersJson) > this.#quotas.maxPayloadBytes) {
            throw new TaskError(DATA_LIMIT_ERROR, inputTooLargeCause(stateName));
          }
          return await this.#attempt(run, stateName, state, binding, parameters, parametersJson);
        } catch (error) {
          throw withAwsMatching(error, state);
        }
      };
    }
    return handlers;
  }

  /** One task fewer is starting: once none is, the Lambda phases waiting for that go on. */
  #started(): void {
    if (--this.#starting === 0) this.#lambdaEnvironments.wake();
  }

  /**
   * When a state that reads `$$.State` was entered, in virtual time: the timestamp of its
   * StateEntered event, once the event consumer has recorded it (the library runs ahead of the
   * history, and a Wait before the state advances the clock only as the consumer reaches it).
   */
  async #enteredTime(run: Run, stateName: string): Promise<string> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    await this.clock.settled();
    for (let turn = 0; turn < MAX_CATCH_UP_TURNS && !isOpen(run.history.events, stateName); turn++) {
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const entered = run.history.events.findLast(
      (event) => event.stateEnteredEventDetails?.name === stateName,
    );
    return new Date(entered?.timestamp.getTime() ?? this.clock.now()).toISOString();
  }

  /**
   * One attempt of a Task. With a TimeoutSeconds (or TimeoutSecondsPath), counted from TaskStarted
   * in virtual time, the attempt fails with States.Timeout when it runs out: TaskTimedOut is
   * recorded (the error, no cause, as AWS), and the call is abandoned — a token wait ends, a nested
   * child is stopped. The execution ending early abandons it the same way.
   */
  async #attempt(
    run: Run,
    stateName: string,
    state: AslState,
    binding: TaskBinding,
    parameters: JsonValue,
    parametersJson: string,
  ): Promise<JsonValue> {
    const attempt = new AbortController();
    const endAttempt = (): void => attempt.abort(run.ended.signal.reason);
    run.ended.signal.addEventListener('abort', endAttempt, { once: true });
    const seconds = taskTimeoutSeconds(state, () => openStateInput(run.history.events, stateName));
    const deadlineMs = seconds === undefined ? undefined : this.clock.now() + seconds * 1000;
    try {
      const call = binding.invoke(parameters, {
        stateName,
        history: run.history,
        execution: run.record,
        tokens: this.tokens,
        signal: attempt.signal,
        maxPayloadBytes: this.#quotas.maxPayloadBytes,
        parametersJson,
        waitForToken: (token) => this.#waitForToken(token, run.record, stateName, attempt.signal, deadlineMs),
      });
      if (deadlineMs === undefined) return await call;
      return await new Promise<JsonValue>((resolve, reject) => {
        const cancel = this.clock.at(deadlineMs, () => {
          if (attempt.signal.aborted) return;
          run.history.record('TaskTimedOut', {
            taskTimedOutEventDetails: {
              resourceType: binding.resourceType,
              resource: binding.resource,
              error: TIMEOUT_ERROR,
            },
          });
          const timedOut = new TaskError(TIMEOUT_ERROR, '');
          attempt.abort(timedOut);
          reject(timedOut);
        });
        call.then(
          (output) => {
            cancel();
            resolve(output);
          },
          (error: unknown) => {
            cancel();
            reject(error);
          },
        );
      });
    } finally {
      run.ended.signal.removeEventListener('abort', endAttempt);
    }
  }

  /**
   * A `.waitForTaskToken` task waits for its answer. Operators (tests, simulated on-call
   * engineers) hear of the wait at once; with a deadline (the Task's TimeoutSeconds), virtual time
   * goes on while it waits — a minute at a time, so the world moves and a clock hook can answer —
   * until the answer comes or the deadline ends the attempt (#attempt). Without one it waits as
   * long as it takes. An attempt that ends invalidates its token, as in AWS.
   */
  async #waitForToken(
    token: string,
    record: ExecutionRecord,
    stateName: string,
    signal: AbortSignal,
    deadlineMs: number | undefined,
  ): Promise<JsonValue> {
    const answer = this.tokens.wait(token, record.executionArn, stateName);
    let answered = false;
    answer.then(
      () => (answered = true),
      () => (answered = true),
    );
    const endWait = (): void =>
      this.tokens.end(
        token,
        signal.reason instanceof TaskError ? signal.reason : new TaskError(TIMEOUT_ERROR, ''),
      );
    if (signal.aborted) endWait();
    else signal.addEventListener('abort', endWait, { once: true });
    for (const listener of [...this.#tokenListeners]) {
      listener({ token, executionArn: record.executionArn, stateName });
    }
    try {
      if (deadlineMs !== undefined) {
        for (;;) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          if (answered || signal.aborted || this.clock.now() >= deadlineMs) break;
          await this.clock.advance(Math.min(60, (deadlineMs - this.clock.now()) / 1000), signal);
        }
      }
      return await answer;
    } finally {
      signal.removeEventListener('abort', endWait);
    }
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

  async #consumeEvents(events: AsyncGenerator<LibraryEvent>, run: Run): Promise<void> {
    for await (const event of events) {
      // After the terminal event (a timeout, a quota) the library's run-ahead events never happened.
      if (run.history.closed) break;
      // A state's input or output is written as JSON once: its size is checked, then it is kept.
      const payload = statePayload(event, run);
      const oversized = oversizedPayload(event, payload, this.#quotas.maxPayloadBytes);
      if (oversized) {
        // A state's input or output over the quota ends the execution at that transition; no
        // Catch sees it (the state has left its Task's hands).
        this.#end(run, { status: 'FAILED', error: DATA_LIMIT_ERROR, cause: oversized });
        break;
      }
      recordEvent(event, run.history, this.#roleArn(), payload);
      if (run.history.closed) break;
      // Awaited, so the events after a pause (the Wait's exit, the next state) carry its end time.
      // The pause ends early where the execution does (its timeout, a stop): time goes no further.
      const seconds = this.#pauseOf(event, run.registered);
      if (seconds > 0) await this.clock.advance(seconds, run.ended.signal);
    }
  }

  /** Virtual seconds an event stands for: a Wait state's duration, or a retry's backoff. */
  #pauseOf(event: LibraryEvent, registered: RegisteredMachine): number {
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

/**
 * The library's run options, with the hook the patch in patches/ adds: the value of
 * `$$.State.EnteredTime` for a state being entered (a promise: the library waits for it).
 */
type EngineRunOptions = RunOptions & {
  stateEnteredTime?: (stateName: string, state: AslState) => string | Promise<string>;
};

/**
 * Whether a state's definition reads the context object's `State` (`$$.State.EnteredTime`,
 * `$$.State.Name`): only such a state waits for the history to catch up before it runs.
 */
function readsStateContext(state: AslState): boolean {
  let reads = STATE_CONTEXT_READERS.get(state);
  if (reads === undefined) {
    reads = JSON.stringify(state).includes('$$.State');
    STATE_CONTEXT_READERS.set(state, reads);
  }
  return reads;
}
const STATE_CONTEXT_READERS = new WeakMap<AslState, boolean>();

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

/** The input the open entry of a state was recorded with (for a TimeoutSecondsPath). */
function openStateInput(events: readonly HistoryEvent[], stateName: string): JsonValue | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const entered = events[i]?.stateEnteredEventDetails;
    if (entered?.name === stateName) return JSON.parse(entered.input) as JsonValue;
  }
  return undefined;
}

/**
 * A state's input (entered) or output (exited), or the execution's input or output, as JSON text;
 * undefined for other events. A state enters with the very object the one before it left with,
 * and the execution ends with the last state's output (the library passes them on, never changing
 * one: each state's paths make new values), so that text is written once, not twice; the
 * execution's input was written when it started. (Written when recorded, not later: the payload
 * quota needs each one's size.)
 */
function statePayload(event: LibraryEvent, run: Run): string | undefined {
  let value: unknown;
  if (event.type === 'StateEntered') value = event.state.input;
  else if (event.type === 'StateExited') value = event.state.output;
  else if (event.type === 'ExecutionStarted') value = event.input;
  else if (event.type === 'ExecutionSucceeded') value = event.output;
  else return undefined;
  const last = run.lastPayload;
  if (last && typeof value === 'object' && value !== null && last.value === value) return last.text;
  const text = json(value);
  run.lastPayload = typeof value === 'object' && value !== null ? { value, text } : undefined;
  return text;
}

/** AWS's cause if a state enters or leaves with more than the payload quota, else undefined. */
function oversizedPayload(
  event: LibraryEvent,
  payload: string | undefined,
  maxBytes: number,
): string | undefined {
  if (payload === undefined || payloadBytes(payload) <= maxBytes) return undefined;
  if (event.type === 'StateEntered') return inputTooLargeCause(event.state.name);
  if (event.type === 'StateExited') return resultTooLargeCause(event.state.name);
  return undefined;
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

/** An execution's input as the JSON text StartExecution would carry, or a named refusal. */
function writeInput(machineName: string, input: JsonValue): string {
  try {
    return json(input);
  } catch (error) {
    if (error instanceof RangeError) throw new ExecutionInputTooDeepError(machineName);
    throw error;
  }
}

function recordEvent(
  event: LibraryEvent,
  history: HistoryRecorder,
  roleArn: string,
  payload: string | undefined,
): void {
  switch (event.type) {
    case 'ExecutionStarted':
      history.record('ExecutionStarted', {
        executionStartedEventDetails: {
          input: payload ?? json(event.input),
          inputDetails: { truncated: false },
          roleArn,
        },
      });
      return;
    case 'ExecutionSucceeded':
      history.record('ExecutionSucceeded', {
        executionSucceededEventDetails: {
          output: payload ?? json(event.output),
          outputDetails: { truncated: false },
        },
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
    case 'StateEntered':
      history.record(`${event.state.type}StateEntered`, {
        stateEnteredEventDetails: {
          name: event.state.name,
          input: payload ?? json(event.state.input),
          inputDetails: { truncated: false },
        },
      });
      return;
    case 'StateExited':
      history.record(`${event.state.type}StateExited`, {
        stateExitedEventDetails: {
          name: event.state.name,
          output: payload ?? json(event.state.output),
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
      // The library never times out (it runs without TimeoutSeconds): the engine records ExecutionTimedOut.
      return;
  }
}
