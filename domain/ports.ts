/**
 * Ports: the AWS APIs the domain logic talks to, in the AWS SDK's own request/response shapes.
 *
 * Production binds them to SDK v3 clients (`adapters/`); the local engine binds the same ports to
 * the simulated world (`world/`). Keeping the shapes identical means a handler's code path is the
 * same in both places, and adapter tests can assert the exact requests AWS receives.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type {
  DescribeInsightRulesInput,
  DescribeInsightRulesOutput,
  GetInsightRuleReportInput,
  GetInsightRuleReportOutput,
  GetMetricDataInput,
  GetMetricDataOutput,
} from '@aws-sdk/client-cloudwatch';
import type {
  DescribeScalableTargetsRequest,
  DescribeScalableTargetsResponse,
  DescribeScheduledActionsRequest,
  DescribeScheduledActionsResponse,
  PutScheduledActionRequest,
  PutScheduledActionResponse,
  RegisterScalableTargetRequest,
  RegisterScalableTargetResponse,
} from '@aws-sdk/client-application-auto-scaling';

/** The slice of the CloudWatch API selfheal reads: metrics, and Contributor Insights for hot keys. */
export interface CloudWatchPort {
  /** One page-complete answer: adapters follow NextToken themselves. */
  getMetricData(input: GetMetricDataInput): Promise<GetMetricDataOutput>;
  describeInsightRules(input: DescribeInsightRulesInput): Promise<DescribeInsightRulesOutput>;
  getInsightRuleReport(input: GetInsightRuleReportInput): Promise<GetInsightRuleReportOutput>;
}

/** The slice of Application Auto Scaling selfheal needs to respect (and adjust) a table's scaling. */
export interface AutoScalingPort {
  describeScalableTargets(input: DescribeScalableTargetsRequest): Promise<DescribeScalableTargetsResponse>;
  registerScalableTarget(input: RegisterScalableTargetRequest): Promise<RegisterScalableTargetResponse>;
  /** One page-complete answer: adapters follow NextToken themselves. */
  describeScheduledActions(input: DescribeScheduledActionsRequest): Promise<DescribeScheduledActionsResponse>;
  /** Creates or updates (by name) a scheduled action: how a raised minimum is handed back later. */
  putScheduledAction(input: PutScheduledActionRequest): Promise<PutScheduledActionResponse>;
}

/** DynamoDB is spoken to through the real client: dynalite serves the same API locally. */
export type DynamoDbPort = DynamoDBClient;
