import { describe, expect, it } from 'vitest';
import {
  AwsThrottledError,
  AwsTransientError,
  ChangeRejectedError,
  InvalidRequestError,
  RETRYABLE_ERRORS,
  ResourceBusyError,
  ResourceNotFoundError,
  SelfHealError,
  UnexpectedAwsError,
  classifyAwsError,
} from '../../domain/errors.ts';

/** An error shaped as AWS SDK v3 throws them: a name, a message, `$fault` and `$metadata`. */
function awsError(name: string, message: string, fault: 'client' | 'server' = 'client', status = 400): Error {
  return Object.assign(new Error(message), {
    name,
    $fault: fault,
    $metadata: { httpStatusCode: status, requestId: 'req-1', attempts: 3, totalRetryDelay: 900 },
  });
}

const WHAT = 'Updating table orders';

describe('classifyAwsError', () => {
  it.each([
    ['ThrottlingException', 'Rate exceeded'],
    ['ProvisionedThroughputExceededException', 'The level of configured provisioned throughput was exceeded'],
    ['TooManyRequestsException', 'Too many requests'],
    ['RequestLimitExceeded', 'Throughput exceeds the current throughput limit for your account'],
    ['RequestThrottled', 'Request is throttled'],
  ])('maps %s to a retryable AwsThrottledError', (name, message) => {
    const error = classifyAwsError(awsError(name, message), WHAT);

    expect(error).toBeInstanceOf(AwsThrottledError);
    expect(error.retryable).toBe(true);
    expect(error.message).toBe(`${WHAT}: ${message}`);
  });

  it('maps ResourceNotFoundException to ResourceNotFoundError, not retryable', () => {
    const error = classifyAwsError(
      awsError('ResourceNotFoundException', 'Requested resource not found: Table: orders not found'),
      WHAT,
    );

    expect(error).toBeInstanceOf(ResourceNotFoundError);
    expect(error.retryable).toBe(false);
    expect(error.message).toBe(`${WHAT}: Requested resource not found: Table: orders not found`);
  });

  it("maps Application Auto Scaling's ObjectNotFoundException to ResourceNotFoundError", () => {
    expect(classifyAwsError(awsError('ObjectNotFoundException', 'No scalable target'), WHAT)).toBeInstanceOf(
      ResourceNotFoundError,
    );
  });

  it("maps SQS's QueueDoesNotExist to ResourceNotFoundError, not retryable", () => {
    const error = classifyAwsError(
      awsError('QueueDoesNotExist', 'The specified queue does not exist.'),
      'GetQueueAttributes https://sqs.us-east-1.amazonaws.com/123456789012/orders',
    );

    expect(error).toBeInstanceOf(ResourceNotFoundError);
    expect(error.retryable).toBe(false);
    expect(error.message).toBe(
      'GetQueueAttributes https://sqs.us-east-1.amazonaws.com/123456789012/orders: The specified queue does not exist.',
    );
  });

  it('maps ResourceInUseException (a table mid-update) to a retryable ResourceBusyError', () => {
    const error = classifyAwsError(
      awsError('ResourceInUseException', 'Attempt to change a resource which is still in use'),
      WHAT,
    );

    expect(error).toBeInstanceOf(ResourceBusyError);
    expect(error.retryable).toBe(true);
  });

  it('maps Route 53 ARC ConflictException ("try again") to a retryable ResourceBusyError', () => {
    const error = classifyAwsError(
      awsError('ConflictException', 'There was a conflict with this request. Try again.'),
      WHAT,
    );
    expect(error).toBeInstanceOf(ResourceBusyError);
    expect(error.retryable).toBe(true);
  });

  it('maps ServiceLimitExceededException (too many routing controls in one update) to ChangeRejectedError', () => {
    const error = classifyAwsError(awsError('ServiceLimitExceededException', 'Too many entries'), WHAT);
    expect(error).toBeInstanceOf(ChangeRejectedError);
    expect(error.retryable).toBe(false);
  });

  it.each([
    ['PriorRequestNotComplete', ResourceBusyError, true],
    ['InvalidChangeBatch', ChangeRejectedError, false],
    ['NoSuchHostedZone', ResourceNotFoundError, false],
  ] as const)('maps Route 53 %s to %o', (name, type, retryable) => {
    const error = classifyAwsError(awsError(name, 'Route 53 says no'), WHAT);
    expect(error).toBeInstanceOf(type);
    expect(error.retryable).toBe(retryable);
  });

  it('maps LimitExceededException to ChangeRejectedError, which retrying will not fix', () => {
    const error = classifyAwsError(
      awsError(
        'LimitExceededException',
        'Subscriber limit exceeded: Provisioned throughput decreases are limited',
      ),
      WHAT,
    );

    expect(error).toBeInstanceOf(ChangeRejectedError);
    expect(error.retryable).toBe(false);
  });

  it('maps any server fault to a retryable AwsTransientError', () => {
    const error = classifyAwsError(awsError('SomethingNewFromAws', 'We broke', 'server', 500), WHAT);

    expect(error).toBeInstanceOf(AwsTransientError);
    expect(error.retryable).toBe(true);
  });

  it.each(['InternalServerError', 'ServiceUnavailable'])('maps %s to AwsTransientError', (name) => {
    expect(classifyAwsError(awsError(name, 'try again', 'server', 503), WHAT)).toBeInstanceOf(
      AwsTransientError,
    );
  });

  it('maps a connection reset to AwsTransientError, as the SDK reports it', () => {
    // @smithy/node-http-handler renames ECONNRESET, EPIPE and ETIMEDOUT socket errors TimeoutError.
    const reset = Object.assign(new Error('read ECONNRESET'), {
      name: 'TimeoutError',
      code: 'ECONNRESET',
      errno: -104,
      syscall: 'read',
    });

    expect(classifyAwsError(reset, WHAT)).toBeInstanceOf(AwsTransientError);
  });

  it('maps an error named ECONNRESET to AwsTransientError', () => {
    expect(
      classifyAwsError(Object.assign(new Error('socket hang up'), { name: 'ECONNRESET' }), WHAT),
    ).toBeInstanceOf(AwsTransientError);
  });

  it('maps a refused connection (code ECONNREFUSED) to AwsTransientError', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), {
      code: 'ECONNREFUSED',
      errno: -111,
      syscall: 'connect',
    });

    expect(classifyAwsError(refused, WHAT)).toBeInstanceOf(AwsTransientError);
  });

  it('maps an unknown AWS error to UnexpectedAwsError, not retryable, naming the AWS error', () => {
    const error = classifyAwsError(
      awsError('ValidationException', 'The provisioned throughput for the table will not change'),
      WHAT,
    );

    expect(error).toBeInstanceOf(UnexpectedAwsError);
    expect(error.retryable).toBe(false);
    expect(error.message).toBe(
      `${WHAT}: The provisioned throughput for the table will not change (ValidationException)`,
    );
  });

  it('keeps the AWS error as the cause', () => {
    const original = awsError('ThrottlingException', 'Rate exceeded');

    expect(classifyAwsError(original, WHAT).cause).toBe(original);
  });

  it('classifies a thrown non-Error as UnexpectedAwsError with its text', () => {
    const error = classifyAwsError('boom', WHAT);

    expect(error).toBeInstanceOf(UnexpectedAwsError);
    expect(error.message).toBe(`${WHAT}: boom (UnknownError)`);
  });

  it('passes a selfheal error through unchanged', () => {
    const busy = new ResourceBusyError('Table orders is UPDATING');

    expect(classifyAwsError(busy, WHAT)).toBe(busy);
  });
});

