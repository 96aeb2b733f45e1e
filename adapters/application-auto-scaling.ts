/**
 * AutoScalingPort over the SDK v3 client: the Describe calls are followed across pages, and
 * `$metadata` stays behind with the transport.
 */
import {
  DescribeScalableTargetsCommand,
  DescribeScheduledActionsCommand,
  PutScheduledActionCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import type {
  ApplicationAutoScalingClient,
  ScalableTarget,
  ScheduledAction,
} from '@aws-sdk/client-application-auto-scaling';
import type { AutoScalingPort } from '../domain/ports.ts';

export function autoScalingAdapter(client: ApplicationAutoScalingClient): AutoScalingPort {
  return {
    async describeScalableTargets(input) {
      const scalableTargets: ScalableTarget[] = [];
      let nextToken = input.NextToken;
      do {
        const request = nextToken === input.NextToken ? input : { ...input, NextToken: nextToken };
        const page = await client.send(new DescribeScalableTargetsCommand(request));
        scalableTargets.push(...(page.ScalableTargets ?? []));
        nextToken = page.NextToken;
      } while (nextToken);
      return { ScalableTargets: scalableTargets };
    },

    async registerScalableTarget(input) {
      const { $metadata: _metadata, ...response } = await client.send(
        new RegisterScalableTargetCommand(input),
      );
      return response;
    },

    async describeScheduledActions(input) {
      const scheduledActions: ScheduledAction[] = [];
      let nextToken = input.NextToken;
      do {
        const request = nextToken === input.NextToken ? input : { ...input, NextToken: nextToken };
        const page = await client.send(new DescribeScheduledActionsCommand(request));
        scheduledActions.push(...(page.ScheduledActions ?? []));
        nextToken = page.NextToken;
      } while (nextToken);
      return { ScheduledActions: scheduledActions };
    },

    async putScheduledAction(input) {
      const { $metadata: _metadata, ...response } = await client.send(new PutScheduledActionCommand(input));
      return response;
    },
  };
}
