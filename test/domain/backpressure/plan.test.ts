import { describe, expect, it } from 'vitest';
import {
  decide,
  decreaseTarget,
  effectiveConcurrency,
  increaseTarget,
  retentionGuard,
  type DecisionInput,
} from '../../../domain/backpressure/plan.ts';
import { updateFor } from '../../../domain/backpressure/apply.ts';
import { judgeReading } from '../../../domain/backpressure/health.ts';
import { functionNameOf } from '../../../domain/backpressure/observe.ts';
import {
  backpressurePolicySchema,
  parseBackpressureRequest,
  queueNameOf,
} from '../../../domain/backpressure/request.ts';
import { InvalidRequestError } from '../../../domain/errors.ts';

const policy = backpressurePolicySchema.parse({});
const UUID = 'a1b2c3d4-5678-4abc-9def-111111111111';

describe('effectiveConcurrency', () => {
  it('counts a mapping without MaximumConcurrency as 1,000, and a disabled one as 0', () => {
    expect(effectiveConcurrency({ maximumConcurrency: null, enabled: true })).toBe(1000);
    expect(effectiveConcurrency({ maximumConcurrency: 40, enabled: true })).toBe(40);
    expect(effectiveConcurrency({ maximumConcurrency: 40, enabled: false })).toBe(0);
  });
});

describe('decreaseTarget', () => {
  it('halves by default, down to the floor of 2 and no further', () => {
    const steps = [1000];
    while (decreaseTarget(steps.at(-1)!, policy) < steps.at(-1)!)
      steps.push(decreaseTarget(steps.at(-1)!, policy));
    expect(steps).toEqual([1000, 500, 250, 125, 62, 31, 15, 7, 3, 2]);
  });

  it('cuts deeper when fewer requests succeed than the factor keeps: to the share that succeeds', () => {
    expect(decreaseTarget(100, policy, 90)).toBe(10);
    expect(decreaseTarget(100, policy, 99.5)).toBe(2);
    expect(decreaseTarget(100, policy, 20)).toBe(50);
    expect(decreaseTarget(100, policy, null)).toBe(50);
  });

  it('never raises a limit already below the floor', () => {
    expect(decreaseTarget(3, { decreaseFactor: 0.5, floor: 10 })).toBe(3);
    expect(decreaseTarget(0, policy)).toBe(0);
  });
});

describe('increaseTarget', () => {
  it('adds a step, from at least the floor, never beyond the original', () => {
    expect(increaseTarget(2, 100, { increaseStep: 25, floor: 2 })).toBe(27);
    expect(increaseTarget(90, 100, { increaseStep: 25, floor: 2 })).toBe(100);
    expect(increaseTarget(0, 100, { increaseStep: 1, floor: 5 })).toBe(5);
  });
});

describe('retentionGuard', () => {
  it('is urgent once the oldest message reaches the guard share of the retention period', () => {
    expect(retentionGuard(719, 900, 80)).toMatchObject({ urgent: false, guardSeconds: 720 });
    expect(retentionGuard(720, 900, 80).urgent).toBe(true);
  });
});

