/**
 * The thin shell every Lambda task shares: middy with Powertools' logger, metrics and tracer
 * middlewares (the tracer loaded only where it traces: ./tracing.ts), and errors that reach Step Functions by their selfheal name. A task itself is a
 * plain async function of its (unvalidated) event; it parses its input first.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { SelfHealError } from '../../domain/errors.ts';
import { logger, metrics, serviceName } from './powertools.ts';
import { lazyTracing } from './tracing.ts';

export type Task<Result> = (event: unknown) => Promise<Result>;

/** Records each failure by name, and whether Step Functions will retry it, then rethrows it. */
const reportFailures = (taskName: string): middy.MiddlewareObj => ({
  onError: async (request) => {
    const error = request.error;
    const retryable = error instanceof SelfHealError ? error.retryable : false;
    logger.error(`${taskName} failed`, { error, retryable });
    metrics.addMetric(`${taskName}.${retryable ? 'RetryableError' : 'FatalError'}`, MetricUnit.Count, 1);
  },
});

/**
 * Last on the way out (middy runs `onError` in reverse order), once the logs and the trace have the
 * whole stack: Lambda sends a thrown error to Step Functions as `{errorType, errorMessage, trace}`,
 * `trace` being its stack's lines, and a Fail state or the ledger passes that Cause on. Cut to its
 * first line, the stack says the error's name and message and nothing of the code.
 */
const causeWithoutFrames: middy.MiddlewareObj = {
  onError: async (request) => {
    const error = request.error;
    if (error instanceof Error) error.stack = `${error.name}: ${error.message}`;
  },
};

export function taskHandler<Result>(taskName: string, task: Task<Result>) {
  return middy(async (event: unknown, _context: Context) => task(event))
    .use(causeWithoutFrames)
    .use(lazyTracing(serviceName))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics, { throwOnEmptyMetrics: false }))
    .use(reportFailures(taskName));
}

/**
 * For a module of tasks that share one kind of ports: `make(name, task)` gives the task's handler
 * factory, which takes the ports (the production ones, built on first use, unless given).
 */
export function taskModule<Ports>(production: Ports) {
  return (name: string, task: (ports: Ports) => (input: unknown) => Promise<unknown>) =>
    (ports: Ports = production) =>
      taskHandler(name, task(ports));
}
