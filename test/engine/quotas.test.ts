import { describe, expect, it } from 'vitest';
import { LocalEngine } from '../../engine/local-engine.ts';
import { ExecutionInputTooLargeError } from '../../engine/errors.ts';
import { STANDARD_WORKFLOW_QUOTAS } from '../../engine/quotas.ts';
import { statesEntered, type HistoryEvent } from '../../engine/history.ts';
import type { AslDefinition, AslState } from '../../engine/asl.ts';
import { functionTable } from './lambda-functions.ts';
import { VirtualClock } from '../../core/virtual-clock.ts';
import { parentMachine, type TaskState } from '../support/task-machines.ts';

const invoke = (fn: string, then: { Next: string } | { End: true }, extra: object = {}): AslState =>
  ({
    Type: 'Task',
    Resource: 'arn:aws:states:::lambda:invoke',
    Parameters: { FunctionName: fn, 'Payload.$': '$' },
    ...then,
    ...extra,
  }) as AslState;

const types = (history: readonly HistoryEvent[]): string[] => history.map((e) => e.type);
const last = <T>(items: readonly T[]): T | undefined => items[items.length - 1];
const secondsAfter = (clock: VirtualClock, event: HistoryEvent | undefined): number =>
  ((event?.timestamp.getTime() ?? NaN) - clock.startMs) / 1000;

/** A string of `kib` KiB of JSON (ASCII, so one byte a character). */
const kib = (n: number): string => 'x'.repeat(n * 1024);

describe('the history quota (25,000 events)', () => {
  /** Counts to $.limit: 4 events an iteration (Pass and Choice, entered and exited). */
  const counter: AslDefinition = {
    StartAt: 'Count',
    States: {
      Count: {
        Type: 'Pass',
        Parameters: { 'n.$': 'States.MathAdd($.n, 1)', 'limit.$': '$.limit' },
        Next: 'More?',
      },
      'More?': {
        Type: 'Choice',
        Choices: [{ Variable: '$.n', NumericLessThanPath: '$.limit', Next: 'Count' }],
        Default: 'Done',
      },
      Done: { Type: 'Succeed' },
    },
  };
  const engine = (): LocalEngine => {
    const local = new LocalEngine({ functions: functionTable({}) });
    local.register('counter', counter);
    return local;
  };

  it('fails an execution that needs more, as AWS: event 25,000 is ExecutionFailed, States.Runtime', async () => {
    // 1 + 4 x 6,250 + 3 = 25,004 events: four more than there is room for.
    const run = await engine().run('counter', { n: 0, limit: 6250 });

    expect(run).toMatchObject({
      status: 'FAILED',
      error: 'States.Runtime',
      cause: 'The execution reached the maximum number of history events (25000).',
    });
    expect(run.history).toHaveLength(STANDARD_WORKFLOW_QUOTAS.maxHistoryEvents);
    expect(run.history[24_998]?.type).toBe('PassStateExited');
    expect(last(run.history)).toMatchObject({
      id: 25_000,
      previousEventId: 24_999,
      type: 'ExecutionFailed',
      executionFailedEventDetails: {
        error: 'States.Runtime',
        cause: 'The execution reached the maximum number of history events (25000).',
      },
    });
    expect(run.output).toBeUndefined();
  });

  it('lets an execution whose event 25,000 is ExecutionSucceeded succeed', async () => {
    // 1 + 4 x 6,249 + 3 = 25,000 events exactly.
    const run = await engine().run('counter', { n: 0, limit: 6249 });

    expect(run).toMatchObject({ status: 'SUCCEEDED', output: { n: 6249, limit: 6249 } });
    expect(run.history).toHaveLength(25_000);
    expect(last(run.history)?.type).toBe('ExecutionSucceeded');
  });

  it('takes lower quotas for a test, never higher than AWS’s', () => {
    const functions = functionTable({});
    expect(() => new LocalEngine({ functions, quotas: { maxHistoryEvents: 25_001 } })).toThrow(RangeError);
    expect(() => new LocalEngine({ functions, quotas: { maxPayloadBytes: 0 } })).toThrow(RangeError);
    expect(() => new LocalEngine({ functions, quotas: { maxHistoryEvents: 10 } })).not.toThrow();
  });

  it('counts every event, a Task’s included, under a lowered quota', async () => {
    const local = new LocalEngine({
      functions: functionTable({ noop: async () => ({}) }),
      quotas: { maxHistoryEvents: 8 },
    });
    local.register('two-tasks', {
      StartAt: 'First',
      States: { First: invoke('noop', { Next: 'Second' }), Second: invoke('noop', { End: true }) },
    });

    const run = await local.run('two-tasks', {});

    // ExecutionStarted, First's five events, then Second's entry: there is room for one more.
    expect(types(run.history)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'TaskStateEntered',
      'ExecutionFailed',
    ]);
    expect(run).toMatchObject({
      status: 'FAILED',
      error: 'States.Runtime',
      cause: 'The execution reached the maximum number of history events (8).',
    });
  });
});

