import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { buildTimeline, summarise } from '../../../domain/operator/timeline.ts';

const START = Date.UTC(2026, 0, 1, 12, 0, 0);
const LAMBDA = { resourceType: 'lambda', resource: 'invoke' };
const UPDATE_TABLE = { resourceType: 'aws-sdk:dynamodb', resource: 'updateTable' };
const PUT_ITEM = { resourceType: 'dynamodb', resource: 'putItem' };

/**
 * Builds a history as GetExecutionHistory returns it: ids in order; each event follows the one
 * before unless `after` names another (concurrent Map iterations), `at` seconds after the start.
 */
function history(
  ...specs: [HistoryEvent['type'], number, Partial<HistoryEvent>?, number?][]
): HistoryEvent[] {
  return specs.map(([type, at, details, after], index) => ({
    id: index + 1,
    previousEventId: after ?? index,
    timestamp: new Date(START + at * 1000),
    type,
    ...details,
  }));
}

const entered = (name: string) => ({ stateEnteredEventDetails: { name, input: '{}' } });
const exited = (name: string, output = '{}') => ({ stateExitedEventDetails: { name, output } });
const scheduled = (kind: { resourceType: string; resource: string }, parameters: unknown) => ({
  taskScheduledEventDetails: { ...kind, region: 'eu-west-1', parameters: JSON.stringify(parameters) },
});

/** Diagnose (retried once), wait, apply (fails, caught), report, then a failing end. */
const RUN = history(
  [
    'ExecutionStarted',
    0,
    { executionStartedEventDetails: { input: '{"tableName":"orders","dryRun":false}' } },
  ],
  ['TaskStateEntered', 0.05, entered('Diagnose the table')],
  [
    'TaskScheduled',
    0.05,
    scheduled(LAMBDA, {
      FunctionName: 'arn:aws:lambda:eu-west-1:123456789012:function:prod-diagnose-table:live',
      Payload: { tableName: 'orders' },
    }),
  ],
  ['TaskStarted', 0.1, { taskStartedEventDetails: LAMBDA }],
  [
    'TaskFailed',
    0.3,
    { taskFailedEventDetails: { ...LAMBDA, error: 'Lambda.ServiceException', cause: 'Rate exceeded' } },
  ],
  [
    'TaskScheduled',
    2.3,
    scheduled(LAMBDA, {
      FunctionName: 'arn:aws:lambda:eu-west-1:123456789012:function:prod-diagnose-table:live',
      Payload: { tableName: 'orders' },
    }),
  ],
  ['TaskStarted', 2.4, { taskStartedEventDetails: LAMBDA }],
  [
    'TaskSucceeded',
    3.1,
    {
      taskSucceededEventDetails: {
        ...LAMBDA,
        output: JSON.stringify({
          ExecutedVersion: '7',
          Payload: { tableName: 'orders', hotKeys: [1, 2, 3], load: { wcu: 900 }, note: 'x'.repeat(40) },
          StatusCode: 200,
        }),
      },
    },
  ],
  ['TaskStateExited', 3.1, exited('Diagnose the table')],
  ['WaitStateEntered', 3.1, entered('Give the table time to update')],
  ['WaitStateExited', 23.1, exited('Give the table time to update')],
  ['TaskStateEntered', 23.1, entered('Apply the capacity change')],
  ['TaskScheduled', 23.1, scheduled(UPDATE_TABLE, { TableName: 'orders', ProvisionedThroughput: {} })],
  ['TaskStarted', 23.2, { taskStartedEventDetails: UPDATE_TABLE }],
  [
    'TaskFailed',
    23.6,
    {
      taskFailedEventDetails: {
        ...UPDATE_TABLE,
        error: 'DynamoDB.LimitExceededException',
        cause: 'Subscriber limit exceeded:\n  decreases are limited',
      },
    },
  ],
  ['PassStateEntered', 23.6, entered('Report the failure')],
  ['PassStateExited', 23.6, exited('Report the failure', '{"outcome":"failed","reason":"limit"}')],
  ['FailStateEntered', 23.7, entered('Remediation failed')],
  ['ExecutionFailed', 23.7, { executionFailedEventDetails: { error: 'RemediationFailed', cause: 'limit' } }],
);

