/**
 * X-Ray tracing where it traces, and nowhere else. Powertools' Tracer loads aws-xray-sdk-core,
 * which installs an async hook that follows every promise of the process: in Lambda with active
 * tracing that is the point, but the same handler modules run in the local engine, the tests, the
 * bench and `selfheal simulate`, where it only slows every await (issue 19). So the tracer and its
 * middleware are imported on the first invocation that runs in Lambda with tracing on (the stack
 * sets active tracing on every function), and never otherwise.
 */
import type middy from '@middy/core';

type Middleware = middy.MiddlewareObj;

/** In Lambda (its runtime sets AWS_LAMBDA_FUNCTION_NAME) and not turned off by Powertools' switch. */
export function tracingOn(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.AWS_LAMBDA_FUNCTION_NAME) && env.POWERTOOLS_TRACE_ENABLED !== 'false';
}

/** Powertools' captureLambdaHandler on a tracer of the process's own, loaded once. */
let capture: Promise<Middleware> | undefined;
export function loadCapture(serviceName: string): Promise<Middleware> {
  capture ??= Promise.all([
    import('@aws-lambda-powertools/tracer'),
    import('@aws-lambda-powertools/tracer/middleware'),
  ]).then(([{ Tracer }, { captureLambdaHandler }]) => captureLambdaHandler(new Tracer({ serviceName })));
  return capture;
}

/**
 * A middleware that is Powertools' captureLambdaHandler when tracing is on, and nothing when it is
 * off; `on` and `load` are for a test.
 */
export function lazyTracing(
  serviceName: string,
  options: { on?: () => boolean; load?: (serviceName: string) => Promise<Middleware> } = {},
): Middleware {
  const on = options.on ?? (() => tracingOn());
  const load = options.load ?? loadCapture;
  let traced: Middleware | undefined;
  return {
    before: async (request) => {
      if (!on()) return;
      traced ??= await load(serviceName);
      await traced.before?.(request);
    },
    after: async (request) => {
      await traced?.after?.(request);
    },
    onError: async (request) => {
      await traced?.onError?.(request);
    },
  };
}
