/**
 * What the runbooks promise about Step Functions' quotas and about time, checked on the ASL itself
 * (the numbers the Comments state are the ones the definitions carry):
 * - no execution's history can reach 25,000 events, however big the key and whatever retries,
 *   and a run of batches keeps the same small state;
 * - every deadline ends strictly inside the one around it, with a margin, from dispatch's lock
 *   lease down to a run of key-move-batches, so no two timeouts race;
 * - the retriers name errors as AWS documents them.
 */
import { describe, expect, it } from 'vitest';
import * as dynamodbErrors from '@aws-sdk/client-dynamodb';
import { readRunbooks } from '../../infra/constructs/runbooks.ts';
import { allStates, type AslDefinition, type AslState } from '../../engine/asl.ts';
import { DEFAULT_GUARDRAIL_SETTINGS } from '../../domain/dispatch/guardrails.ts';
import {
  MAX_BATCHES_PER_EXECUTION,
  reshufflePolicySchema,
  reshuffleRequestSchema,
} from '../../domain/reshuffle/request.ts';
import { MAX_SHARDS } from '../../key-router/shard-map.ts';
import { DEFAULT_TASK_TIMEOUT_SECONDS, taskInvokedAs } from '../../runbooks/catalogue.ts';

const runbooks = new Map(readRunbooks().map((r) => [r.name, r.definition]));
const definition = (name: string): AslDefinition => {
  const found = runbooks.get(name);
  if (!found) throw new Error(`no runbook ${name}`);
  return found;
};

type Task = Extract<AslState, { Type: 'Task' }>;
type Retrier = NonNullable<Task['Retry']>[number];

function stateOf(name: string, stateName: string): AslState {
  const found = allStates(definition(name)).find((s) => s.name === stateName);
  if (!found) throw new Error(`${name} has no state "${stateName}"`);
  return found.state;
}

function task(name: string, stateName: string): Task {
  const state = stateOf(name, stateName);
  if (state.Type !== 'Task') throw new Error(`${name}: "${stateName}" is no Task`);
  return state;
}

const timeoutOf = (state: Task): number => {
  if (state.TimeoutSeconds === undefined)
    throw new Error('a Task the budget counts on has no TimeoutSeconds');
  return state.TimeoutSeconds;
};
const topLevelTimeout = (name: string): number => {
  const seconds = definition(name).TimeoutSeconds;
  if (seconds === undefined) throw new Error(`${name} has no TimeoutSeconds`);
  return seconds;
};
const retries = (state: Task): number =>
  (state.Retry ?? []).reduce((sum, r) => sum + (r.MaxAttempts ?? 3), 0);

/** The longest a Task's retry pauses add up to (FULL jitter only shortens them). */
function retryPauseSeconds(state: Task): number {
  let total = 0;
  for (const retrier of state.Retry ?? []) {
    const {
      IntervalSeconds = 1,
      BackoffRate = 2,
      MaxAttempts = 3,
      MaxDelaySeconds = Infinity,
    } = retrier as Retrier & {
      MaxDelaySeconds?: number;
    };
    for (let attempt = 0; attempt < MaxAttempts; attempt++) {
      total += Math.min(IntervalSeconds * BackoffRate ** attempt, MaxDelaySeconds);
    }
  }
  return total;
}

/** Lambda timeouts the CDK app gives the functions (infra/selfheal-stack.ts, constructs/task-function.ts). */
const LAMBDA_SECONDS = 60;

/** The timeout the CDK app gives the function a Lambda task invokes (from the task list). */
function functionSecondsOf(state: Task): number {
  const deployed = taskInvokedAs((state.Parameters as { FunctionName?: unknown }).FunctionName);
  if (!deployed) throw new Error(`no task is deployed for ${JSON.stringify(state.Parameters)}`);
  return deployed.timeoutSeconds ?? DEFAULT_TASK_TIMEOUT_SECONDS;
}
/** A Lambda task at its worst: every attempt runs to the function's timeout, every pause at its longest. */
const worstLambdaTask = (state: Task, lambdaSeconds = LAMBDA_SECONDS): number =>
  (1 + retries(state)) * lambdaSeconds + retryPauseSeconds(state);

