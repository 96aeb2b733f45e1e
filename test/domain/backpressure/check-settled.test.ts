/**
 * `checkSettled`: one GetEventSourceMapping poll after a change, until the mapping is Enabled or
 * Disabled again — or the policy's polls are spent. The simulated mapping takes 20 s to settle.
 */
import { describe, expect, it } from 'vitest';
import { applyStep, checkSettled, inspect } from '../../../domain/backpressure/runbook.ts';
import { MAPPING_UUID, parsedRequest, queueWorldPorts } from '../../support/queue-world-ports.ts';

/** The state right after the runbook lowered the mapping (100 -> 50, or disabled it). */
async function applied(extra: Record<string, unknown> = {}) {
  const world = await queueWorldPorts();
  const state = await applyStep(world.ports, await inspect(world.ports, parsedRequest(extra)));
  return { world, state };
}

describe('checkSettled (Check whether the mapping has settled)', () => {
  it('reports the mapping not settled while it is Updating, and settled once it is Enabled again', async () => {
    const { world, state } = await applied();

    const first = await checkSettled(world.ports, state);
    expect(first.control).toMatchObject({ settled: false, polls: 1, state: 'Updating', current: 50 });

    await world.clock.advance(20);
    const second = await checkSettled(world.ports, first);
    expect(second.control).toMatchObject({ settled: true, polls: 2, state: 'Enabled', current: 50 });
    expect(world.updates).toHaveLength(1);
  });

  it('waits out Disabling in disable mode: settled once the mapping is Disabled', async () => {
    const { world, state } = await applied({ policy: { mode: 'disable' } });

    expect((await checkSettled(world.ports, state)).control).toMatchObject({
      settled: false,
      state: 'Disabling',
    });
    await world.clock.advance(20);
    expect((await checkSettled(world.ports, state)).control).toMatchObject({
      settled: true,
      state: 'Disabled',
    });
  });

  it("fails with MappingNotSettledError, not retryable, once the policy's polls are spent", async () => {
    const { world, state } = await applied({ policy: { settleMaxPolls: 2 } });
    const first = await checkSettled(world.ports, state);

    await expect(checkSettled(world.ports, first)).rejects.toMatchObject({
      name: 'MappingNotSettledError',
      retryable: false,
      message: `Event-source mapping ${MAPPING_UUID} is still Updating after 2 polls 5 s apart`,
    });
  });
});
