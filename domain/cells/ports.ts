/**
 * The slice of the X-Ray API the grey-failure detector reads, and of the EventBridge API it
 * publishes its incidents with, in the SDK's own shapes (as the other ports in `domain/ports.ts`):
 * production binds them to the SDK clients (`adapters/xray.ts`, `adapters/eventbridge.ts`), the
 * local engine to the simulated fleet and bus (`world/cells/`).
 */
import type { PutEventsRequest, PutEventsResponse } from '@aws-sdk/client-eventbridge';
import type {
  GetInsightSummariesRequest,
  GetInsightSummariesResult,
  GetTimeSeriesServiceStatisticsRequest,
  GetTimeSeriesServiceStatisticsResult,
} from '@aws-sdk/client-xray';

/** Each call is one page-complete answer: adapters follow NextToken themselves. */
export interface XRayPort {
  getTimeSeriesServiceStatistics(
    input: GetTimeSeriesServiceStatisticsRequest,
  ): Promise<GetTimeSeriesServiceStatisticsResult>;
  getInsightSummaries(input: GetInsightSummariesRequest): Promise<GetInsightSummariesResult>;
}

/**
 * The slice of the EventBridge API the detector publishes with. One call is one PutEvents call
 * (at most 10 entries); a partial failure is an answer, not an error: callers read
 * `FailedEntryCount` and each entry's `ErrorCode`.
 */
export interface EventsPort {
  putEvents(input: PutEventsRequest): Promise<PutEventsResponse>;
}

/** What the detector's handler is given. The time is not a port: it comes from the scheduled event. */
export interface GreyCellPorts {
  xray: XRayPort;
  events: EventsPort;
}
