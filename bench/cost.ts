/**
 * What a remediation costs in AWS, counted from an execution's history as Step Functions and
 * Lambda bill it: every state transition (Standard workflows, USD 0.025 per 1,000: see
 * `../shared/aws-facts.md`) and every Lambda request (USD 0.20 per 1M requests: AWS Lambda's price
 * list, the same on x86 and Arm; not in aws-facts.md). Durations, the free tiers and the calls the
 * tasks make (DynamoDB, CloudWatch, …) are left out: they are the same whoever makes the call.
 *
 * Beside it, the same run written with Lambda-only tasks: every optimized or AWS SDK integration
 * Task (`dynamodb:*`, `sns:*`, `aws-sdk:*`, `states:startExecution`) would be a Lambda function
 * making the call instead, one invocation per scheduled task, with the same transitions.
 */

/** USD per state transition of a Standard workflow (USD 0.025 per 1,000). */
export const USD_PER_TRANSITION = 0.025 / 1_000;
/** USD per Lambda request (USD 0.20 per 1M requests). */
export const USD_PER_LAMBDA_REQUEST = 0.2 / 1_000_000;

export const PRICES = {
  stepFunctionsStandardUsdPer1000Transitions: 0.025,
  lambdaUsdPer1MRequests: 0.2,
  sources: {
    stepFunctions: '../shared/aws-facts.md (Step Functions: Standard workflows, USD 0.025 per 1,000)',
    lambda: 'AWS Lambda pricing: USD 0.20 per 1M requests (x86 and Arm); duration not counted',
  },
} as const;

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

export interface RunCost {
  /** USD for one run: transitions plus Lambda requests as written. */
  usd: number;
  /** USD for one run written with Lambda-only tasks. */
  lambdaOnlyUsd: number;
  /** How much more the Lambda-only run costs (1.01 = 1 % more). */
  lambdaOnlyFactor: number;
}

export function costOf(counts: ExecutionCounts): RunCost {
  const transitions = counts.transitions * USD_PER_TRANSITION;
  const usd = transitions + counts.lambdaInvocations * USD_PER_LAMBDA_REQUEST;
  const lambdaOnlyUsd = transitions + counts.lambdaOnlyInvocations * USD_PER_LAMBDA_REQUEST;
  return {
    usd: roundUsd(usd),
    lambdaOnlyUsd: roundUsd(lambdaOnlyUsd),
    lambdaOnlyFactor: usd === 0 ? 1 : Math.round((lambdaOnlyUsd / usd) * 10_000) / 10_000,
  };
}

/** To a billionth of a dollar: enough for a single run, free of floating-point noise. */
const roundUsd = (usd: number): number => Math.round(usd * 1e9) / 1e9;
