import { describe, expect, it } from 'vitest';
import type { GetInsightSummariesRequest, InsightSummary } from '@aws-sdk/client-xray';
import { activeInsightsRequest, insightsOf, readCellInsights } from '../../../domain/cells/insights.ts';
import type { XRayPort } from '../../../domain/cells/ports.ts';

const END = Date.UTC(2026, 0, 1, 12, 5);
const CELLS = ['checkout-cell-1', 'checkout-cell-2', 'checkout-cell-3'];

function answering(summaries: InsightSummary[], sent: GetInsightSummariesRequest[] = []): XRayPort {
  return {
    getTimeSeriesServiceStatistics: () => Promise.reject(new Error('not expected')),
    getInsightSummaries: async (input) => {
      sent.push(input);
      return { InsightSummaries: summaries };
    },
  };
}

describe('activeInsightsRequest', () => {
  it('asks for the group’s ACTIVE insights that started in the last 24 hours', () => {
    expect(activeInsightsRequest('checkout', END)).toStrictEqual({
      States: ['ACTIVE'],
      GroupName: 'checkout',
      StartTime: new Date(END - 24 * 3_600_000),
      EndTime: new Date(END),
    });
  });
});

describe('readCellInsights', () => {
  it('keeps the active insights that name a cell, by name or alias, as root cause or anomalous', async () => {
    const sent: GetInsightSummariesRequest[] = [];
    const xray = answering(
      [
        {
          InsightId: 'by-alias',
          State: 'ACTIVE',
          RootCauseServiceId: { Name: 'checkout-cell-2.internal', Names: ['checkout-cell-2'] },
          Summary: 'Fault rate of checkout-cell-2 is above its expected range',
          StartTime: new Date(END - 600_000),
        },
        {
          InsightId: 'downstream',
          State: 'ACTIVE',
          RootCauseServiceId: { Name: 'payments' },
          TopAnomalousServices: [
            { ServiceId: { Name: 'checkout-cell-1' } },
            { ServiceId: { Name: 'checkout-cell-3' } },
          ],
        },
        { InsightId: 'closed', State: 'CLOSED', RootCauseServiceId: { Name: 'checkout-cell-1' } },
        { InsightId: 'elsewhere', State: 'ACTIVE', RootCauseServiceId: { Name: 'search' } },
        { State: 'ACTIVE', RootCauseServiceId: { Name: 'checkout-cell-1' } },
      ],
      sent,
    );

    const insights = await readCellInsights(xray, 'Default', CELLS, END);

    expect(sent).toStrictEqual([activeInsightsRequest('Default', END)]);
    expect(insights).toEqual([
      {
        insightId: 'by-alias',
        cells: ['checkout-cell-2'],
        rootCauseCells: ['checkout-cell-2'],
        summary: 'Fault rate of checkout-cell-2 is above its expected range',
        startTime: '2026-01-01T11:55:00.000Z',
      },
      {
        insightId: 'downstream',
        cells: ['checkout-cell-1', 'checkout-cell-3'],
        rootCauseCells: [],
        summary: null,
        startTime: null,
      },
    ]);
  });
});

describe('insightsOf', () => {
  it('lists the insights naming a cell, those blaming it first', () => {
    const insights = [
      { insightId: 'a', cells: ['c1', 'c2'], rootCauseCells: [], summary: null, startTime: null },
      { insightId: 'b', cells: ['c1'], rootCauseCells: ['c1'], summary: null, startTime: null },
      { insightId: 'c', cells: ['c2'], rootCauseCells: ['c2'], summary: null, startTime: null },
    ];

    expect(insightsOf('c1', insights).map((i) => i.insightId)).toEqual(['b', 'a']);
    expect(insightsOf('c3', insights)).toEqual([]);
  });
});
