/**
 * What the report charts for each scenario, pure: from the variants' per-minute timelines (the
 * world's records) to figures of series. A figure's panels share both axes, so every variant of a
 * scenario reads on the same scales: one panel with a line per variant where the lines are few,
 * one panel per variant (a line per cell) where they are not. Beside them, each variant as a point
 * of what it costs over 24 hours against the harm it let through (`TradeOff`).
 */
import type { CostedVariantResult, RunSummary, VariantResult } from '../../../simulations/outcome.ts';
import type { QueueVariantResult } from '../../../scenarios/sqs-backpressure/run.ts';
import type { CellVariantResult } from '../../../scenarios/cell-shift/run.ts';

export interface Series {
  label: string;
  color: string;
  /** A reference line (demand, a limit) rather than a measured outcome. */
  dashed?: boolean;
  /** One value per minute from minute 0; null: none that minute (a gap). */
  values: readonly (number | null)[];
}

export interface Panel {
  /** Set when a figure has one panel per variant. */
  title?: string;
  series: Series[];
  /** Whether the selfheal run's steps are marked on this panel's time axis. */
  steps: boolean;
}

export interface Figure {
  title: string;
  /** What the values count, for the caption. */
  unit: string;
  /** Whole numbers only (requests, messages): the axis gets no fractional ticks. */
  integer: boolean;
  /** Shares of a whole: each panel's series drawn as bands stacked on one another. */
  stacked?: boolean;
  panels: Panel[];
}

export interface ScenarioCharts {
  /** The time axis's extent: the longest variant's timeline. */
  durationSeconds: number;
  figures: Figure[];
  /** The selfheal run's executions, whose states are marked on the time axis. */
  runs: RunSummary[];
  /** Cost against harm, a point per variant: one plot per harm figure the scenario measures. */
  tradeOffs?: TradeOff[];
}

/** Each variant as a point: its 24-hour cost across, a harm figure up. */
export interface TradeOff {
  /** What the harm counts: `requests failed after SDK retries`. */
  harm: string;
  /** The summary's field(s) it is read from, for the caption. */
  harmKey: string;
  points: { variant: string; color: string; costUsd: number; harm: number }[];
}

/** Selfheal in blue, drawn last (on top); the baselines in colours that stay apart from it. */
export const VARIANT_COLORS = [
  '#1c64d8',
  '#e8590c',
  '#6b7280',
  '#2f9e44',
  '#ae3ec9',
  '#c92a2a',
  '#0c8599',
] as const;
export const CELL_COLORS = ['#0b7285', '#e67700', '#c2255c', '#5f3dc4', '#2b8a3e', '#495057'] as const;
const REFERENCE_COLOR = '#9aa3ad';

const colorOf = (palette: readonly string[], index: number): string =>
  palette[index % palette.length] ?? '#000000';

/** One series per variant, selfheal first. */
function perVariant<M>(
  results: readonly { variant: string; timeline: readonly M[] }[],
  value: (minute: M) => number | null,
): Series[] {
  return results.map((r, i) => ({
    label: r.variant,
    color: colorOf(VARIANT_COLORS, i),
    values: r.timeline.map(value),
  }));
}

const duration = (results: readonly { timeline: readonly unknown[] }[]): number =>
  Math.max(1, ...results.map((r) => r.timeline.length)) * 60;

const selfhealRuns = (results: readonly { variant: string; runs: RunSummary[] }[]): RunSummary[] =>
  results.find((r) => r.variant === 'selfheal')?.runs ?? [];

/** A trade-off plot: each variant's 24-hour cost against `harm`, in the variants' colours. */
function tradeOff<R extends { variant: string; cost: { usd: number } }>(
  results: readonly R[],
  harm: string,
  harmKey: string,
  value: (result: R) => number,
): TradeOff {
  return {
    harm,
    harmKey,
    points: results.map((r, i) => ({
      variant: r.variant,
      color: colorOf(VARIANT_COLORS, i),
      costUsd: r.cost.usd,
      harm: value(r),
    })),
  };
}

/**
 * hot-shard, hot-key: requests failed after the SDK's retries (the users' harm), throttle events
 * (CloudWatch's count), and each dimension's provisioned capacity beside its demand.
 */
