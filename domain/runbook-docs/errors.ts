/**
 * Why a runbook cannot be rendered. A runbook page is read as the runbook itself, so a state the
 * reader cannot understand (no Comment) or a transition that leads nowhere stops the render rather
 * than producing a page with a hole in it.
 */
export class RunbookDocsError extends Error {
  readonly runbook: string;
  readonly problems: readonly string[];

  constructor(runbook: string, summary: string, problems: readonly string[]) {
    super(`${runbook}: ${summary}: ${problems.join('; ')}`);
    this.name = new.target.name;
    this.runbook = runbook;
    this.problems = problems;
  }
}

/** Every state (and the state machine itself) must say in its Comment what it does and why. */
export class MissingCommentError extends RunbookDocsError {
  constructor(runbook: string, states: readonly string[]) {
    super(
      runbook,
      'every state needs a Comment, and these have none',
      states.map((s) => JSON.stringify(s)),
    );
  }
}

/** A transition to a state its machine does not have, or a state name used twice. */
export class BrokenRunbookError extends RunbookDocsError {
  constructor(runbook: string, problems: readonly string[]) {
    super(runbook, 'the definition is broken', problems);
  }
}
