import { describe, expect, it } from 'vitest';
import { LocalEngine } from '../../../engine/local-engine.ts';
import { localStepFunctions } from '../../../local/step-functions.ts';
import { statesEntered } from '../../../engine/history.ts';
import type { LocalLambdaHandler } from '../../../engine/bindings/lambda-invoke.ts';
import type { AslDefinition } from '../../../engine/asl.ts';
import type { JsonValue } from '../../../core/json.ts';
import {
  approve,
  ExecutionNotFoundError,
  findWaitingTask,
  InvalidAnswerError,
  NothingWaitsError,
  reject,
} from '../../../domain/operator/approval.ts';
import { dropDispatchTablesAfterEach, useLocalDynamoDb } from '../../support/local-dynamodb.ts';
import { cellFleetSixMinutesIn, GREY_CELL, shiftRequest } from '../../support/cell-fleet-engine.ts';
import { approvalMachine } from '../../support/task-machines.ts';

const ASK = 'Ask an operator to approve the shift';

/** An approval as the cell traffic shift asks for it, then a Lambda task that holds until released. */
const APPROVAL: AslDefinition = {
  StartAt: ASK,
  States: {
    [ASK]: {
      Type: 'Task',
      Resource: 'arn:aws:states:::sns:publish.waitForTaskToken',
      Parameters: {
        TopicArn: 'arn:aws:sns:us-east-1:000000000000:selfheal-notifications',
        Subject: 'selfheal: approve shifting traffic off a grey cell?',
        'Message.$': "States.Format('Approve: selfheal approve {}', $$.Execution.Id)",
        MessageAttributes: {
          taskToken: { DataType: 'String', 'StringValue.$': '$$.Task.Token' },
          executionArn: { DataType: 'String', 'StringValue.$': '$$.Execution.Id' },
        },
      },
      ResultPath: '$.approval',
      Catch: [{ ErrorEquals: ['ShiftRejected'], ResultPath: '$.failure', Next: 'Not approved' }],
      Next: 'Shift',
    },
    Shift: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: 'shift', 'Payload.$': '$' },
      ResultPath: null,
      End: true,
    },
    'Not approved': { Type: 'Fail', ErrorPath: '$.failure.Error', CausePath: '$.failure.Cause' },
  },
};

function approvalEngine(shift: LocalLambdaHandler = async () => ({})) {
  const handlers: Record<string, LocalLambdaHandler> = { shift };
  const engine = new LocalEngine({
    functions: { get: (name) => handlers[name], names: () => Object.keys(handlers) },
  });
  engine.register('approval', APPROVAL);
  return { engine, sfn: localStepFunctions(engine) };
}

/** Starts a run and waits until it waits for an answer. */
async function waitingRun(engine: LocalEngine, input: JsonValue = { cell: GREY_CELL }) {
  const handle = engine.start('approval', input);
  await expect.poll(() => engine.tokens.pending().map((p) => p.executionArn)).toEqual([handle.executionArn]);
  return handle;
}

function deferred() {
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  return { released, release };
}

