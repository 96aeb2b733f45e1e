/**
 * The named errors of the hot-shard runbook's own reading of CloudWatch. The runbook's Retry
 * blocks retry the `retryable` ones; the rest are caught into the failure report (see
 * domain/errors.ts for the contract).
 */
import { SelfHealError } from '../errors.ts';

/**
 * CloudWatch has published none of the minutes the diagnosis reads: the table's load is not known,
 * which is not the same as no load (an unpublished minute has no datapoints, as a quiet one has
 * none). Trying again later may find them published.
 */
export class MetricsNotPublishedError extends SelfHealError {
  readonly retryable = true;
}
