/**
 * Changing the mapping: one UpdateEventSourceMapping per step, and the restore to the original.
 * A target of 0 disables the mapping; a target equal to an original without MaximumConcurrency
 * removes the limit again (an empty ScalingConfig), so the restore leaves the mapping as found.
 */
import type { UpdateEventSourceMappingRequest } from '@aws-sdk/client-lambda';
import { classifyAwsError } from '../errors.ts';
import type { EventSourceMappingPort } from './ports.ts';
import { readMapping, type MappingView } from './observe.ts';
import type { MappingLimit } from './plan.ts';
import { effectiveConcurrency } from './plan.ts';

/** The update that takes a mapping from `current` to `target` concurrency; null: none needed. */
export function updateFor(
  uuid: string,
  current: MappingLimit,
  target: number,
  original: MappingLimit,
): UpdateEventSourceMappingRequest | null {
  if (target <= 0) return current.enabled ? { UUID: uuid, Enabled: false } : null;
  const restoresNoLimit = target === effectiveConcurrency(original) && original.maximumConcurrency === null;
  const maximumConcurrency = restoresNoLimit ? null : target;
  if (current.enabled && current.maximumConcurrency === maximumConcurrency) return null;
  return {
    UUID: uuid,
    ...(current.enabled ? {} : { Enabled: true }),
    ScalingConfig: maximumConcurrency === null ? {} : { MaximumConcurrency: maximumConcurrency },
  };
}

export interface Applied {
  changed: boolean;
  mapping: MappingView;
}

/** Sets the mapping to `target` (reading it first, so a retry after a partial failure is safe). */
export async function applyConcurrency(
  mappings: EventSourceMappingPort,
  uuid: string,
  target: number,
  original: MappingLimit,
): Promise<Applied> {
  const mapping = await readMapping(mappings, uuid);
  const update = updateFor(uuid, mapping, target, original);
  if (!update) return { changed: false, mapping };
  try {
    await mappings.updateEventSourceMapping(update);
  } catch (error) {
    throw classifyAwsError(error, `UpdateEventSourceMapping ${uuid}`);
  }
  return { changed: true, mapping: await readMapping(mappings, uuid) };
}

/** Settled: Enabled or Disabled, no change in progress. */
export const isSettled = (state: string): boolean => state === 'Enabled' || state === 'Disabled';
