/** Lambda functions for the local engine's tests: a table of handlers, and a state that invokes one. */
import type { LocalLambdaHandler } from '../../engine/bindings/lambda-invoke.ts';

/** The engine's function table over plain handlers, by function name. */
export function functionTable(handlers: Record<string, LocalLambdaHandler>) {
  return { get: (name: string) => handlers[name], names: () => Object.keys(handlers) };
}

/** A Task state invoking the function `fn` (by ARN) with the state's input, then `next` or the end. */
export const lambdaInvokeState = <Extra extends object>(
  fn: string,
  next: string | undefined,
  extra: Extra,
) => ({
  Type: 'Task' as const,
  Resource: 'arn:aws:states:::lambda:invoke',
  Parameters: { FunctionName: `arn:aws:lambda:us-east-1:000000000000:function:${fn}`, 'Payload.$': '$' },
  ...(next ? { Next: next } : { End: true as const }),
  ...extra,
});