const MARGIN = 60;

/** The move deadline's seconds: in the run's Input (key-reshuffle), or in the Map's (key-merge). */
function moveDeadlineSeconds(name: string, state: Task): number {
  type WithDeadline = { deadline?: { seconds?: number } };
  const input = (state.Parameters as { Input?: WithDeadline }).Input;
  const map = name === 'key-merge' ? stateOf(name, 'Empty every shard') : undefined;
  const mapped = map && 'Parameters' in map ? (map.Parameters as WithDeadline | undefined) : undefined;
  return input?.deadline?.seconds ?? mapped?.deadline?.seconds ?? Number.NaN;
}

/** The number a Choice compares `variable` with, by `operator` (e.g. NumericLessThanEquals). */
function numberRule(name: string, stateName: string, variable: string, operator: string): number {
  const state = stateOf(name, stateName);
  if (state.Type !== 'Choice') throw new Error(`${name}: "${stateName}" is no Choice`);
  const rule = JSON.stringify({ Variable: variable, [operator]: 0 }).replace(/0\}$/, '');
  const flat = JSON.stringify(state.Choices);
  const at = flat.indexOf(rule);
  const match = at >= 0 ? /^(\d+)/.exec(flat.slice(at + rule.length)) : null;
  if (!match?.[1]) throw new Error(`${name}: "${stateName}" has no numeric rule on ${variable}`);
  return Number(match[1]);
}

describe('history: no execution reaches 25,000 events, whatever the key size and the retries', () => {
  /**
   * AWS records, for a Task: entered, scheduled, started, succeeded, exited (and submitted, for a
   * `.sync` integration: the job started); each retry adds failed, scheduled, started.
   */
  const taskEvents = (state: Task): number =>
    5 + (state.Resource.endsWith('.sync:2') ? 1 : 0) + 3 * retries(state);

  it('key-move-batches: 33 events a batch at worst, and at most 400 batches an execution', () => {
    const move = task('key-move-batches', 'Move the next batch to its shards');
    const back = task('key-move-batches', 'Move the next batch back');
    const perBatch = Math.max(taskEvents(move), taskEvents(back)) + 2 + 2;
    const bound = numberRule(
      'key-move-batches',
      'Is the batch budget within bounds?',
      '$.budget',
      'NumericLessThanEquals',
    );

    expect(perBatch).toBe(33);
    expect(bound).toBe(MAX_BATCHES_PER_EXECUTION);
    expect(reshufflePolicySchema.shape.batchesPerExecution.unwrap().maxValue).toBe(bound);
    expect(perBatch * bound + 10).toBe(13_210);
    expect(perBatch * bound + 10).toBeLessThan(25_000 * 0.6);
  });

  it('key-reshuffle: 19 events a run at worst, at most 400 runs', () => {
    const run = task('key-reshuffle', 'Move the next run of batches');
    const perRun = taskEvents(run) + 2 + 2;
    const runs = numberRule(
      'key-reshuffle',
      'Are there more items to move?',
      '$.move.runs',
      'NumericGreaterThanEquals',
    );

    expect(perRun).toBe(19);
    expect(perRun * runs + 160).toBeLessThan(25_000 * 0.4);
  });

  it('key-merge: 12 runs a shard at most, over the 64 shards a key can have', () => {
    const run = task('key-merge', 'Move the next run of batches back');
    const perRun = taskEvents(run) + 2 + 2;
    const runs = numberRule('key-merge', 'Is the shard empty?', '$.move.runs', 'NumericGreaterThanEquals');

    expect(runs).toBe(12);
    // Each iteration also starts, succeeds and passes through its first and last state.
    expect(MAX_SHARDS * (perRun * runs + 8) + 300).toBeLessThan(16_000);
  });
});

