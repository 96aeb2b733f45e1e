import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import type { ScalableTarget } from '@aws-sdk/client-application-auto-scaling';
import type { ExecutionRecord } from '../../engine/local-engine.ts';
import { statesEntered } from '../../engine/history.ts';
import { writeScalableTarget } from '../../world/dynamodb/steady-demand.ts';
import { steadyDemandEngine, type SteadyDemandEngineOptions } from '../support/runbook-engine.ts';
import {
  recordCommands,
  useLocalDynamoDb,
  useProvisionedTable,
  type SentCommand,
} from '../support/local-dynamodb.ts';
import { rangeRequest } from '../support/capacity-request.ts';
import { readableBeforeMs } from '../../world/cloudwatch-publication.ts';

const TABLE = 'orders';

const dynamodb = useLocalDynamoDb();
let sentToDynamoDb: SentCommand[] = [];

beforeAll(() => {
  sentToDynamoDb = recordCommands(dynamodb());
});

useProvisionedTable(dynamodb, TABLE);

beforeEach(() => {
  sentToDynamoDb.length = 0;
});

const hotShardEngine = (setup: Omit<SteadyDemandEngineOptions, 'tableName'>) =>
  steadyDemandEngine(dynamodb(), { tableName: TABLE, ...setup });

async function capacity() {
  const table = (await dynamodb().send(new DescribeTableCommand({ TableName: TABLE }))).Table;
  return {
    read: table?.ProvisionedThroughput?.ReadCapacityUnits,
    write: table?.ProvisionedThroughput?.WriteCapacityUnits,
    billingMode: table?.BillingModeSummary?.BillingMode ?? 'PROVISIONED',
  };
}

const updates = () => sentToDynamoDb.filter((c) => c.command === 'UpdateTableCommand');
const output = (run: ExecutionRecord) => run.output as Record<string, unknown>;

