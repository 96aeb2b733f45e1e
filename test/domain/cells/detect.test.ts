import { describe, expect, it } from 'vitest';
import { ThrottledException } from '@aws-sdk/client-xray';
import type {
  GetInsightSummariesRequest,
  GetTimeSeriesServiceStatisticsRequest,
  InsightSummary,
  TimeSeriesServiceStatistics,
} from '@aws-sdk/client-xray';
import { detectGreyCells, greyCellIncidentId } from '../../../domain/cells/detect.ts';
import { greyCellFleetSchema } from '../../../domain/cells/fleet.ts';
import type { XRayPort } from '../../../domain/cells/ports.ts';
import { incidentSchema } from '../../../domain/incidents/incident.ts';

const CELLS = ['checkout-cell-1', 'checkout-cell-2', 'checkout-cell-3', 'checkout-cell-4', 'checkout-cell-5'];
const fleet = greyCellFleetSchema.parse({ cells: CELLS });
/** 12:05:20.250: the window is the five whole minutes 12:00 to 12:05. */
const NOW = Date.UTC(2026, 0, 1, 12, 5, 20, 250);
const minute = (m: number) => new Date(Date.UTC(2026, 0, 1, 12, m));

interface CellTraffic {
  /** Requests a minute. */
  requests?: number;
  faults?: number;
  p99Ms?: number;
}

/**
 * Five one-minute buckets as X-Ray returns them for a service() selector: 1.5 % of requests at
 * the cell's p99 (so the 99th percentile lands on it) and the rest at 50 ms.
 */
function buckets({
  requests = 1200,
  faults = 1,
  p99Ms = 250,
}: CellTraffic = {}): TimeSeriesServiceStatistics[] {
  const slow = Math.round(requests * 0.015);
  return [0, 1, 2, 3, 4].map((m) => ({
    Timestamp: minute(m),
    ServiceSummaryStatistics: {
      OkCount: requests - faults,
      ErrorStatistics: { ThrottleCount: 0, OtherCount: 0, TotalCount: 0 },
      FaultStatistics: { OtherCount: faults, TotalCount: faults },
      TotalCount: requests,
      TotalResponseTime: (requests - slow) * 0.05 + (slow * p99Ms) / 1000,
    },
    ResponseTimeHistogram: [
      { Value: 0.05, Count: requests - slow },
      { Value: p99Ms / 1000, Count: slow },
    ],
  }));
}

/** An X-Ray that answers from a script and records every request, in order. */
function scriptedXRay(
  traffic: Record<string, CellTraffic>,
  insights: InsightSummary[] | Error = [],
): XRayPort & { sent: { operation: string; input: unknown }[] } {
  const sent: { operation: string; input: unknown }[] = [];
  const cellOf = (input: GetTimeSeriesServiceStatisticsRequest) =>
    /^service\("(.+)"\)$/.exec(input.EntitySelectorExpression ?? '')?.[1] ?? '';
  return {
    sent,
    getTimeSeriesServiceStatistics: async (input) => {
      sent.push({ operation: 'GetTimeSeriesServiceStatistics', input });
      const cell = cellOf(input);
      return { TimeSeriesServiceStatistics: cell in traffic ? buckets(traffic[cell]) : [] };
    },
    getInsightSummaries: async (input: GetInsightSummariesRequest) => {
      sent.push({ operation: 'GetInsightSummaries', input });
      if (insights instanceof Error) throw insights;
      return { InsightSummaries: insights };
    },
  };
}

const healthy = (): Record<string, CellTraffic> => ({
  'checkout-cell-1': { p99Ms: 240 },
  'checkout-cell-2': { p99Ms: 250 },
  'checkout-cell-3': { p99Ms: 262 },
  'checkout-cell-4': { p99Ms: 255 },
  'checkout-cell-5': { p99Ms: 246 },
});

const insight = (overrides: Partial<InsightSummary>): InsightSummary => ({
  InsightId: 'b7c1a0f2-0000-4000-8000-000000000001',
  GroupName: 'Default',
  State: 'ACTIVE',
  Categories: ['FAULT'],
  StartTime: minute(2),
  Summary: 'Fault rate of checkout-cell-3 is above its expected range',
  ...overrides,
});

