/**
 * Diagnosis: what the table has, what it is asked for, why it throttles, and who else (auto
 * scaling) manages its capacity. Read-only: a diagnosis never changes anything.
 *
 * It judges the lookback window's minutes CloudWatch has published (see table-metrics.ts); a
 * minute not published yet counts for nothing either way. If none is published, the load is not
 * known, and "no throttling" would be a guess: it fails with MetricsNotPublishedError, which the
 * runbook retries, then reports as the run's failure, rather than "nothing to change".
 */
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import type { CapacityPorts } from './ports.ts';
import { classifyAwsError } from '../errors.ts';
import type { CapacityPolicy } from './request.ts';
import {
  metricWindow,
  perSecond,
  publishedMinutes,
  readTableLoad,
  type Dimension,
  type MinuteLoad,
} from './table-metrics.ts';
import { MetricsNotPublishedError } from './errors.ts';
import { readMostThrottledKeys, type HotKey } from './hot-keys.ts';

export type ThrottlingCause = 'none' | 'table-capacity' | 'hot-key' | 'on-demand-limit';

export interface DimensionLoad {
  provisioned: number;
  /** Peak minute's consumed capacity, units per second. */
  consumedPerSecond: number;
  /** Peak minute's consumed plus throttled demand, units per second. */
  demandPerSecond: number;
  throttleEvents: number;
  keyRangeThrottleEvents: number;
  provisionedThrottleEvents: number;
  onDemandThrottleEvents: number;
  /** Peak consumed / provisioned (0 for on-demand tables). */
  peakUtilisation: number;
}

export interface ScalableRange {
  minCapacity: number;
  maxCapacity: number;
}

export interface TableDiagnosis {
  tableName: string;
  observedAt: string;
  table: {
    status: string;
    billingMode: 'PROVISIONED' | 'PAY_PER_REQUEST';
    readCapacityUnits: number;
    writeCapacityUnits: number;
  };
  load: Record<Dimension, DimensionLoad>;
  autoScaling: Record<Dimension, ScalableRange | null>;
  hotKeys: HotKey[];
  contributorInsightsRule: string | null;
  cause: ThrottlingCause;
  evidence: string[];
}

/** Throttling this concentrated on key ranges, on a table this far from full, is a hot key. */
export const HOT_KEY_SHARE = 0.8;
export const HOT_KEY_MAX_UTILISATION = 0.7;

export async function diagnoseTable(
  ports: CapacityPorts,
  tableName: string,
  policy: Pick<CapacityPolicy, 'lookbackMinutes' | 'unitsPerThrottledRequest'>,
): Promise<TableDiagnosis> {
  const now = ports.now();
  const window = metricWindow(now, policy.lookbackMinutes);
  const [description, load, scaling, hotKeys] = await Promise.all([
    ports.dynamodb.send(new DescribeTableCommand({ TableName: tableName })).catch((error: unknown) => {
      throw classifyAwsError(error, `Describing table ${tableName}`);
    }),
    readTableLoad(ports.cloudwatch, tableName, window),
    readScalableTargets(ports, tableName),
    readMostThrottledKeys(ports.cloudwatch, tableName, window),
  ]);
  const published = publishedMinutes(load).size;
  if (published === 0) {
    throw new MetricsNotPublishedError(
      `CloudWatch has published none of the ${policy.lookbackMinutes} minutes of table ${tableName} ` +
        `from ${window.start.toISOString()} to ${window.end.toISOString()}: its load is not known`,
    );
  }
  const table = description.Table;
  const billingMode =
    table?.BillingModeSummary?.BillingMode === 'PAY_PER_REQUEST' ? 'PAY_PER_REQUEST' : 'PROVISIONED';
  const provisioned = {
    read: table?.ProvisionedThroughput?.ReadCapacityUnits ?? 0,
    write: table?.ProvisionedThroughput?.WriteCapacityUnits ?? 0,
  };
  const dimensionLoad = (dimension: Dimension): DimensionLoad =>
    summarise(load[dimension], provisioned[dimension], policy.unitsPerThrottledRequest);
  const loads = { read: dimensionLoad('read'), write: dimensionLoad('write') };
  const { cause, evidence } = judgeCause(loads, hotKeys.keys, hotKeys.ruleName);
  if (published < policy.lookbackMinutes) {
    evidence.push(
      `${policy.lookbackMinutes - published} of the ${policy.lookbackMinutes} minutes read not published ` +
        `by CloudWatch yet: judged on the other ${published}`,
    );
  }
  return {
    tableName,
    observedAt: new Date(now).toISOString(),
    table: {
      status: table?.TableStatus ?? 'UNKNOWN',
      billingMode,
      readCapacityUnits: provisioned.read,
      writeCapacityUnits: provisioned.write,
    },
    load: loads,
    autoScaling: scaling,
    hotKeys: hotKeys.keys,
    contributorInsightsRule: hotKeys.ruleName,
    cause,
    evidence,
  };
}

