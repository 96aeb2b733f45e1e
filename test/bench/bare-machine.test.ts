import { describe, expect, it } from 'vitest';
import { bareDefinition, bareMachine, enteredKinds, noOpHandlers } from '../../bench/bare-machine.ts';
import { median } from '../../bench/stats.ts';

describe('the bare machine of the same size', () => {
  it('reads the kinds of the states a run entered from its history, in order', () => {
    const history = [
      { type: 'ExecutionStarted' },
      { type: 'TaskStateEntered' },
      { type: 'TaskScheduled' },
      { type: 'TaskStateExited' },
      { type: 'ChoiceStateEntered' },
      { type: 'MapStateEntered' },
      { type: 'PassStateEntered' },
      { type: 'SucceedStateEntered' },
    ];

    expect(enteredKinds(history)).toEqual(['Task', 'Choice', 'Map', 'Pass', 'Succeed']);
  });

  it('is a straight line: a Task for each Task entered, a Pass for anything else', () => {
    const definition = bareDefinition(['Task', 'Choice', 'Task', 'Wait']);

    expect(definition).toEqual({
      StartAt: 'State 1',
      States: {
        'State 1': expect.objectContaining({ Type: 'Task', Next: 'State 2' }),
        'State 2': { Type: 'Pass', Next: 'State 3' },
        'State 3': expect.objectContaining({ Type: 'Task', Next: 'State 4' }),
        'State 4': { Type: 'Pass', End: true },
      },
    });
    expect(Object.keys(noOpHandlers(definition))).toEqual(['State 1', 'State 3']);
  });

  it('runs every state with no-op tasks, passing its input through', async () => {
    const machine = bareMachine(['Task', 'Pass', 'Task']);

    await expect(machine.run({ tableName: 'orders' })).resolves.toEqual({ tableName: 'orders' });
  });

  it('needs at least one state', () => {
    expect(() => bareDefinition([])).toThrow(RangeError);
  });
});

describe('the median of the timed runs', () => {
  it('is the middle value, or the mean of the two middle ones', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(RangeError);
  });
});
