/**
 * AWS's bounds on the queue, the mapping and the consumer the queue world simulates, in one place:
 * the world refuses a setting outside them as AWS would (`queue-world.ts`), and an incident file is
 * validated against them (`scenarios/sqs-backpressure/incident-file.ts`).
 */

export interface Bounds {
  min: number;
  max: number;
}

/** A standard queue's name: up to 80 of A-Z a-z 0-9 - _ ("CreateQueue", Amazon SQS API Reference). */
export const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;

/** VisibilityTimeout: 0 to 43,200 s, 12 hours ("CreateQueue", Amazon SQS API Reference). */
export const VISIBILITY_TIMEOUT_SECONDS: Bounds = { min: 0, max: 43_200 };

/** MessageRetentionPeriod: 60 s to 1,209,600 s, 14 days ("CreateQueue", Amazon SQS API Reference). */
export const MESSAGE_RETENTION_SECONDS: Bounds = { min: 60, max: 1_209_600 };

/**
 * The redrive policy's maxReceiveCount ("Maximum receives"): 1 to 1,000 ("Configure a dead-letter
 * queue using the Amazon SQS console").
 */
export const MAX_RECEIVE_COUNT: Bounds = { min: 1, max: 1000 };

/** A function's timeout: 1 to 900 s, 15 minutes ("Configure Lambda function timeout"). */
export const FUNCTION_TIMEOUT_SECONDS: Bounds = { min: 1, max: 900 };

/**
 * A function's name: up to 64 of A-Z a-z 0-9 - _ ("CreateFunction", AWS Lambda API Reference: "If
 * you specify only the function name, it is limited to 64 characters in length").
 */
export const FUNCTION_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * An SQS mapping's BatchSize: up to 10,000 for a standard queue, and above 10 only with a batching
 * window of at least 1 s; MaximumBatchingWindowInSeconds 0 to 300 ("Lambda parameters for Amazon
 * SQS event source mappings"; `MaximumBatchingWindowInSeconds`, GetEventSourceMapping).
 */
export const BATCH_SIZE: Bounds = { min: 1, max: 10_000 };
export const BATCH_SIZE_WITHOUT_WINDOW = 10;
export const BATCHING_WINDOW_SECONDS: Bounds = { min: 0, max: 300 };
