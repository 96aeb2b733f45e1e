/**
 * `applyStep`: one UpdateEventSourceMapping to the assessment's target — lower, higher, disabled —
 * or none when the mapping is already there, so a retry after a partial failure is safe. On the
 * simulated queue world, whose mapping shows `Updating` (or `Disabling`) for 20 s after a change.
 */
import { describe, expect, it } from 'vitest';
import { applyStep, inspect, probe } from '../../../domain/backpressure/runbook.ts';
import {
  changedEarlier,
  MAPPING_UUID as UUID,
  mappingOf,
  parsedRequest,
  queueWorldPorts,
  UNTOUCHED_AT_100,
  withControl,
} from '../../support/queue-world-ports.ts';

describe('applyStep (Set the next concurrency)', () => {
  it('halves MaximumConcurrency (100 -> 50) with one UpdateEventSourceMapping, and reports the mapping Updating', async () => {
    const world = await queueWorldPorts();
    const inspected = await inspect(world.ports, parsedRequest());

    const state = await applyStep(world.ports, inspected);

    expect(world.updates).toEqual([{ UUID, ScalingConfig: { MaximumConcurrency: 50 } }]);
    expect(state.control).toMatchObject({
      ...UNTOUCHED_AT_100,
      current: 50,
      settled: false,
      state: 'Updating',
      changes: 1,
    });
    expect(state.original).toEqual(inspected.original);
    expect(await mappingOf(world)).toMatchObject({
      State: 'Updating',
      ScalingConfig: { MaximumConcurrency: 50 },
    });
  });

  it.each([
    ['halving 3 stops at the floor of 2', 3, {}, 2],
    ['a steep decrease (x 0.05) stops at a floor of 10', 100, { floor: 10, decreaseFactor: 0.05 }, 10],
    ['x 0.3 takes 100 to 30', 100, { decreaseFactor: 0.3 }, 30],
  ])('lowers multiplicatively and never below the floor: %s', async (_what, from, policy, to) => {
    const world = await queueWorldPorts({ maximumConcurrency: from });

    const state = await applyStep(world.ports, await inspect(world.ports, parsedRequest({ policy })));

    expect(world.updates).toEqual([{ UUID, ScalingConfig: { MaximumConcurrency: to } }]);
    expect(state.control).toMatchObject({ current: to, changes: 1 });
  });

  it('gives a mapping without a limit its first MaximumConcurrency, the planned one', async () => {
    const world = await queueWorldPorts({ maximumConcurrency: null });
    const inspected = await inspect(world.ports, parsedRequest());
    const target = inspected.assessment.target;
    expect(target).toBeGreaterThanOrEqual(2);
    expect(target).toBeLessThan(1000);

    const state = await applyStep(world.ports, inspected);

    expect(world.updates).toEqual([{ UUID, ScalingConfig: { MaximumConcurrency: target } }]);
    expect(state.control).toMatchObject({ current: target, changes: 1 });
    expect(await mappingOf(world)).toMatchObject({ ScalingConfig: { MaximumConcurrency: target } });
  });

  it('refuses to change anything in a dry run, should the state machine ever route one here', async () => {
    const world = await queueWorldPorts();
    const inspected = await inspect(world.ports, parsedRequest({ dryRun: true }));

    await expect(applyStep(world.ports, inspected)).rejects.toMatchObject({
      name: 'InvalidRequestError',
      retryable: false,
      message: expect.stringMatching(/dry run.*nothing was changed/),
    });
    expect(world.updates).toEqual([]);
  });

  it('holds a mapping already at the floor: the plan keeps it, and nothing is sent', async () => {
    const world = await queueWorldPorts({ maximumConcurrency: 2 });
    const inspected = await inspect(world.ports, parsedRequest());
    expect(inspected.assessment).toMatchObject({ decision: 'hold', target: 2, reason: 'at the floor' });

    const state = await applyStep(world.ports, inspected);

    expect(world.updates).toEqual([]);
    expect(state.control).toMatchObject({ current: 2, settled: true, state: 'Enabled', changes: 0 });
  });

  it('disables the mapping in disable mode (Enabled: false, the limit left as it is)', async () => {
    const world = await queueWorldPorts();
    const inspected = await inspect(world.ports, parsedRequest({ policy: { mode: 'disable' } }));
    expect(inspected.assessment).toMatchObject({ decision: 'decrease', target: 0 });

    const state = await applyStep(world.ports, inspected);

    expect(world.updates).toEqual([{ UUID, Enabled: false }]);
    expect(state.control).toMatchObject({ current: 0, settled: false, state: 'Disabling', changes: 1 });
    expect(await mappingOf(world)).toMatchObject({
      State: 'Disabling',
      ScalingConfig: { MaximumConcurrency: 100 },
    });
  });

  it('raises the limit by one step once a probe found the downstream healthy', async () => {
    const world = await queueWorldPorts({ errorRate: 1 });
    const inspected = await inspect(world.ports, parsedRequest());
    await changedEarlier(world, { ScalingConfig: { MaximumConcurrency: 50 } });
    const probed = await probe(world.ports, withControl(inspected, { current: 50, changes: 1 }));
    expect(probed.assessment).toMatchObject({ decision: 'increase', target: 60 });

    const state = await applyStep(world.ports, probed);

    expect(world.updates).toEqual([{ UUID, ScalingConfig: { MaximumConcurrency: 60 } }]);
    expect(state.control).toMatchObject({ current: 60, changes: 2 });
  });

  it('sends nothing more when retried after its change went through', async () => {
    const world = await queueWorldPorts();
    const inspected = await inspect(world.ports, parsedRequest());
    await applyStep(world.ports, inspected);

    const retried = await applyStep(world.ports, inspected);

    expect(world.updates).toEqual([{ UUID, ScalingConfig: { MaximumConcurrency: 50 } }]);
    expect(retried.control).toMatchObject({ current: 50, state: 'Updating' });
  });

  it('fails with ResourceBusyError, a retryable error, while an earlier change is still in progress', async () => {
    const world = await queueWorldPorts();
    const inspected = await inspect(world.ports, parsedRequest());
    await applyStep(world.ports, inspected);

    await expect(applyStep(world.ports, withControl(inspected, {}, { target: 25 }))).rejects.toMatchObject({
      name: 'ResourceBusyError',
      retryable: true,
      message: expect.stringContaining(
        `UpdateEventSourceMapping ${UUID}: Cannot update the event source mapping`,
      ),
    });
    // The change in progress stands; which errors the runbook retries is the handler tests' concern.
    expect(await mappingOf(world)).toMatchObject({ ScalingConfig: { MaximumConcurrency: 50 } });
  });
});
