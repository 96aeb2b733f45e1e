import { describe, expect, it } from 'vitest';
import {
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  InvalidExecutionInput,
  InvalidName,
  StateMachineDoesNotExist,
  TaskDoesNotExist,
  ValidationException,
} from '@aws-sdk/client-sfn';
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { LocalEngine } from '../../engine/local-engine.ts';
import { localStepFunctions, savedStepFunctions } from '../../local/step-functions.ts';
import { followLocal } from '../../local/follow.ts';
import { savedExecutions } from '../../local/saved-executions.ts';
import { LocalEngineNotRunningError } from '../../engine/errors.ts';
import { stateMachineArn } from '../../engine/arns.ts';
import type { AslDefinition } from '../../engine/asl.ts';

/** Waits for an answer (an approval) that the tests never give: it runs until stopped. */
const WAITS: AslDefinition = {
  StartAt: 'Ask',
  States: {
    Ask: {
      Type: 'Task',
      Resource: 'arn:aws:states:::sns:publish.waitForTaskToken',
      Parameters: {
        TopicArn: 'arn:aws:sns:us-east-1:000000000000:selfheal-notifications',
        Message: 'approve?',
        MessageAttributes: { taskToken: { DataType: 'String', 'StringValue.$': '$$.Task.Token' } },
      },
      End: true,
    },
  },
};

const ENDS: AslDefinition = {
  StartAt: 'Wait a minute',
  States: {
    'Wait a minute': { Type: 'Wait', Seconds: 60, Next: 'Done' },
    Done: { Type: 'Pass', Result: { done: true }, End: true },
  },
};

function localEngine() {
  const engine = new LocalEngine({ functions: { get: () => undefined, names: () => [] } });
  engine.register('waits', WAITS);
  engine.register('ends', ENDS);
  return { engine, sfn: localStepFunctions(engine) };
}

const errorOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

describe('StartExecution on the local engine', () => {
  it('starts a run of the machine the ARN names, with the name and input given', async () => {
    const { engine, sfn } = localEngine();

    const started = await sfn.startExecution({
      stateMachineArn: stateMachineArn('ends'),
      name: 'operator-ends-1',
      input: '{"table":"orders"}',
    });

    expect(started).toEqual({
      executionArn: 'arn:aws:states:us-east-1:000000000000:execution:ends:operator-ends-1',
      startDate: new Date(Date.UTC(2026, 0, 1)),
    });
    const record = await engine.whenDone(started.executionArn ?? '');
    expect(record).toMatchObject({ status: 'SUCCEEDED', input: { table: 'orders' }, output: { done: true } });
  });

  it('refuses what Step Functions refuses, with its error names', async () => {
    const { sfn } = localEngine();
    await sfn.startExecution({ stateMachineArn: stateMachineArn('ends'), name: 'taken' });

    expect(await errorOf(sfn.startExecution({ stateMachineArn: stateMachineArn('nope') }))).toBeInstanceOf(
      StateMachineDoesNotExist,
    );
    expect(
      await errorOf(sfn.startExecution({ stateMachineArn: stateMachineArn('ends'), name: 'has space' })),
    ).toBeInstanceOf(InvalidName);
    expect(
      await errorOf(sfn.startExecution({ stateMachineArn: stateMachineArn('ends'), name: 'taken' })),
    ).toBeInstanceOf(ExecutionAlreadyExists);
    expect(
      await errorOf(sfn.startExecution({ stateMachineArn: stateMachineArn('ends'), input: '{not json' })),
    ).toBeInstanceOf(InvalidExecutionInput);
  });
});

describe('ListStateMachines and ListExecutions on the local engine', () => {
  it('lists the machines, a page at a time', async () => {
    const { sfn } = localEngine();

    const first = await sfn.listStateMachines({ maxResults: 1 });
    const second = await sfn.listStateMachines({ maxResults: 1, nextToken: first.nextToken });

    expect(first.stateMachines).toEqual([
      { stateMachineArn: stateMachineArn('ends'), name: 'ends', type: 'STANDARD', creationDate: undefined },
    ]);
    expect(second).toEqual({
      stateMachines: [
        {
          stateMachineArn: stateMachineArn('waits'),
          name: 'waits',
          type: 'STANDARD',
          creationDate: undefined,
        },
      ],
    });
  });

  it('lists a machine’s executions newest first, by status, a page at a time', async () => {
    const { engine, sfn } = localEngine();
    await engine.run('ends', {}, { name: 'first' });
    await engine.run('ends', {}, { name: 'second' });
    const waiting = engine.start('waits', {}, { name: 'waiting' });

    const page = await sfn.listExecutions({ stateMachineArn: stateMachineArn('ends'), maxResults: 1 });
    const next = await sfn.listExecutions({
      stateMachineArn: stateMachineArn('ends'),
      maxResults: 1,
      nextToken: page.nextToken,
    });
    const running = await sfn.listExecutions({
      stateMachineArn: stateMachineArn('waits'),
      statusFilter: 'RUNNING',
    });

    expect(page.executions?.map((e) => e.name)).toEqual(['second']);
    expect(next).toEqual({
      executions: [
        {
          executionArn: 'arn:aws:states:us-east-1:000000000000:execution:ends:first',
          stateMachineArn: stateMachineArn('ends'),
          name: 'first',
          status: 'SUCCEEDED',
          startDate: new Date(Date.UTC(2026, 0, 1)),
          stopDate: new Date(Date.UTC(2026, 0, 1, 0, 1)),
        },
      ],
    });
    expect(running.executions?.map((e) => [e.name, e.status, e.stopDate])).toEqual([
      ['waiting', 'RUNNING', undefined],
    ]);
    expect(
      (await sfn.listExecutions({ stateMachineArn: stateMachineArn('waits'), statusFilter: 'FAILED' }))
        .executions,
    ).toEqual([]);
    expect(await errorOf(sfn.listExecutions({ stateMachineArn: stateMachineArn('nope') }))).toBeInstanceOf(
      StateMachineDoesNotExist,
    );
    expect(await errorOf(sfn.listExecutions({}))).toBeInstanceOf(ValidationException);
    waiting.stop();
  });
});

