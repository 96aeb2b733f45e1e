import { describe, expect, it, onTestFinished } from 'vitest';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import type {
  DescribeScalableTargetsRequest,
  ScalableTarget,
} from '@aws-sdk/client-application-auto-scaling';
import type { GetInsightRuleReportInput, InsightRule } from '@aws-sdk/client-cloudwatch';
import {
  HOT_KEY_MAX_UTILISATION,
  HOT_KEY_SHARE,
  diagnoseTable,
  judgeCause,
  type DimensionLoad,
} from '../../../domain/capacity/diagnose.ts';
import type { AutoScalingPort, CloudWatchPort } from '../../../domain/ports.ts';
import type { CapacityPorts } from '../../../domain/capacity/ports.ts';
import {
  recordingAutoScaling,
  steadyDemandCloudWatch,
  writeScalableTarget,
  type SteadyDemand,
} from '../../../world/dynamodb/steady-demand.ts';
import { createOnDemandTable, useLocalDynamoDb, useProvisionedTable } from '../../support/local-dynamodb.ts';
import { MetricStore } from '../../../world/metric-store.ts';

const TABLE = 'orders';

function load(overrides: Partial<DimensionLoad> = {}): DimensionLoad {
  return {
    provisioned: 100,
    consumedPerSecond: 50,
    demandPerSecond: 50,
    throttleEvents: 0,
    keyRangeThrottleEvents: 0,
    provisionedThrottleEvents: 0,
    onDemandThrottleEvents: 0,
    peakUtilisation: 0.5,
    ...overrides,
  };
}

/** Write throttling split between key-range and provisioned-capacity events. */
function writeThrottling(keyRange: number, provisioned: number, peakUtilisation: number) {
  return {
    read: load(),
    write: load({
      throttleEvents: keyRange + provisioned,
      keyRangeThrottleEvents: keyRange,
      provisionedThrottleEvents: provisioned,
      peakUtilisation,
    }),
  };
}

