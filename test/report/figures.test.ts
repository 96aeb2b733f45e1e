import { describe, expect, it } from 'vitest';
import {
  CELL_COLORS,
  VARIANT_COLORS,
  cellCharts,
  queueCharts,
  tableCharts,
} from '../../cli/render/report/figures.ts';
import type { CostedVariantResult, RunSummary } from '../../simulations/outcome.ts';
import type { QueueVariantResult } from '../../scenarios/sqs-backpressure/run.ts';
import type { CellVariantResult } from '../../scenarios/cell-shift/run.ts';

const RUN: RunSummary = {
  executionArn: 'arn:aws:states:us-east-1:000000000000:execution:hot-shard:local-0001',
  status: 'SUCCEEDED',
  outcome: 'healed',
  startedAtSeconds: 60,
  stoppedAtSeconds: 120,
  states: [{ name: 'Apply the capacity change', type: 'Task', atSeconds: 60 }],
};

// Only what the charts read; the rest of a result does not matter here.
function tableResult(
  variant: string,
  minutes: { throttled: number; failed?: number; wcu: number; rcu?: number; onDemand?: boolean }[],
  costUsd = 1,
): CostedVariantResult {
  return {
    variant,
    runs: variant === 'selfheal' ? [RUN] : [],
    cost: { usd: costUsd },
    throttledRequests: minutes.reduce((sum, m) => sum + m.throttled, 0),
    failedRequests: minutes.reduce((sum, m) => sum + (m.failed ?? m.throttled), 0),
    timeline: minutes.map((m, minute) => ({
      minute,
      billingMode: m.onDemand ? 'PAY_PER_REQUEST' : 'PROVISIONED',
      provisionedWcu: m.wcu,
      provisionedRcu: m.rcu ?? 300,
      demandWcuPerSecond: 500.4,
      demandRcuPerSecond: 99.6,
      throttledRequests: { total: m.throttled },
      failedRequests: m.failed ?? m.throttled,
    })),
  } as unknown as CostedVariantResult;
}

describe('tableCharts (hot-shard, hot-key)', () => {
  const charts = tableCharts([
    tableResult(
      'selfheal',
      [
        { throttled: 50, failed: 40, wcu: 100 },
        { throttled: 0, wcu: 1000, onDemand: true },
      ],
      16.33,
    ),
    tableResult(
      'auto-scaling',
      [
        { throttled: 50, wcu: 100 },
        { throttled: 20, wcu: 200 },
        { throttled: 0, wcu: 400 },
      ],
      2.83,
    ),
  ]);

  it('plots each variant’s 24-hour cost against its requests failed after retries, in the variants’ colours', () => {
    expect(charts.tradeOffs).toEqual([
      {
        harm: 'requests failed after SDK retries',
        harmKey: 'failedRequests',
        points: [
          { variant: 'selfheal', color: VARIANT_COLORS[0], costUsd: 16.33, harm: 40 },
          { variant: 'auto-scaling', color: VARIANT_COLORS[1], costUsd: 2.83, harm: 70 },
        ],
      },
    ]);
  });

  it('spans the longest variant and marks the selfheal run', () => {
    expect(charts.durationSeconds).toBe(180);
    expect(charts.runs).toEqual([RUN]);
  });

  it('charts failed requests, throttle events, then write and read capacity, a line per variant on one panel', () => {
    expect(charts.figures.map((f) => f.title)).toEqual([
      'Requests failed after SDK retries, per minute',
      'Throttle events per minute (CloudWatch: every throttled attempt, retries included)',
      'Provisioned write capacity per minute, and the write demand',
      'Provisioned read capacity per minute, and the read demand',
    ]);
    const [failed, throttled] = charts.figures;
    expect(failed?.panels[0]?.series).toEqual([
      { label: 'selfheal', color: VARIANT_COLORS[0], values: [40, 0] },
      { label: 'auto-scaling', color: VARIANT_COLORS[1], values: [50, 20, 0] },
    ]);
    expect(throttled?.panels).toHaveLength(1);
    expect(throttled?.panels[0]?.steps).toBe(true);
    expect(throttled?.panels[0]?.series).toEqual([
      { label: 'selfheal', color: VARIANT_COLORS[0], values: [50, 0] },
      { label: 'auto-scaling', color: VARIANT_COLORS[1], values: [50, 20, 0] },
    ]);
  });

  it('leaves a gap while a table is on demand, and draws the demand dashed beside the capacity', () => {
    const write = charts.figures[2]?.panels[0]?.series ?? [];
    expect(write.map((s) => [s.label, s.values, s.dashed ?? false])).toEqual([
      ['selfheal', [100, null], false],
      ['auto-scaling', [100, 200, 400], false],
      ['demand', [500, 500], true],
    ]);
    expect(charts.figures[3]?.panels[0]?.series.at(-1)?.values).toEqual([100, 100]);
  });
});

