/**
 * The errors the key router raises itself. DynamoDB's own errors (throttling, validation, a
 * missing table) reach the caller unchanged, as the AWS SDK raised them.
 */
export abstract class KeyRouterError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * The control table holds a shard map entry the router cannot read. The router fails closed: it
 * neither guesses the shard count nor falls back to the logical key alone, which could miss items.
 */
export class InvalidShardMapEntryError extends KeyRouterError {
  readonly issues: string[];

  constructor(key: string, issues: string[]) {
    super(`Shard map entry ${key} is invalid: ${issues.join('; ')}`);
    this.issues = issues;
  }
}

/** A query the router cannot run as asked (a bad Limit, a start key of another logical key, ...). */
export class InvalidQueryError extends KeyRouterError {}

/** DynamoDB did not finish part of the read (unprocessed keys, retried already): try again later. */
export class RetryLaterError extends KeyRouterError {}
