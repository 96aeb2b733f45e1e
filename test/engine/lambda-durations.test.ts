/**
 * A Lambda task lasts in virtual time what the engine's `lambdaTimings` say: its function's cold
 * start (Init) on an invocation that needs a new execution environment, then its invocation, warm or
 * cold. None at all by default.
 */
import { describe, expect, it } from 'vitest';
import { LocalEngine } from '../../engine/local-engine.ts';
import type { AslDefinition } from '../../engine/asl.ts';
import type { HistoryEvent } from '../../engine/history.ts';
import type { LocalLambdaHandler } from '../../engine/bindings/lambda-invoke.ts';
import { functionTable, lambdaInvokeState } from './lambda-functions.ts';
import { INSTANT_LAMBDA, LambdaEnvironments, type LambdaTimings } from '../../engine/lambda-environments.ts';
import { VirtualClock } from '../../core/virtual-clock.ts';

const START = Date.UTC(2026, 0, 1, 12, 0, 0);

/** Invokes `fn` and keeps the state input as the state's output. */
const invoke = (fn: string, next: string | undefined, extra: object = {}) =>
  lambdaInvokeState(fn, next, { ResultPath: null, ...extra });

/** A Pass state that records when it was entered, under `$.<key>`. */
const stamp = (key: string, next?: string) => ({
  Type: 'Pass' as const,
  Parameters: { 'at.$': '$$.State.EnteredTime' },
  ResultPath: `$.${key}`,
  ...(next ? { Next: next } : { End: true as const }),
});

/** 250 ms of Init for a new environment, 100 ms of work for every invocation. */
const TIMINGS: LambdaTimings = { coldStartSeconds: 0.25, invokeSeconds: 0.1 };

/** Milliseconds since START of each event of a type, for one state's task (in order). */
const at = (history: readonly HistoryEvent[], type: HistoryEvent['type']): number[] =>
  history.filter((e) => e.type === type).map((e) => e.timestamp.getTime() - START);

function engineWith(timings: LambdaTimings | undefined, seen: number[] = []) {
  const clock = new VirtualClock(START);
  const handler: LocalLambdaHandler = async () => {
    seen.push(clock.now() - START);
    return {};
  };
  const engine = new LocalEngine({
    clock,
    functions: functionTable({ first: handler, second: handler }),
    ...(timings ? { lambdaTimings: timings } : {}),
  });
  return { clock, engine };
}

