/**
 * What stops an operator's command, each one clear line for the CLI (exit 1): the deployment has
 * no such state machine or execution, the execution has already ended, nothing waits for an answer.
 */
export class OperatorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Step Functions knows no such execution (ExecutionDoesNotExist, InvalidArn). */
export class ExecutionNotFoundError extends OperatorError {}

/** The deployment has no state machine of that name (a wrong --deployment or --region, or not deployed). */
export class StateMachineNotFoundError extends OperatorError {}

/** The execution has ended: there is nothing to stop. */
export class ExecutionEndedError extends OperatorError {}

/** The SDK's error name (`ExecutionDoesNotExist`, ...), as the local engine's errors carry it too. */
export const errorName = (error: unknown): string | undefined =>
  error instanceof Error ? error.name : undefined;

export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
