import { describe, expect, it } from 'vitest';
import { PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  actionOf,
  answer,
  CallRecorder,
  keyOf,
  maskSequenceNames,
  ReplayTable,
  type RecordedCall,
} from '../../bench/replay.ts';
import type { LambdaFunctionTable, LocalLambdaContext } from '../../engine/bindings/lambda-invoke.ts';

const ok = (output: unknown) => ({ ok: true as const, output: output as never });
const call = (channel: string, asked: unknown, output: unknown): RecordedCall => ({
  channel,
  key: keyOf(asked),
  outcome: ok(output),
});

describe('a replay table', () => {
  it('answers by what was asked, whatever the order', () => {
    const table = new ReplayTable([
      call('lambda:merge', { shard: 1 }, { moved: 10 }),
      call('lambda:merge', { shard: 2 }, { moved: 20 }),
    ]);

    expect(table.take('lambda:merge', keyOf({ shard: 2 }))).toEqual(ok({ moved: 20 }));
    expect(table.take('lambda:merge', keyOf({ shard: 1 }))).toEqual(ok({ moved: 10 }));
    expect(table.misses).toBe(0);
    expect(table.unused()).toBe(0);
  });

  it('gives the same question its answers in the order they were recorded, each once', () => {
    const table = new ReplayTable([
      call('lambda:check', { table: 'orders' }, { status: 'UPDATING' }),
      call('lambda:check', { table: 'orders' }, { status: 'ACTIVE' }),
    ]);
    const asked = keyOf({ table: 'orders' });

    expect(table.take('lambda:check', asked)).toEqual(ok({ status: 'UPDATING' }));
    expect(table.take('lambda:check', asked)).toEqual(ok({ status: 'ACTIVE' }));
    expect(() => table.take('lambda:check', asked)).toThrow(/no \(more\) answers for lambda:check/);
  });

  it('falls back to the next answer of the same kind, and counts the miss', () => {
    const table = new ReplayTable([
      call('dynamodb:putItem', { Item: { pk: 'a' } }, {}),
      call('token', '', 'yes'),
    ]);

    expect(table.take('dynamodb:putItem', keyOf({ Item: { pk: 'b' } }))).toEqual(ok({}));
    expect(table.misses).toBe(1);
    expect(table.unused()).toBe(1);
  });

  it('masks the names the engine numbers in sequence, so a later run asks the same', () => {
    expect(maskSequenceNames('"arn:aws:states:us-east-1:0:execution:hot-shard:local-0007"')).toBe(
      '"arn:aws:states:us-east-1:0:execution:hot-shard:local-#"',
    );
    expect(keyOf({ MessageId: 'local-000012', token: 'local-token-abc' })).toBe(
      '{"MessageId":"local-#","token":"local-token-abc"}',
    );
  });

  it('keeps the moments deadlines count from: a replay starts at the recorded virtual start, so they match', () => {
    expect(keyOf({ deadlines: { run: { since: '2026-01-01T12:00:00.000Z', seconds: 240 } } })).toBe(
      '{"deadlines":{"run":{"since":"2026-01-01T12:00:00.000Z","seconds":240}}}',
    );
  });

  it('gives a recorded failure back as an error of the same name', () => {
    expect(() => answer({ ok: false, error: 'ConditionalCheckFailedException', message: 'taken' })).toThrow(
      expect.objectContaining({ name: 'ConditionalCheckFailedException', message: 'taken' }),
    );
  });
});

describe('recording a run', () => {
  const context = {} as LocalLambdaContext;

  it("records each handler's answer and failure by function and event", async () => {
    const recorder = new CallRecorder();
    const real: LambdaFunctionTable = {
      names: () => ['plan', 'fail'],
      get: (name) =>
        name === 'plan'
          ? async (event) => ({ planned: event })
          : name === 'fail'
            ? async () => {
                throw Object.assign(new Error('no table'), { name: 'TableNotFoundError' });
              }
            : undefined,
    };
    const functions = recorder.functions(real);

    await functions.get('plan')!({ tableName: 'orders' }, context);
    await expect(functions.get('fail')!({}, context)).rejects.toThrow('no table');

    expect(functions.get('missing')).toBeUndefined();
    expect(recorder.calls).toEqual([
      {
        channel: 'lambda:plan',
        key: '{"tableName":"orders"}',
        outcome: ok({ planned: { tableName: 'orders' } }),
      },
      {
        channel: 'lambda:fail',
        key: '{}',
        outcome: { ok: false, error: 'TableNotFoundError', message: 'no table' },
      },
    ]);
    // What was recorded answers the same questions on replay.
    const replay = new ReplayTable(recorder.calls).functions();
    await expect(replay.get('plan')!({ tableName: 'orders' }, context)).resolves.toEqual({
      planned: { tableName: 'orders' },
    });
    await expect(replay.get('fail')!({}, context)).rejects.toMatchObject({ name: 'TableNotFoundError' });
  });

  it("records the DynamoDB integrations' calls by action and input", async () => {
    const recorder = new CallRecorder();
    const real = { send: async () => ({ $metadata: { httpStatusCode: 200 }, Attributes: {} }) };
    const client = recorder.dynamodb(real as unknown as DynamoDBClient);
    const input = { TableName: 'control', Item: { pk: { S: 'lock#orders' } } };

    await client.send(new PutItemCommand(input));

    expect(actionOf(new PutItemCommand(input))).toBe('putItem');
    expect(recorder.calls).toEqual([
      {
        channel: 'dynamodb:putItem',
        key: keyOf(input),
        outcome: ok({ $metadata: { httpStatusCode: 200 }, Attributes: {} }),
      },
    ]);
    await expect(
      new ReplayTable(recorder.calls).dynamodb().send(new PutItemCommand(input)),
    ).resolves.toMatchObject({
      Attributes: {},
    });
  });
});
