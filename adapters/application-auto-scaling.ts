/**
 * AutoScalingPort over the SDK v3 client: DescribeScalableTargets is followed across pages, and
 * `$metadata` stays behind with the transport.
 */
import {
  DescribeScalableTargetsCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import type { ApplicationAutoScalingClient, ScalableTarget } from '@aws-sdk/client-application-auto-scaling';
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
  };
}