function summarise(
  minutes: MinuteLoad[],
  provisioned: number,
  unitsPerThrottledRequest: number,
): DimensionLoad {
  let consumedPerSecond = 0;
  let demandPerSecond = 0;
  const total = { throttleEvents: 0, keyRange: 0, provisionedLimit: 0, onDemandLimit: 0 };
  for (const minute of minutes) {
    consumedPerSecond = Math.max(consumedPerSecond, perSecond(minute.consumed));
    // Each throttle event is one request that wanted capacity and got none.
    const throttled = Math.max(
      minute.throttleEvents,
      minute.keyRange + minute.provisionedLimit + minute.onDemandLimit,
    );
    demandPerSecond = Math.max(
      demandPerSecond,
      perSecond(minute.consumed + throttled * unitsPerThrottledRequest),
    );
    total.throttleEvents += minute.throttleEvents;
    total.keyRange += minute.keyRange;
    total.provisionedLimit += minute.provisionedLimit;
    total.onDemandLimit += minute.onDemandLimit;
  }
  return {
    provisioned,
    consumedPerSecond: round(consumedPerSecond),
    demandPerSecond: round(demandPerSecond),
    throttleEvents: total.throttleEvents,
    keyRangeThrottleEvents: total.keyRange,
    provisionedThrottleEvents: total.provisionedLimit,
    onDemandThrottleEvents: total.onDemandLimit,
    peakUtilisation: provisioned > 0 ? round(consumedPerSecond / provisioned) : 0,
  };
}

/** Tells a hot key from a full table, with the evidence an operator can check. */
export function judgeCause(
  loads: Record<Dimension, DimensionLoad>,
  hotKeys: HotKey[],
  ruleName: string | null,
): { cause: ThrottlingCause; evidence: string[] } {
  const evidence: string[] = [];
  let keyRange = 0;
  let provisionedLimit = 0;
  let onDemandLimit = 0;
  let throttles = 0;
  let utilisation = 0;
  for (const dimension of ['read', 'write'] as const) {
    const l = loads[dimension];
    keyRange += l.keyRangeThrottleEvents;
    provisionedLimit += l.provisionedThrottleEvents;
    onDemandLimit += l.onDemandThrottleEvents;
    throttles += Math.max(
      l.throttleEvents,
      l.keyRangeThrottleEvents + l.provisionedThrottleEvents + l.onDemandThrottleEvents,
    );
    if (
      l.throttleEvents + l.keyRangeThrottleEvents + l.provisionedThrottleEvents + l.onDemandThrottleEvents >
      0
    )
      utilisation = Math.max(utilisation, l.peakUtilisation);
    evidence.push(
      `${dimension}: ${l.throttleEvents} throttle events (key range ${l.keyRangeThrottleEvents}, ` +
        `provisioned ${l.provisionedThrottleEvents}, on-demand max ${l.onDemandThrottleEvents}); ` +
        `peak ${l.consumedPerSecond}/s consumed of ${l.provisioned} provisioned, demand ${l.demandPerSecond}/s`,
    );
  }
  if (hotKeys.length > 0) {
    evidence.push(
      `most throttled keys: ${hotKeys.map((k) => `${k.partitionKey} (${k.throttledRequests})`).join(', ')}`,
    );
  } else if (!ruleName) {
    evidence.push('Contributor Insights is not enabled on this table: no per-key evidence');
  }
  if (throttles === 0) return { cause: 'none', evidence };
  const classified = keyRange + provisionedLimit + onDemandLimit;
  if (onDemandLimit > 0 && onDemandLimit >= keyRange && onDemandLimit >= provisionedLimit) {
    return { cause: 'on-demand-limit', evidence };
  }
  if (classified > 0 && keyRange / classified >= HOT_KEY_SHARE && utilisation < HOT_KEY_MAX_UTILISATION) {
    evidence.push(
      `${Math.round((100 * keyRange) / classified)}% of throttling is key-range while the table peaks at ` +
        `${Math.round(utilisation * 100)}% of its capacity: more capacity will not help`,
    );
    return { cause: 'hot-key', evidence };
  }
  return { cause: 'table-capacity', evidence };
}

async function readScalableTargets(
  ports: CapacityPorts,
  tableName: string,
): Promise<Record<Dimension, ScalableRange | null>> {
  const output = await ports.autoScaling
    .describeScalableTargets({ ServiceNamespace: 'dynamodb', ResourceIds: [`table/${tableName}`] })
    .catch((error: unknown) => {
      throw classifyAwsError(error, `Reading Application Auto Scaling targets for table ${tableName}`);
    });
  const range = (dimension: string): ScalableRange | null => {
    const target = (output.ScalableTargets ?? []).find((t) => t.ScalableDimension === dimension);
    return target ? { minCapacity: target.MinCapacity ?? 0, maxCapacity: target.MaxCapacity ?? 0 } : null;
  };
  return {
    read: range('dynamodb:table:ReadCapacityUnits'),
    write: range('dynamodb:table:WriteCapacityUnits'),
  };
}

const round = (n: number): number => Math.round(n * 100) / 100;
