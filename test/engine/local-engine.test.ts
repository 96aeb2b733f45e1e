import { beforeAll, describe, expect, it } from 'vitest';
import { LocalEngine } from '../../engine/local-engine.ts';
import { UnsupportedResourceError } from '../../engine/errors.ts';
import { billedStateTransitions, statesEntered } from '../../engine/history.ts';
import type { AslDefinition } from '../../engine/asl.ts';
import { functionTable, lambdaInvokeState } from './lambda-functions.ts';
import { VirtualClock } from '../../core/virtual-clock.ts';
import { createOnDemandTable, useLocalDynamoDb } from '../support/local-dynamodb.ts';
import { approvalMachine, parentMachine } from '../support/task-machines.ts';

/** Invokes `fn` and keeps its payload as the state's output. */
const invoke = (fn: string, next: string | undefined, extra: object = {}) =>
  lambdaInvokeState(fn, next, { OutputPath: '$.Payload', ...extra });

const client = useLocalDynamoDb();

beforeAll(async () => {
  await createOnDemandTable(client(), 'engine-test');
});

describe('the local engine', () => {
  it('runs a Lambda task in-process with the payload and returns what lambda:invoke returns', async () => {
    const seen: unknown[] = [];
    const engine = new LocalEngine({
      functions: functionTable({
        double: async (event) => {
          seen.push(event);
          return { value: (event as { value: number }).value * 2 };
        },
      }),
    });
    engine.register('doubler', {
      StartAt: 'Double it',
      States: { 'Double it': { ...invoke('double', undefined), OutputPath: '$' } },
    });
    const run = await engine.run('doubler', { value: 21 });
    expect(run.status).toBe('SUCCEEDED');
    expect(seen).toEqual([{ value: 21 }]);
    expect(run.output).toEqual({
      ExecutedVersion: '$LATEST',
      Payload: { value: 42 },
      SdkHttpMetadata: { HttpStatusCode: 200 },
      StatusCode: 200,
    });
    // The history has the parameters and the result as the JSON text Step Functions records.
    const details = (type: string) => run.history.find((e) => e.type === type);
    expect(details('TaskScheduled')?.taskScheduledEventDetails?.parameters).toBe(
      JSON.stringify({
        FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:double',
        Payload: { value: 21 },
      }),
    );
    expect(details('TaskSucceeded')?.taskSucceededEventDetails?.output).toBe(JSON.stringify(run.output));
  });

  it('carries a Lambda result as Node’s runtime writes it: JSON.stringify with no replacer', async () => {
    const engine = new LocalEngine({
      functions: functionTable({
        odd: async () => ({
          at: new Date(Date.UTC(2026, 0, 1)),
          bytes: new Uint8Array([1, 2]),
          gone: undefined,
          kept: [undefined, 1],
        }),
      }),
    });
    engine.register('odd', { StartAt: 'Odd', States: { Odd: { ...invoke('odd', undefined) } } });
    const run = await engine.run('odd', {});
    expect(run.output).toEqual({
      at: '2026-01-01T00:00:00.000Z',
      bytes: { 0: 1, 1: 2 },
      kept: [null, 1],
    });
  });

  it('gives $$.Execution.StartTime the virtual start, in Map iterations too, as AWS gives the execution’s start', async () => {
    // aws-local-stepfunctions 3.0.0 put the wall clock there; patches/ makes it keep the engine's.
    const clock = new VirtualClock(Date.UTC(2026, 0, 1, 12, 0, 0));
    const engine = new LocalEngine({ clock, functions: functionTable({}) });
    engine.register('stamped', {
      StartAt: 'Wait a minute',
      States: {
        'Wait a minute': { Type: 'Wait', Seconds: 60, Next: 'Stamp' },
        Stamp: {
          Type: 'Pass',
          Parameters: { 'started.$': '$$.Execution.StartTime' },
          ResultPath: '$.top',
          Next: 'Each',
        },
        Each: {
          Type: 'Map',
          ItemsPath: '$.items',
          ItemProcessor: {
            StartAt: 'Stamp the item',
            States: {
              'Stamp the item': {
                Type: 'Pass',
                Parameters: { 'started.$': '$$.Execution.StartTime' },
                End: true,
              },
            },
          },
          ResultPath: '$.each',
          End: true,
        },
      },
    });
    const run = await engine.run('stamped', { items: [1, 2] });

    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toMatchObject({
      top: { started: '2026-01-01T12:00:00.000Z' },
      each: [{ started: '2026-01-01T12:00:00.000Z' }, { started: '2026-01-01T12:00:00.000Z' }],
    });
  });

  it('gives $$.State.EnteredTime and $$.State.Name the virtual moment each state was entered, after a Wait and a Task, in a Map too', async () => {
    // aws-local-stepfunctions 3.0.0 has no $$.State; patches/ adds it, the engine gives its times.
    const clock = new VirtualClock(Date.UTC(2026, 0, 1, 12, 0, 0));
    const engine = new LocalEngine({
      clock,
      functions: functionTable({ slow: async () => clock.advance(30).then(() => ({})) }),
    });
    const stamp = (next?: string) => ({
      Type: 'Pass' as const,
      Parameters: { 'at.$': '$$.State.EnteredTime', 'name.$': '$$.State.Name' },
      ...(next ? { ResultPath: `$.${next.replace(/\W/g, '')}`, Next: next } : { End: true as const }),
    });
    engine.register('entered', {
      StartAt: 'Wait 90 s',
      States: {
        'Wait 90 s': { Type: 'Wait', Seconds: 90, Next: 'After the wait' },
        'After the wait': { ...stamp('Take 30 s'), ResultPath: '$.afterWait' },
        'Take 30 s': { ...invoke('slow', 'After the task'), ResultPath: null, OutputPath: '$' },
        'After the task': { ...stamp('Each'), ResultPath: '$.afterTask' },
        Each: {
          Type: 'Map',
          ItemsPath: '$.items',
          ItemProcessor: { StartAt: 'In the map', States: { 'In the map': stamp() } },
          ResultPath: '$.each',
          End: true,
        },
      },
    });
    const run = await engine.run('entered', { items: [1] });

    expect([run.status, run.error, run.cause]).toEqual(['SUCCEEDED', undefined, undefined]);
    expect(run.output).toMatchObject({
      afterWait: { at: '2026-01-01T12:01:30.000Z', name: 'After the wait' },
      afterTask: { at: '2026-01-01T12:02:00.000Z', name: 'After the task' },
      each: [{ name: 'In the map' }],
    });
    const inMap = (run.output as { each: { at: string }[] }).each[0]?.at ?? '';
    expect(Date.parse(inMap)).toBeGreaterThanOrEqual(Date.UTC(2026, 0, 1, 12, 2, 0));
    expect(Date.parse(inMap)).toBeLessThan(Date.UTC(2026, 0, 1, 12, 3, 0));
  });

  it('advances virtual time for Wait states instead of sleeping', async () => {
    const clock = new VirtualClock(Date.UTC(2026, 0, 1));
    const seenAt: number[] = [];
    const engine = new LocalEngine({
      clock,
      functions: functionTable({ stamp: async () => seenAt.push(clock.elapsedSeconds()) }),
    });
    engine.register('waiter', {
      StartAt: 'Wait half an hour',
      States: {
        'Wait half an hour': { Type: 'Wait', Seconds: 1800, Next: 'Wait as long as asked' },
        'Wait as long as asked': { Type: 'Wait', SecondsPath: '$.pause', Next: 'Stamp' },
        Stamp: invoke('stamp', undefined),
      },
    });
    const started = performance.now();
    const run = await engine.run('waiter', { pause: 120 });
    expect(run.status).toBe('SUCCEEDED');
    expect(seenAt).toEqual([1920]);
    expect(run.stopDate!.getTime() - run.startDate.getTime()).toBe(1_920_000);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('retries a named error with backoff in virtual time, then succeeds', async () => {
    const clock = new VirtualClock();
    let calls = 0;
    const attemptsAt: number[] = [];
    const engine = new LocalEngine({
      clock,
      functions: functionTable({
        flaky: async () => {
          attemptsAt.push(clock.elapsedSeconds());
          if (++calls < 3) {
            const error = new Error('slow down');
            error.name = 'AwsThrottledError';
            throw error;
          }
          return { ok: true };
        },
      }),
    });
    engine.register('retrier', {
      StartAt: 'Call flaky',
      States: {
        'Call flaky': invoke('flaky', undefined, {
          Retry: [{ ErrorEquals: ['AwsThrottledError'], IntervalSeconds: 2, BackoffRate: 3, MaxAttempts: 4 }],
        }),
      },
    });
    const run = await engine.run('retrier', {});
    expect(run.status).toBe('SUCCEEDED');
    expect(attemptsAt).toEqual([0, 2, 8]);
    const failures = run.history.filter((e) => e.type === 'TaskFailed');
    expect(failures.map((e) => e.taskFailedEventDetails?.error)).toEqual([
      'AwsThrottledError',
      'AwsThrottledError',
    ]);
    expect(billedStateTransitions(run.history)).toBe(3);
  });

  it('reports a function error as Lambda does: errorType as Error, a JSON cause, catchable by name', async () => {
    const engine = new LocalEngine({
      functions: functionTable({
        reject: async () => {
          const error = new Error('tableName is required');
          error.name = 'InvalidRequestError';
          throw error;
        },
      }),
    });
    engine.register('catcher', {
      StartAt: 'Validate',
      States: {
        Validate: {
          ...invoke('reject', 'Never'),
          Catch: [{ ErrorEquals: ['InvalidRequestError'], ResultPath: '$.error', Next: 'Rejected' }],
        },
        Never: { Type: 'Succeed' },
        Rejected: { Type: 'Fail', Error: 'Rejected', Cause: 'bad input' },
      },
    } as unknown as AslDefinition);
    const run = await engine.run('catcher', {});
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('Rejected');
    expect(statesEntered(run.history)).toEqual(['Validate', 'Rejected']);
    const failed = run.history.find((e) => e.type === 'TaskFailed')?.taskFailedEventDetails;
    expect(failed?.error).toBe('InvalidRequestError');
    expect(JSON.parse(failed!.cause)).toMatchObject({
      errorType: 'InvalidRequestError',
      errorMessage: 'tableName is required',
    });
  });

  it('calls DynamoDB for aws-sdk and optimized integrations, naming errors as Step Functions does', async () => {
    const engine = new LocalEngine({ functions: functionTable({}), dynamodb: client() });
    engine.register('dynamo', {
      StartAt: 'Put the item',
      States: {
        'Put the item': {
          Type: 'Task',
          Resource: 'arn:aws:states:::dynamodb:putItem',
          Parameters: { TableName: 'engine-test', Item: { pk: { 'S.$': '$.id' } } },
          ResultPath: null,
          Next: 'Read it back',
        },
        'Read it back': {
          Type: 'Task',
          Resource: 'arn:aws:states:::dynamodb:getItem',
          Parameters: { TableName: 'engine-test', Key: { pk: { 'S.$': '$.id' } } },
          ResultSelector: { 'pk.$': '$.Item.pk.S' },
          ResultPath: '$.readBack',
          Next: 'Describe the table',
        },
        'Describe the table': {
          Type: 'Task',
          Resource: 'arn:aws:states:::aws-sdk:dynamodb:describeTable',
          Parameters: { TableName: 'engine-test' },
          ResultSelector: { 'status.$': '$.Table.TableStatus' },
          ResultPath: '$.table',
          Next: 'Describe a missing table',
        },
        'Describe a missing table': {
          Type: 'Task',
          Resource: 'arn:aws:states:::aws-sdk:dynamodb:describeTable',
          Parameters: { TableName: 'no-such-table' },
          Catch: [
            { ErrorEquals: ['DynamoDb.ResourceNotFoundException'], ResultPath: '$.missing', Next: 'Done' },
          ],
          Next: 'Done',
        },
        Done: { Type: 'Succeed' },
      },
    });
    const run = await engine.run('dynamo', { id: 'order-1' });
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toMatchObject({
      readBack: { pk: 'order-1' },
      table: { status: 'ACTIVE' },
      missing: { Error: 'DynamoDb.ResourceNotFoundException' },
    });
  });

  it('runs startExecution.sync:2 as a nested local execution', async () => {
    const engine = new LocalEngine({
      functions: functionTable({ greet: async (e) => ({ greeting: `hello ${(e as { who: string }).who}` }) }),
    });
    engine.register('child', { StartAt: 'Greet', States: { Greet: invoke('greet', undefined) } });
    engine.register(
      'parent',
      parentMachine(
        {
          StateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:child',
          Input: { 'who.$': '$.who' },
        },
        { OutputPath: '$.Output' },
      ),
    );
    const run = await engine.run('parent', { who: 'operator' });
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toEqual({ greeting: 'hello operator' });
    const child = engine.executions().find((e) => e.parentExecutionArn === run.executionArn);
    expect(child?.status).toBe('SUCCEEDED');
    // As AWS records a `.sync` task: the child's start (StartExecution's answer), then its end.
    const taskEvents = run.history.filter((e) => e.type.startsWith('Task') && !e.type.includes('State'));
    expect(taskEvents.map((e) => e.type)).toEqual([
      'TaskScheduled',
      'TaskStarted',
      'TaskSubmitted',
      'TaskSucceeded',
    ]);
    expect(JSON.parse(taskEvents[2]?.taskSubmittedEventDetails?.output ?? '{}')).toEqual({
      ExecutionArn: child?.executionArn,
      StartDate: child?.startDate.getTime(),
    });
  });

  it('waits on .waitForTaskToken until the token is answered', async () => {
    const engine = new LocalEngine({ functions: functionTable({ ask: async () => ({ asked: true }) }) });
    engine.register('approval', approvalMachine({ 'token.$': '$$.Task.Token' }));
    const handle = engine.start('approval', {});
    await expect.poll(() => engine.tokens.pending().length).toBe(1);
    const [pending] = engine.tokens.pending();
    expect(pending?.stateName).toBe('Ask for approval');
    engine.tokens.succeed(pending!.token, { approved: true, by: 'alice' });
    const run = await handle.done;
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toEqual({ approved: true, by: 'alice' });
    expect(run.history.map((e) => e.type)).toContain('TaskSubmitted');
  });

  describe('a task token wait with a TimeoutSeconds, in virtual time', () => {
    const approvalEngine = (clock: VirtualClock) => {
      const engine = new LocalEngine({
        clock,
        functions: functionTable({ ask: async () => ({ asked: true }) }),
      });
      engine.register(
        'approval',
        approvalMachine(
          { 'token.$': '$$.Task.Token' },
          {
            TimeoutSeconds: 1800,
            Catch: [{ ErrorEquals: ['States.Timeout'], ResultPath: '$.failure', Next: 'No answer in time' }],
          },
          { 'No answer in time': { Type: 'Fail', Error: 'ApprovalTimedOut', Cause: 'nobody answered' } },
        ),
      );
      return engine;
    };

    it('lets virtual time go on while it waits, so an operator can answer minutes later', async () => {
      const clock = new VirtualClock();
      const engine = approvalEngine(clock);
      let asked: { token: string; atMs: number } | undefined;
      engine.onTaskToken(({ token }) => (asked = { token, atMs: clock.now() }));
      // The operator answers five minutes after being asked.
      clock.onAdvance((_from, to) => {
        if (asked && to - asked.atMs >= 5 * 60_000) engine.tokens.succeed(asked.token, { approved: true });
      });

      const run = await engine.run('approval', {});

      expect(run).toMatchObject({ status: 'SUCCEEDED', output: { approved: true } });
      expect(clock.elapsedSeconds()).toBe(5 * 60);
    });

    it('fails the state with States.Timeout when nobody answers within TimeoutSeconds', async () => {
      const clock = new VirtualClock();
      const engine = approvalEngine(clock);

      const run = await engine.run('approval', {});

      expect(run).toMatchObject({ status: 'FAILED', error: 'ApprovalTimedOut' });
      expect(clock.elapsedSeconds()).toBe(1800);
      expect(engine.tokens.pending()).toEqual([]);
    });

    it('tells operators of the wait at once, so an answer given then takes no time', async () => {
      const clock = new VirtualClock();
      const engine = approvalEngine(clock);
      engine.onTaskToken(({ token, stateName }) => {
        expect(stateName).toBe('Ask for approval');
        engine.tokens.succeed(token, { approved: true, by: 'bob' });
      });

      const run = await engine.run('approval', {});

      expect(run.output).toEqual({ approved: true, by: 'bob' });
      expect(clock.elapsedSeconds()).toBe(0);
    });
  });

  it('refuses, before running, a resource it cannot run, naming the state', () => {
    const engine = new LocalEngine({ functions: functionTable({}) });
    const definition: AslDefinition = {
      StartAt: 'Run the job',
      States: {
        'Run the job': {
          Type: 'Task',
          Resource: 'arn:aws:states:::ecs:runTask.sync',
          Parameters: { Cluster: 'jobs', TaskDefinition: 'job' },
          End: true,
        },
      },
    };
    expect(() => engine.register('jobs', definition)).toThrow(UnsupportedResourceError);
    expect(() => engine.register('jobs', definition)).toThrow(
      /State "Run the job" of jobs uses arn:aws:states:::ecs:runTask.sync/,
    );
  });

  it('publishes sns:publish tasks to its local topic, where the CLI and tests read them', async () => {
    const engine = new LocalEngine({ functions: functionTable({}) });
    engine.register('publisher', {
      StartAt: 'Publish',
      States: {
        Publish: {
          Type: 'Task',
          Resource: 'arn:aws:states:::sns:publish',
          Parameters: {
            TopicArn: 'arn:aws:sns:us-east-1:000000000000:t',
            Subject: 'hello',
            'Message.$': '$.text',
          },
          End: true,
        },
      },
    });
    const run = await engine.run('publisher', { text: 'hi' });
    expect(run.output).toEqual({ MessageId: 'local-000001' });
    expect(engine.notifications.messages).toEqual([
      {
        TopicArn: 'arn:aws:sns:us-east-1:000000000000:t',
        Subject: 'hello',
        Message: 'hi',
        MessageId: 'local-000001',
      },
    ]);
  });

  it('refuses a Lambda task whose function has no local handler', () => {
    const engine = new LocalEngine({ functions: functionTable({}) });
    expect(() =>
      engine.register('orphan', { StartAt: 'Call', States: { Call: invoke('missing-fn', undefined) } }),
    ).toThrow(/no local handler is registered for function missing-fn/);
  });

  it('binds tasks inside Map and Parallel states too', async () => {
    const engine = new LocalEngine({
      functions: functionTable({ square: async (e) => (e as { n: number }).n ** 2 }),
    });
    engine.register('fanout', {
      StartAt: 'Square each',
      States: {
        'Square each': {
          Type: 'Map',
          ItemsPath: '$.numbers',
          ItemSelector: { 'n.$': '$$.Map.Item.Value' },
          ItemProcessor: { StartAt: 'Square', States: { Square: invoke('square', undefined) } },
          End: true,
        },
      },
    } as unknown as AslDefinition);
    const run = await engine.run('fanout', { numbers: [1, 2, 3] });
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toEqual([1, 4, 9]);
  });
});