describe('an operator answers a run waiting in the local engine', () => {
  it('approves: the state succeeds with who approved and why, and the run goes on', async () => {
    const { engine, sfn } = approvalEngine();
    const handle = await waitingRun(engine);

    const decision = await approve(sfn, { executionArn: handle.executionArn, by: 'alice', reason: 'go' });

    expect(decision).toEqual({
      executionArn: handle.executionArn,
      decision: 'approved',
      by: 'alice',
      reason: 'go',
    });
    const run = await handle.done;
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toEqual({ cell: GREY_CELL, approval: { approved: true, by: 'alice', reason: 'go' } });
    expect(statesEntered(run.history)).toEqual([ASK, 'Shift']);
    expect(engine.tokens.pending()).toEqual([]);
  });

  it('rejects: the state fails with ShiftRejected, the Catch sees it and the reason', async () => {
    const { engine, sfn } = approvalEngine();
    const handle = await waitingRun(engine);

    const decision = await reject(sfn, {
      executionArn: handle.executionArn,
      by: 'bob',
      reason: 'not during the launch',
    });

    expect(decision).toMatchObject({ decision: 'rejected', by: 'bob', reason: 'not during the launch' });
    const run = await handle.done;
    expect(run).toMatchObject({ status: 'FAILED', error: 'ShiftRejected', cause: 'not during the launch' });
    expect(statesEntered(run.history)).toEqual([ASK, 'Not approved']);
    const caught = run.history.find((e) => e.stateEnteredEventDetails?.name === 'Not approved');
    expect(JSON.parse(caught?.stateEnteredEventDetails?.input ?? '{}')).toMatchObject({
      failure: { Error: 'ShiftRejected', Cause: 'not during the launch' },
    });
  });

  it('finds the token in the SNS message attributes, as published', async () => {
    const { engine, sfn } = approvalEngine();
    const handle = await waitingRun(engine);

    const task = await findWaitingTask(sfn, handle.executionArn);

    const [pending] = engine.tokens.pending();
    expect(task).toMatchObject({
      taskToken: pending?.token,
      resourceType: 'sns',
      resource: 'publish.waitForTaskToken',
    });
    expect(engine.notifications.messages[0]?.MessageAttributes?.taskToken?.StringValue).toBe(task.taskToken);
    handle.stop();
    await handle.done;
  });

  it('says nothing waits once the approval has been answered, while the run goes on and after it ends', async () => {
    const hold = deferred();
    const { engine, sfn } = approvalEngine(async () => hold.released);
    const handle = await waitingRun(engine);
    await approve(sfn, { executionArn: handle.executionArn, by: 'alice' });
    await expect.poll(() => statesEntered(engine.describe(handle.executionArn).history)).toContain('Shift');

    await expect(approve(sfn, { executionArn: handle.executionArn, by: 'carol' })).rejects.toThrow(
      `nothing waits for approval in ${handle.executionArn} (its last approval task already ended: TaskSucceeded)`,
    );

    hold.release();
    expect((await handle.done).status).toBe('SUCCEEDED');
    const late = await reject(sfn, {
      executionArn: handle.executionArn,
      by: 'dave',
      reason: 'too late',
    }).catch((e: unknown) => e);
    expect(late).toBeInstanceOf(NothingWaitsError);
    expect((late as Error).message).toBe(
      `nothing waits for approval in ${handle.executionArn} (the execution is SUCCEEDED)`,
    );
  });

  it('answers a lambda:invoke.waitForTaskToken task, its token in the payload', async () => {
    const engine = new LocalEngine({
      functions: { get: () => async () => ({ asked: true }), names: () => ['ask'] },
    });
    engine.register('approval', approvalMachine({ request: { 'taskToken.$': '$$.Task.Token' } }));
    const handle = await waitingRun(engine);

    await approve(localStepFunctions(engine), { executionArn: handle.executionArn, by: 'erin' });

    expect((await handle.done).output).toEqual({ approved: true, by: 'erin', reason: null });
  });

  it('refuses a reject without a reason, sending nothing', async () => {
    const { engine, sfn } = approvalEngine();
    const handle = await waitingRun(engine);

    await expect(reject(sfn, { executionArn: handle.executionArn, by: 'bob', reason: ' ' })).rejects.toThrow(
      InvalidAnswerError,
    );

    expect(engine.tokens.pending()).toHaveLength(1);
    handle.stop();
    expect((await handle.done).status).toBe('ABORTED');
  });

  it('knows no execution the engine does not', async () => {
    const { sfn } = approvalEngine();
    const arn = 'arn:aws:states:us-east-1:000000000000:execution:approval:nope';
    await expect(approve(sfn, { executionArn: arn, by: 'alice' })).rejects.toThrow(ExecutionNotFoundError);
  });
});

