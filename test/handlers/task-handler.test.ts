/**
 * The shell every task shares, on a failure: Step Functions gets the error by its selfheal name and
 * message, and no frame of its stack (Lambda sends the stack as the Cause's `trace`, which a Fail
 * state or the ledger would pass on); the logs keep the whole stack.
 */
import { describe, expect, it, vi } from 'vitest';
import type { Context } from 'aws-lambda';
import { taskHandler } from '../../handlers/shared/task-handler.ts';
import { logger } from '../../handlers/shared/powertools.ts';
import { InvalidRequestError } from '../../domain/errors.ts';

const CONTEXT = { functionName: 'selfheal-test', awsRequestId: 'r-1' } as Context;

describe('a task that fails', () => {
  it('throws its named error with a stack of one line: the name and the message', async () => {
    const handler = taskHandler('test', async () => {
      throw new InvalidRequestError('The request', ['tableName is missing']);
    });

    const thrown = await handler({}, CONTEXT).catch((error: unknown) => error);

    expect(thrown).toBeInstanceOf(InvalidRequestError);
    expect(thrown).toMatchObject({
      name: 'InvalidRequestError',
      message: 'The request is invalid: tableName is missing',
    });
    expect((thrown as Error).stack).toBe('InvalidRequestError: The request is invalid: tableName is missing');
  });

  it('logs the whole stack before it is cut', async () => {
    // The logger writes when called: what it wrote is the stack as it stood then.
    const stacksLogged: string[] = [];
    const logged = vi.spyOn(logger, 'error').mockImplementation((_message, ...extra) => {
      const { error } = extra[0] as { error: Error };
      stacksLogged.push(error.stack ?? '');
    });
    const handler = taskHandler('test', async () => {
      throw new Error('boom');
    });

    await handler({}, CONTEXT).catch(() => undefined);

    expect(logged).toHaveBeenCalledWith('test failed', expect.objectContaining({ retryable: false }));
    expect(stacksLogged[0]).toMatch(/^Error: boom\n\s+at /);
    logged.mockRestore();
  });
});
