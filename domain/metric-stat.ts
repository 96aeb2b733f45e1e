/**
 * One metric's statistic as a GetMetricData query: how the runbooks' tasks ask CloudWatch for a
 * metric, written once (the simulated CloudWatch's tests ask it the same way).
 */
import type { MetricDataQuery } from '@aws-sdk/client-cloudwatch';

/** A metric as CloudWatch names it, its dimensions as name → value. */
export interface NamedMetric {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
}

/** `stat` of `metric` per `periodSeconds` (a minute unless told), its result named `id`. */
export function metricStatQuery(
  id: string,
  metric: NamedMetric,
  stat: string,
  options: { periodSeconds?: number; returnData?: boolean } = {},
): MetricDataQuery {
  return {
    Id: id,
    MetricStat: {
      Metric: {
        Namespace: metric.namespace,
        MetricName: metric.metricName,
        Dimensions: Object.entries(metric.dimensions).map(([Name, Value]) => ({ Name, Value })),
      },
      Period: options.periodSeconds ?? 60,
      Stat: stat,
    },
    ...(options.returnData === undefined ? {} : { ReturnData: options.returnData }),
  };
}
