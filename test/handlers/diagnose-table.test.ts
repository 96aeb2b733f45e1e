import { describe, expect, it } from 'vitest';
import { makeHandler } from '../../handlers/diagnose-table.ts';
import { parseCapacityRequest } from '../../domain/capacity/request.ts';
import type { TableDiagnosis } from '../../domain/capacity/diagnose.ts';
import type { CapacityPorts } from '../../domain/capacity/ports.ts';
import { recordingAutoScaling, writeScalableTarget } from '../../world/dynamodb/steady-demand.ts';
import { MISSING_TABLE, NOW, TABLE } from './support.ts';
import { invoke, payloadOf, invocationError } from './support.ts';
import { awsErrors, failing, retriedFailure, unretriedFailure } from './support.ts';
import { capacityPorts, noAutoScaling, noMetrics, useLocalTables } from './support.ts';

const STATE = 'Diagnose the table';

const tables = useLocalTables();

/** The state's input on the first round: the checked request, as "Check the request" left it. */
const firstRound = (tableName = TABLE) => ({
  request: parseCapacityRequest({ tableName }),
  round: 1,
  actions: [],
});

function diagnose(ports: () => CapacityPorts, stateInput: unknown = firstRound()) {
  return invoke<TableDiagnosis>(makeHandler(ports), 'diagnose-table', payloadOf(STATE, stateInput));
}

/** Invokes with an event as given (one the runbook's Parameters could not have built). */
function diagnoseEvent(event: unknown) {
  return invoke<TableDiagnosis>(makeHandler(capacityPorts(tables)), 'diagnose-table', event);
}

describe('the diagnose-table handler', () => {
  it("reads the table's status and provisioned capacity from DynamoDB", async () => {
    await tables.create({ read: 40, write: 25 });

    const diagnosis = await diagnose(capacityPorts(tables, { read: 10, write: 10 }));

    expect(diagnosis.table).toEqual({
      status: 'ACTIVE',
      billingMode: 'PROVISIONED',
      readCapacityUnits: 40,
      writeCapacityUnits: 25,
    });
  });

  it('diagnoses a table out of write capacity: its load, the cause, and when it looked', async () => {
    await tables.create({ read: 300, write: 100 });

    const diagnosis = await diagnose(capacityPorts(tables, { read: 100, write: 500 }));

    expect(diagnosis).toMatchObject({
      tableName: TABLE,
      observedAt: new Date(NOW).toISOString(),
      autoScaling: { read: null, write: null },
      hotKeys: [],
      contributorInsightsRule: null,
      cause: 'table-capacity',
    });
    expect(diagnosis.load.write).toMatchObject({
      provisioned: 100,
      consumedPerSecond: 100,
      demandPerSecond: 500,
      provisionedThrottleEvents: 120_000, // 400/s throttled for the 5-minute lookback
      peakUtilisation: 1,
    });
    expect(diagnosis.load.read).toMatchObject({ provisioned: 300, throttleEvents: 0 });
  });

  it('reports an on-demand table as PAY_PER_REQUEST with nothing provisioned', async () => {
    await tables.create({ onDemand: true });

    const diagnosis = await diagnose(capacityPorts(tables, { read: 100, write: 500 }));

    expect(diagnosis.table).toMatchObject({
      billingMode: 'PAY_PER_REQUEST',
      readCapacityUnits: 0,
      writeCapacityUnits: 0,
    });
    expect(diagnosis.cause).toBe('none');
  });

  it('reports the auto scaling range of a table auto scaling manages', async () => {
    await tables.create();
    const autoScaling = recordingAutoScaling(tables.direct, [writeScalableTarget(50, 400)]).port;

    const diagnosis = await diagnose(capacityPorts(tables, undefined, { autoScaling }));

    expect(diagnosis.autoScaling).toEqual({ read: null, write: { minCapacity: 50, maxCapacity: 400 } });
  });

  it('changes nothing: DescribeTable is all it sends to DynamoDB', async () => {
    await tables.create();
    const before = await tables.state();

    await diagnose(capacityPorts(tables));

    expect(tables.sent).toEqual(['DescribeTableCommand']);
    expect(await tables.state()).toEqual(before);
  });

  describe('given an input the runbook does not accept', () => {
    it.each([
      ['no request', {}],
      ['a table name DynamoDB would refuse', { request: { tableName: 'orders/2026' } }],
      ['an unknown policy setting', { request: { tableName: TABLE, policy: { maxWrite: 10 } } }],
      [
        'a lookback shorter than two minutes',
        { request: { tableName: TABLE, policy: { lookbackMinutes: 1 } } },
      ],
    ])('fails with InvalidRequestError on %s, before reading anything', async (_what, event) => {
      await tables.create();

      const error = await invocationError(diagnoseEvent(event));

      expect(error.name).toBe('InvalidRequestError');
      expect(error.message).toMatch(/^The diagnose-table input is invalid: /);
      expect(tables.sent).toEqual([]);
    });
  });

  it('fails with ResourceNotFoundError, which the runbook does not retry, for a table that does not exist', async () => {
    const ports = capacityPorts(tables, undefined, { cloudwatch: noMetrics, autoScaling: noAutoScaling });

    const error = await unretriedFailure(
      STATE,
      diagnose(ports, firstRound(MISSING_TABLE)),
      'ResourceNotFoundError',
    );

    expect(error.message).toMatch(/^Describing table no-such-table: Requested resource not found/);
  });

  describe('when AWS throttles it or fails transiently', () => {
    type Fault = (healthy: CapacityPorts) => Partial<CapacityPorts>;
    const dynamoDbFails =
      (error: () => Error): Fault =>
      () => {
        tables.failNext('DescribeTableCommand', error());
        return {};
      };
    const cloudWatchFails =
      (error: () => Error): Fault =>
      (healthy) => ({ cloudwatch: failing(healthy.cloudwatch, 'getMetricData', error()) });
    const autoScalingFails =
      (error: () => Error): Fault =>
      (healthy) => ({ autoScaling: failing(healthy.autoScaling, 'describeScalableTargets', error()) });

    it.each([
      ['DescribeTable throttled', dynamoDbFails(awsErrors.dynamoDbThrottling), 'AwsThrottledError'],
      ['DescribeTable internal error', dynamoDbFails(awsErrors.dynamoDbInternalError), 'AwsTransientError'],
      ['GetMetricData throttled', cloudWatchFails(awsErrors.cloudWatchThrottling), 'AwsThrottledError'],
      [
        'GetMetricData internal fault',
        cloudWatchFails(awsErrors.cloudWatchInternalFault),
        'AwsTransientError',
      ],
      [
        'DescribeScalableTargets throttled',
        autoScalingFails(awsErrors.autoScalingThrottling),
        'AwsThrottledError',
      ],
      [
        'DescribeScalableTargets connection reset',
        autoScalingFails(awsErrors.connectionReset),
        'AwsTransientError',
      ],
    ])('surfaces %s as %s, which the runbook retries', async (_what, fault, name) => {
      await tables.create();
      const healthy = capacityPorts(tables)();

      await retriedFailure(STATE, diagnose(capacityPorts(tables, undefined, fault(healthy))), name);
    });
  });
});