describe('buildTimeline', () => {
  it('turns a history into one entry per state entered: offsets, durations, resources, retries, errors', () => {
    const timeline = buildTimeline(RUN);

    expect(timeline).toMatchObject({
      status: 'FAILED',
      startDate: new Date(START),
      stopDate: new Date(START + 23_700),
      durationMs: 23_700,
      input: '{tableName: "orders", dryRun: false}',
      error: 'RemediationFailed',
      cause: 'limit',
    });
    expect(timeline.entries).toEqual([
      {
        state: 'Diagnose the table',
        type: 'Task',
        depth: 0,
        startOffsetMs: 50,
        durationMs: 3050,
        status: 'succeeded',
        resource: 'lambda:invoke',
        target: 'prod-diagnose-table',
        attempts: 2,
        errors: [{ error: 'Lambda.ServiceException', cause: 'Rate exceeded' }],
        // A Lambda task's result is what the function returned: the response's Payload.
        output: '{tableName: "orders", hotKeys[3], load{…}, note: "xxxxxxxxxxxxxxxxxxxxxxx…"}',
      },
      {
        state: 'Give the table time to update',
        type: 'Wait',
        depth: 0,
        startOffsetMs: 3100,
        durationMs: 20_000,
        status: 'succeeded',
        attempts: 0,
        errors: [],
      },
      {
        state: 'Apply the capacity change',
        type: 'Task',
        depth: 0,
        startOffsetMs: 23_100,
        // Caught: no exit, so it lasted until its failure.
        durationMs: 500,
        status: 'caught',
        resource: 'aws-sdk:dynamodb:updateTable',
        target: 'orders',
        attempts: 1,
        errors: [
          {
            error: 'DynamoDB.LimitExceededException',
            cause: 'Subscriber limit exceeded:\n  decreases are limited',
          },
        ],
      },
      {
        state: 'Report the failure',
        type: 'Pass',
        depth: 0,
        startOffsetMs: 23_600,
        durationMs: 0,
        status: 'succeeded',
        attempts: 0,
        errors: [],
        output: '{outcome: "failed", reason: "limit"}',
      },
      {
        state: 'Remediation failed',
        type: 'Fail',
        depth: 0,
        startOffsetMs: 23_700,
        durationMs: 0,
        status: 'failed',
        attempts: 0,
        errors: [],
      },
    ]);
  });

  it('ties the tasks of concurrent Map iterations to their own state through previousEventId', () => {
    const timeline = buildTimeline(
      history(
        ['ExecutionStarted', 0],
        ['MapStateEntered', 1, entered('Move the key to its shards')],
        [
          'MapIterationStarted',
          1,
          { mapIterationStartedEventDetails: { name: 'Move the key to its shards', index: 0 } },
        ],
        ['TaskStateEntered', 1, entered('Copy a batch'), 3],
        [
          'MapIterationStarted',
          1,
          { mapIterationStartedEventDetails: { name: 'Move the key to its shards', index: 1 } },
          2,
        ],
        ['TaskStateEntered', 1.5, entered('Copy a batch'), 5],
        ['TaskScheduled', 2, scheduled(PUT_ITEM, { TableName: 'orders' }), 4],
        ['TaskScheduled', 2, scheduled(PUT_ITEM, { TableName: 'orders-shard-1' }), 6],
        ['TaskSucceeded', 3, { taskSucceededEventDetails: { ...PUT_ITEM, output: '{}' } }, 7],
        // The first iteration's state exits while the second's, entered later, is still open.
        ['TaskStateExited', 3, exited('Copy a batch'), 9],
        [
          'TaskFailed',
          4,
          {
            taskFailedEventDetails: {
              ...PUT_ITEM,
              error: 'DynamoDB.ConditionalCheckFailedException',
              cause: 'newer write',
            },
          },
          8,
        ],
        ['TaskStateExited', 6, exited('Copy a batch'), 11],
        ['MapStateExited', 7, exited('Move the key to its shards', '[{},{}]')],
      ),
    );

    expect(timeline.status).toBe('RUNNING');
    expect(timeline.stopDate).toBeUndefined();
    expect(
      timeline.entries.map((e) => [
        e.state,
        e.depth,
        e.target,
        e.status,
        e.startOffsetMs,
        e.durationMs,
        e.output,
      ]),
    ).toEqual([
      ['Move the key to its shards', 0, undefined, 'succeeded', 1000, 6000, '[2 items]'],
      ['Copy a batch', 1, 'orders', 'succeeded', 1000, 2000, '{}'],
      ['Copy a batch', 1, 'orders-shard-1', 'caught', 1500, 4500, undefined],
    ]);
  });

  it('keeps a state still going as running, with no duration yet', () => {
    const timeline = buildTimeline(
      history(
        ['ExecutionStarted', 0],
        ['TaskStateEntered', 0, entered('Ask an operator to approve the shift')],
        [
          'TaskScheduled',
          0,
          scheduled(
            { resourceType: 'sns', resource: 'publish.waitForTaskToken' },
            { TopicArn: 'arn:aws:sns:eu-west-1:123456789012:prod-notifications' },
          ),
        ],
        [
          'TaskStarted',
          0.1,
          { taskStartedEventDetails: { resourceType: 'sns', resource: 'publish.waitForTaskToken' } },
        ],
        [
          'TaskSubmitted',
          0.2,
          {
            taskSubmittedEventDetails: {
              resourceType: 'sns',
              resource: 'publish.waitForTaskToken',
              output: '{"MessageId":"m-1"}',
            },
          },
        ],
      ),
    );

    expect(timeline.status).toBe('RUNNING');
    expect(timeline.entries).toEqual([
      expect.objectContaining({
        state: 'Ask an operator to approve the shift',
        status: 'running',
        durationMs: undefined,
        resource: 'sns:publish.waitForTaskToken',
        target: 'prod-notifications',
        attempts: 1,
      }),
    ]);
  });

  it('ends the open state with the run when it is stopped', () => {
    const timeline = buildTimeline(
      history(
        ['ExecutionStarted', 0],
        ['WaitStateEntered', 0, entered('Let the new capacity settle')],
        [
          'ExecutionAborted',
          42,
          { executionAbortedEventDetails: { error: 'OperatorStopped', cause: 'wrong table' } },
        ],
      ),
    );

    expect(timeline).toMatchObject({
      status: 'ABORTED',
      error: 'OperatorStopped',
      cause: 'wrong table',
      durationMs: 42_000,
    });
    expect(timeline.entries.map((e) => [e.state, e.status, e.durationMs])).toEqual([
      ['Let the new capacity settle', 'aborted', 0],
    ]);
  });

  it('gives an empty timeline for no events', () => {
    expect(buildTimeline([])).toEqual({
      status: 'RUNNING',
      startDate: undefined,
      stopDate: undefined,
      durationMs: undefined,
      entries: [],
    });
  });
});

describe('summarise', () => {
  it.each([
    [
      '{"a":1,"b":"two","c":{"d":1},"e":[1,2],"f":{},"g":null,"h":true}',
      '{a: 1, b: "two", c{…}, e[2], f: {}, g: null, h: true}',
    ],
    ['[1]', '[1 item]'],
    ['"just text"', '"just text"'],
    ['42', '42'],
    ['null', 'null'],
    ['not json', 'not json'],
  ])('%s -> %s', (json, summary) => {
    expect(summarise(json)).toBe(summary);
  });

  it('cuts a long summary with an ellipsis, and gives nothing for no data', () => {
    const long = JSON.stringify(Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`key${i}`, i])));
    const summary = summarise(long) ?? '';
    expect(summary).toHaveLength(120);
    expect(summary.endsWith('…')).toBe(true);
    expect(summarise(long, 20)).toBe('{key0: 0, key1: 1, …');
    expect(summarise(undefined)).toBeUndefined();
    expect(summarise('')).toBeUndefined();
  });
});
