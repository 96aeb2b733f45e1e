/**
 * The slice of the Step Functions API an operator's answer to a waiting runbook needs, in the SDK's
 * own request/response shapes (as the other ports): production binds it to the SFN client
 * (`adapters/sfn.ts`), the local engine to its executions and task tokens (`engine/local-sfn.ts`),
 * so the same approval logic runs against both. Responses carry no `$metadata`; errors are the
 * SDK's own names (`ExecutionDoesNotExist`, `TaskDoesNotExist`, `TaskTimedOut`, `InvalidToken`).
 */
import type {
  DescribeExecutionInput,
  DescribeExecutionOutput,
  GetExecutionHistoryInput,
  GetExecutionHistoryOutput,
  SendTaskFailureInput,
  SendTaskFailureOutput,
  SendTaskSuccessInput,
  SendTaskSuccessOutput,
} from '@aws-sdk/client-sfn';

export interface StepFunctionsPort {
  describeExecution(input: DescribeExecutionInput): Promise<DescribeExecutionOutput>;
  /** One page: callers follow `nextToken` themselves. */
  getExecutionHistory(input: GetExecutionHistoryInput): Promise<GetExecutionHistoryOutput>;
  sendTaskSuccess(input: SendTaskSuccessInput): Promise<SendTaskSuccessOutput>;
  sendTaskFailure(input: SendTaskFailureInput): Promise<SendTaskFailureOutput>;
}