describe('the local Step Functions port', () => {
  it('pages the history as GetExecutionHistory does, newest first when asked', async () => {
    const { engine, sfn } = approvalEngine();
    const handle = await waitingRun(engine);
    const all = engine.describe(handle.executionArn).history.map((e) => e.id);

    const first = await sfn.getExecutionHistory({
      executionArn: handle.executionArn,
      reverseOrder: true,
      maxResults: 2,
    });
    const rest = await sfn.getExecutionHistory({
      executionArn: handle.executionArn,
      reverseOrder: true,
      maxResults: 100,
      nextToken: first.nextToken,
    });

    expect(first.events?.map((e) => e.id)).toEqual(all.slice(-2).reverse());
    expect(first.nextToken).toEqual(expect.any(String));
    expect(rest.events?.map((e) => e.id)).toEqual(all.slice(0, -2).reverse());
    expect(rest.nextToken).toBeUndefined();
    expect(rest.events?.at(-1)?.type).toBe('ExecutionStarted');
    handle.stop();
    await handle.done;
  });

  it('describes an execution as DescribeExecution does', async () => {
    const { engine, sfn } = approvalEngine();
    const handle = await waitingRun(engine);
    expect(await sfn.describeExecution({ executionArn: handle.executionArn })).toMatchObject({
      executionArn: handle.executionArn,
      stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:approval',
      status: 'RUNNING',
      input: JSON.stringify({ cell: GREY_CELL }),
    });
    await approve(sfn, { executionArn: handle.executionArn, by: 'alice' });
    await handle.done;
    expect(await sfn.describeExecution({ executionArn: handle.executionArn })).toMatchObject({
      status: 'SUCCEEDED',
      output: JSON.stringify({ cell: GREY_CELL, approval: { approved: true, by: 'alice', reason: null } }),
    });
  });

  it('answers an unknown task token with the errors Step Functions gives', async () => {
    const { sfn } = approvalEngine();
    await expect(sfn.sendTaskSuccess({ taskToken: 'local-token-gone', output: '{}' })).rejects.toMatchObject({
      name: 'TaskDoesNotExist',
    });
    await expect(
      sfn.sendTaskFailure({ taskToken: 'not a token', error: 'ShiftRejected' }),
    ).rejects.toMatchObject({
      name: 'InvalidToken',
    });
    await expect(
      sfn.describeExecution({
        executionArn: 'arn:aws:states:us-east-1:000000000000:execution:approval:nope',
      }),
    ).rejects.toMatchObject({ name: 'ExecutionDoesNotExist' });
  });

  it('refuses an output that is not JSON, leaving the task waiting', async () => {
    const { engine, sfn } = approvalEngine();
    const handle = await waitingRun(engine);
    const [pending] = engine.tokens.pending();
    await expect(sfn.sendTaskSuccess({ taskToken: pending!.token, output: 'yes' })).rejects.toMatchObject({
      name: 'InvalidOutput',
    });
    expect(engine.tokens.pending()).toHaveLength(1);
    handle.stop();
    await handle.done;
  });
});

describe('the cell-traffic-shift runbook, answered through the port', () => {
  const dynamodb = useLocalDynamoDb();

  dropDispatchTablesAfterEach(dynamodb);

  const shiftWorld = () => cellFleetSixMinutesIn({ dynamodb: dynamodb() });

  it('shifts once approved with `approve`', async () => {
    const world = await shiftWorld();
    const sfn = localStepFunctions(world.engine);
    const answers: Promise<unknown>[] = [];
    world.engine.onTaskToken(({ executionArn }) => answers.push(approve(sfn, { executionArn, by: 'alice' })));

    const run = await world.engine.run('cell-traffic-shift', shiftRequest(world.routing));

    expect(await Promise.all(answers)).toEqual([expect.objectContaining({ decision: 'approved' })]);
    expect(run.status).toBe('SUCCEEDED');
    expect(world.routing.changes.map((c) => c.to)).toEqual(['Off', 'On']);
  });

  it('changes nothing when rejected with `reject`, the reason as the cause', async () => {
    const world = await shiftWorld();
    const sfn = localStepFunctions(world.engine);
    const answers: Promise<unknown>[] = [];
    world.engine.onTaskToken(({ executionArn }) =>
      answers.push(reject(sfn, { executionArn, by: 'bob', reason: 'not during the launch' })),
    );

    const run = await world.engine.run('cell-traffic-shift', shiftRequest(world.routing));

    await Promise.all(answers);
    expect(run).toMatchObject({ status: 'FAILED', error: 'ShiftRejected', cause: 'not during the launch' });
    expect(world.routing.changes).toEqual([]);
    expect(statesEntered(run.history)).toContain('Release the lock: not approved');
  });
});
