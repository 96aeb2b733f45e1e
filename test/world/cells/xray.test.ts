import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../core/random.ts';
import { createCellFleet, uniformCells, type FleetFault } from '../../../world/cells/cell-fleet.ts';
import { simulatedXRay } from '../../../world/cells/xray.ts';

const START = Date.UTC(2026, 0, 1, 12, 0);
const at = (minute: number) => new Date(START + minute * 60_000);
const cells = uniformCells('checkout', 3, { requestsPerSecond: 10, faultRate: 0.01, p50Ms: 50, p99Ms: 200 });

/** The fleet with the clock `nowMinute` minutes in (and a few seconds, mid-minute). */
function world(nowMinute: number, faults: FleetFault[] = []) {
  const clock = { startMs: START, now: () => START + nowMinute * 60_000 + 20_000 };
  const fleet = createCellFleet({ clock, cells, faults, random: seededRandom(3) });
  return { fleet, xray: simulatedXRay(fleet) };
}

const serviceRequest = (cell: string, from: number, to: number, Period = 60) => ({
  StartTime: at(from),
  EndTime: at(to),
  EntitySelectorExpression: `service("${cell}")`,
  Period,
  ForecastStatistics: false,
});

describe('simulated GetTimeSeriesServiceStatistics', () => {
  it('returns one bucket a minute with the cell’s own statistics and response-time histogram', async () => {
    const { fleet, xray } = world(10);

    const result = await xray.getTimeSeriesServiceStatistics(serviceRequest('checkout-cell-2', 5, 8));

    const minutes = [5, 6, 7].map((m) => fleet.minute('checkout-cell-2', m));
    expect(result.TimeSeriesServiceStatistics?.map((b) => b.Timestamp)).toEqual([at(5), at(6), at(7)]);
    result.TimeSeriesServiceStatistics?.forEach((bucket, i) => {
      const minute = minutes[i];
      expect(bucket.ServiceSummaryStatistics).toEqual({
        OkCount: (minute?.requests ?? 0) - (minute?.faults ?? 0),
        ErrorStatistics: { ThrottleCount: 0, OtherCount: 0, TotalCount: 0 },
        FaultStatistics: { OtherCount: minute?.faults, TotalCount: minute?.faults },
        TotalCount: minute?.requests,
        TotalResponseTime: minute?.totalResponseTimeSeconds,
      });
      expect(bucket.ResponseTimeHistogram).toEqual(minute?.histogram);
      expect(bucket.EdgeSummaryStatistics).toBeUndefined();
    });
  });

  it('aggregates minutes into longer periods', async () => {
    const { fleet, xray } = world(10);

    const result = await xray.getTimeSeriesServiceStatistics(serviceRequest('checkout-cell-1', 0, 10, 300));

    expect(result.TimeSeriesServiceStatistics?.map((b) => b.Timestamp)).toEqual([at(0), at(5)]);
    const firstFive = [0, 1, 2, 3, 4].reduce(
      (sum, m) => sum + fleet.minute('checkout-cell-1', m).requests,
      0,
    );
    expect(result.TimeSeriesServiceStatistics?.[0]?.ServiceSummaryStatistics?.TotalCount).toBe(firstFive);
    const histogramTotal = (result.TimeSeriesServiceStatistics?.[0]?.ResponseTimeHistogram ?? []).reduce(
      (sum, e) => sum + (e.Count ?? 0),
      0,
    );
    expect(histogramTotal).toBe(firstFive);
  });

  it('has traced only the minutes that have ended, and nothing before the fleet started', async () => {
    const { xray } = world(4);

    const result = await xray.getTimeSeriesServiceStatistics(serviceRequest('checkout-cell-1', -3, 10));

    expect(result.TimeSeriesServiceStatistics?.map((b) => b.Timestamp)).toEqual([at(0), at(1), at(2), at(3)]);
  });

  it('knows nothing of a service it never traced', async () => {
    const { xray } = world(10);

    expect(await xray.getTimeSeriesServiceStatistics(serviceRequest('search', 0, 5))).toEqual({
      TimeSeriesServiceStatistics: [],
    });
  });

  it.each([
    ['no selector', { StartTime: at(0), EndTime: at(5) }],
    ['an edge selector', { ...serviceRequest('a', 0, 5), EntitySelectorExpression: 'edge("a", "b")' }],
    ['a period of 90 seconds', serviceRequest('checkout-cell-1', 0, 5, 90)],
    ['an end before the start', serviceRequest('checkout-cell-1', 5, 0)],
    ['an unknown group', { ...serviceRequest('checkout-cell-1', 0, 5), GroupName: 'payments' }],
  ])('refuses %s with InvalidRequestException', async (_what, input) => {
    const { xray } = world(10);

    await expect(xray.getTimeSeriesServiceStatistics(input)).rejects.toMatchObject({
      name: 'InvalidRequestException',
      $fault: 'client',
    });
  });
});

describe('simulated GetInsightSummaries', () => {
  const faults: FleetFault[] = [
    {
      kind: 'grey-cell',
      cell: 'checkout-cell-2',
      fromMinute: 5,
      untilMinute: 15,
      faultRate: 0.2,
      opensInsight: true,
    },
    { kind: 'grey-cell', cell: 'checkout-cell-3', fromMinute: 6, latencyFactor: 5 },
  ];
  const request = (States?: ('ACTIVE' | 'CLOSED')[]) => ({
    GroupName: 'Default',
    StartTime: at(-60),
    EndTime: at(60),
    ...(States ? { States } : {}),
  });

  it('lists an ACTIVE insight on the faulting cell, with its impact so far', async () => {
    const { fleet, xray } = world(10, faults);

    const { InsightSummaries } = await xray.getInsightSummaries(request(['ACTIVE']));

    const faultsSoFar = [5, 6, 7, 8, 9].reduce(
      (sum, m) => sum + fleet.minute('checkout-cell-2', m).faults,
      0,
    );
    expect(InsightSummaries).toHaveLength(1);
    expect(InsightSummaries?.[0]).toMatchObject({
      InsightId: 'insight-checkout-cell-2-m5',
      GroupName: 'Default',
      State: 'ACTIVE',
      Categories: ['FAULT'],
      StartTime: at(5),
      RootCauseServiceId: { Name: 'checkout-cell-2', Type: 'AWS::ECS::Container' },
      TopAnomalousServices: [{ ServiceId: { Name: 'checkout-cell-2' } }],
      RootCauseServiceRequestImpactStatistics: { FaultCount: faultsSoFar },
    });
    expect(InsightSummaries?.[0]?.EndTime).toBeUndefined();
  });

  it('closes the insight when the fault ends, and filters by state', async () => {
    const { xray } = world(20, faults);

    expect((await xray.getInsightSummaries(request(['ACTIVE']))).InsightSummaries).toEqual([]);
    const closed = (await xray.getInsightSummaries(request(['CLOSED']))).InsightSummaries;
    expect(closed).toMatchObject([{ State: 'CLOSED', EndTime: at(15) }]);
  });

  it('lists nothing before the fault starts, or for a time range that excludes its start', async () => {
    expect((await world(4, faults).xray.getInsightSummaries(request())).InsightSummaries).toEqual([]);
    const late = { ...request(), StartTime: at(6) };
    expect((await world(10, faults).xray.getInsightSummaries(late)).InsightSummaries).toEqual([]);
  });

  it('requires a group', async () => {
    const { xray } = world(10, faults);

    await expect(xray.getInsightSummaries({ StartTime: at(0), EndTime: at(5) })).rejects.toMatchObject({
      name: 'InvalidRequestException',
    });
  });
});