describe('state data: a run of batches keeps one size, far under 256 KiB', () => {
  it('stays under 72 KB even with the longest table name, logical key and sort key', () => {
    // JSON escapes a control character as six bytes: the longest a string can grow to.
    const longest = (chars: number): string => '\u0001'.repeat(chars);
    const request = reshuffleRequestSchema.parse({ tableName: 'a'.repeat(255), logicalKey: longest(1024) });
    const entry = {
      tableName: request.tableName,
      logicalKey: request.logicalKey,
      shards: MAX_SHARDS,
      state: 'sharding',
      since: '2026-01-01T12:00:00.000Z',
      version: 1_000_000,
    };
    // A checkpoint holds the last key read: a shard key and a sort key of DynamoDB's largest sizes.
    const checkpoint = { pk: { S: longest(2048) }, sk: { S: longest(1024) } };
    const expired = { move: false, run: false };
    const afterABatch = {
      direction: 'to-logical-key',
      request,
      entry,
      shard: MAX_SHARDS - 1,
      checkpoint,
      budget: MAX_BATCHES_PER_EXECUTION,
      deadline: { since: '2026-01-01T12:00:00.000Z', seconds: 1500 },
      batch: { checkpoint, done: false, expired },
      move: { checkpoint, done: false, expired, batches: MAX_BATCHES_PER_EXECUTION },
    };

    expect(Buffer.byteLength(JSON.stringify(afterABatch), 'utf8')).toBeLessThan(72 * 1024);
  });
});

describe('time: every deadline ends strictly inside the one around it', () => {
  it("dispatch: its wait for hot-shard, and all around it, fits the lock's one-hour lease", () => {
    const run = task('dispatch', 'Run the hot-shard runbook');
    const dynamodbStep = (stateName: string) => {
      const state = task('dispatch', stateName);
      return retryPauseSeconds(state) + (1 + retries(state)); // pauses, and a second at most a call
    };
    const before = [
      'Take the resource lock',
      'Read the cooldown under the lock',
      "Count the action against the runbook's hourly limit",
      'Count the action against the global hourly limit',
      'Record the start',
    ].reduce((sum, s) => sum + dynamodbStep(s), 0);
    const after =
      dynamodbStep('Start the cooldown') +
      worstLambdaTask(task('dispatch', 'Summarise the outcome')) +
      dynamodbStep('Record the outcome') +
      dynamodbStep('Release the resource lock');

    expect(before).toBe(185);
    expect(after).toBe(358);
    expect(before + retryPauseSeconds(run) + timeoutOf(run) + after).toBe(3557);
    expect(before + retryPauseSeconds(run) + timeoutOf(run) + after).toBeLessThan(
      DEFAULT_GUARDRAIL_SETTINGS.lockLeaseSeconds,
    );
    expect(topLevelTimeout('hot-shard') + MARGIN).toBeLessThanOrEqual(timeoutOf(run));
  });

  it('hot-shard: the reshuffle, started in a first round only, ends inside hot-shard, and key-reshuffle inside its wait', () => {
    const reshuffle = task('hot-shard', 'Reshuffle the hot key');
    const beforeIt =
      worstLambdaTask(task('hot-shard', 'Check the request')) +
      worstLambdaTask(task('hot-shard', 'Diagnose the table')) +
      worstLambdaTask(task('hot-shard', 'Plan the capacity change'));

    expect(beforeIt).toBeLessThanOrEqual(830);
    expect(JSON.stringify(stateOf('hot-shard', 'Reshuffle the hot key?'))).toContain(
      '{"Variable":"$.round","NumericEquals":1}',
    );
    expect(830 + retryPauseSeconds(reshuffle) + timeoutOf(reshuffle) + MARGIN).toBeLessThanOrEqual(
      topLevelTimeout('hot-shard'),
    );
    expect(topLevelTimeout('key-reshuffle') + MARGIN).toBeLessThanOrEqual(timeoutOf(reshuffle));
  });

  it.each([
    [
      'key-reshuffle',
      'Move the next run of batches',
      "Count the key's items after",
      'Mark the shard map active',
    ],
    ['key-merge', 'Move the next run of batches back', "Count the key's items after", 'Forget the shard map'],
  ])(
    '%s: the last run of batches, then counting and finishing (one attempt each), end inside its timeout',
    (name, runState, count, finish) => {
      const run = task(name, runState);
      // One full attempt of each: the errors they retry fail fast, and a function that runs out of
      // time is not retried (its error is none of theirs).
      const end =
        moveDeadlineSeconds(name, run) +
        retryPauseSeconds(run) +
        timeoutOf(run) +
        functionSecondsOf(task(name, count)) + // counting the items after: one snapshot
        functionSecondsOf(task(name, finish)); // the shard map's last change

      expect(task(name, count).TimeoutSeconds).toBeUndefined();
      expect(task(name, finish).Resource).toBe('arn:aws:states:::lambda:invoke');
      expect(end + MARGIN).toBeLessThanOrEqual(topLevelTimeout(name));
      expect(topLevelTimeout('key-move-batches') + MARGIN).toBeLessThanOrEqual(timeoutOf(run));
    },
  );

  it('key-move-batches: its own 240 s, one more batch and its retry pauses end inside its timeout', () => {
    const move = task('key-move-batches', 'Move the next batch to its shards');
    const deadlines = (move.Parameters as { Payload: { deadlines: { run: { seconds: number } } } }).Payload
      .deadlines;

    expect(deadlines.run.seconds).toBe(240);
    expect(
      deadlines.run.seconds + functionSecondsOf(move) + retryPauseSeconds(move) + MARGIN,
    ).toBeLessThanOrEqual(topLevelTimeout('key-move-batches'));
  });
});

