/**
 * X-Ray tracing only where it traces (issue 19): a handler module loads no X-Ray SDK (whose async
 * hook follows every promise of the process) until an invocation runs in Lambda with tracing on,
 * and then Powertools' captureLambdaHandler wraps every invocation as before.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type middy from '@middy/core';
import { lazyTracing, tracingOn } from '../../handlers/shared/tracing.ts';

const request = {} as middy.Request;

describe('tracing', () => {
  it('is on in Lambda unless Powertools is told not to trace', () => {
    expect(tracingOn({ AWS_LAMBDA_FUNCTION_NAME: 'selfheal-plan-capacity' })).toBe(true);
    expect(
      tracingOn({ AWS_LAMBDA_FUNCTION_NAME: 'selfheal-plan-capacity', POWERTOOLS_TRACE_ENABLED: 'false' }),
    ).toBe(false);
    expect(tracingOn({})).toBe(false);
  });

  it('loads the tracer once, on the first traced invocation, and wraps every invocation with it', async () => {
    const seen: string[] = [];
    let loads = 0;
    const middleware = lazyTracing('selfheal', {
      on: () => true,
      load: async () => {
        loads += 1;
        return {
          before: async () => void seen.push('before'),
          after: async () => void seen.push('after'),
          onError: async () => void seen.push('onError'),
        };
      },
    });
    expect(loads).toBe(0);
    await middleware.before?.(request);
    await middleware.after?.(request);
    await middleware.before?.(request);
    await middleware.onError?.(request);
    expect(loads).toBe(1);
    expect(seen).toEqual(['before', 'after', 'before', 'onError']);
  });

  it('loads nothing, and does nothing, when tracing is off', async () => {
    let loads = 0;
    const middleware = lazyTracing('selfheal', {
      on: () => false,
      load: async () => {
        loads += 1;
        return {};
      },
    });
    await middleware.before?.(request);
    await middleware.after?.(request);
    await middleware.onError?.(request);
    expect(loads).toBe(0);
  });

  /** The X-Ray SDK files a fresh process loaded, importing and invoking a handler with `env`. */
  function xraySdkLoaded(env: NodeJS.ProcessEnv): string[] {
    // aws-xray-sdk-core is CommonJS: once loaded, it is in require's cache.
    const script = `
      import { createRequire } from 'node:module';
      const { handler } = await import('./handlers/plan-capacity.ts');
      await handler({}, { functionName: 'local', awsRequestId: 'r-1' }).catch(() => undefined);
      const loaded = Object.keys(createRequire(import.meta.url).cache).filter((p) => p.includes('aws-xray-sdk-core'));
      console.log(JSON.stringify(loaded));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: new URL('../../', import.meta.url),
      env,
      encoding: 'utf8',
    });
    return JSON.parse(out.trim().split('\n').at(-1) ?? 'null') as string[];
  }

  it('keeps the X-Ray SDK out of a process that imports and invokes a handler outside Lambda', () => {
    // Tracing as deployed (the test setup turns Powertools' tracing off): on unless outside Lambda.
    const { AWS_LAMBDA_FUNCTION_NAME: _inLambda, ...env } = process.env;
    const outside = { ...env, POWERTOOLS_TRACE_ENABLED: 'true' };
    expect(xraySdkLoaded(outside)).toEqual([]);
    // In Lambda (as its runtime names the function) the same invocation loads it.
    const inLambda = { ...outside, AWS_LAMBDA_FUNCTION_NAME: 'selfheal-plan-capacity' };
    expect(xraySdkLoaded(inLambda).length).toBeGreaterThan(0);
  }, 30_000);
});
