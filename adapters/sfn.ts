/**
 * StepFunctionsPort over the SDK v3 SFN client: requests go out unchanged and `$metadata` stays
 * behind with the transport. Errors are the SDK's own (`ExecutionDoesNotExist`, `InvalidArn`,
 * `TaskDoesNotExist`, `TaskTimedOut`, `InvalidToken`, ...): `domain/operator/` reads them by name,
 * as it reads the local engine's.
 */
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { StepFunctionsPort } from '../domain/operator/ports.ts';

/** The response without the transport's `$metadata`. */
function withoutMetadata<T extends { $metadata: unknown }>(response: T): Omit<T, '$metadata'> {
  const { $metadata: _metadata, ...output } = response;
  return output;
}

export function sfnAdapter(client: SFNClient): StepFunctionsPort {
  return {
    describeExecution: async (input) =>
      withoutMetadata(await client.send(new DescribeExecutionCommand(input))),
    getExecutionHistory: async (input) =>
      withoutMetadata(await client.send(new GetExecutionHistoryCommand(input))),
    sendTaskSuccess: async (input) => withoutMetadata(await client.send(new SendTaskSuccessCommand(input))),
    sendTaskFailure: async (input) => withoutMetadata(await client.send(new SendTaskFailureCommand(input))),
    startExecution: async (input) => withoutMetadata(await client.send(new StartExecutionCommand(input))),
    listStateMachines: async (input) =>
      withoutMetadata(await client.send(new ListStateMachinesCommand(input))),
    listExecutions: async (input) => withoutMetadata(await client.send(new ListExecutionsCommand(input))),
    stopExecution: async (input) => withoutMetadata(await client.send(new StopExecutionCommand(input))),
  };
}
