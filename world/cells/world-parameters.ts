/**
 * The parameters of the cell world that AWS fixes, not the incident: how DNS follows a routing
 * control, how X-Ray samples, and when its data can be read. An incident may set any of them; each
 * one it leaves out takes the default below, which names its source (an AWS documentation page's
 * title) or says it is an assumption, and why.
 */
import type { DnsPropagation } from './dns.ts';
import type { SamplingRule } from './sampling.ts';

export interface CellWorldParameters {
  /** The TTL of the cells' DNS records, in seconds. */
  dnsRecordTtlSeconds?: number;
  /** Seconds from a routing control change to Route 53 answering by it. */
  healthCheckDelaySeconds?: number;
  /** The X-Ray sampling rule the cells are traced by. */
  xraySampling?: SamplingRule;
  /** Seconds after a minute ends before X-Ray's statistics for it can be read. */
  xrayStatisticsDelaySeconds?: number;
  /** Seconds from a fault's start (or end) to X-Ray Insights opening (or closing) its insight. */
  xrayInsightDelaySeconds?: number;
}

/**
 * 60 s: AWS's recommendation, not a default (a record's TTL is whatever its owner sets). "Values
 * specific for failover records" recommends a TTL of 60 seconds or less for a record associated
 * with a health check, so that clients respond quickly to changes in its health; "Best practices
 * for Amazon Route 53 DNS" gives 60 to 172,800 seconds as the recommended range, and 60 or 120
 * seconds as common choices for health-checked records that fail over. ARC's routing controls act
 * through such records ("Creating a routing control health check in ARC"); 60 s is the one value
 * both recommendations allow.
 */
export const DEFAULT_DNS_RECORD_TTL_SECONDS = 60;

/**
 * 0 s, an assumption: ARC documents that a routing control change updates the Route 53 health
 * check that DNS answers by ("About routing control", "Routing control components") but gives no
 * figure for how long that takes; none is invented here (the TTL spreads the change anyway).
 */
export const DEFAULT_HEALTH_CHECK_DELAY_SECONDS = 0;

/**
 * X-Ray's default rule: a reservoir of 1 request a second, then 5 % ("Configuring sampling rules":
 * "By default, the X-Ray SDK records the first request each second, and five percent of any
 * additional requests"; the Default rule's ReservoirSize 1, FixedRate 0.05).
 */
export const XRAY_DEFAULT_SAMPLING_RULE: SamplingRule = { reservoirPerSecond: 1, fixedRate: 0.05 };

/**
 * 30 s, an assumption: AWS documents no figure for how soon a traced request shows in X-Ray's
 * statistics. A segment is sent when the request completes, the daemon "uploads them in batches"
 * (PutTraceSegments, "AWS X-Ray API Reference"), and X-Ray then aggregates it; 30 s is a guess
 * that stands for "well under a minute, not at once". Any positive delay means the minute that has
 * just ended cannot be read at the minute's turn.
 */
export const DEFAULT_XRAY_STATISTICS_DELAY_SECONDS = 30;

/**
 * 300 s, an assumption: X-Ray Insights "continuously analyzes trace data" and opens an insight when
 * "fault rates exceed the expected range" ("Using X-Ray insights"), but AWS gives no figure for how
 * long after the fault starts; five minutes stands for "a few minutes of traces". It only changes
 * the insight evidence the detector attaches to an incident, never a verdict.
 */
export const DEFAULT_XRAY_INSIGHT_DELAY_SECONDS = 300;

/** Every parameter, the incident's where it sets one, the default otherwise. */
export interface ResolvedCellWorld {
  dns: DnsPropagation;
  xraySampling: SamplingRule;
  xrayStatisticsDelaySeconds: number;
  xrayInsightDelaySeconds: number;
}

export function resolveCellWorld(parameters: CellWorldParameters = {}): ResolvedCellWorld {
  return {
    dns: {
      recordTtlSeconds: parameters.dnsRecordTtlSeconds ?? DEFAULT_DNS_RECORD_TTL_SECONDS,
      healthCheckDelaySeconds: parameters.healthCheckDelaySeconds ?? DEFAULT_HEALTH_CHECK_DELAY_SECONDS,
    },
    xraySampling: parameters.xraySampling ?? XRAY_DEFAULT_SAMPLING_RULE,
    xrayStatisticsDelaySeconds:
      parameters.xrayStatisticsDelaySeconds ?? DEFAULT_XRAY_STATISTICS_DELAY_SECONDS,
    xrayInsightDelaySeconds: parameters.xrayInsightDelaySeconds ?? DEFAULT_XRAY_INSIGHT_DELAY_SECONDS,
  };
}
