import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../core/random.ts';
import { createCellFleet, uniformCells, type FleetFault } from '../../../world/cells/cell-fleet.ts';
import { simulatedXRay, type SimulatedXRayOptions } from '../../../world/cells/xray.ts';
import { TRACE_EVERY_REQUEST } from '../../../world/cells/sampling.ts';
import {
  DEFAULT_XRAY_INSIGHT_DELAY_SECONDS,
  DEFAULT_XRAY_STATISTICS_DELAY_SECONDS,
  XRAY_DEFAULT_SAMPLING_RULE,
} from '../../../world/cells/world-parameters.ts';

const START = Date.UTC(2026, 0, 1, 12, 0);
const at = (minute: number) => new Date(START + minute * 60_000);
const cells = uniformCells('checkout', 3, { requestsPerSecond: 10, faultRate: 0.01, p50Ms: 50, p99Ms: 200 });

/** X-Ray as if it traced every request and had it at once: what the API's shape is checked on. */
const WHOLE: SimulatedXRayOptions = {
  sampling: TRACE_EVERY_REQUEST,
  statisticsDelaySeconds: 0,
  insightDelaySeconds: 0,
};

/** The fleet with the clock `nowMinute` minutes and `seconds` seconds in (mid-minute by default). */
function world(
  nowMinute: number,
  faults: FleetFault[] = [],
  options: SimulatedXRayOptions = WHOLE,
  seconds = 20,
) {
  const clock = { startMs: START, now: () => START + nowMinute * 60_000 + seconds * 1000 };
  const fleet = createCellFleet({ clock, cells, faults, random: seededRandom(3) });
  return { fleet, xray: simulatedXRay(fleet, options) };
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

/** Checkout cell 2 grey from minute 5 to 15, a fifth of its requests failing: X-Ray opens an insight. */
const INSIGHT_FAULT: FleetFault = {
  kind: 'grey-cell',
  cell: 'checkout-cell-2',
  fromMinute: 5,
  untilMinute: 15,
  faultRate: 0.2,
  opensInsight: true,
};

describe('simulated GetInsightSummaries', () => {
  const faults: FleetFault[] = [
    INSIGHT_FAULT,
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

describe('what X-Ray sees: sampled requests, some time after', () => {
  const sampled: SimulatedXRayOptions = { statisticsDelaySeconds: 0 };
  const buckets = async (xray: ReturnType<typeof world>['xray'], cell: string, from: number, to: number) =>
    (await xray.getTimeSeriesServiceStatistics(serviceRequest(cell, from, to))).TimeSeriesServiceStatistics ??
    [];
  const total = (values: readonly (number | undefined)[]) => values.reduce<number>((s, v) => s + (v ?? 0), 0);

  it('counts by default only what X-Ray’s Default rule traces: the cells’ share of 1 a second, then 5 %', async () => {
    expect(XRAY_DEFAULT_SAMPLING_RULE).toEqual({ reservoirPerSecond: 1, fixedRate: 0.05 });
    const { fleet, xray } = world(30, [], sampled);

    const seen = await buckets(xray, 'checkout-cell-1', 0, 30);

    expect(seen).toHaveLength(30);
    const served = Array.from({ length: 30 }, (_, m) => fleet.minute('checkout-cell-1', m));
    // Three cells share the reservoir: 20 requests a minute each, then 5 % of the other ~580.
    const expected = total(served.map((m) => 20 + 0.05 * (m.requests - 20)));
    const spread = Math.sqrt(total(served.map((m) => 0.05 * 0.95 * (m.requests - 20))));
    const traced = total(seen.map((b) => b.ServiceSummaryStatistics?.TotalCount));
    expect(Math.abs(traced - expected)).toBeLessThan(4 * spread);
    seen.forEach((bucket, i) => {
      const stats = bucket.ServiceSummaryStatistics;
      const histogramCount = total((bucket.ResponseTimeHistogram ?? []).map((e) => e.Count));
      expect(stats?.TotalCount).toBeLessThan(served[i]?.requests ?? 0);
      expect(stats?.FaultStatistics?.TotalCount).toBeLessThanOrEqual(served[i]?.faults ?? 0);
      expect((stats?.OkCount ?? 0) + (stats?.FaultStatistics?.TotalCount ?? 0)).toBe(stats?.TotalCount);
      expect(histogramCount).toBe(stats?.TotalCount);
    });
  });

  it('sees the faults in the share it traces: a grey cell’s fault rate, within the sampling error', async () => {
    const grey: FleetFault[] = [
      { kind: 'grey-cell', cell: 'checkout-cell-2', fromMinute: 0, faultRate: 0.2 },
    ];
    const { xray } = world(60, grey, sampled);

    const seen = await buckets(xray, 'checkout-cell-2', 0, 60);

    const traced = total(seen.map((b) => b.ServiceSummaryStatistics?.TotalCount));
    const faults = total(seen.map((b) => b.ServiceSummaryStatistics?.FaultStatistics?.TotalCount));
    expect(traced).toBeGreaterThan(2000);
    expect(Math.abs(faults / traced - 0.2)).toBeLessThan(4 * Math.sqrt((0.2 * 0.8) / traced));
  });

  it('traces nothing with a rule of no reservoir and no rate: no bucket, as for a service it never saw', async () => {
    const { xray } = world(10, [], { ...sampled, sampling: { reservoirPerSecond: 0, fixedRate: 0 } });

    expect(await buckets(xray, 'checkout-cell-1', 0, 10)).toEqual([]);
  });

  it('gives the same traced minutes on every read and for the same seed, others for another', async () => {
    const read = (random: number) => {
      const clock = { startMs: START, now: () => START + 10 * 60_000 };
      const fleet = createCellFleet({ clock, cells, random: seededRandom(3) });
      return simulatedXRay(fleet, { ...sampled, random: seededRandom(random) });
    };
    const [a, b, c] = [read(1), read(1), read(2)];

    const first = await buckets(a, 'checkout-cell-3', 0, 10);
    expect(await buckets(a, 'checkout-cell-3', 0, 10)).toEqual(first);
    expect(await buckets(b, 'checkout-cell-3', 0, 10)).toEqual(first);
    expect(await buckets(c, 'checkout-cell-3', 0, 10)).not.toEqual(first);
  });

  it('has a minute’s statistics only once X-Ray has had them for its delay: 30 s after the minute ends', async () => {
    expect(DEFAULT_XRAY_STATISTICS_DELAY_SECONDS).toBe(30);
    const delayed: SimulatedXRayOptions = { sampling: TRACE_EVERY_REQUEST };
    const minutesSeen = async (seconds: number) =>
      (await buckets(world(10, [], delayed, seconds).xray, 'checkout-cell-1', 0, 11)).map((b) => b.Timestamp);

    // At 10:00 and 10:29 minute 9 has just ended: not readable yet; at 10:30 it is.
    expect(await minutesSeen(0)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8].map(at));
    expect(await minutesSeen(29)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8].map(at));
    expect(await minutesSeen(30)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map(at));
  });

  it('opens an insight five minutes after its fault starts, and closes it five minutes after the fault ends', async () => {
    expect(DEFAULT_XRAY_INSIGHT_DELAY_SECONDS).toBe(300);
    const faults: FleetFault[] = [INSIGHT_FAULT];
    const delayed: SimulatedXRayOptions = { sampling: TRACE_EVERY_REQUEST, statisticsDelaySeconds: 0 };
    const insights = async (minute: number, seconds: number) =>
      (
        await world(minute, faults, delayed, seconds).xray.getInsightSummaries({
          GroupName: 'Default',
          StartTime: at(-60),
          EndTime: at(60),
        })
      ).InsightSummaries ?? [];

    expect(await insights(9, 59)).toEqual([]);
    expect(await insights(10, 0)).toMatchObject([{ State: 'ACTIVE', StartTime: at(5) }]);
    expect(await insights(19, 59)).toMatchObject([{ State: 'ACTIVE' }]);
    expect(await insights(20, 0)).toMatchObject([{ State: 'CLOSED', EndTime: at(15) }]);
  });
});
