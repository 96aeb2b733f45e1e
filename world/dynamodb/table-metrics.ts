/**
 * What a DynamoDB table publishes to CloudWatch for one minute, and its Contributor Insights rules.
 */
import type { MetricIdentity, MetricStore } from '../metric-store.ts';
import type { KeyPopulation } from '../contributor-insights.ts';
import type { CapacityState } from './capacity-model.ts';
import { totalThrottled, type MinuteSummary } from './minute-tally.ts';

export const DYNAMODB_NAMESPACE = 'AWS/DynamoDB';

export interface ContributorRuleNames {
  /** Most accessed partition keys. */
  accessed: string;
  /** Most throttled partition keys. */
  throttled: string;
}

/** DynamoDB names its managed rules after the table and the moment insights were enabled. */
export function contributorRuleNames(tableName: string, enabledAtMs: number): ContributorRuleNames {
  return {
    accessed: `DynamoDBContributorInsights-PKC-${tableName}-${enabledAtMs}`,
    throttled: `DynamoDBContributorInsights-PKT-${tableName}-${enabledAtMs}`,
  };
}

export function registerContributorRules(
  metrics: MetricStore,
  names: ContributorRuleNames,
  tableName: string,
  partitionKeyName: string,
): void {
  const definition = (throttledOnly: boolean) => ({
    Schema: { Name: 'CloudWatchLogRule', Version: 1 },
    LogFormat: 'JSON',
    AggregateOn: 'Count',
    Contribution: {
      Keys: [`$.${partitionKeyName}`],
      Filters: throttledOnly ? [{ Match: '$.throttled', In: [1] }] : [],
    },
    LogGroupNames: [`/aws/dynamodb/${tableName}`],
  });
  for (const [name, throttledOnly] of [
    [names.accessed, false],
    [names.throttled, true],
  ] as const) {
    metrics.registerInsightRule({
      name,
      definition: definition(throttledOnly),
      keyLabels: [partitionKeyName],
      aggregationStatistic: 'Count',
      managed: true,
    });
  }
}

/**
 * Publishes the minute at `minuteStartMs`. Throttle metrics are published only for minutes with
 * throttling, as DynamoDB does: a quiet minute is missing data, not a zero, so readers must treat
 * missing throttle data as none.
 */
export function publishTableMinute(
  metrics: MetricStore,
  tableName: string,
  minuteStartMs: number,
  summary: MinuteSummary,
  capacity: CapacityState,
): void {
  const metric = (metricName: string, extra: Record<string, string> = {}): MetricIdentity => ({
    namespace: DYNAMODB_NAMESPACE,
    metricName,
    dimensions: { TableName: tableName, ...extra },
  });
  // Consumed capacity keeps one sample per request, so Average is the per-request consumption and
  // SampleCount the request count, as CloudWatch reports them; Sum / 60 is units per second.
  const consumed = (metricName: string, units: number, requests: number, unitsPerRequest: number) => {
    if (requests > 0) {
      metrics.putStatistics(metric(metricName), minuteStartMs, {
        sum: units,
        sampleCount: requests,
        minimum: unitsPerRequest,
        maximum: unitsPerRequest,
      });
    } else {
      metrics.putValue(metric(metricName), minuteStartMs, 0);
    }
  };
  consumed(
    'ConsumedReadCapacityUnits',
    summary.consumedReadUnits,
    summary.servedReads,
    summary.readUnitsPerRequest,
  );
  consumed(
    'ConsumedWriteCapacityUnits',
    summary.consumedWriteUnits,
    summary.servedWrites,
    summary.writeUnitsPerRequest,
  );

  if (capacity.billingMode === 'PROVISIONED') {
    // The provisioned level as one sample a minute: Average, Minimum and Maximum all give the level.
    metrics.putValue(metric('ProvisionedReadCapacityUnits'), minuteStartMs, capacity.provisionedRcu);
    metrics.putValue(metric('ProvisionedWriteCapacityUnits'), minuteStartMs, capacity.provisionedWcu);
  }

  const events = (metricName: string, count: number, extra?: Record<string, string>) => {
    if (count > 0) {
      metrics.putStatistics(metric(metricName, extra), minuteStartMs, {
        sum: count,
        sampleCount: count,
        minimum: 1,
        maximum: 1,
      });
    }
  };
  const reads = summary.throttledReads;
  const writes = summary.throttledWrites;
  events('ReadThrottleEvents', totalThrottled(reads));
  events('WriteThrottleEvents', totalThrottled(writes));
  events('ReadKeyRangeThroughputThrottleEvents', reads.keyRange);
  events('WriteKeyRangeThroughputThrottleEvents', writes.keyRange);
  events('ReadProvisionedThroughputThrottleEvents', reads.provisioned);
  events('WriteProvisionedThroughputThrottleEvents', writes.provisioned);
  events('ReadMaxOnDemandThroughputThrottleEvents', reads.onDemandMax);
  events('WriteMaxOnDemandThroughputThrottleEvents', writes.onDemandMax);
  // AWS publishes ThrottledRequests per Operation; the TableName-only series is a convenience of
  // this world. Every simulated request is a single GetItem or PutItem, so it counts once.
  events('ThrottledRequests', totalThrottled(reads) + totalThrottled(writes));
  events('ThrottledRequests', totalThrottled(reads), { Operation: 'GetItem' });
  events('ThrottledRequests', totalThrottled(writes), { Operation: 'PutItem' });
}

export function publishContributors(
  metrics: MetricStore,
  names: ContributorRuleNames,
  minuteStartMs: number,
  summary: MinuteSummary,
  uniformKeyName: KeyPopulation['keyName'],
): void {
  const accessed = new Map<string, number>();
  const throttled = new Map<string, number>();
  for (const [key, counts] of summary.hotKeys) {
    accessed.set(key, counts.requests);
    throttled.set(key, counts.throttled);
  }
  const { keyCount, requests, throttled: uniformThrottled } = summary.uniform;
  metrics.putContributors(names.accessed, minuteStartMs, {
    keys: accessed,
    population: { keyCount, total: requests, keyName: uniformKeyName },
  });
  metrics.putContributors(names.throttled, minuteStartMs, {
    keys: throttled,
    population: { keyCount, total: uniformThrottled, keyName: uniformKeyName },
  });
}