export function tableCharts(results: readonly CostedVariantResult[]): ScenarioCharts {
  const [first] = results;
  const onDemand = (m: VariantResult['timeline'][number]) => m.billingMode === 'PAY_PER_REQUEST';
  const capacity = (
    dimension: string,
    provisioned: (m: VariantResult['timeline'][number]) => number,
    demand: (m: VariantResult['timeline'][number]) => number,
  ): Figure => ({
    title: `Provisioned ${dimension} capacity per minute, and the ${dimension} demand`,
    unit: `${dimension} capacity units (demand: units a second); a gap: on demand`,
    integer: true,
    panels: [
      {
        steps: true,
        series: [
          ...perVariant(results, (m) => (onDemand(m) ? null : provisioned(m))),
          {
            label: 'demand',
            color: REFERENCE_COLOR,
            dashed: true,
            values: (first?.timeline ?? []).map((m) => Math.round(demand(m))),
          },
        ],
      },
    ],
  });
  return {
    durationSeconds: duration(results),
    runs: selfhealRuns(results),
    tradeOffs: [
      tradeOff(results, 'requests failed after SDK retries', 'failedRequests', (r) => r.failedRequests),
    ],
    figures: [
      {
        title: 'Requests failed after SDK retries, per minute',
        unit: 'requests (reads and writes)',
        integer: true,
        panels: [{ steps: true, series: perVariant(results, (m) => m.failedRequests) }],
      },
      {
        title: 'Throttle events per minute (CloudWatch: every throttled attempt, retries included)',
        unit: 'events (reads and writes)',
        integer: true,
        panels: [{ steps: true, series: perVariant(results, (m) => m.throttledRequests.total) }],
      },
      capacity(
        'write',
        (m) => m.provisionedWcu,
        (m) => m.demandWcuPerSecond,
      ),
      capacity(
        'read',
        (m) => m.provisionedRcu,
        (m) => m.demandRcuPerSecond,
      ),
    ],
  };
}

/** sqs-backpressure: the downstream's errors, the queue's depth, and the consumer's concurrency. */
export function queueCharts(results: readonly QueueVariantResult[]): ScenarioCharts {
  const selfheal = results.find((r) => r.variant === 'selfheal');
  return {
    durationSeconds: duration(results),
    runs: selfhealRuns(results),
    tradeOffs: [
      tradeOff(
        results,
        'messages lost: sent to the DLQ or expired',
        'deadLetterMessages + expiredMessages',
        (r) => r.deadLetterMessages + r.expiredMessages,
      ),
      tradeOff(results, 'downstream errors', 'downstreamErrors', (r) => r.downstreamErrors),
    ],
    figures: [
      {
        title: 'Downstream errors per minute',
        unit: 'error responses to the consumer (a circuit breaker’s 429s included)',
        integer: true,
        panels: [{ steps: true, series: perVariant(results, (m) => m.downstreamErrors) }],
      },
      {
        title: 'Queue depth per minute',
        unit: 'messages in the queue, visible and in flight, at the minute’s end',
        integer: true,
        panels: [{ steps: true, series: perVariant(results, (m) => m.visible + m.notVisible) }],
      },
      {
        title: 'The event-source mapping’s concurrency per minute',
        unit: 'concurrent consumer invocations (the minute’s peak); dashed: selfheal’s MaximumConcurrency',
        integer: true,
        panels: [
          {
            steps: true,
            series: [
              ...perVariant(results, (m) => m.concurrency),
              ...(selfheal
                ? [
                    {
                      label: 'selfheal: MaximumConcurrency',
                      color: colorOf(VARIANT_COLORS, results.indexOf(selfheal)),
                      dashed: true,
                      values: selfheal.timeline.map((m) =>
                        m.mappingState === 'Disabled' ? 0 : m.maximumConcurrency,
                      ),
                    },
                  ]
                : []),
            ],
          },
        ],
      },
    ],
  };
}

/** cell-shift: each cell's failed requests and share of the traffic, one panel per variant. */
export function cellCharts(results: readonly CellVariantResult[]): ScenarioCharts {
  const perCell = (value: (cell: CellVariantResult['timeline'][number]['cells'][number]) => number) =>
    results.map((r) => {
      const cells = r.timeline[0]?.cells.map((c) => c.cell) ?? [];
      return {
        title: r.variant,
        steps: r.variant === 'selfheal',
        series: cells.map((cell, i) => ({
          label: cell.replace(/^.*-cell-/, 'cell '),
          color: colorOf(CELL_COLORS, i),
          values: r.timeline.map((m) => {
            const found = m.cells.find((c) => c.cell === cell);
            return found ? value(found) : null;
          }),
        })),
      };
    });
  return {
    durationSeconds: duration(results),
    runs: selfhealRuns(results),
    tradeOffs: [tradeOff(results, 'failed requests', 'failedRequests', (r) => r.failedRequests)],
    figures: [
      {
        title: 'Failed requests per minute, per cell',
        unit: 'users’ requests answered with a fault (canaries apart)',
        integer: true,
        panels: perCell((c) => c.faults),
      },
      {
        title: 'Share of the traffic per cell',
        unit: 'percent of the users’ requests, the cells stacked; a band gone: its routing control is Off',
        integer: false,
        stacked: true,
        panels: perCell((c) => (c.state === 'Off' ? 0 : c.sharePercent)),
      },
    ],
  };
}
