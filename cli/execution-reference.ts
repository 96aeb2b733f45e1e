/** The `<execution>` argument of a command about one execution: an execution ARN, or a name. */
import { isExecutionName } from '../domain/operator/execution-name.ts';
import { isExecutionArn } from '../domain/operator/executions.ts';
import { UsageError } from './exit-codes.ts';

export function executionReference(positionals: readonly string[], command: string): string {
  const [reference, extra] = positionals;
  if (reference === undefined)
    throw new UsageError(`name the execution: selfheal ${command} <execution-arn or name>`);
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
  if (!isExecutionArn(reference) && !isExecutionName(reference)) {
    throw new UsageError(
      `"${reference}" is neither an execution ARN (arn:aws:states:<region>:<account>:execution:<machine>:<name>) nor an execution name`,
    );
  }
  return reference;
}
