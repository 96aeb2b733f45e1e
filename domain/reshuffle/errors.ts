/**
 * The named errors of a hot key reshuffle. The runbook's Retry blocks retry the `retryable` ones;
 * the rest are caught into the failure report (see domain/errors.ts for the contract).
 */
import { SelfHealError } from '../errors.ts';

/**
 * The shard map entry is not what the caller read: it already exists (publish), or its version or
 * state moved on, or it is gone (advance). Another run owns the key, or this run's view is stale:
 * retrying the same write cannot pass; read the entry again and decide.
 */
export class ShardMapConflictError extends SelfHealError {
  readonly retryable = false;
}

/** The shard map entry is in the wrong state for the step (e.g. moving a key that is not `sharding`). */
export class ShardMapStateError extends SelfHealError {
  readonly retryable = false;
}

/**
 * An item kept changing under the mover (every conditional write lost to an application write).
 * Nothing is lost or duplicated; the batch can run again from the same checkpoint.
 */
export class ReshuffleContentionError extends SelfHealError {
  readonly retryable = true;
}

/** An item the mover cannot move: no sort key, or too many attributes to compare in one condition. */
export class UnmovableItemError extends SelfHealError {
  readonly retryable = false;
}

/** The items of a logical key before and after a reshuffle differ (count or content checksum). */
export class ReshuffleVerificationError extends SelfHealError {
  readonly retryable = false;
}
