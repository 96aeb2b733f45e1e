/**
 * The slice of the X-Ray API the grey-failure detector reads, in the SDK's own shapes (as the
 * other ports in `domain/ports.ts`): production binds it to the SDK client (`adapters/xray.ts`),
 * the local engine to the simulated fleet (`world/cells/`).
 */
import type {
  GetInsightSummariesRequest,
  GetInsightSummariesResult,
  GetTimeSeriesServiceStatisticsRequest,
  GetTimeSeriesServiceStatisticsResult,
} from '@aws-sdk/client-xray';

export interface XRayPort {
  /** One page-complete answer: adapters follow NextToken themselves. */
  getTimeSeriesServiceStatistics(
    input: GetTimeSeriesServiceStatisticsRequest,
  ): Promise<GetTimeSeriesServiceStatisticsResult>;
  /** One page-complete answer: adapters follow NextToken themselves. */
  getInsightSummaries(input: GetInsightSummariesRequest): Promise<GetInsightSummariesResult>;
}

/** What the detector's handler is given. The time is not a port: it comes from the scheduled event. */
export interface GreyCellPorts {
  xray: XRayPort;
}
