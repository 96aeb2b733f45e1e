import { describe, expect, it } from 'vitest';
import { addCounts, costOf, countExecution, type CountableEvent } from '../../bench/cost.ts';
import { billedStateTransitions, type HistoryEvent } from '../../engine/history.ts';

const entered = (kind: string): CountableEvent => ({ type: `${kind}StateEntered` });
const exited = (kind: string): CountableEvent => ({ type: `${kind}StateExited` });
const scheduled = (resourceType: string, resource = 'invoke'): CountableEvent => ({
  type: 'TaskScheduled',
  taskScheduledEventDetails: { resourceType, resource },
});

/** A Task state that runs once: entered, scheduled, started, succeeded, exited. */
const task = (resourceType: string, resource?: string): CountableEvent[] => [
  entered('Task'),
  scheduled(resourceType, resource),
  { type: 'TaskStarted' },
  { type: 'TaskSucceeded' },
  exited('Task'),
];

describe('counting a run from its execution history', () => {
  it('counts every state entered as a transition, and each kind of task', () => {
    const history: CountableEvent[] = [
      { type: 'ExecutionStarted' },
      ...task('lambda'),
      entered('Choice'),
      exited('Choice'),
      ...task('dynamodb', 'putItem'),
      ...task('aws-sdk:dynamodb', 'describeTable'),
      entered('Wait'),
      exited('Wait'),
      ...task('lambda'),
      ...task('sns', 'publish.waitForTaskToken'),
      ...task('states', 'startExecution.sync:2'),
      entered('Succeed'),
      exited('Succeed'),
      { type: 'ExecutionSucceeded' },
    ];

    expect(countExecution(history)).toEqual({
      statesEntered: 9,
      retries: 0,
      transitions: 9,
      lambdaInvocations: 2,
      integrationCalls: 4,
      lambdaOnlyInvocations: 6,
    });
  });

  it('counts a retried task as one more transition and one more invocation', () => {
    const history: CountableEvent[] = [
      entered('Task'),
      scheduled('lambda'),
      { type: 'TaskFailed' },
      scheduled('lambda'),
      { type: 'TaskFailed' },
      scheduled('lambda'),
      { type: 'TaskSucceeded' },
      exited('Task'),
      ...task('dynamodb', 'getItem'),
    ];

    expect(countExecution(history)).toMatchObject({
      statesEntered: 2,
      retries: 2,
      transitions: 4,
      lambdaInvocations: 3,
      integrationCalls: 1,
      lambdaOnlyInvocations: 4,
    });
  });

  it('counts a Lambda ARN as the Resource (LambdaFunctionScheduled) as an invocation', () => {
    const history: CountableEvent[] = [entered('Task'), { type: 'LambdaFunctionScheduled' }, exited('Task')];

    expect(countExecution(history)).toMatchObject({
      transitions: 1,
      lambdaInvocations: 1,
      lambdaOnlyInvocations: 1,
    });
  });

  it('counts Map iterations running side by side, their events interleaved, without inventing retries', () => {
    const history: CountableEvent[] = [
      entered('Map'),
      { type: 'MapIterationStarted' },
      { type: 'MapIterationStarted' },
      entered('Pass'),
      entered('Pass'),
      exited('Pass'),
      exited('Pass'),
      entered('Task'),
      entered('Task'),
      scheduled('lambda'),
      scheduled('lambda'),
      { type: 'TaskSucceeded' },
      { type: 'TaskSucceeded' },
      exited('Task'),
      exited('Task'),
      exited('Map'),
    ];

    expect(countExecution(history)).toMatchObject({
      statesEntered: 5,
      retries: 0,
      transitions: 5,
      lambdaInvocations: 2,
    });
  });

  it("agrees with the engine's billed transitions on a sequential run", () => {
    const events = [
      ...task('lambda'),
      entered('Task'),
      scheduled('lambda'),
      { type: 'TaskFailed' },
      scheduled('lambda'),
      { type: 'TaskSucceeded' },
      exited('Task'),
      entered('Choice'),
      exited('Choice'),
      ...task('dynamodb', 'putItem'),
    ];
    const history = events.map((e, i) => ({ ...e, id: i + 1, previousEventId: i, timestamp: new Date(0) }));

    expect(countExecution(history).transitions).toBe(billedStateTransitions(history as HistoryEvent[]));
  });

  it('adds the counts of a run and the runs it started', () => {
    const parent = countExecution([...task('lambda'), ...task('states', 'startExecution.sync:2')]);
    const child = countExecution([...task('lambda'), ...task('lambda'), entered('Pass')]);

    expect(addCounts([parent, child])).toEqual({
      statesEntered: 5,
      retries: 0,
      transitions: 5,
      lambdaInvocations: 3,
      integrationCalls: 1,
      lambdaOnlyInvocations: 4,
    });
  });
});

describe('the Lambda-only rewrite', () => {
  it('turns every integration task into one Lambda invocation, and keeps the transitions', () => {
    const counts = countExecution([
      ...task('lambda'),
      ...task('dynamodb', 'putItem'),
      ...task('dynamodb', 'deleteItem'),
      ...task('sns', 'publish'),
      ...task('aws-sdk:dynamodb', 'describeTable'),
      ...task('states', 'startExecution'),
    ]);

    expect(counts.lambdaInvocations).toBe(1);
    expect(counts.integrationCalls).toBe(5);
    expect(counts.lambdaOnlyInvocations).toBe(6);
    expect(counts.transitions).toBe(6);
  });

  it('prices transitions at USD 0.025 per 1,000 and requests at USD 0.20 per million', () => {
    const counts = countExecution([...task('lambda'), ...task('dynamodb', 'putItem'), entered('Succeed')]);

    // 3 transitions x 0.000025 + 1 request x 0.0000002; Lambda-only: 2 requests.
    expect(costOf(counts)).toEqual({ usd: 0.0000752, lambdaOnlyUsd: 0.0000754, lambdaOnlyFactor: 1.0027 });
  });

  it('prices a run with nothing in it at nothing', () => {
    expect(costOf(countExecution([]))).toEqual({ usd: 0, lambdaOnlyUsd: 0, lambdaOnlyFactor: 1 });
  });
});