describe('the hot-shard runbook', () => {
  it('raises write capacity to the demand plus headroom, waits for ACTIVE and verifies it healed', async () => {
    const { engine } = await hotShardEngine({ demand: { read: 100, write: 500 } });
    const run = await engine.run('hot-shard', { tableName: TABLE });

    expect(run.status).toBe('SUCCEEDED');
    expect(output(run)).toMatchObject({ outcome: 'healed', tableName: TABLE, rounds: 1 });
    expect(await capacity()).toMatchObject({ read: 300, write: 650 }); // 500/s x 1.3 headroom
    expect(updates()).toHaveLength(1);
    expect(output(run).actions).toEqual([
      expect.objectContaining({
        kind: 'raise-capacity',
        changes: [{ dimension: 'write', via: 'update-table', before: 100, after: 650 }],
      }),
    ]);
    expect(statesEntered(run.history)).toEqual([
      'Check the request',
      'Diagnose the table',
      'Plan the capacity change',
      'What does the plan say?',
      'Is this a dry run?',
      'Apply the capacity change',
      'Keep the record of actions',
      'Give the table time to update',
      'Check whether the table is active',
      'Is the table active again?',
      'Note when the change took effect',
      'Let the new capacity settle',
      'Verify throttling has stopped',
      'Has the table healed?',
      'Report the table healed',
    ]);
    // 20 s for the status check and the 180 s verification window, in virtual time.
    expect(run.stopDate!.getTime() - run.startDate.getTime()).toBe(200_000);
    expect(output(run).verification).toMatchObject({
      verdict: 'healed',
      // ACTIVE at 12:00:20: the window is the whole minutes after it.
      checkedFrom: '2026-01-01T12:01:00.000Z',
      checkedTo: '2026-01-01T12:03:00.000Z',
    });
  });

  describe('on a CloudWatch that publishes each minute 2 minutes after it ends', () => {
    /** Serves only the minutes published by now, as the world's CloudWatch does (`publishedTo`: none after it). */
    function publishLate(
      cloudwatch: Awaited<ReturnType<typeof hotShardEngine>>['cloudwatch'],
      now: () => number,
      publishedTo = Infinity,
    ) {
      const read = cloudwatch.port.getMetricData.bind(cloudwatch.port);
      cloudwatch.port.getMetricData = async (input) => {
        const answer = await read(input);
        const readable = Math.min(readableBeforeMs(now(), 120), publishedTo);
        for (const result of answer.MetricDataResults ?? []) {
          const keep = (result.Timestamps ?? []).map((t) => new Date(t).getTime() < readable);
          result.Timestamps = result.Timestamps?.filter((_, i) => keep[i]);
          result.Values = result.Values?.filter((_, i) => keep[i]);
        }
        return answer;
      };
    }

    it('waits for the verification window to be published before it reports the table healed', async () => {
      const { engine, cloudwatch, clock } = await hotShardEngine({ demand: { read: 100, write: 500 } });
      publishLate(cloudwatch, () => clock.now());
      const run = await engine.run('hot-shard', { tableName: TABLE });

      expect(output(run)).toMatchObject({ outcome: 'healed', rounds: 1 });
      expect(statesEntered(run.history).slice(10)).toEqual([
        'Note when the change took effect',
        'Let the new capacity settle',
        // 12:03:20: 12:01 and 12:02 are not published yet.
        'Verify throttling has stopped',
        'Has the table healed?',
        'Wait for CloudWatch to publish',
        'Count the wait for publication',
        // 12:04:20: 12:02 is not.
        'Verify throttling has stopped',
        'Has the table healed?',
        'Wait for CloudWatch to publish',
        'Count the wait for publication',
        'Verify throttling has stopped',
        'Has the table healed?',
        'Report the table healed',
      ]);
      expect(run.stopDate!.getTime() - run.startDate.getTime()).toBe(320_000);
    });

    it('never reports healed on minutes CloudWatch does not publish: it waits 5 times, then fails for want of data', async () => {
      const { engine, cloudwatch, clock } = await hotShardEngine({ demand: { read: 100, write: 500 } });
      // Nothing from 12:00 on is ever published.
      publishLate(cloudwatch, () => clock.now(), Date.UTC(2026, 0, 1, 12, 0));
      const run = await engine.run('hot-shard', { tableName: TABLE });

      expect(run.status).toBe('FAILED');
      expect(run.error).toBe('MetricsNotPublishedError');
      const entered = statesEntered(run.history);
      expect(entered).not.toContain('Report the table healed');
      expect(entered.filter((s) => s === 'Wait for CloudWatch to publish')).toHaveLength(5);
      expect(entered.filter((s) => s === 'Verify throttling has stopped')).toHaveLength(6);
      // The second round's diagnosis finds no published minute: it says so, it does not call the table healthy.
      expect(entered.filter((s) => s === 'Diagnose the table')).toHaveLength(2);
      expect(entered).not.toContain('Report nothing to change');
    });
  });

  it('in dry-run, reports the plan and changes nothing', async () => {
    const { engine } = await hotShardEngine({ demand: { read: 100, write: 500 } });
    const run = await engine.run('hot-shard', { tableName: TABLE, dryRun: true });

    expect(run.status).toBe('SUCCEEDED');
    expect(output(run)).toMatchObject({
      outcome: 'dry-run',
      plan: { kind: 'raise-capacity', changes: [{ dimension: 'write', from: 100, to: 650 }] },
      actions: [],
    });
    expect(updates()).toEqual([]);
    expect(await capacity()).toMatchObject({ read: 300, write: 100 });
  });

  it('on a table auto scaling manages, raises the scalable range instead of calling UpdateTable', async () => {
    const targets: ScalableTarget[] = [writeScalableTarget(50, 400, TABLE)];
    const { engine, autoScaling } = await hotShardEngine({
      demand: { read: 100, write: 500 },
      scalableTargets: targets,
    });
    const run = await engine.run('hot-shard', { tableName: TABLE });

    expect(run.status).toBe('SUCCEEDED');
    expect(output(run)).toMatchObject({ outcome: 'healed' });
    expect(autoScaling.registered).toEqual([rangeRequest(TABLE, 'write', 650, 650)]);
    // The only UpdateTable is auto scaling's own, scaling out to the new minimum.
    expect(updates()).toHaveLength(1);
    expect(await capacity()).toMatchObject({ write: 650 });
  });

  it('with the cap reached and on-demand allowed, switches the table to on-demand', async () => {
    const { engine } = await hotShardEngine({ demand: { read: 100, write: 5000 } });
    const run = await engine.run('hot-shard', {
      tableName: TABLE,
      policy: { maxWriteCapacityUnits: 1000, allowOnDemand: true },
    });

    expect(run.status).toBe('SUCCEEDED');
    expect(output(run)).toMatchObject({
      outcome: 'healed',
      actions: [
        expect.objectContaining({
          kind: 'switch-to-on-demand',
          billingMode: { before: 'PROVISIONED', after: 'PAY_PER_REQUEST' },
        }),
      ],
    });
    expect((await capacity()).billingMode).toBe('PAY_PER_REQUEST');
  });

  it('with the cap reached and on-demand not allowed, raises to the cap, then stops for a person', async () => {
    const { engine } = await hotShardEngine({ demand: { read: 100, write: 5000 } });
    const run = await engine.run('hot-shard', { tableName: TABLE, policy: { maxWriteCapacityUnits: 1000 } });

    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('CapacityCapReached');
    expect(await capacity()).toMatchObject({ write: 1000, billingMode: 'PROVISIONED' });
    expect(updates()).toHaveLength(1);
    expect(statesEntered(run.history).filter((s) => s === 'Diagnose the table')).toHaveLength(2);
  });

  it('retries a throttled CloudWatch read with backoff, then succeeds', async () => {
    const { engine, cloudwatch } = await hotShardEngine({ demand: { read: 100, write: 500 } });
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    cloudwatch.failWith(throttled);
    const run = await engine.run('hot-shard', { tableName: TABLE });

    expect(run.status).toBe('SUCCEEDED');
    expect(output(run)).toMatchObject({ outcome: 'healed' });
    const failures = run.history
      .filter((e) => e.type === 'TaskFailed')
      .map((e) => e.taskFailedEventDetails?.error);
    expect(failures).toEqual(['AwsThrottledError']);
  });

  it('rejects bad input with InvalidRequestError, reading and changing nothing', async () => {
    const { engine, cloudwatch } = await hotShardEngine({ demand: { read: 100, write: 500 } });
    const run = await engine.run('hot-shard', { tableName: 'x', dryRun: 'yes' });

    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('InvalidRequestError');
    expect(JSON.parse(run.cause!).errorMessage).toMatch(/tableName: Too small.*dryRun: Invalid input/);
    expect(statesEntered(run.history)).toEqual(['Check the request', 'Reject the invalid request']);
    expect(cloudwatch.calls).toEqual([]);
    expect(sentToDynamoDb).toEqual([]);
  });

  it('reports a hot key, and does not feed it capacity it cannot use (reshuffle turned off)', async () => {
    const { engine } = await hotShardEngine({
      demand: {
        read: 100,
        write: 60,
        hotKeyThrottlesPerSecond: 40,
        hotKeys: [{ key: 'customer#42', count: 2900 }],
      },
    });
    const run = await engine.run('hot-shard', { tableName: TABLE, policy: { reshuffleHotKeys: false } });

    expect(run.status).toBe('SUCCEEDED');
    expect(output(run)).toMatchObject({
      outcome: 'hot-key',
      hotKeys: [{ partitionKey: 'customer#42', throttledRequests: 2900 }],
    });
    expect(updates()).toEqual([]);
  });

  it('fails with the named error of a table that does not exist, changing nothing', async () => {
    const { engine } = await hotShardEngine({ demand: { read: 1, write: 1 } });
    const run = await engine.run('hot-shard', { tableName: 'no-such-table' });

    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('ResourceNotFoundError');
    expect(updates()).toEqual([]);
  });
});