describe('Lambda task durations in virtual time', () => {
  it('takes a cold start then the invocation the first time a function runs, the invocation alone once it is warm', async () => {
    const seen: number[] = [];
    const { engine } = engineWith(TIMINGS, seen);
    engine.register('three-calls', {
      StartAt: 'First, cold',
      States: {
        'First, cold': invoke('first', 'First again, warm'),
        'First again, warm': invoke('first', 'Second, cold'),
        'Second, cold': invoke('second', undefined),
      },
    });
    const run = await engine.run('three-calls', {});

    expect(run.status).toBe('SUCCEEDED');
    // Each handler runs once its environment is ready: after Init when cold, at once when warm.
    expect(seen).toEqual([250, 350, 700]);
    expect(at(run.history, 'TaskStarted')).toEqual([0, 350, 450]);
    expect(at(run.history, 'TaskSucceeded')).toEqual([350, 450, 800]);
    expect(run.stopDate!.getTime() - START).toBe(800);
    expect(engine.lambdaInvocations().map(({ functionName, cold }) => [functionName, cold])).toEqual([
      ['first', true],
      ['first', false],
      ['second', true],
    ]);
  });

  it('keeps a function warm from one execution to the next in the same engine', async () => {
    const { engine } = engineWith(TIMINGS);
    engine.register('once', { StartAt: 'Call', States: { Call: invoke('first', undefined) } });
    const cold = await engine.run('once', {});
    const warm = await engine.run('once', {});

    expect(cold.stopDate!.getTime() - cold.startDate.getTime()).toBe(350);
    expect(warm.stopDate!.getTime() - warm.startDate.getTime()).toBe(100);
  });

  it('takes no virtual time by default, as before durations were modelled, and none with INSTANT_LAMBDA', async () => {
    for (const timings of [undefined, INSTANT_LAMBDA]) {
      const seen: number[] = [];
      const { engine } = engineWith(timings, seen);
      engine.register('instant', {
        StartAt: 'One',
        States: {
          One: invoke('first', 'Two'),
          Two: invoke('first', 'Three'),
          Three: invoke('second', undefined),
        },
      });
      const run = await engine.run('instant', {});

      expect(run.status).toBe('SUCCEEDED');
      expect(seen).toEqual([0, 0, 0]);
      expect(run.history.every((e) => e.timestamp.getTime() === START)).toBe(true);
      // Cold and warm are still told apart: only their durations are nil.
      expect(engine.lambdaInvocations().map((i) => i.cold)).toEqual([true, false, true]);
    }
  });

  it('adds a Wait and the task durations up in $$.State.EnteredTime', async () => {
    const { engine } = engineWith(TIMINGS);
    engine.register('wait-and-tasks', {
      StartAt: 'Cold call',
      States: {
        'Cold call': invoke('first', 'After the cold call'),
        'After the cold call': stamp('afterCold', 'Wait a minute'),
        'Wait a minute': { Type: 'Wait', Seconds: 60, Next: 'After the wait' },
        'After the wait': stamp('afterWait', 'Warm call'),
        'Warm call': invoke('first', 'After the warm call'),
        'After the warm call': stamp('afterWarm'),
      },
    });
    const run = await engine.run('wait-and-tasks', {});

    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toEqual({
      afterCold: { at: '2026-01-01T12:00:00.350Z' },
      afterWait: { at: '2026-01-01T12:01:00.350Z' },
      afterWarm: { at: '2026-01-01T12:01:00.450Z' },
    });
  });

  it('gives each function its own cold start when told', async () => {
    const { engine } = engineWith({ ...TIMINGS, coldStartSecondsByFunction: { second: 1.5 } });
    engine.register('two-functions', {
      StartAt: 'First',
      States: { First: invoke('first', 'Second'), Second: invoke('second', undefined) },
    });
    const run = await engine.run('two-functions', {});

    expect(at(run.history, 'TaskSucceeded')).toEqual([350, 350 + 1600]);
  });

  it('overlaps tasks that run side by side instead of adding them up, each in an environment of its own', async () => {
    const seen: number[] = [];
    const { engine } = engineWith(TIMINGS, seen);
    engine.register('side-by-side', {
      StartAt: 'Both',
      States: {
        Both: {
          Type: 'Parallel',
          Branches: [
            { StartAt: 'Left', States: { Left: invoke('first', undefined) } },
            { StartAt: 'Right', States: { Right: invoke('first', undefined) } },
          ],
          ResultPath: null,
          Next: 'After both',
        },
        'After both': stamp('afterBoth', 'Again'),
        Again: invoke('first', undefined),
      },
    } as AslDefinition);
    const run = await engine.run('side-by-side', {});

    expect(run.status).toBe('SUCCEEDED');
    // Two invocations at once need two environments: both cold, both ready after one Init.
    expect(seen.slice(0, 2)).toEqual([250, 250]);
    expect(run.output).toEqual({ afterBoth: { at: '2026-01-01T12:00:00.350Z' } });
    // Both environments are warm afterwards.
    expect(engine.lambdaInvocations().map((i) => i.cold)).toEqual([true, true, false]);
    expect(run.stopDate!.getTime() - START).toBe(450);
  });

  it('ends tasks side by side where the longest ends, not at the sum of their durations', async () => {
    const seen: number[] = [];
    const { engine } = engineWith({ ...TIMINGS, coldStartSecondsByFunction: { second: 1 } }, seen);
    engine.register('uneven', {
      StartAt: 'Both',
      States: {
        Both: {
          Type: 'Parallel',
          Branches: [
            { StartAt: 'Quick', States: { Quick: invoke('first', undefined) } },
            { StartAt: 'Slow', States: { Slow: invoke('second', undefined) } },
          ],
          ResultPath: null,
          End: true,
        },
      },
    } as AslDefinition);
    const run = await engine.run('uneven', {});

    expect(run.status).toBe('SUCCEEDED');
    // Each handler runs when its own Init is over: 0.25 s and 1 s from the start, not one after the other.
    expect(seen).toEqual([250, 1000]);
    // The quick one ends at its own end, not where the slow one does.
    expect(at(run.history, 'TaskSucceeded').sort((a, b) => a - b)).toEqual([350, 1100]);
    expect(run.stopDate!.getTime() - START).toBe(1100);
  });

  it('overlaps the tasks of executions that run at once', async () => {
    const { engine } = engineWith(TIMINGS);
    engine.register('once', { StartAt: 'Call', States: { Call: invoke('first', undefined) } });
    const runs = await Promise.all([engine.run('once', {}), engine.run('once', {})]);

    expect(runs.map((r) => r.stopDate!.getTime() - START)).toEqual([350, 350]);
    expect(engine.lambdaInvocations().map((i) => i.cold)).toEqual([true, true]);
  });

  it('fails a task whose TimeoutSeconds runs out during its cold start, and never runs its handler', async () => {
    const seen: number[] = [];
    const { engine } = engineWith({ coldStartSeconds: 5, invokeSeconds: 0.1 }, seen);
    engine.register('too-slow', {
      StartAt: 'Call',
      States: {
        Call: invoke('first', undefined, { TimeoutSeconds: 2 }),
      },
    });
    const run = await engine.run('too-slow', {});

    expect([run.status, run.error]).toEqual(['FAILED', 'States.Timeout']);
    expect(at(run.history, 'TaskTimedOut')).toEqual([2000]);
    expect(seen).toEqual([]);
  });

  it('refuses a negative or endless duration', () => {
    const clock = new VirtualClock();
    expect(() => new LambdaEnvironments(clock, { coldStartSeconds: -1, invokeSeconds: 0 })).toThrow(
      RangeError,
    );
    expect(() => new LambdaEnvironments(clock, { coldStartSeconds: 0, invokeSeconds: Infinity })).toThrow(
      RangeError,
    );
    expect(
      () =>
        new LambdaEnvironments(clock, {
          coldStartSeconds: 0,
          invokeSeconds: 0,
          coldStartSecondsByFunction: { f: Number.NaN },
        }),
    ).toThrow(RangeError);
  });
});