describe('judgeCause', () => {
  it('finds no cause when nothing throttled, and says Contributor Insights is off', () => {
    const { cause, evidence } = judgeCause({ read: load(), write: load() }, [], null);

    expect(cause).toBe('none');
    expect(evidence).toEqual([
      'read: 0 throttle events (key range 0, provisioned 0, on-demand max 0); peak 50/s consumed of 100 provisioned, demand 50/s',
      'write: 0 throttle events (key range 0, provisioned 0, on-demand max 0); peak 50/s consumed of 100 provisioned, demand 50/s',
      'Contributor Insights is not enabled on this table: no per-key evidence',
    ]);
  });

  it('blames the table capacity when throttling is provisioned-capacity throttling', () => {
    expect(judgeCause(writeThrottling(0, 500, 1), [], null).cause).toBe('table-capacity');
  });

  it('blames the table capacity when only the older ThrottleEvents metric has data', () => {
    const loads = { read: load(), write: load({ throttleEvents: 40, peakUtilisation: 0.3 }) };

    expect(judgeCause(loads, [], null).cause).toBe('table-capacity');
  });

  it('blames the on-demand maximum when its events are the largest share', () => {
    const loads = {
      read: load({ throttleEvents: 30, onDemandThrottleEvents: 20, keyRangeThrottleEvents: 10 }),
      write: load({ throttleEvents: 20, onDemandThrottleEvents: 10, provisionedThrottleEvents: 10 }),
    };

    expect(judgeCause(loads, [], null).cause).toBe('on-demand-limit');
  });

  it('does not blame the on-demand maximum when key-range events outnumber its events', () => {
    const loads = {
      read: load(),
      write: load({
        throttleEvents: 101,
        onDemandThrottleEvents: 10,
        keyRangeThrottleEvents: 91,
        peakUtilisation: 0.2,
      }),
    };

    expect(judgeCause(loads, [], null).cause).toBe('hot-key');
  });

  describe('a hot key, at the thresholds', () => {
    it('uses an 80 % key-range share and a 70 % utilisation ceiling', () => {
      expect(HOT_KEY_SHARE).toBe(0.8);
      expect(HOT_KEY_MAX_UTILISATION).toBe(0.7);
    });

    it('is a hot key at exactly HOT_KEY_SHARE of the throttling on a table below the ceiling', () => {
      const { cause, evidence } = judgeCause(writeThrottling(80, 20, 0.69), [], 'rule');

      expect(cause).toBe('hot-key');
      expect(evidence.at(-1)).toBe(
        '80% of throttling is key-range while the table peaks at 69% of its capacity: more capacity will not help',
      );
    });

    it('is the table capacity just below HOT_KEY_SHARE', () => {
      expect(judgeCause(writeThrottling(79, 21, 0.5), [], 'rule').cause).toBe('table-capacity');
    });

    it('is the table capacity at exactly HOT_KEY_MAX_UTILISATION, however concentrated the throttling', () => {
      expect(judgeCause(writeThrottling(100, 0, 0.7), [], 'rule').cause).toBe('table-capacity');
    });

    it('is a hot key just below HOT_KEY_MAX_UTILISATION', () => {
      expect(judgeCause(writeThrottling(100, 0, 0.69), [], 'rule').cause).toBe('hot-key');
    });

    it('counts the key-range share over both dimensions', () => {
      const loads = {
        read: load({ throttleEvents: 50, keyRangeThrottleEvents: 50, peakUtilisation: 0.2 }),
        write: load({ throttleEvents: 50, provisionedThrottleEvents: 50, peakUtilisation: 0.2 }),
      };

      expect(judgeCause(loads, [], 'rule').cause).toBe('table-capacity');
    });

    it('judges utilisation on the throttled dimensions only', () => {
      const loads = {
        read: load({ peakUtilisation: 0.95 }),
        write: load({ throttleEvents: 90, keyRangeThrottleEvents: 90, peakUtilisation: 0.2 }),
      };

      expect(judgeCause(loads, [], 'rule').cause).toBe('hot-key');
    });

    it('judges the utilisation of a dimension throttled only in the cause-specific metrics', () => {
      const loads = {
        read: load(),
        write: load({
          throttleEvents: 0,
          keyRangeThrottleEvents: 90,
          provisionedThrottleEvents: 10,
          peakUtilisation: 0.95,
        }),
      };

      expect(judgeCause(loads, [], 'rule').cause).toBe('table-capacity');
    });
  });

  it('lists the most throttled keys as evidence', () => {
    const hotKeys = [
      { partitionKey: 'customer#42', throttledRequests: 2900 },
      { partitionKey: 'customer#7', throttledRequests: 15 },
    ];
    const { evidence } = judgeCause(writeThrottling(95, 5, 0.4), hotKeys, 'rule');

    expect(evidence).toContain('most throttled keys: customer#42 (2900), customer#7 (15)');
    expect(evidence.join('\n')).not.toContain('Contributor Insights is not enabled');
  });

  it('does not claim Contributor Insights is off when its rule exists but found no keys', () => {
    const { evidence } = judgeCause(
      writeThrottling(0, 10, 1),
      [],
      'DynamoDBContributorInsights-PKT-orders-1',
    );

    expect(evidence).toHaveLength(2);
  });
});

