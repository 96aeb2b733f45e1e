import { describe, expect, it } from 'vitest';
import { UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import { makeHandler } from '../../handlers/verify-table-health.ts';
import { parseCapacityRequest } from '../../domain/capacity/request.ts';
import type { Verification } from '../../domain/capacity/verify.ts';
import type { CloudWatchPort } from '../../domain/ports.ts';
import { steadyDemandCloudWatch, type SteadyDemand } from '../../world/dynamodb/steady-demand.ts';
import { NOW, TABLE } from './support.ts';
import { MetricStore } from '../../world/metric-store.ts';
import { invoke, payloadOf, invocationError } from './support.ts';
import { waitUntilActive } from '../support/local-dynamodb.ts';
import { awsErrors, failing, retriedFailure } from './support.ts';
import { capacityPorts, useLocalTables } from './support.ts';
import { checkedWindow, defaultWindowVerification, minuteAt } from '../support/verification.ts';

const STATE = 'Verify throttling has stopped';

const tables = useLocalTables();

/** The table's metrics under this demand, at its capacity in dynalite when they are read. */
const metricsUnder = (demand: SteadyDemand) => steadyDemandCloudWatch(tables.direct, TABLE, demand);

/**
 * The state's input after the change has settled: the request carries the verification window,
 * `verifying.since` when the table was seen ACTIVE again (by default, the window before NOW).
 */
const settled = (policy: Record<string, unknown> = {}, sinceMs?: number) => {
  const request = parseCapacityRequest({ tableName: TABLE, policy });
  const since = sinceMs ?? NOW - request.policy.verificationWindowSeconds * 1000;
  return {
    request,
    round: 1,
    actions: [],
    verifying: { since: new Date(since).toISOString(), publicationWaits: 0 },
  };
};

function verify(cloudwatch: CloudWatchPort, stateInput: unknown = settled()) {
  return invoke<Verification>(
    makeHandler(capacityPorts(tables, undefined, { cloudwatch })),
    'verify-table-health',
    payloadOf(STATE, stateInput),
  );
}

async function raiseWriteCapacity(to: number) {
  await tables.direct.send(
    new UpdateTableCommand({
      TableName: TABLE,
      ProvisionedThroughput: { ReadCapacityUnits: 300, WriteCapacityUnits: to },
    }),
  );
  // dynalite applies the new capacity on a timer: the metrics follow it once the table is ACTIVE.
  await waitUntilActive(tables.direct, TABLE);
}

describe('the verify-table-health handler', () => {
  it('finds a table that still throttles not healed, counting its throttle events over the window', async () => {
    await tables.create({ read: 300, write: 100 });

    const verification = await verify(metricsUnder({ read: 100, write: 500 }).port);

    // The default 180 s window, less its first minute: 12:01 to 12:03, 24,000 throttled writes a minute.
    expect(verification).toEqual(defaultWindowVerification('throttling', { read: 0, write: 48_000 }));
  });

  it("does not report healed while CloudWatch has not published the window's minutes, though none shows throttling", async () => {
    await tables.create({ read: 300, write: 100 });
    await raiseWriteCapacity(650);
    // The world's CloudWatch, read at the handler's now: the table served quietly from 12:00 on,
    // but a minute is published 2 minutes after it ends, so 12:01 and 12:02 are not there yet.
    const metrics = new MetricStore({ now: () => NOW });
    for (const minute of [0, 1, 2]) {
      for (const metricName of ['ConsumedReadCapacityUnits', 'ConsumedWriteCapacityUnits']) {
        metrics.putValue(
          { namespace: 'AWS/DynamoDB', metricName, dimensions: { TableName: TABLE } },
          Date.UTC(2026, 0, 1, 12, minute),
          6000,
        );
      }
    }

    const verification = await verify(metrics);

    expect(verification).toEqual(
      defaultWindowVerification('not-yet-known', { read: 0, write: 0 }, ['12:01', '12:02']),
    );
  });

  it('finds the table healed once its capacity covers the demand', async () => {
    await tables.create({ read: 300, write: 100 });
    await raiseWriteCapacity(650);

    const verification = await verify(metricsUnder({ read: 100, write: 500 }).port);

    expect(verification).toMatchObject({ healed: true, throttleEvents: { read: 0, write: 0 } });
  });

  it('is not healed by throttling on a hot key, however much capacity the table has', async () => {
    await tables.create({ read: 300, write: 100 });
    await raiseWriteCapacity(650);

    const verification = await verify(
      metricsUnder({ read: 100, write: 500, hotKeyThrottlesPerSecond: 5 }).port,
    );

    expect(verification).toMatchObject({ healed: false, throttleEvents: { read: 0, write: 600 } });
  });

  it("reads the policy's verification window, less its first minute", async () => {
    await tables.create();
    const cloudwatch = metricsUnder({ read: 100, write: 50 });

    const verification = await verify(cloudwatch.port, settled({ verificationWindowSeconds: 600 }));

    expect(verification).toMatchObject({ healed: true, ...checkedWindow('11:54', '12:03') });
    expect(cloudwatch.calls).toHaveLength(1);
  });

  it('judges the whole minutes after `since`, when the runbook saw the table ACTIVE again', async () => {
    await tables.create({ read: 300, write: 100 });
    await raiseWriteCapacity(650);
    const cloudwatch = metricsUnder({ read: 100, write: 500 });

    // ACTIVE at 12:01:30: the window is 12:02 to 12:04, and 12:03 is not over at 12:03:20.
    const verification = await verify(cloudwatch.port, settled({}, Date.UTC(2026, 0, 1, 12, 1, 30)));

    expect(verification).toMatchObject({
      healed: false,
      verdict: 'not-yet-known',
      ...checkedWindow('12:02', '12:04'),
      unpublishedMinutes: [minuteAt('12:03')],
    });
  });

  describe('given an input the runbook does not accept', () => {
    it.each([
      ['a since that is not a time', { tableName: TABLE, verificationWindowSeconds: 180, since: 'soon' }],
      ['no table name', { verificationWindowSeconds: 180 }],
      ['a window shorter than a minute', { tableName: TABLE, verificationWindowSeconds: 30 }],
      ['a window that is not a number', { tableName: TABLE, verificationWindowSeconds: '180' }],
    ])('fails with InvalidRequestError on %s, before reading any metric', async (_what, event) => {
      await tables.create();
      const cloudwatch = metricsUnder({ read: 100, write: 500 });

      const error = await invocationError(
        invoke(
          makeHandler(capacityPorts(tables, undefined, { cloudwatch: cloudwatch.port })),
          'verify-table-health',
          event,
        ),
      );

      expect(error).toMatchObject({ name: 'InvalidRequestError', retryable: false });
      expect(error.message).toMatch(/^The verify-table-health input is invalid: /);
      expect(cloudwatch.calls).toEqual([]);
      expect(tables.sent).toEqual([]);
    });
  });

  describe('when CloudWatch throttles it or fails transiently', () => {
    it.each([
      ['GetMetricData throttled', awsErrors.cloudWatchThrottling, 'AwsThrottledError'],
      ['GetMetricData internal fault', awsErrors.cloudWatchInternalFault, 'AwsTransientError'],
      ['GetMetricData connection reset', awsErrors.connectionReset, 'AwsTransientError'],
    ])('surfaces %s as %s, which the runbook retries', async (_what, error, name) => {
      await tables.create();
      const cloudwatch = failing(metricsUnder({ read: 100, write: 500 }).port, 'getMetricData', error());

      await retriedFailure(STATE, verify(cloudwatch), name);
    });
  });
});
