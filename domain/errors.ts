/**
 * Every error a selfheal task can raise, by name. Step Functions' Retry and Catch match on the
 * error name (Lambda's `errorType`), so these names are part of the runbooks' contract: the ASL
 * retries the `retryable` ones and catches the rest into a failure report.
 */
export abstract class SelfHealError extends Error {
  /** Whether trying the same call again later may succeed. */
  abstract readonly retryable: boolean;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The task's input is not what the runbook accepts. Nothing was changed. */
export class InvalidRequestError extends SelfHealError {
  readonly retryable = false;
  readonly issues: string[];

  constructor(what: string, issues: string[]) {
    super(`${what} is invalid: ${issues.join('; ')}`);
    this.issues = issues;
  }
}

/** A signal (an EventBridge event, an operator's request) that selfheal cannot read. Nothing starts. */
export class InvalidSignalError extends SelfHealError {
  readonly retryable = false;
  readonly issues: string[];

  constructor(what: string, issues: string[]) {
    super(`${what}: ${issues.join('; ')}`);
    this.issues = issues;
  }
}

/** The resource a remediation names does not exist (deleted, or a wrong name in an alarm). */
export class ResourceNotFoundError extends SelfHealError {
  readonly retryable = false;
}

/** AWS throttled our own control-plane call; back off and try again. */
export class AwsThrottledError extends SelfHealError {
  readonly retryable = true;
}

/** A 5xx or network failure talking to AWS; likely to pass. */
export class AwsTransientError extends SelfHealError {
  readonly retryable = true;
}

/** The resource is mid-change (a table UPDATING); wait for it and try again. */
export class ResourceBusyError extends SelfHealError {
  readonly retryable = true;
}

/** AWS refused the change for a reason retrying will not fix (a limit, a quota, a rule). */
export class ChangeRejectedError extends SelfHealError {
  readonly retryable = false;
}

/** An AWS error we do not know how to handle: surfaced as is, never retried blindly. */
export class UnexpectedAwsError extends SelfHealError {
  readonly retryable = false;
}

/** Names of the retryable errors, for the runbooks' Retry blocks and their tests. */
export const RETRYABLE_ERRORS = ['AwsThrottledError', 'AwsTransientError', 'ResourceBusyError'] as const;

const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
  'ConcurrentUpdateException',
  // X-Ray's name for it.
  'ThrottledException',
  // SQS's name for it.
  'RequestThrottled',
]);
const TRANSIENT = new Set(['InternalServerError', 'InternalFailure', 'ServiceUnavailable', 'TimeoutError']);
// SQS names a missing queue QueueDoesNotExist.
const NOT_FOUND = new Set([
  'ResourceNotFoundException',
  'ObjectNotFoundException',
  'QueueDoesNotExist',
  // Route 53's.
  'NoSuchHostedZone',
]);

/**
 * Maps an AWS SDK error to a named selfheal error. `what` says which call failed, so the message
 * an operator reads in the execution history stands on its own.
 */
export function classifyAwsError(error: unknown, what: string): SelfHealError {
  if (error instanceof SelfHealError) return error;
  const name = error instanceof Error ? error.name : 'UnknownError';
  const message = `${what}: ${error instanceof Error ? error.message : String(error)}`;
  const fault = (error as { $fault?: string; $metadata?: { httpStatusCode?: number } } | null) ?? {};
  if (THROTTLING.has(name)) return new AwsThrottledError(message, { cause: error });
  if (NOT_FOUND.has(name)) return new ResourceNotFoundError(message, { cause: error });
  // Route 53 ARC answers ConflictException "try again" while another update is being applied.
  // Route 53 answers PriorRequestNotComplete while an earlier change to the zone is being applied.
  if (
    name === 'ResourceInUseException' ||
    name === 'ConflictException' ||
    name === 'PriorRequestNotComplete'
  ) {
    return new ResourceBusyError(message, { cause: error });
  }
  if (['LimitExceededException', 'ServiceLimitExceededException', 'InvalidChangeBatch'].includes(name)) {
    return new ChangeRejectedError(message, { cause: error });
  }
  if (TRANSIENT.has(name) || fault.$fault === 'server' || isNetworkError(error)) {
    return new AwsTransientError(message, { cause: error });
  }
  return new UnexpectedAwsError(`${message} (${name})`, { cause: error });
}

const NETWORK_FAILURES = ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'NetworkingError'];

/** Node puts socket failures in `code` (name 'Error'); the SDK renames only some of them. */
function isNetworkError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return (
    NETWORK_FAILURES.includes(error.name) || (typeof code === 'string' && NETWORK_FAILURES.includes(code))
  );
}