describe('diagnoseTable', () => {
  // 12:00:30.5, mid-minute: the window must end at 12:00:00.
  const NOW = Date.UTC(2026, 0, 1, 12, 0, 30, 500);
  const POLICY = { lookbackMinutes: 5, unitsPerThrottledRequest: 1 };

  const dynamodb = useLocalDynamoDb();
  useProvisionedTable(dynamodb, TABLE);

  function setup(demand: SteadyDemand, options: { targets?: ScalableTarget[]; tableName?: string } = {}) {
    const cloudwatch = steadyDemandCloudWatch(dynamodb(), options.tableName ?? TABLE, demand);
    const autoScaling = recordingAutoScaling(dynamodb(), options.targets ?? []);
    const described: DescribeScalableTargetsRequest[] = [];
    const autoScalingPort: AutoScalingPort = {
      ...autoScaling.port,
      describeScalableTargets(input) {
        described.push(input);
        return autoScaling.port.describeScalableTargets(input);
      },
    };
    const ports: CapacityPorts = {
      dynamodb: dynamodb(),
      cloudwatch: cloudwatch.port,
      autoScaling: autoScalingPort,
      now: () => NOW,
    };
    return { ports, cloudwatch, described };
  }

  it('measures a table out of write capacity and blames its capacity', async () => {
    const { ports } = setup({ read: 100, write: 500 });
    const diagnosis = await diagnoseTable(ports, TABLE, POLICY);

    expect(diagnosis).toMatchObject({
      tableName: TABLE,
      observedAt: '2026-01-01T12:00:30.500Z',
      table: {
        status: 'ACTIVE',
        billingMode: 'PROVISIONED',
        readCapacityUnits: 300,
        writeCapacityUnits: 100,
      },
      autoScaling: { read: null, write: null },
      hotKeys: [],
      contributorInsightsRule: null,
      cause: 'table-capacity',
    });
    // 5 minutes of 400/s throttled writes: 24,000 events a minute.
    expect(diagnosis.load.write).toEqual({
      provisioned: 100,
      consumedPerSecond: 100,
      demandPerSecond: 500,
      throttleEvents: 120_000,
      keyRangeThrottleEvents: 0,
      provisionedThrottleEvents: 120_000,
      onDemandThrottleEvents: 0,
      peakUtilisation: 1,
    });
    expect(diagnosis.load.read).toEqual({
      provisioned: 300,
      consumedPerSecond: 100,
      demandPerSecond: 100,
      throttleEvents: 0,
      keyRangeThrottleEvents: 0,
      provisionedThrottleEvents: 0,
      onDemandThrottleEvents: 0,
      peakUtilisation: 0.33,
    });
    expect(diagnosis.evidence).toContain(
      'Contributor Insights is not enabled on this table: no per-key evidence',
    );
  });

  it('counts each throttled request as unitsPerThrottledRequest units of demand', async () => {
    const { ports } = setup({ read: 100, write: 500 });
    const diagnosis = await diagnoseTable(ports, TABLE, { lookbackMinutes: 5, unitsPerThrottledRequest: 2 });

    // 100/s served + 400/s throttled x 2 units
    expect(diagnosis.load.write.demandPerSecond).toBe(900);
  });

  it('reads the cause-specific metrics once a minute over whole minutes of the lookback window', async () => {
    const { ports, cloudwatch } = setup({ read: 100, write: 500 });
    await diagnoseTable(ports, TABLE, POLICY);

    expect(cloudwatch.calls).toHaveLength(1);
    const call = cloudwatch.calls[0]!;
    expect(call.StartTime).toEqual(new Date('2026-01-01T11:55:00.000Z'));
    expect(call.EndTime).toEqual(new Date('2026-01-01T12:00:00.000Z'));
    expect(call.ScanBy).toBe('TimestampAscending');
    expect(call.MetricDataQueries).toHaveLength(12);
    const metric = (Id: string, MetricName: string, Stat: string) => ({
      Id,
      MetricStat: {
        Metric: { Namespace: 'AWS/DynamoDB', MetricName, Dimensions: [{ Name: 'TableName', Value: TABLE }] },
        Period: 60,
        Stat,
      },
      ReturnData: true,
    });
    expect(call.MetricDataQueries?.filter((q) => q.Id?.startsWith('write_'))).toEqual([
      metric('write_consumed', 'ConsumedWriteCapacityUnits', 'Sum'),
      metric('write_provisioned', 'ProvisionedWriteCapacityUnits', 'Average'),
      metric('write_throttleEvents', 'WriteThrottleEvents', 'Sum'),
      metric('write_keyRange', 'WriteKeyRangeThroughputThrottleEvents', 'Sum'),
      metric('write_provisionedLimit', 'WriteProvisionedThroughputThrottleEvents', 'Sum'),
      metric('write_onDemandLimit', 'WriteMaxOnDemandThroughputThrottleEvents', 'Sum'),
    ]);
    expect(
      call.MetricDataQueries?.filter((q) => q.Id?.startsWith('read_')).map(
        (q) => q.MetricStat?.Metric?.MetricName,
      ),
    ).toEqual([
      'ConsumedReadCapacityUnits',
      'ProvisionedReadCapacityUnits',
      'ReadThrottleEvents',
      'ReadKeyRangeThroughputThrottleEvents',
      'ReadProvisionedThroughputThrottleEvents',
      'ReadMaxOnDemandThroughputThrottleEvents',
    ]);
  });

  it('reads the scalable targets of this table and reports the auto scaling range per dimension', async () => {
    const targets: ScalableTarget[] = [writeScalableTarget(50, 400, TABLE)];
    const { ports, described } = setup({ read: 100, write: 500 }, { targets });
    const diagnosis = await diagnoseTable(ports, TABLE, POLICY);

    expect(described).toEqual([{ ServiceNamespace: 'dynamodb', ResourceIds: [`table/${TABLE}`] }]);
    expect(diagnosis.autoScaling).toEqual({ read: null, write: { minCapacity: 50, maxCapacity: 400 } });
  });

  describe('with Contributor Insights', () => {
    const rule = (Name: string, State = 'ENABLED'): InsightRule => ({
      Name,
      State,
      Schema: '',
      Definition: '',
      ManagedRule: true,
    });

    function withRules(base: CloudWatchPort, rules: InsightRule[]) {
      const reports: GetInsightRuleReportInput[] = [];
      const port: CloudWatchPort = {
        ...base,
        describeInsightRules: async () => ({ InsightRules: rules }),
        getInsightRuleReport: async (input) => {
          reports.push(input);
          return {
            KeyLabels: ['PartitionKey'],
            Contributors: [{ Keys: ['customer#42'], ApproximateAggregateValue: 2900, Datapoints: [] }],
          };
        },
      };
      return { port, reports };
    }

    it('blames a hot key, naming it, when key-range throttling hits a table with spare capacity', async () => {
      const { ports } = setup({
        read: 100,
        write: 60,
        hotKeyThrottlesPerSecond: 40,
        hotKeys: [{ key: 'customer#42', count: 2900 }],
      });
      const diagnosis = await diagnoseTable(ports, TABLE, POLICY);

      expect(diagnosis).toMatchObject({
        cause: 'hot-key',
        hotKeys: [{ partitionKey: 'customer#42', throttledRequests: 2900 }],
        contributorInsightsRule: `DynamoDBContributorInsights-PKT-${TABLE}-1700000000000`,
      });
      expect(diagnosis.load.write).toMatchObject({ keyRangeThrottleEvents: 12_000, peakUtilisation: 0.6 });
    });

    it("reads the report of this table's most-throttled-keys (PKT) rule over the lookback window", async () => {
      const steady = setup({ read: 100, write: 500 });
      const cloudwatch = withRules(steady.cloudwatch.port, [
        rule(`DynamoDBContributorInsights-PKC-${TABLE}-1700000000000`),
        rule(`DynamoDBContributorInsights-SKT-${TABLE}-1700000000000`),
        rule('DynamoDBContributorInsights-PKT-customers-1700000000000'),
        rule(`DynamoDBContributorInsights-PKT-${TABLE}-1600000000000`, 'DISABLED'),
        rule(`DynamoDBContributorInsights-PKT-${TABLE}-1700000000000`),
      ]);
      const diagnosis = await diagnoseTable({ ...steady.ports, cloudwatch: cloudwatch.port }, TABLE, POLICY);

      expect(cloudwatch.reports).toEqual([
        {
          RuleName: `DynamoDBContributorInsights-PKT-${TABLE}-1700000000000`,
          StartTime: new Date('2026-01-01T11:55:00.000Z'),
          EndTime: new Date('2026-01-01T12:00:00.000Z'),
          Period: 60,
          MaxContributorCount: 5,
          OrderBy: 'Sum',
        },
      ]);
      expect(diagnosis.contributorInsightsRule).toBe(
        `DynamoDBContributorInsights-PKT-${TABLE}-1700000000000`,
      );
      expect(diagnosis.hotKeys).toEqual([{ partitionKey: 'customer#42', throttledRequests: 2900 }]);
    });

    it('reads no report when the table has only rules that are not its PKT rule', async () => {
      const steady = setup({ read: 100, write: 500 });
      const cloudwatch = withRules(steady.cloudwatch.port, [
        rule(`DynamoDBContributorInsights-PKC-${TABLE}-1700000000000`),
        rule('DynamoDBContributorInsights-PKT-customers-1700000000000'),
      ]);
      const diagnosis = await diagnoseTable({ ...steady.ports, cloudwatch: cloudwatch.port }, TABLE, POLICY);

      expect(cloudwatch.reports).toEqual([]);
      expect(diagnosis.contributorInsightsRule).toBeNull();
    });

    it("does not take the rule of a table whose name merely starts with this table's name", async () => {
      const steady = setup({ read: 100, write: 500 });
      const cloudwatch = withRules(steady.cloudwatch.port, [
        rule(`DynamoDBContributorInsights-PKT-${TABLE}-archive-1700000000000`),
      ]);
      const diagnosis = await diagnoseTable({ ...steady.ports, cloudwatch: cloudwatch.port }, TABLE, POLICY);

      expect(cloudwatch.reports).toEqual([]);
      expect(diagnosis.contributorInsightsRule).toBeNull();
      expect(diagnosis.hotKeys).toEqual([]);
    });
  });

  it('diagnoses an on-demand table as PAY_PER_REQUEST with no provisioned capacity', async () => {
    await createOnDemandTable(dynamodb(), 'sessions');
    onTestFinished(async () => {
      await dynamodb().send(new DeleteTableCommand({ TableName: 'sessions' }));
    });
    const { ports } = setup({ read: 10, write: 10 }, { tableName: 'sessions' });
    const diagnosis = await diagnoseTable(ports, 'sessions', POLICY);

    expect(diagnosis.table).toEqual({
      status: 'ACTIVE',
      billingMode: 'PAY_PER_REQUEST',
      readCapacityUnits: 0,
      writeCapacityUnits: 0,
    });
    expect(diagnosis.load.write).toMatchObject({ throttleEvents: 0, peakUtilisation: 0 });
    expect(diagnosis.cause).toBe('none');
  });

  describe('on a CloudWatch that publishes each minute 2 minutes after it ends', () => {
    /** At NOW (12:00:30.5) 11:55 to 11:57 are published; 11:58 and 11:59 are not yet. */
    function delayedPorts(): CapacityPorts {
      const metrics = new MetricStore({ now: () => NOW, publicationDelaySeconds: 120 });
      const put = (metricName: string, minute: number, value: number) =>
        metrics.putValue(
          { namespace: 'AWS/DynamoDB', metricName, dimensions: { TableName: TABLE } },
          Date.UTC(2026, 0, 1, 11, minute),
          value,
        );
      for (let minute = 55; minute < 60; minute++) {
        put('ConsumedWriteCapacityUnits', minute, 6000);
        put('ProvisionedWriteCapacityUnits', minute, 100);
        // The surge throttles from 11:58 on, in minutes CloudWatch has not published yet.
        if (minute >= 58) put('WriteProvisionedThroughputThrottleEvents', minute, 24_000);
      }
      return {
        dynamodb: dynamodb(),
        cloudwatch: metrics,
        autoScaling: recordingAutoScaling(dynamodb(), []).port,
        now: () => NOW,
      };
    }

    it('judges the published minutes only, and says how many were not published', async () => {
      const diagnosis = await diagnoseTable(delayedPorts(), TABLE, POLICY);

      expect(diagnosis.load.write).toMatchObject({ throttleEvents: 0, consumedPerSecond: 100 });
      expect(diagnosis.cause).toBe('none');
      expect(diagnosis.evidence).toContain(
        '2 of the 5 minutes read not published by CloudWatch yet: judged on the other 3',
      );
    });

    it('fails with the retryable MetricsNotPublishedError, not "no throttling", when none of its minutes is published', async () => {
      await expect(
        diagnoseTable(delayedPorts(), TABLE, { ...POLICY, lookbackMinutes: 2 }),
      ).rejects.toMatchObject({
        name: 'MetricsNotPublishedError',
        retryable: true,
        message: `CloudWatch has published none of the 2 minutes of table ${TABLE} from 2026-01-01T11:58:00.000Z to 2026-01-01T12:00:00.000Z: its load is not known`,
      });
    });
  });

  it('fails with ResourceNotFoundError for a table that does not exist', async () => {
    const { ports } = setup({ read: 1, write: 1 });

    await expect(diagnoseTable(ports, 'no-such-table', POLICY)).rejects.toMatchObject({
      name: 'ResourceNotFoundError',
      retryable: false,
    });
  });

  it('fails with a retryable AwsThrottledError when CloudWatch throttles the metric read', async () => {
    const { ports, cloudwatch } = setup({ read: 100, write: 500 });
    cloudwatch.failWith(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    await expect(diagnoseTable(ports, TABLE, POLICY)).rejects.toMatchObject({
      name: 'AwsThrottledError',
      retryable: true,
      message: `Reading CloudWatch metrics for table ${TABLE}: Rate exceeded`,
    });
  });
});
