/** A runbook's role is read from its ASL: what its Task states call, and nothing it cannot read. */
import { describe, expect, it } from 'vitest';
import { runbookNeeds, UnreadableTaskError } from '../../infra/permissions/runbook-needs.ts';
import { readRunbooks } from '../../infra/constructs/runbooks.ts';
import { CATALOGUE, TASK_FUNCTIONS } from '../../runbooks/catalogue.ts';
import type { AslDefinition } from '../../engine/asl.ts';

const runbooks = new Map(readRunbooks().map((r) => [r.name, r.definition]));
const needsOf = (name: string) => runbookNeeds(name, runbooks.get(name) as AslDefinition);

describe('what the real runbooks call', () => {
  it('dispatch: its three tasks, three runbooks (two waited for, the cell shift handed over), its tables, the topic', () => {
    const needs = needsOf('dispatch');
    expect(needs.functions).toEqual([
      'CheckGuardrailsFunctionArn',
      'NormaliseSignalFunctionArn',
      'SummariseOutcomeFunctionArn',
    ]);
    expect(needs.runbooks).toEqual([
      { substitution: 'CellTrafficShiftStateMachineArn', sync: false },
      { substitution: 'HotShardStateMachineArn', sync: true },
      { substitution: 'SqsBackpressureStateMachineArn', sync: true },
    ]);
    expect(new Set(needs.dynamodb.map((d) => d.table))).toEqual(
      new Set(['ControlTableName', 'LedgerTableName']),
    );
    expect(needs.topics).toEqual(['NotificationTopicArn']);
  });

  it('hot shard: DescribeTable on the table the request names, through the SDK integration', () => {
    expect(needsOf('hot-shard').dynamodb).toEqual([{ action: 'DescribeTable', table: 'request' }]);
    expect(needsOf('hot-shard').runbooks).toEqual([
      { substitution: 'KeyReshuffleStateMachineArn', sync: true },
    ]);
  });

  it('key-reshuffle and key-merge move items only through runs of key-move-batches, which invokes the movers', () => {
    for (const runbook of ['key-reshuffle', 'key-merge']) {
      expect(needsOf(runbook).runbooks).toEqual([
        { substitution: 'KeyMoveBatchesStateMachineArn', sync: true },
      ]);
      expect(needsOf(runbook).functions).not.toContain('MoveKeyBatchFunctionArn');
      expect(needsOf(runbook).functions).not.toContain('MergeKeyBatchFunctionArn');
    }
    expect(needsOf('key-move-batches')).toEqual({
      functions: ['MergeKeyBatchFunctionArn', 'MoveKeyBatchFunctionArn'],
      runbooks: [],
      dynamodb: [],
      topics: [],
    });
  });

  it('every function a runbook invokes is a catalogued task, and every task is invoked by a runbook of its own manifest', () => {
    const registered = new Set(TASK_FUNCTIONS.map((t) => t.substitution));
    for (const name of runbooks.keys())
      for (const fn of needsOf(name).functions) expect(registered).toContain(fn);
    for (const task of TASK_FUNCTIONS) {
      const invokers = CATALOGUE.runbooks
        .filter((r) => needsOf(r.name).functions.includes(task.substitution))
        .map((r) => r.manifest);
      expect(invokers, task.id).toContain(task.manifest);
    }
  });
});

describe('a Task it cannot read', () => {
  const machine = (state: Record<string, unknown>): AslDefinition =>
    ({
      StartAt: 'Do it',
      States: { 'Do it': { Type: 'Task', End: true, ...state } },
    }) as unknown as AslDefinition;

  it('is refused when its resource is one no permission is known for', () => {
    expect(() =>
      runbookNeeds('x', machine({ Resource: 'arn:aws:states:::s3:putObject', Parameters: {} })),
    ).toThrow(
      new UnreadableTaskError(
        'x',
        'Do it',
        'no permissions are known for resource arn:aws:states:::s3:putObject',
      ),
    );
  });

  it('is refused when it names its function by a literal ARN rather than a substitution', () => {
    expect(() =>
      runbookNeeds(
        'x',
        machine({
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: 'arn:aws:lambda:eu-west-1:123456789012:function:anything' },
        }),
      ),
    ).toThrow(/FunctionName must be a \$\{\.\.\.\} substitution/);
  });

  it('reads Tasks inside Parallel branches and Map item processors too', () => {
    const inner = {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: '${InnerFunctionArn}' },
      End: true,
    };
    const definition = {
      StartAt: 'Fan out',
      States: {
        'Fan out': { Type: 'Parallel', Branches: [{ StartAt: 'A', States: { A: inner } }], Next: 'Each' },
        Each: {
          Type: 'Map',
          ItemProcessor: {
            StartAt: 'B',
            States: { B: { ...inner, Parameters: { FunctionName: '${ItemFunctionArn}' } } },
          },
          End: true,
        },
      },
    } as unknown as AslDefinition;
    expect(runbookNeeds('x', definition).functions).toEqual(['InnerFunctionArn', 'ItemFunctionArn']);
  });
});