describe('selfheal errors', () => {
  const instances: SelfHealError[] = [
    new InvalidRequestError('The request', ['tableName: required']),
    new ResourceNotFoundError('gone'),
    new AwsThrottledError('slow down'),
    new AwsTransientError('flaky'),
    new ResourceBusyError('busy'),
    new ChangeRejectedError('no'),
    new UnexpectedAwsError('what?'),
  ];

  it.each(instances.map((e) => [e.constructor.name, e] as const))(
    '%s carries its class name as its name, which Step Functions matches on',
    (className, error) => {
      expect(error.name).toBe(className);
      expect(error).toBeInstanceOf(Error);
      expect(error).toBeInstanceOf(SelfHealError);
      expect(String(error)).toMatch(new RegExp(`^${className}: `));
    },
  );

  it('RETRYABLE_ERRORS lists exactly the retryable error classes', () => {
    const retryable = instances.filter((e) => e.retryable).map((e) => e.name);

    expect([...RETRYABLE_ERRORS].sort()).toEqual(retryable.sort());
    expect(RETRYABLE_ERRORS).toEqual(['AwsThrottledError', 'AwsTransientError', 'ResourceBusyError']);
  });

  it('InvalidRequestError keeps its issues and joins them into its message', () => {
    const error = new InvalidRequestError('The plan-capacity input', [
      'policy: Required',
      'diagnosis.cause: Invalid',
    ]);

    expect(error.issues).toEqual(['policy: Required', 'diagnosis.cause: Invalid']);
    expect(error.message).toBe(
      'The plan-capacity input is invalid: policy: Required; diagnosis.cause: Invalid',
    );
  });
});