describe('detectGreyCells', () => {
  it('asks X-Ray for each cell’s last five whole minutes, one cell after another', async () => {
    const xray = scriptedXRay(healthy());

    await detectGreyCells(xray, fleet, NOW);

    expect(xray.sent).toStrictEqual(
      CELLS.map((cell) => ({
        operation: 'GetTimeSeriesServiceStatistics',
        input: {
          StartTime: minute(0),
          EndTime: minute(5),
          EntitySelectorExpression: `service("${cell}")`,
          Period: 60,
          ForecastStatistics: false,
        },
      })),
    );
  });

  it('reports the grey cell as a cell-grey-failure incident with the evidence that convicts it', async () => {
    const xray = scriptedXRay({ ...healthy(), 'checkout-cell-3': { p99Ms: 1400, faults: 60 } });

    const detection = await detectGreyCells(xray, fleet, NOW);

    expect(detection).toMatchObject({
      windowStart: '2026-01-01T12:00:00.000Z',
      windowEnd: '2026-01-01T12:05:00.000Z',
      verdict: 'grey-cells',
      peers: 5,
    });
    expect(detection.incidents).toEqual([
      {
        id: 'cell-grey-failure/checkout-cell-3/2026-01-01T12:05:00.000Z',
        kind: 'cell-grey-failure',
        resource: { type: 'cell', name: 'checkout-cell-3' },
        source: 'xray-grey-failure-detector',
        observedAt: '2026-01-01T12:05:00.000Z',
        evidence: {
          windowStart: '2026-01-01T12:00:00.000Z',
          windowEnd: '2026-01-01T12:05:00.000Z',
          greyBy: 'fault-rate,p99-latency',
          judgedCells: CELLS.join(','),
          requests: 6000,
          faults: 300,
          errors: 0,
          faultRate: 0.05,
          peerMedianFaultRate: 0.000833,
          faultRateScore: null, // the healthy peers agree exactly: the MAD is 0
          p99LatencyMs: 1400,
          peerMedianP99LatencyMs: 250,
          p99LatencyScore: 155.14, // 0.6745 × 1150 ms over the peers' MAD of 5 ms
          meanLatencyMs: 70.3,
          activeInsights: 0,
          insightIds: null,
          insightSummary: null,
          insightRootCause: null,
          insightsError: null,
        },
      },
    ]);
    expect(() => incidentSchema.parse(detection.incidents[0])).not.toThrow();
  });

  it('reads the group’s ACTIVE insights of the last day once a cell is grey, as evidence', async () => {
    const xray = scriptedXRay({ ...healthy(), 'checkout-cell-3': { p99Ms: 1400 } }, [
      insight({
        InsightId: 'insight-on-cell-3',
        RootCauseServiceId: { Name: 'checkout-cell-3', Type: 'AWS::ECS::Container' },
      }),
      insight({
        InsightId: 'insight-downstream',
        RootCauseServiceId: { Name: 'payments', Type: 'AWS::ECS::Container' },
        TopAnomalousServices: [
          { ServiceId: { Name: 'payments' } },
          { ServiceId: { Name: 'checkout-cell-3' } },
        ],
        Summary: 'Fault rate of payments is above its expected range',
      }),
      insight({ InsightId: 'insight-elsewhere', RootCauseServiceId: { Name: 'search' } }),
    ]);

    const detection = await detectGreyCells(xray, fleet, NOW);

    expect(xray.sent.at(-1)).toStrictEqual({
      operation: 'GetInsightSummaries',
      input: {
        States: ['ACTIVE'],
        GroupName: 'Default',
        StartTime: new Date(Date.UTC(2025, 11, 31, 12, 5)),
        EndTime: minute(5),
      },
    });
    expect(detection.incidents[0]?.evidence).toMatchObject({
      activeInsights: 2,
      // The insight that blames the cell comes first.
      insightIds: 'insight-on-cell-3,insight-downstream',
      insightSummary: 'Fault rate of checkout-cell-3 is above its expected range',
      insightRootCause: true,
    });
  });

  it('still reports the grey cell when insights cannot be read, and says why they are missing', async () => {
    const throttled = new ThrottledException({ message: 'Rate exceeded', $metadata: {} });
    const xray = scriptedXRay({ ...healthy(), 'checkout-cell-3': { p99Ms: 1400 } }, throttled);

    const detection = await detectGreyCells(xray, fleet, NOW);

    expect(detection.incidents.map((i) => i.resource.name)).toEqual(['checkout-cell-3']);
    expect(detection.incidents[0]?.evidence).toMatchObject({
      activeInsights: null,
      insightIds: null,
      insightsError: 'AwsThrottledError: Reading X-Ray insights of group Default: Rate exceeded',
    });
  });

  it('reports nothing, and reads no insights, when every cell slows down together', async () => {
    const slow = Object.fromEntries(
      Object.entries(healthy()).map(([cell, traffic]) => [
        cell,
        { ...traffic, p99Ms: (traffic.p99Ms ?? 0) * 8 },
      ]),
    );
    const xray = scriptedXRay(slow);

    const detection = await detectGreyCells(xray, fleet, NOW);

    expect(detection.verdict).toBe('no-outliers');
    expect(detection.incidents).toEqual([]);
    expect(xray.sent.map((s) => s.operation)).not.toContain('GetInsightSummaries');
  });

  it('judges nothing when only two cells have traffic, and says so', async () => {
    const xray = scriptedXRay({ 'checkout-cell-1': {}, 'checkout-cell-2': { p99Ms: 4000 } });

    const detection = await detectGreyCells(xray, fleet, NOW);

    expect(detection).toMatchObject({ verdict: 'too-few-peers', peers: 2, incidents: [] });
    expect(detection.cells.filter((c) => !c.judged).map((c) => c.cell)).toEqual(CELLS.slice(2));
  });

  it('gives the same incident id to every run that judges the same window', async () => {
    const traffic = { ...healthy(), 'checkout-cell-2': { faults: 200 } };

    const first = await detectGreyCells(scriptedXRay(traffic), fleet, NOW);
    const again = await detectGreyCells(scriptedXRay(traffic), fleet, NOW + 30_000);
    const next = await detectGreyCells(scriptedXRay(traffic), fleet, NOW + 60_000);

    expect(first.incidents.map((i) => i.id)).toEqual([
      greyCellIncidentId('checkout-cell-2', '2026-01-01T12:05:00.000Z'),
    ]);
    expect(again.incidents.map((i) => i.id)).toEqual(first.incidents.map((i) => i.id));
    expect(next.incidents.map((i) => i.id)).toEqual([
      'cell-grey-failure/checkout-cell-2/2026-01-01T12:06:00.000Z',
    ]);
  });

  it('fails with the classified error when a cell’s statistics cannot be read', async () => {
    const xray: XRayPort = {
      getTimeSeriesServiceStatistics: () =>
        Promise.reject(new ThrottledException({ message: 'Rate exceeded', $metadata: {} })),
      getInsightSummaries: () => Promise.reject(new Error('not expected')),
    };

    await expect(detectGreyCells(xray, fleet, NOW)).rejects.toMatchObject({
      name: 'AwsThrottledError',
      retryable: true,
    });
  });
});