describe('decide', () => {
  const input = (extra: Partial<DecisionInput> = {}): DecisionInput => ({
    current: 100,
    original: 100,
    health: judgeReading({ kind: 'value', value: 30 }, 5),
    guard: retentionGuard(10, 345_600, 80),
    notified: false,
    probes: 1,
    policy,
    ...extra,
  });

  it('decreases while unhealthy, holds at the floor', () => {
    expect(decide(input())).toMatchObject({ decision: 'decrease', target: 50 });
    expect(decide(input({ current: 2 }))).toMatchObject({ decision: 'hold', target: 2 });
  });

  it('cuts from the concurrency the consumer actually runs, not from an unused limit above it', () => {
    // Limit 100, running 22, 30 % failing: halve what runs.
    expect(decide(input({ observedConcurrency: 21.6 }))).toMatchObject({ decision: 'decrease', target: 11 });
    // Running more than the limit allows (a change still settling): the limit is the base.
    expect(decide(input({ current: 40, observedConcurrency: 100 }))).toMatchObject({ target: 20 });
    // Running below the floor: the floor, and no change when already there.
    expect(decide(input({ observedConcurrency: 1 }))).toMatchObject({ decision: 'decrease', target: 2 });
    expect(decide(input({ current: 2, observedConcurrency: 1 }))).toMatchObject({ decision: 'hold' });
  });

  it('disables the mapping in disable mode', () => {
    expect(decide(input({ policy: { ...policy, mode: 'disable' } }))).toMatchObject({
      decision: 'decrease',
      target: 0,
    });
    expect(decide(input({ current: 0, policy: { ...policy, mode: 'disable' } }))).toMatchObject({
      decision: 'hold',
    });
  });

  it('notifies once instead of throttling further when messages would expire', () => {
    const guard = retentionGuard(300_000, 345_600, 80);
    expect(decide(input({ guard }))).toMatchObject({ decision: 'urgent', target: 100 });
    expect(decide(input({ guard, notified: true }))).toMatchObject({ decision: 'hold', target: 100 });
  });

  it('increases while healthy, and is done back at the original', () => {
    const healthy = judgeReading({ kind: 'value', value: 0 }, 5);
    expect(decide(input({ current: 2, health: healthy }))).toMatchObject({
      decision: 'increase',
      target: 12,
    });
    expect(decide(input({ health: healthy }))).toMatchObject({ decision: 'restored', target: 100 });
  });

  it('gives up, restoring the original, once the probes are spent while still unhealthy', () => {
    expect(decide(input({ current: 2, probes: policy.maxProbes }))).toMatchObject({
      decision: 'give-up',
      target: 100,
    });
  });

  it('ends a healthy run that is out of probes by going back to the original, not by failing', () => {
    const healthy = judgeReading({ kind: 'value', value: 1 }, 5);
    expect(decide(input({ current: 26, probes: policy.maxProbes, health: healthy }))).toMatchObject({
      decision: 'increase',
      target: 100,
    });
    expect(decide(input({ current: 100, probes: policy.maxProbes + 1, health: healthy }))).toMatchObject({
      decision: 'restored',
    });
  });
});

describe('decide, when no minute since the last change is published yet', () => {
  const notYetKnown = judgeReading({ kind: 'unknown' }, 5);
  const input = (extra: Partial<DecisionInput> = {}): DecisionInput => ({
    current: 12,
    original: 100,
    health: notYetKnown,
    guard: retentionGuard(10, 345_600, 80),
    notified: false,
    probes: 3,
    policy,
    ...extra,
  });

  it('holds the limit: the missing minute is read neither as healthy (raise) nor as sick (lower)', () => {
    const decision = decide(input());
    expect(decision).toEqual({
      decision: 'hold',
      target: 12,
      reason:
        "the downstream's health is not yet known: no whole minute since the last change is published yet",
    });
    // What a published minute would have decided instead, from the same limit.
    expect(decide(input({ health: judgeReading({ kind: 'value', value: 0 }, 5) })).decision).toBe('increase');
    expect(decide(input({ health: judgeReading({ kind: 'value', value: 50 }, 5) })).decision).toBe(
      'decrease',
    );
  });

  it('holds just after a decrease, even with the consumer seen running far above the new limit', () => {
    expect(decide(input({ current: 10, observedConcurrency: 100 }))).toMatchObject({
      decision: 'hold',
      target: 10,
    });
  });

  it('holds at the original limit, not calling it restored before a minute at it is published', () => {
    expect(decide(input({ current: 100 }))).toMatchObject({ decision: 'hold', target: 100 });
  });

  it('holds a disabled mapping disabled', () => {
    expect(decide(input({ current: 0, policy: { ...policy, mode: 'disable' } }))).toMatchObject({
      decision: 'hold',
      target: 0,
    });
  });

  it('still raises the alarm once when messages near their retention period, which changes nothing either', () => {
    const guard = retentionGuard(300_000, 345_600, 80);
    expect(decide(input({ guard }))).toMatchObject({ decision: 'urgent', target: 12 });
    expect(decide(input({ guard, notified: true }))).toMatchObject({ decision: 'hold', target: 12 });
  });

  it('out of probes, ends as every run does, at the original: done at it, saying it was not judged there', () => {
    const atOriginal = decide(input({ current: 100, probes: policy.maxProbes, lastVerdict: 'healthy' }));
    expect(atOriginal).toMatchObject({ decision: 'restored', target: 100 });
    expect(atOriginal.reason).toMatch(/not judged there/);
  });

  it('out of probes below the original, goes back to it: as done after a raise (made on a healthy minute), given up after a cut', () => {
    const out = { probes: policy.maxProbes };
    expect(decide(input({ ...out, lastVerdict: 'healthy' }))).toMatchObject({
      decision: 'increase',
      target: 100,
    });
    expect(decide(input({ ...out, lastVerdict: 'unhealthy' }))).toEqual({
      decision: 'give-up',
      target: 100,
      reason: `out of probes after ${policy.maxProbes} with the downstream's health since the last change not yet known`,
    });
    expect(decide(input(out))).toMatchObject({ decision: 'give-up', target: 100 });
    // With probes left, the last verdict changes nothing: it holds.
    expect(decide(input({ lastVerdict: 'healthy' }))).toMatchObject({ decision: 'hold', target: 12 });
  });
});

