/**
 * Run before every test file of the shared-worker project (vitest.config.ts), where files share one
 * module cache per worker: what a file changes outside itself is put back when it ends, so the next
 * file in the worker starts as it would in a fresh one.
 *
 * - `mockClient(SomeClient)` (aws-sdk-client-mock) stubs `send` on the client class's prototype,
 *   for every instance in the process: a file that mocks at module level never restores it, and the
 *   next file's real client against dynalite would answer `undefined`.
 * - Spies (`vi.spyOn`) a file left on a shared object (a logger, the console).
 * - Environment variables a file stubbed with `vi.stubEnv` and did not unstub.
 * - Fake timers a file left on.
 */
import { afterAll, vi } from 'vitest';
import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { Route53Client } from '@aws-sdk/client-route-53';
import { Route53RecoveryClusterClient } from '@aws-sdk/client-route53-recovery-cluster';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { XRayClient } from '@aws-sdk/client-xray';

/** Every AWS SDK client the project uses (package.json's @aws-sdk/client-* dependencies). */
const CLIENTS = [
  ApplicationAutoScalingClient,
  CloudWatchClient,
  DynamoDBClient,
  EventBridgeClient,
  LambdaClient,
  Route53Client,
  Route53RecoveryClusterClient,
  SFNClient,
  SNSClient,
  SQSClient,
  XRayClient,
];

/** A sinon stub (what mockClient puts in place of `send`) can be restored. */
interface Restorable {
  restore(): void;
}
const isRestorable = (value: unknown): value is Restorable =>
  typeof value === 'function' && typeof (value as Partial<Restorable>).restore === 'function';

afterAll(() => {
  for (const client of CLIENTS) {
    const send: unknown = Object.getOwnPropertyDescriptor(client.prototype, 'send')?.value;
    if (isRestorable(send)) send.restore();
  }
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  vi.useRealTimers();
});
