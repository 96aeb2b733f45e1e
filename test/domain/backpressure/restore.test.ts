/**
 * `restoreOriginal`: the mapping put back exactly as the run found it — its MaximumConcurrency, or
 * none at all, enabled or not — and nothing sent when it already is. On the simulated queue world,
 * whose mapping takes 20 s to settle after a change.
 */
import { describe, expect, it } from 'vitest';
import type { UpdateEventSourceMappingRequest } from '@aws-sdk/client-lambda';
import { inspect, restoreOriginal, type Original } from '../../../domain/backpressure/runbook.ts';
import {
  changedEarlier,
  MAPPING_UUID as UUID,
  mappingOf,
  parsedRequest,
  queueWorldPorts,
  type QueueWorldPorts,
  type QueueWorldSetup,
} from '../../support/queue-world-ports.ts';

const ORIGINAL_100: Original = { maximumConcurrency: 100, enabled: true, concurrency: 100 };

/** Lets a restore take effect (20 s), then checks the mapping runs again with `limit` (null: none). */
async function expectRunningWith(world: QueueWorldPorts, limit: number | null) {
  await world.clock.advance(20);
  const mapping = await mappingOf(world);
  expect(mapping.State).toBe('Enabled');
  if (limit === null) expect(mapping.ScalingConfig).toBeUndefined();
  else expect(mapping.ScalingConfig).toMatchObject({ MaximumConcurrency: limit });
}

describe('restoreOriginal (Restore the original concurrency)', () => {
  it.each<[string, QueueWorldSetup, Omit<UpdateEventSourceMappingRequest, 'UUID'>, object, number | null]>([
    [
      'puts back exactly the original MaximumConcurrency (2 -> 100)',
      {},
      { ScalingConfig: { MaximumConcurrency: 100 } },
      { maximumConcurrency: 100, enabled: true, concurrency: 100 },
      100,
    ],
    [
      'removes the limit again when the original had no MaximumConcurrency (an empty ScalingConfig, not 1,000)',
      { maximumConcurrency: null },
      { ScalingConfig: {} },
      { maximumConcurrency: null, enabled: true, concurrency: 1000 },
      null,
    ],
  ])('%s', async (_what, setup, update, original, limit) => {
    const world = await queueWorldPorts(setup);
    const state = await inspect(world.ports, parsedRequest());
    expect(state.original).toEqual(original);
    await changedEarlier(world, { ScalingConfig: { MaximumConcurrency: 2 } });

    const restored = await restoreOriginal(world.ports, state.request, state.original);

    expect(world.updates).toEqual([{ UUID, ...update }]);
    expect(restored).toEqual({ changed: true, ...original });
    await expectRunningWith(world, limit);
  });

  it('re-enables a mapping the disable mode turned off, with its original MaximumConcurrency', async () => {
    const world = await queueWorldPorts();
    const state = await inspect(world.ports, parsedRequest({ policy: { mode: 'disable' } }));
    await changedEarlier(world, { Enabled: false });
    expect(await mappingOf(world)).toMatchObject({ State: 'Disabled' });

    const restored = await restoreOriginal(world.ports, state.request, state.original);

    expect(world.updates).toEqual([{ UUID, Enabled: true, ScalingConfig: { MaximumConcurrency: 100 } }]);
    expect(restored).toEqual({ changed: true, ...ORIGINAL_100 });
    expect(await mappingOf(world)).toMatchObject({ State: 'Enabling' });
    await expectRunningWith(world, 100);
  });

  it('re-enables a disabled mapping without a limit to none, not 1,000', async () => {
    const world = await queueWorldPorts({ maximumConcurrency: null });
    const state = await inspect(world.ports, parsedRequest({ policy: { mode: 'disable' } }));
    await changedEarlier(world, { Enabled: false });

    await restoreOriginal(world.ports, state.request, state.original);

    expect(world.updates).toEqual([{ UUID, Enabled: true, ScalingConfig: {} }]);
    await expectRunningWith(world, null);
  });

  it('leaves a mapping that was disabled before the run disabled', async () => {
    const world = await queueWorldPorts({ enabled: false });
    const state = await inspect(world.ports, parsedRequest());

    const restored = await restoreOriginal(world.ports, state.request, state.original);

    expect(world.updates).toEqual([]);
    expect(restored).toEqual({ changed: false, maximumConcurrency: 100, enabled: false, concurrency: 0 });
  });

  it('changes nothing when the mapping already has its original (a restore retried, or nothing throttled)', async () => {
    const world = await queueWorldPorts();

    const restored = await restoreOriginal(world.ports, parsedRequest(), ORIGINAL_100);

    expect(world.updates).toEqual([]);
    expect(restored).toEqual({ changed: false, ...ORIGINAL_100 });
  });

  it('fails with ResourceBusyError, a retryable error, while the mapping is still mid-change, and succeeds once it settled', async () => {
    const world = await queueWorldPorts();
    const state = await inspect(world.ports, parsedRequest());
    await world.queue.updateEventSourceMapping({ UUID, ScalingConfig: { MaximumConcurrency: 50 } });

    await expect(restoreOriginal(world.ports, state.request, state.original)).rejects.toMatchObject({
      name: 'ResourceBusyError',
      retryable: true,
    });
    await world.clock.advance(20);
    await expect(restoreOriginal(world.ports, state.request, state.original)).resolves.toMatchObject({
      changed: true,
      maximumConcurrency: 100,
    });
  });
});
