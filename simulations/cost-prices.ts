/**
 * The one price list: what the simulations' 24-hour costs (`cost.ts`) and the bench's cost of a
 * remediation (`bench/cost.ts`) charge. List prices of one region, US East (N. Virginia),
 * on-demand, without free tiers, Savings Plans or reserved capacity, each with its source.
 *
 * The example deployment (`selfheal.config.json`) names eu-west-1, whose prices are a little
 * higher; the comparison between variants is what the figures are for, and it holds in any region.
 */

export const PRICE_REGION = 'us-east-1';

export interface Price {
  /** USD per one `unit`. */
  usd: number;
  unit: string;
  /** Where the figure comes from. */
  source: string;
}

const DYNAMODB_PROVISIONED =
  'Amazon DynamoDB pricing for provisioned capacity (aws.amazon.com/dynamodb/pricing/provisioned/), US East (N. Virginia)';
const DYNAMODB_ON_DEMAND =
  'Amazon DynamoDB pricing for on-demand capacity (aws.amazon.com/dynamodb/pricing/on-demand/), US East (N. Virginia), after the price cut of 1 November 2024';
const LAMBDA =
  'AWS Lambda pricing (aws.amazon.com/lambda/pricing/), US East (N. Virginia), first duration tier';

export const PRICES = {
  dynamodbWcuHour: {
    usd: 0.00065,
    unit: 'WCU-hour',
    source: DYNAMODB_PROVISIONED,
  },
  dynamodbRcuHour: {
    usd: 0.00013,
    unit: 'RCU-hour',
    source: DYNAMODB_PROVISIONED,
  },
  dynamodbWriteRequestUnit: {
    usd: 0.000000625,
    unit: 'write request unit',
    source: `${DYNAMODB_ON_DEMAND}: USD 0.625 per million`,
  },
  dynamodbReadRequestUnit: {
    usd: 0.000000125,
    unit: 'read request unit',
    source: `${DYNAMODB_ON_DEMAND}: USD 0.125 per million`,
  },
  stepFunctionsTransition: {
    usd: 0.000025,
    unit: 'state transition',
    source:
      'AWS Step Functions pricing, Standard workflows: USD 0.025 per 1,000 state transitions (../shared/aws-facts.md)',
  },
  lambdaRequest: {
    usd: 0.0000002,
    unit: 'request',
    source: `${LAMBDA}: USD 0.20 per million requests, x86 and Arm alike`,
  },
  lambdaArmGbSecond: {
    usd: 0.0000133334,
    unit: 'GB-second (Arm)',
    source: LAMBDA,
  },
  lambdaX86GbSecond: {
    usd: 0.0000166667,
    unit: 'GB-second (x86)',
    source: LAMBDA,
  },
  sqsRequest: {
    usd: 0.0000004,
    unit: 'request',
    source:
      'Amazon SQS pricing (aws.amazon.com/sqs/pricing/), standard queues, US East (N. Virginia): USD 0.40 per million requests; each 64 KB chunk of a payload is a request',
  },
  xrayTraceRecorded: {
    usd: 0.000005,
    unit: 'trace recorded',
    source: 'AWS X-Ray pricing (aws.amazon.com/xray/pricing/): USD 5.00 per million traces recorded',
  },
} as const satisfies Record<string, Price>;

/**
 * Not in any variant's total (the same in every variant of the cell scenarios: the fleet's routing
 * runs on the cluster whoever flips its controls), stated so it is not forgotten.
 */
export const ARC_CLUSTER_HOUR: Price = {
  usd: 2.5,
  unit: 'cluster-hour',
  source:
    'Amazon Application Recovery Controller (ARC) pricing (aws.amazon.com/application-recovery-controller/pricing/): routing control, USD 2.50 per cluster per hour; the developer guide ("Creating routing control components") says a cluster is charged by the hour. The figure could not be checked against a stored copy of the pricing page',
};
