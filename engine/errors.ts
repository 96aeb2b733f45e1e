/**
 * Errors the local engine raises about the machines it is asked to run. They are thrown before an
 * execution starts (a definition the engine cannot run faithfully must not half-run).
 */
export class LocalEngineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class UnsupportedResourceError extends LocalEngineError {
  readonly stateName: string;
  readonly resource: string;
  constructor(machineName: string, stateName: string, resource: string, why: string) {
    super(
      `State "${stateName}" of ${machineName} uses ${resource}, which the local engine cannot run: ${why}`,
    );
    this.stateName = stateName;
    this.resource = resource;
  }
}

export class MissingSubstitutionError extends LocalEngineError {
  readonly placeholders: string[];
  constructor(machineName: string, placeholders: string[]) {
    super(`${machineName} needs definition substitutions for: ${placeholders.join(', ')}`);
    this.placeholders = placeholders;
  }
}

export class UnknownStateMachineError extends LocalEngineError {
  constructor(reference: string, known: string[]) {
    super(`No local state machine "${reference}"; known: ${known.join(', ') || 'none'}`);
  }
}

export class UnknownExecutionError extends LocalEngineError {
  constructor(executionArn: string) {
    super(`No local execution ${executionArn}`);
  }
}

/** An execution's input over Step Functions' payload quota: StartExecution refuses it, nothing starts. */
export class ExecutionInputTooLargeError extends LocalEngineError {
  constructor(machineName: string, bytes: number, maxBytes: number) {
    super(
      `The input to ${machineName} is ${bytes} bytes of JSON, over Step Functions' quota of ${maxBytes}: no execution was started`,
    );
  }
}

/**
 * An input nested deeper than V8 can write as JSON text (JSON.stringify overflows its stack at a few
 * thousand levels). AWS reads inputs as text and documents no depth limit, so this is a limit of the
 * local engine, said as one: nothing starts, and the caller hears it by name, never as a RangeError.
 */
export class ExecutionInputTooDeepError extends LocalEngineError {
  constructor(machineName: string) {
    super(
      `The input to ${machineName} is nested too deep for the local engine to write as JSON: no execution was started (a limit of the local engine, not of Step Functions)`,
    );
  }
}

export class InvalidTaskTokenError extends LocalEngineError {
  constructor(token: string) {
    super(`Task token ${token} is not waiting (unknown, already answered, or timed out)`);
  }
}

/** The local deployment's saved runs can be read, not changed: its engine ran and ended with a command. */
export class LocalEngineNotRunningError extends LocalEngineError {
  constructor(what: string) {
    super(
      `${what} needs the local engine running, and it runs only inside the command that starts a run (selfheal start --local)`,
    );
  }
}
