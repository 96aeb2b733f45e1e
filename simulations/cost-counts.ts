/**
 * What Step Functions and Lambda bill, counted from an execution's history: every state entered is
 * a transition, and so is every retry of a task; a task whose resource is Lambda is an invocation.
 * The simulations' 24-hour costs (`cost.ts`) and the bench's cost of a remediation
 * (`bench/cost.ts`) count the same way, here.
 */

/** The part of a history event the counts read (the engine's events, or AWS's GetExecutionHistory). */
export interface CountableEvent {
  type: string;
  taskScheduledEventDetails?: { resourceType: string; resource: string };
}

export interface ExecutionCounts {
  /** `…StateEntered` events: one transition each. */
  statesEntered: number;
  /** Task attempts after the first (a retry re-schedules the task without a new StateEntered). */
  retries: number;
  /** What Step Functions bills: states entered plus retries. */
  transitions: number;
  /** Scheduled tasks that invoke a Lambda function (`lambda:invoke`, or a Lambda ARN as Resource). */
  lambdaInvocations: number;
  /** Scheduled tasks that call a service directly (optimized and AWS SDK integrations). */
  integrationCalls: number;
  /** Lambda invocations if every integration Task were a Lambda function instead. */
  lambdaOnlyInvocations: number;
}

/** A Lambda function as the Resource (`arn:aws:lambda:…`) records LambdaFunctionScheduled, not TaskScheduled. */
const LAMBDA_SCHEDULED = 'LambdaFunctionScheduled';

export function countExecution(history: readonly CountableEvent[]): ExecutionCounts {
  let statesEntered = 0;
  let taskStatesEntered = 0;
  let lambdaInvocations = 0;
  let integrationCalls = 0;
  for (const event of history) {
    if (event.type.endsWith('StateEntered')) {
      statesEntered++;
      if (event.type === 'TaskStateEntered') taskStatesEntered++;
    } else if (event.type === LAMBDA_SCHEDULED) {
      lambdaInvocations++;
    } else if (event.type === 'TaskScheduled') {
      if (event.taskScheduledEventDetails?.resourceType === 'lambda') lambdaInvocations++;
      else integrationCalls++;
    }
  }
  // Each Task state entered schedules its task once; every schedule beyond that is a retry. Counted
  // from totals, so Map iterations running side by side (interleaved events) count right.
  const retries = Math.max(0, lambdaInvocations + integrationCalls - taskStatesEntered);
  return {
    statesEntered,
    retries,
    transitions: statesEntered + retries,
    lambdaInvocations,
    integrationCalls,
    lambdaOnlyInvocations: lambdaInvocations + integrationCalls,
  };
}

/** Adds the counts of several executions (a runbook and the runbooks it starts). */
export function addCounts(counts: readonly ExecutionCounts[]): ExecutionCounts {
  const zero: ExecutionCounts = {
    statesEntered: 0,
    retries: 0,
    transitions: 0,
    lambdaInvocations: 0,
    integrationCalls: 0,
    lambdaOnlyInvocations: 0,
  };
  return counts.reduce(
    (sum, c) => ({
      statesEntered: sum.statesEntered + c.statesEntered,
      retries: sum.retries + c.retries,
      transitions: sum.transitions + c.transitions,
      lambdaInvocations: sum.lambdaInvocations + c.lambdaInvocations,
      integrationCalls: sum.integrationCalls + c.integrationCalls,
      lambdaOnlyInvocations: sum.lambdaOnlyInvocations + c.lambdaOnlyInvocations,
    }),
    zero,
  );
}