describe('the payload quota (256 KiB)', () => {
  it('fails an execution whose state output is over it, whatever its Catch: States.DataLimitExceeded', async () => {
    const engine = new LocalEngine({
      functions: functionTable({ report: async () => ({ report: kib(200) }) }),
    });
    engine.register('reporter', {
      StartAt: 'Fetch the report',
      States: {
        // The result (200 KiB) fits; the state's output, the input (100 KiB) with it, does not.
        'Fetch the report': invoke(
          'report',
          { End: true },
          {
            ResultPath: '$.fetched',
            Catch: [
              { ErrorEquals: ['States.DataLimitExceeded'], Next: 'Caught' },
              { ErrorEquals: ['States.ALL'], Next: 'Caught' },
            ],
          },
        ),
        Caught: { Type: 'Pass', End: true },
      },
    });

    const run = await engine.run('reporter', { notes: kib(100) });

    expect(run).toMatchObject({
      status: 'FAILED',
      error: 'States.DataLimitExceeded',
      cause:
        "The state/task 'Fetch the report' returned a result with a size exceeding the maximum number of bytes service limit.",
    });
    expect(statesEntered(run.history)).toEqual(['Fetch the report']);
    expect(types(run.history).slice(-2)).toEqual(['TaskSucceeded', 'ExecutionFailed']);
  });

  describe('a task result over it', () => {
    const engineWith = (catchers: { ErrorEquals: string[]; Next: string }[]): LocalEngine => {
      const engine = new LocalEngine({
        functions: functionTable({ export: async () => ({ rows: kib(300) }) }),
      });
      engine.register('exporter', {
        StartAt: 'Export the table',
        States: {
          'Export the table': invoke(
            'export',
            { End: true },
            {
              Retry: [{ ErrorEquals: ['States.ALL'], MaxAttempts: 2 }],
              Catch: catchers,
            },
          ),
          'Export in pages': { Type: 'Pass', Result: 'paged', End: true },
          'Anything else': { Type: 'Pass', Result: 'other', End: true },
        },
      });
      return engine;
    };

    it('fails the task with States.DataLimitExceeded, which neither Retry nor Catch on States.ALL sees', async () => {
      const run = await engineWith([
        { ErrorEquals: ['ExportFailed'], Next: 'Export in pages' },
        { ErrorEquals: ['States.ALL'], Next: 'Anything else' },
      ]).run('exporter', {});

      expect(run).toMatchObject({
        status: 'FAILED',
        error: 'States.DataLimitExceeded',
        cause:
          "The state/task 'lambda' returned a result with a size exceeding the maximum number of bytes service limit.",
      });
      // One attempt: States.ALL does not retry it.
      expect(types(run.history).filter((t) => t === 'TaskScheduled')).toHaveLength(1);
      expect(run.history.find((e) => e.type === 'TaskFailed')?.taskFailedEventDetails?.error).toBe(
        'States.DataLimitExceeded',
      );
    });

    it('is caught by a Catch that names it', async () => {
      const run = await engineWith([
        { ErrorEquals: ['States.DataLimitExceeded'], Next: 'Export in pages' },
        { ErrorEquals: ['States.ALL'], Next: 'Anything else' },
      ]).run('exporter', {});

      expect(run).toMatchObject({ status: 'SUCCEEDED', output: 'paged' });
    });
  });

  it('fails a task whose input after Parameters is over it, before it is scheduled', async () => {
    let called = false;
    const engine = new LocalEngine({
      functions: functionTable({
        store: async () => {
          called = true;
          return {};
        },
      }),
    });
    engine.register('store', {
      StartAt: 'Store twice',
      States: {
        'Store twice': {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          // 150 KiB of input, twice in the payload: 300 KiB.
          Parameters: { FunctionName: 'store', Payload: { 'a.$': '$.blob', 'b.$': '$.blob' } },
          End: true,
        },
      },
    });

    const run = await engine.run('store', { blob: kib(150) });

    expect(run).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
    expect(types(run.history)).toEqual(['ExecutionStarted', 'TaskStateEntered', 'ExecutionFailed']);
    expect(called).toBe(false);
  });

  it('refuses to start an execution whose input is over it', () => {
    const engine = new LocalEngine({ functions: functionTable({}) });
    engine.register('pass', { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } });

    expect(() => engine.start('pass', { blob: kib(257) })).toThrow(ExecutionInputTooLargeError);
    expect(engine.executions()).toEqual([]);
  });
});

