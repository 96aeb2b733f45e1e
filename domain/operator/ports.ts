/**
 * The slice of the Step Functions API the operator's commands need, in the SDK's own
 * request/response shapes (as the other ports): production binds it to the SFN client
 * (`adapters/sfn.ts`), the local engine to its executions and task tokens (`local/step-functions.ts`),
 * so the same operator code runs against both. Responses carry no `$metadata`; errors are the
 * SDK's own names (`ExecutionDoesNotExist`, `StateMachineDoesNotExist`, `ExecutionAlreadyExists`,
 * `TaskDoesNotExist`, `TaskTimedOut`, `InvalidToken`, `InvalidArn`).
 */
import type {
  DescribeExecutionInput,
  DescribeExecutionOutput,
  GetExecutionHistoryInput,
  GetExecutionHistoryOutput,
  ListExecutionsInput,
  ListExecutionsOutput,
  ListStateMachinesInput,
  ListStateMachinesOutput,
  SendTaskFailureInput,
  SendTaskFailureOutput,
  SendTaskSuccessInput,
  SendTaskSuccessOutput,
  StartExecutionInput,
  StartExecutionOutput,
  StopExecutionInput,
  StopExecutionOutput,
} from '@aws-sdk/client-sfn';

export interface StepFunctionsPort {
  describeExecution(input: DescribeExecutionInput): Promise<DescribeExecutionOutput>;
  /** One page: callers follow `nextToken` themselves. */
  getExecutionHistory(input: GetExecutionHistoryInput): Promise<GetExecutionHistoryOutput>;
  sendTaskSuccess(input: SendTaskSuccessInput): Promise<SendTaskSuccessOutput>;
  sendTaskFailure(input: SendTaskFailureInput): Promise<SendTaskFailureOutput>;
  startExecution(input: StartExecutionInput): Promise<StartExecutionOutput>;
  /** One page: callers follow `nextToken` themselves. */
  listStateMachines(input: ListStateMachinesInput): Promise<ListStateMachinesOutput>;
  /** One page, newest execution first: callers follow `nextToken` themselves. */
  listExecutions(input: ListExecutionsInput): Promise<ListExecutionsOutput>;
  stopExecution(input: StopExecutionInput): Promise<StopExecutionOutput>;
}