describe('StopExecution on the local engine', () => {
  it('stops a running execution: ABORTED, with the error and cause, recorded in its history', async () => {
    const { engine, sfn } = localEngine();
    const handle = engine.start('waits', {});
    await expect.poll(() => engine.tokens.pending()).toHaveLength(1);

    const stopped = await sfn.stopExecution({
      executionArn: handle.executionArn,
      error: 'OperatorStopped',
      cause: 'wrong table',
    });

    const described = await sfn.describeExecution({ executionArn: handle.executionArn });
    expect(described).toMatchObject({ status: 'ABORTED', error: 'OperatorStopped', cause: 'wrong table' });
    expect(stopped).toEqual({ stopDate: described.stopDate });
    const { events } = await sfn.getExecutionHistory({
      executionArn: handle.executionArn,
      reverseOrder: true,
    });
    expect(events?.[0]).toMatchObject({
      type: 'ExecutionAborted',
      executionAbortedEventDetails: { error: 'OperatorStopped', cause: 'wrong table' },
    });
    expect(engine.tokens.pending()).toEqual([]);
  });

  it('leaves an execution that has ended as it is', async () => {
    const { engine, sfn } = localEngine();
    const done = await engine.run('ends', {});

    expect(await sfn.stopExecution({ executionArn: done.executionArn, error: 'OperatorStopped' })).toEqual({
      stopDate: done.stopDate,
    });
    expect((await sfn.describeExecution({ executionArn: done.executionArn })).status).toBe('SUCCEEDED');
    expect(await errorOf(sfn.stopExecution({ executionArn: `${done.executionArn}-x` }))).toBeInstanceOf(
      ExecutionDoesNotExist,
    );
  });
});

describe('following a local run', () => {
  it('hands on every event once, in order, those recorded before it was asked too', async () => {
    const { engine } = localEngine();
    const handle = engine.start('ends', {});
    const seen: HistoryEvent[] = [];

    await followLocal(engine)(handle.executionArn, (event) => seen.push(event));

    expect(seen.map((e) => e.id)).toEqual(engine.describe(handle.executionArn).history.map((e) => e.id));
    expect(seen.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'WaitStateEntered',
      'WaitStateExited',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ]);
  });
});

describe('the saved runs of a local deployment', () => {
  it('read as the engine’s did; nothing can be started, answered, or stopped that has not ended', async () => {
    const { engine, sfn: live } = localEngine();
    const done = await engine.run('ends', { table: 'orders' }, { name: 'saved' });
    const saved = savedStepFunctions(savedExecutions([done], ['ends', 'waits']));

    expect(await saved.describeExecution({ executionArn: done.executionArn })).toEqual(
      await live.describeExecution({ executionArn: done.executionArn }),
    );
    expect(await saved.getExecutionHistory({ executionArn: done.executionArn })).toEqual(
      await live.getExecutionHistory({ executionArn: done.executionArn }),
    );
    expect(await saved.listStateMachines({})).toEqual(await live.listStateMachines({}));
    expect(await saved.listExecutions({ stateMachineArn: stateMachineArn('ends') })).toEqual(
      await live.listExecutions({ stateMachineArn: stateMachineArn('ends') }),
    );
    expect(await saved.stopExecution({ executionArn: done.executionArn })).toEqual({
      stopDate: done.stopDate,
    });
    expect(await errorOf(saved.startExecution({ stateMachineArn: stateMachineArn('ends') }))).toBeInstanceOf(
      LocalEngineNotRunningError,
    );
    expect(await errorOf(saved.sendTaskSuccess({ taskToken: 'local-token-1', output: '{}' }))).toBeInstanceOf(
      TaskDoesNotExist,
    );
    expect(await errorOf(saved.describeExecution({ executionArn: `${done.executionArn}-x` }))).toBeInstanceOf(
      ExecutionDoesNotExist,
    );
  });
});
