import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  DescribeScheduledActionsCommand,
  PutScheduledActionCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import type { ScalableTarget } from '@aws-sdk/client-application-auto-scaling';
import { autoScalingAdapter } from '../../adapters/application-auto-scaling.ts';

const autoScaling = mockClient(ApplicationAutoScalingClient);
const adapter = autoScalingAdapter(new ApplicationAutoScalingClient({ region: 'us-east-1' }));
const metadata = { httpStatusCode: 200, requestId: 'req-1' };

const target = (resourceId: string, dimension: 'read' | 'write'): ScalableTarget => ({
  ServiceNamespace: 'dynamodb',
  ResourceId: resourceId,
  ScalableDimension: `dynamodb:table:${dimension === 'read' ? 'Read' : 'Write'}CapacityUnits`,
  MinCapacity: 5,
  MaxCapacity: 400,
  RoleARN: 'arn:aws:iam::123456789012:role/aws-service-role/dynamodb.application-autoscaling.amazonaws.com/x',
  CreationTime: new Date(Date.UTC(2026, 0, 1)),
});

beforeEach(() => {
  autoScaling.reset();
});

describe('autoScalingAdapter.describeScalableTargets', () => {
  const request = { ServiceNamespace: 'dynamodb' as const, ResourceIds: ['table/orders'] };

  it('follows NextToken and concatenates the scalable targets of every page', async () => {
    autoScaling.on(DescribeScalableTargetsCommand, request).resolves({
      $metadata: metadata,
      ScalableTargets: [target('table/orders', 'read')],
      NextToken: 'targets-2',
    });
    autoScaling.on(DescribeScalableTargetsCommand, { ...request, NextToken: 'targets-2' }).resolves({
      $metadata: metadata,
      ScalableTargets: [target('table/orders', 'write')],
    });

    const result = await adapter.describeScalableTargets(request);

    const calls = autoScaling.commandCalls(DescribeScalableTargetsCommand);
    expect(calls.map((call) => call.args[0].input)).toStrictEqual([
      request,
      { ...request, NextToken: 'targets-2' },
    ]);
    expect(result).toStrictEqual({
      ScalableTargets: [target('table/orders', 'read'), target('table/orders', 'write')],
    });
  });

  it('returns an empty list for a table without scalable targets', async () => {
    autoScaling.on(DescribeScalableTargetsCommand).resolves({ $metadata: metadata, ScalableTargets: [] });

    await expect(adapter.describeScalableTargets(request)).resolves.toStrictEqual({ ScalableTargets: [] });
    expect(autoScaling.commandCalls(DescribeScalableTargetsCommand)).toHaveLength(1);
  });
});

describe('autoScalingAdapter.registerScalableTarget', () => {
  it('sends the request unchanged and returns the response without $metadata', async () => {
    const input = {
      ServiceNamespace: 'dynamodb' as const,
      ResourceId: 'table/orders',
      ScalableDimension: 'dynamodb:table:WriteCapacityUnits' as const,
      MinCapacity: 50,
      MaxCapacity: 800,
    };
    const arn = 'arn:aws:application-autoscaling:us-east-1:123456789012:scalable-target/0123456789abcdef';
    autoScaling
      .on(RegisterScalableTargetCommand, input)
      .resolves({ $metadata: metadata, ScalableTargetARN: arn });

    const result = await adapter.registerScalableTarget(input);

    expect(autoScaling.commandCalls(RegisterScalableTargetCommand).map((c) => c.args[0].input)).toStrictEqual(
      [input],
    );
    expect(result).toStrictEqual({ ScalableTargetARN: arn });
  });
});

describe('autoScalingAdapter.describeScheduledActions', () => {
  const request = {
    ServiceNamespace: 'dynamodb' as const,
    ResourceId: 'table/orders',
    ScalableDimension: 'dynamodb:table:WriteCapacityUnits' as const,
    ScheduledActionNames: ['selfheal-restore-write-minimum'],
  };
  const action = (schedule: string) => ({
    ScheduledActionName: 'selfheal-restore-write-minimum',
    ScheduledActionARN: 'arn:aws:autoscaling:us-east-1:123456789012:scheduledAction:x',
    ServiceNamespace: 'dynamodb' as const,
    Schedule: schedule,
    ResourceId: 'table/orders',
    ScalableDimension: 'dynamodb:table:WriteCapacityUnits' as const,
    ScalableTargetAction: { MinCapacity: 100 },
    CreationTime: new Date(Date.UTC(2026, 0, 1)),
  });

  it('follows NextToken and concatenates the scheduled actions of every page', async () => {
    autoScaling.on(DescribeScheduledActionsCommand, request).resolves({
      $metadata: metadata,
      ScheduledActions: [action('at(2026-01-01T01:00:00)')],
      NextToken: 'actions-2',
    });
    autoScaling.on(DescribeScheduledActionsCommand, { ...request, NextToken: 'actions-2' }).resolves({
      $metadata: metadata,
      ScheduledActions: [action('at(2026-01-01T02:00:00)')],
    });

    const result = await adapter.describeScheduledActions(request);

    expect(
      autoScaling.commandCalls(DescribeScheduledActionsCommand).map((call) => call.args[0].input),
    ).toStrictEqual([request, { ...request, NextToken: 'actions-2' }]);
    expect(result).toStrictEqual({
      ScheduledActions: [action('at(2026-01-01T01:00:00)'), action('at(2026-01-01T02:00:00)')],
    });
  });
});

describe('autoScalingAdapter.putScheduledAction', () => {
  it('sends the request unchanged and returns the response without $metadata', async () => {
    const input = {
      ServiceNamespace: 'dynamodb' as const,
      ScheduledActionName: 'selfheal-restore-write-minimum',
      ResourceId: 'table/orders',
      ScalableDimension: 'dynamodb:table:WriteCapacityUnits' as const,
      Schedule: 'at(2026-01-01T01:00:00)',
      ScalableTargetAction: { MinCapacity: 100 },
    };
    autoScaling.on(PutScheduledActionCommand, input).resolves({ $metadata: metadata });

    const result = await adapter.putScheduledAction(input);

    expect(autoScaling.commandCalls(PutScheduledActionCommand).map((c) => c.args[0].input)).toStrictEqual([
      input,
    ]);
    expect(result).toStrictEqual({});
  });
});