function queueResult(
  variant: string,
  minutes: Partial<QueueVariantResult['timeline'][number]>[],
  figures: Partial<QueueVariantResult> = {},
): QueueVariantResult {
  return {
    variant,
    runs: variant === 'selfheal' ? [RUN] : [],
    cost: { usd: 9 },
    deadLetterMessages: 0,
    expiredMessages: 0,
    downstreamErrors: minutes.reduce((sum, m) => sum + (m.downstreamErrors ?? 0), 0),
    ...figures,
    timeline: minutes.map((m, minute) => ({
      minute,
      downstreamErrors: 0,
      visible: 0,
      notVisible: 0,
      concurrency: 4,
      maximumConcurrency: 100,
      mappingState: 'Enabled',
      ...m,
    })),
  } as unknown as QueueVariantResult;
}

describe('queueCharts (sqs-backpressure)', () => {
  const charts = queueCharts([
    queueResult('selfheal', [
      { downstreamErrors: 30, visible: 100, notVisible: 20, concurrency: 40 },
      { maximumConcurrency: 20, concurrency: 18 },
      { mappingState: 'Disabled', concurrency: 0 },
      { maximumConcurrency: null },
    ]),
    queueResult('none', [{ downstreamErrors: 300, visible: 5000, concurrency: 100 }], {
      deadLetterMessages: 700,
      expiredMessages: 5,
      cost: { usd: 8.5 } as QueueVariantResult['cost'],
    }),
  ]);

  it('plots the 24-hour cost against messages lost, and against downstream errors', () => {
    expect(
      charts.tradeOffs?.map((t) => [t.harm, t.points.map((p) => [p.variant, p.costUsd, p.harm])]),
    ).toEqual([
      [
        'messages lost: sent to the DLQ or expired',
        [
          ['selfheal', 9, 0],
          ['none', 8.5, 705],
        ],
      ],
      [
        'downstream errors',
        [
          ['selfheal', 9, 30],
          ['none', 8.5, 300],
        ],
      ],
    ]);
  });

  it('charts downstream errors, queue depth (visible and in flight) and concurrency per variant', () => {
    expect(charts.figures.map((f) => f.panels[0]?.series.map((s) => [s.label, s.values]))).toEqual([
      [
        ['selfheal', [30, 0, 0, 0]],
        ['none', [300]],
      ],
      [
        ['selfheal', [120, 0, 0, 0]],
        ['none', [5000]],
      ],
      [
        ['selfheal', [40, 18, 0, 4]],
        ['none', [100]],
        ['selfheal: MaximumConcurrency', [100, 20, 0, null]],
      ],
    ]);
  });

  it('draws selfheal’s MaximumConcurrency dashed in selfheal’s colour (0 while disabled, a gap for none)', () => {
    const limit = charts.figures[2]?.panels[0]?.series.at(-1);
    expect(limit).toMatchObject({ dashed: true, color: VARIANT_COLORS[0] });
  });
});

function cellResult(variant: string, shares: [number, 'On' | 'Off', number][][]): CellVariantResult {
  return {
    variant,
    runs: variant === 'selfheal' ? [RUN] : [],
    cost: { usd: variant === 'selfheal' ? 216 : 0 },
    failedRequests: shares.flat().reduce((sum, [, , faults]) => sum + faults, 0),
    timeline: shares.map((cells, minute) => ({
      minute,
      failedRequests: cells.reduce((sum, [, , faults]) => sum + faults, 0),
      cells: cells.map(([sharePercent, state, faults], i) => ({
        cell: `checkout-cell-${i + 1}`,
        state,
        sharePercent,
        requests: 0,
        faults,
      })),
    })),
  } as unknown as CellVariantResult;
}

describe('cellCharts (cell-shift)', () => {
  const charts = cellCharts([
    cellResult('selfheal', [
      [
        [50, 'On', 1],
        [50, 'On', 90],
      ],
      [
        [100, 'On', 2],
        [0, 'Off', 0],
      ],
    ]),
    cellResult('none', [
      [
        [50, 'On', 1],
        [50, 'On', 90],
      ],
      [
        [50, 'On', 1],
        [50, 'On', 95],
      ],
    ]),
  ]);

  it('gives each variant a panel of its own, a line per cell, the steps on selfheal’s', () => {
    const [failed] = charts.figures;
    expect(failed?.panels.map((p) => [p.title, p.steps])).toEqual([
      ['selfheal', true],
      ['none', false],
    ]);
    expect(failed?.panels[0]?.series).toEqual([
      { label: 'cell 1', color: CELL_COLORS[0], values: [1, 2] },
      { label: 'cell 2', color: CELL_COLORS[1], values: [90, 0] },
    ]);
  });

  it('plots the 24-hour cost against failed requests', () => {
    expect(
      charts.tradeOffs?.map((t) => [t.harmKey, t.points.map((p) => [p.variant, p.costUsd, p.harm])]),
    ).toEqual([
      [
        'failedRequests',
        [
          ['selfheal', 216, 93],
          ['none', 0, 187],
        ],
      ],
    ]);
  });

  it('stacks the cells’ shares of the traffic, a cell turned Off at 0', () => {
    const share = charts.figures[1];
    expect(share?.stacked).toBe(true);
    expect(share?.panels[0]?.series.map((s) => s.values)).toEqual([
      [50, 100],
      [50, 0],
    ]);
  });
});
