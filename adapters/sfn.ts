/**
 * StepFunctionsPort over the SDK v3 SFN client: requests go out unchanged and `$metadata` stays
 * behind with the transport. Errors are the SDK's own (`ExecutionDoesNotExist`, `InvalidArn`,
 * `TaskDoesNotExist`, `TaskTimedOut`, `InvalidToken`, ...): `domain/operator/approval.ts` reads
 * them by name, as it reads the local engine's.
 */
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
} from '@aws-sdk/client-sfn';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { StepFunctionsPort } from '../domain/operator/ports.ts';

export function sfnAdapter(client: SFNClient): StepFunctionsPort {
  return {
    async describeExecution(input) {
      const { $metadata: _metadata, ...execution } = await client.send(new DescribeExecutionCommand(input));
      return execution;
    },

    async getExecutionHistory(input) {
      const { $metadata: _metadata, ...page } = await client.send(new GetExecutionHistoryCommand(input));
      return page;
    },

    async sendTaskSuccess(input) {
      const { $metadata: _metadata, ...output } = await client.send(new SendTaskSuccessCommand(input));
      return output;
    },

    async sendTaskFailure(input) {
      const { $metadata: _metadata, ...output } = await client.send(new SendTaskFailureCommand(input));
      return output;
    },
  };
}
