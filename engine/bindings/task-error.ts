/**
 * A failed task as Step Functions reports it: `Error` is what Retry/Catch match on, `Cause` is the
 * detail. The library matches on `error.name` and puts `error.message` into Cause.
 */
export class TaskError extends Error {
  constructor(error: string, cause: string) {
    super(cause);
    this.name = error;
  }
}

/** The `Error` Step Functions gives a failed AWS SDK call: `ServicePascalCase.ExceptionName`. */
export function sdkErrorName(servicePrefix: string, error: unknown): string {
  const raw = error instanceof Error ? error.name : 'UnknownError';
  // AWS appends `Exception` when the service's own name lacks it (S3's BucketAlreadyExists, say).
  const name = raw.endsWith('Exception') ? raw : `${raw}Exception`;
  return `${servicePrefix}.${name}`;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