describe('retriers name errors as AWS documents them', () => {
  const everyTask = [...runbooks].flatMap(([name, asl]) =>
    allStates(asl).flatMap(({ name: stateName, state }) =>
      state.Type === 'Task' ? [{ runbook: name, stateName, state }] : [],
    ),
  );

  it('DynamoDB errors: DynamoDB. on the optimized integration, DynamoDb. on the SDK one, each a DynamoDB exception with Exception appended', () => {
    const exceptions = new Set(
      Object.entries(dynamodbErrors)
        .filter(([, value]) => typeof value === 'function' && /Exception$|Error$|Exceeded$/.test(value.name))
        .map(([key]) => key),
    );
    const named = everyTask.flatMap(({ runbook, stateName, state }) =>
      [...(state.Retry ?? []), ...(state.Catch ?? [])].flatMap((r) =>
        r.ErrorEquals.filter((e) => /^DynamoD[Bb]\./.test(e)).map((error) => ({
          where: `${runbook}: ${stateName}: ${error}`,
          error,
          resource: state.Resource,
        })),
      ),
    );

    expect(named.length).toBeGreaterThan(50);
    for (const { where, error, resource } of named) {
      const [prefix, name = ''] = error.split('.');
      expect(prefix, where).toBe(
        resource.startsWith('arn:aws:states:::aws-sdk:dynamodb:') ? 'DynamoDb' : 'DynamoDB',
      );
      expect(name, where).toMatch(/Exception$/);
      // RequestLimitExceeded and InternalServerError are DynamoDB's names without the suffix.
      const own = exceptions.has(name) ? name : name.replace(/Exception$/, '');
      expect(exceptions.has(own), where).toBe(true);
    }
  });

  it('every start of another state machine retries only StepFunctions.ExecutionLimitExceeded, never the child’s own failure', () => {
    const starts = everyTask.filter(({ state }) =>
      state.Resource.startsWith('arn:aws:states:::states:startExecution'),
    );

    expect(starts.length).toBe(6);
    for (const { runbook, stateName, state } of starts) {
      expect(
        state.Retry?.map((r) => r.ErrorEquals),
        `${runbook}: ${stateName}`,
      ).toEqual([['StepFunctions.ExecutionLimitExceeded']]);
      expect(state.Retry?.[0]).toMatchObject({ BackoffRate: 2, JitterStrategy: 'FULL' });
    }
  });
});