interface NestedOptions {
  handling?: Pick<TaskState, 'Retry' | 'Catch'>;
  states?: AslDefinition['States'];
  childTimeoutSeconds?: number;
}

describe('TimeoutSeconds in virtual time', () => {
  const CHILD_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:slow-child';

  /**
   * A parent whose Task runs a child that waits an hour, with ten minutes to do it: `handling` is
   * the Task's Retry or Catch (and the states it catches to), `childTimeoutSeconds` the child's own.
   */
  const nestedEngine = (
    clock: VirtualClock,
    { handling = {}, states = {}, childTimeoutSeconds }: NestedOptions = {},
  ): LocalEngine => {
    const engine = new LocalEngine({ clock, functions: functionTable({}) });
    engine.register('slow-child', {
      StartAt: 'Wait an hour',
      ...(childTimeoutSeconds === undefined ? {} : { TimeoutSeconds: childTimeoutSeconds }),
      States: { 'Wait an hour': { Type: 'Wait', Seconds: 3600, End: true } },
    });
    engine.register(
      'parent',
      parentMachine({ StateMachineArn: CHILD_ARN, Input: {} }, { TimeoutSeconds: 600, ...handling }, states),
    );
    return engine;
  };

  it('fails a Task whose nested execution outlives its TimeoutSeconds with States.Timeout, at that virtual time', async () => {
    const clock = new VirtualClock();
    const engine = nestedEngine(clock, {
      handling: {
        Catch: [
          // States.TaskFailed matches every error but States.Timeout.
          { ErrorEquals: ['States.TaskFailed'], Next: 'Child failed' },
          { ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'Timed out' },
        ],
      },
      states: {
        'Child failed': { Type: 'Fail', Error: 'ChildFailed' },
        'Timed out': { Type: 'Pass', End: true },
      },
    });

    const run = await engine.run('parent', {});

    expect(run).toMatchObject({ status: 'SUCCEEDED', output: { failure: { Error: 'States.Timeout' } } });
    const timedOut = run.history.find((e) => e.type === 'TaskTimedOut');
    expect(timedOut?.taskTimedOutEventDetails).toEqual({
      resourceType: 'states',
      resource: 'startExecution.sync:2',
      error: 'States.Timeout',
    });
    expect(secondsAfter(clock, timedOut)).toBe(600);
    expect(statesEntered(run.history)).toEqual(['Run the child', 'Timed out']);
    expect(types(run.history)).not.toContain('TaskSucceeded');
    expect(types(run.history)).not.toContain('TaskFailed');
    // AWS stops the child its Task was managing: ABORTED there, with its cause and no error.
    const child = engine.executions().find((e) => e.parentExecutionArn === run.executionArn);
    expect(child).toMatchObject({
      status: 'ABORTED',
      cause: `The Task state in AWS Step Functions execution [${run.executionArn}] which was managing this resource was aborted`,
    });
    expect(child?.error).toBeUndefined();
    expect((child?.stopDate?.getTime() ?? 0) - clock.startMs).toBe(600_000);
    expect(last(child?.history ?? [])).toMatchObject({
      type: 'ExecutionAborted',
      executionAbortedEventDetails: { cause: child?.cause },
    });
  });

  it('fails the execution with States.Timeout when nothing catches it', async () => {
    const clock = new VirtualClock();
    const engine = nestedEngine(clock, {
      handling: { Retry: [{ ErrorEquals: ['States.TaskFailed'], MaxAttempts: 3 }] },
    });

    const run = await engine.run('parent', {});

    expect(run).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
    // States.TaskFailed does not retry a timeout: one attempt, one child.
    expect(types(run.history).filter((t) => t === 'TaskScheduled')).toHaveLength(1);
    expect((run.stopDate?.getTime() ?? 0) - clock.startMs).toBe(600_000);
  });

  it('gives the parent States.TaskFailed when the nested execution itself times out, at that moment', async () => {
    const clock = new VirtualClock();
    const engine = nestedEngine(clock, { childTimeoutSeconds: 300 });

    const run = await engine.run('parent', {});

    expect(run).toMatchObject({ status: 'FAILED', error: 'States.TaskFailed' });
    expect(JSON.parse(run.cause ?? '{}')).toMatchObject({ Status: 'TIMED_OUT' });
    expect((run.stopDate?.getTime() ?? 0) - clock.startMs).toBe(300_000);
    expect(types(run.history)).not.toContain('TaskTimedOut');
    expect(clock.elapsedSeconds()).toBe(300);
  });

  it('times the execution out at its TimeoutSeconds: TIMED_OUT, ExecutionTimedOut, mid-Wait', async () => {
    const clock = new VirtualClock();
    const engine = new LocalEngine({ clock, functions: functionTable({ after: async () => ({}) }) });
    engine.register('too-slow', {
      StartAt: 'Wait 25 minutes',
      TimeoutSeconds: 900,
      States: {
        'Wait 25 minutes': { Type: 'Wait', Seconds: 1500, Next: 'After' },
        After: invoke('after', { End: true }),
      },
    });

    const run = await engine.run('too-slow', {});

    expect(run.status).toBe('TIMED_OUT');
    expect(run.error).toBeUndefined();
    expect(run.cause).toBeUndefined();
    expect((run.stopDate?.getTime() ?? 0) - clock.startMs).toBe(900_000);
    expect(types(run.history)).toEqual(['ExecutionStarted', 'WaitStateEntered', 'ExecutionTimedOut']);
    expect(last(run.history)?.executionTimedOutEventDetails).toEqual({ error: 'States.Timeout' });
    expect(secondsAfter(clock, last(run.history))).toBe(900);
  });

  it('times an execution out while its Task waits for a task token, and ends the wait', async () => {
    const clock = new VirtualClock();
    const engine = new LocalEngine({ clock, functions: functionTable({ ask: async () => ({}) }) });
    engine.register('approval', {
      StartAt: 'Ask',
      TimeoutSeconds: 300,
      States: {
        Ask: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
          Parameters: { FunctionName: 'ask', Payload: { 'token.$': '$$.Task.Token' } },
          // The Task would wait an hour; the execution has five minutes.
          TimeoutSeconds: 3600,
          End: true,
        },
      },
    });

    const run = await engine.run('approval', {});

    expect(run.status).toBe('TIMED_OUT');
    expect((run.stopDate?.getTime() ?? 0) - clock.startMs).toBe(300_000);
    expect(last(run.history)?.type).toBe('ExecutionTimedOut');
    expect(types(run.history)).not.toContain('TaskTimedOut');
    expect(engine.tokens.pending()).toEqual([]);
  });

  it('ends any execution at the service’s maximum of one year', async () => {
    const clock = new VirtualClock();
    const engine = new LocalEngine({ clock, functions: functionTable({}) });
    engine.register('forever', {
      StartAt: 'Wait two years',
      States: { 'Wait two years': { Type: 'Wait', Seconds: 2 * 365 * 24 * 3600, End: true } },
    });

    const run = await engine.run('forever', {});

    expect(run.status).toBe('TIMED_OUT');
    expect((run.stopDate?.getTime() ?? 0) - clock.startMs).toBe(365 * 24 * 3600 * 1000);
  });

  it('never uses real timers: a Task slower in real time than its TimeoutSeconds is not timed out', async () => {
    const engine = new LocalEngine({
      functions: functionTable({
        slow: () => new Promise((resolve) => setTimeout(() => resolve({ done: true }), 1_100)),
      }),
    });
    engine.register('slow', {
      StartAt: 'Slow',
      TimeoutSeconds: 1,
      States: { Slow: invoke('slow', { End: true }, { TimeoutSeconds: 1, OutputPath: '$.Payload' }) },
    });

    const run = await engine.run('slow', {});

    expect(run).toMatchObject({ status: 'SUCCEEDED', output: { done: true } });
  });
});