describe('updateFor', () => {
  const limited = { maximumConcurrency: 100, enabled: true };
  const unlimited = { maximumConcurrency: null, enabled: true };

  it('sets MaximumConcurrency, or nothing when already there', () => {
    expect(updateFor(UUID, limited, 50, limited)).toEqual({
      UUID,
      ScalingConfig: { MaximumConcurrency: 50 },
    });
    expect(updateFor(UUID, limited, 100, limited)).toBeNull();
  });

  it('restores an original without a limit by removing it', () => {
    expect(updateFor(UUID, { maximumConcurrency: 500, enabled: true }, 1000, unlimited)).toEqual({
      UUID,
      ScalingConfig: {},
    });
    expect(updateFor(UUID, unlimited, 1000, unlimited)).toBeNull();
  });

  it('disables for 0, and enables again on the way back', () => {
    expect(updateFor(UUID, limited, 0, limited)).toEqual({ UUID, Enabled: false });
    expect(updateFor(UUID, { maximumConcurrency: 100, enabled: false }, 0, limited)).toBeNull();
    expect(updateFor(UUID, { maximumConcurrency: 100, enabled: false }, 10, limited)).toEqual({
      UUID,
      Enabled: true,
      ScalingConfig: { MaximumConcurrency: 10 },
    });
  });
});

describe('parseBackpressureRequest', () => {
  const valid = {
    mappingId: UUID,
    queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/orders',
    health: { namespace: 'Downstream', dimensions: { Service: 'payments' }, thresholdPercent: 5 },
  };

  it('fills the defaults', () => {
    expect(parseBackpressureRequest(valid)).toMatchObject({
      dryRun: false,
      health: { metricName: 'ErrorRate', lookbackSeconds: 180 },
      policy: { mode: 'throttle', decreaseFactor: 0.5, floor: 2 },
    });
  });

  it('refuses a malformed mapping id or a floor below 2 by name', () => {
    expect(() => parseBackpressureRequest({ ...valid, mappingId: 'nope' })).toThrow(InvalidRequestError);
    expect(() => parseBackpressureRequest({ ...valid, policy: { floor: 1 } })).toThrow(/policy.floor/);
  });

  it('reads the queue name from its URL', () => {
    expect(queueNameOf(valid.queueUrl)).toBe('orders');
  });
});

describe('functionNameOf', () => {
  it('takes the function name from the mapping FunctionArn, with or without a qualifier', () => {
    const arn = 'arn:aws:lambda:eu-west-1:123456789012:function:orders-consumer';
    expect(functionNameOf(arn)).toBe('orders-consumer');
    expect(functionNameOf(`${arn}:live`)).toBe('orders-consumer');
    expect(functionNameOf('arn:aws-cn:lambda:cn-north-1:123456789012:function:f')).toBe('f');
    expect(functionNameOf(undefined)).toBeNull();
    expect(functionNameOf('orders-consumer')).toBeNull();
  });
});
