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
 *
 * The prices and the counting live in `../simulations/` (`cost-prices.ts`, `cost-counts.ts`), where
 * the simulations' 24-hour costs use them too: one price list.
 */

import { PRICES as PRICE_LIST } from '../simulations/cost-prices.ts';
import type { ExecutionCounts } from '../simulations/cost-counts.ts';

export {
  addCounts,
  countExecution,
  type CountableEvent,
  type ExecutionCounts,
} from '../simulations/cost-counts.ts';

/** USD per state transition of a Standard workflow (USD 0.025 per 1,000): the shared price list's. */
export const USD_PER_TRANSITION = PRICE_LIST.stepFunctionsTransition.usd;
/** USD per Lambda request (USD 0.20 per 1M requests): the shared price list's. */
export const USD_PER_LAMBDA_REQUEST = PRICE_LIST.lambdaRequest.usd;

/** The prices as `bench/results.json` records them (`simulations/cost-prices.ts` holds them). */
export const PRICES = {
  stepFunctionsStandardUsdPer1000Transitions: Math.round(USD_PER_TRANSITION * 1_000 * 1e9) / 1e9,
  lambdaUsdPer1MRequests: Math.round(USD_PER_LAMBDA_REQUEST * 1_000_000 * 1e9) / 1e9,
  sources: {
    stepFunctions: '../shared/aws-facts.md (Step Functions: Standard workflows, USD 0.025 per 1,000)',
    lambda: 'AWS Lambda pricing: USD 0.20 per 1M requests (x86 and Arm); duration not counted',
  },
} as const;

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
