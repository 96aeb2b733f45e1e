/**
 * Starting a child execution. `arn:aws:states:::states:startExecution.sync:2`: a nested local execution. The parent waits for
 * it and gets the same output shape as in AWS (`Output` as JSON, not a string, for `:2`); a failed
 * child fails the task with `States.TaskFailed` and the child's description as the cause. When the
 * Task ends first (its TimeoutSeconds, or the parent execution ends), the child is stopped, as AWS
 * stops a resource whose managing Task state was aborted.
 */
import type { ExecutionRecord, StartOptions } from '../executions.ts';
import { isJsonObject, type JsonValue } from '../../core/json.ts';
import { TaskError } from './task-error.ts';
import type { InvocationContext } from './binding.ts';

/** A nested child: its end, and a way to stop it (ABORTED, with this cause and no error). */
export interface NestedExecution {
  executionArn: string;
  startDate: Date;
  done: Promise<ExecutionRecord>;
  stop(cause: string): void;
}

type StartNested = (reference: string, input: JsonValue, options: StartOptions) => NestedExecution;
type StartDetached = (reference: string, input: JsonValue, options: StartOptions) => ExecutionRecord;

function childStart(parameters: JsonValue, context: InvocationContext) {
  if (!isJsonObject(parameters) || typeof parameters.StateMachineArn !== 'string') {
    throw new TaskError('States.Runtime', 'startExecution needs a StateMachineArn in Parameters');
  }
  // Input may be a JSON string or an object, as in AWS.
  const raw = parameters.Input ?? {};
  const input = typeof raw === 'string' ? (JSON.parse(raw) as JsonValue) : raw;
  const options: StartOptions = {
    ...(typeof parameters.Name === 'string' ? { name: parameters.Name } : {}),
    parentExecutionArn: context.execution.executionArn,
  };
  return { stateMachineArn: parameters.StateMachineArn, input, options };
}

/**
 * `arn:aws:states:::states:startExecution`: starts the child and answers at once, as StartExecution
 * does (`ExecutionArn`, `StartDate`); the child runs on by itself.
 */
export function startDetachedExecution(startDetached: StartDetached) {
  return async (parameters: JsonValue, context: InvocationContext): Promise<JsonValue> => {
    const { stateMachineArn, input, options } = childStart(parameters, context);
    const child = startDetached(stateMachineArn, input, options);
    return { ExecutionArn: child.executionArn, StartDate: child.startDate.getTime() };
  };
}

export function startNestedExecution(startNested: StartNested) {
  return async (parameters: JsonValue, context: InvocationContext): Promise<JsonValue> => {
    const { stateMachineArn, input, options } = childStart(parameters, context);
    const nested = startNested(stateMachineArn, input, options);
    // As AWS records for a `.sync` integration: the job (here the child) started, with the start's
    // own response, before the Task waits for it to end.
    context.history.record('TaskSubmitted', {
      taskSubmittedEventDetails: {
        resourceType: 'states',
        resource: 'startExecution.sync:2',
        output: JSON.stringify({ ExecutionArn: nested.executionArn, StartDate: nested.startDate.getTime() }),
      },
    });
    // AWS's cause when it stops a child whose Task state was aborted (timed out, or its execution ended).
    const stopChild = (): void =>
      nested.stop(
        `The Task state in AWS Step Functions execution [${context.execution.executionArn}] which was managing this resource was aborted`,
      );
    if (context.signal.aborted) stopChild();
    context.signal.addEventListener('abort', stopChild, { once: true });
    let child: ExecutionRecord;
    try {
      child = await nested.done;
    } finally {
      context.signal.removeEventListener('abort', stopChild);
    }
    const description: JsonValue = {
      ExecutionArn: child.executionArn,
      StateMachineArn: child.stateMachineArn,
      Name: child.name,
      Status: child.status,
      StartDate: child.startDate.getTime(),
      StopDate: child.stopDate?.getTime() ?? null,
      Input: child.input,
      InputDetails: { Included: true },
      ...(child.status === 'SUCCEEDED'
        ? { Output: child.output ?? null, OutputDetails: { Included: true } }
        : { Error: child.error ?? 'States.TaskFailed', Cause: child.cause ?? '' }),
    };
    if (child.status !== 'SUCCEEDED') throw new TaskError('States.TaskFailed', JSON.stringify(description));
    return description;
  };
}
