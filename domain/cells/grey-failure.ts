/**
 * The peer-outlier judgement: is one cell worse than the others, not worse than a fixed line?
 *
 * A fixed threshold would call every cell bad in a fleet-wide slowdown (a dependency all cells
 * share) and shift traffic for nothing: there is nowhere better to send it. Judged against its
 * peers' median, a cell only stands out when it is worse than most cells; a fleet that slows down
 * together moves the median with it and nothing stands out.
 *
 * The rule, for each of fault rate and p99 latency:
 *  - peers are the cells with at least `minRequests` requests in the window (a quiet cell's rates
 *    are noise; it is neither judged nor used as a peer), and there must be at least MIN_PEERS;
 *  - a cell is an outlier when it is above the median by a modified z-score over `outlierScore`
 *    (robust: median and MAD, which a minority of bad cells cannot drag) AND by an absolute floor
 *    (`minFaultRateIncrease`; `minP99IncreaseMs` and `minP99Ratio`), so a tight, healthy fleet's
 *    tiny MAD does not turn a millisecond into an outlier;
 *  - the floor must hold for what the cell's sample allows at worst, not only for its figure: X-Ray
 *    counts only the requests it traced (a sampling rule's share), and a p99 read from a few hundred
 *    traces rests on a handful of them. The cell's fault rate and p99 are taken SAMPLE_CONFIDENCE_Z
 *    standard errors low (a Wilson bound on the rate; the p99 read that many standard errors lower
 *    in the histogram, `p99LowerMs`) before the floor is applied, so sampling alone does not carry a
 *    healthy cell over it; on a large sample the bound is the figure;
 *  - only worse is judged: a cell better than its peers is not failing.
 * Then, over both metrics, at most a minority of the peers may be flagged; more than that is the
 * fleet degrading, not a cell, and nothing is flagged (shifting traffic onto a minority of cells
 * would overload them).
 */
import { MIN_PEERS, type OutlierPolicy } from './fleet.ts';

/** One cell's traffic over the window, as read from X-Ray. */
export interface CellStatistics {
  cell: string;
  requests: number;
  /** 5xx responses. */
  faults: number;
  /** 99th percentile response time in milliseconds; null when X-Ray gave no histogram. */
  p99Ms: number | null;
  /**
   * The lowest p99 the cell's sample allows (SAMPLE_CONFIDENCE_Z standard errors down the
   * histogram, `cell-statistics.ts`); absent or null: p99Ms itself.
   */
  p99LowerMs?: number | null;
}

export type GreyReason = 'fault-rate' | 'p99-latency';

/** How one metric of one cell compares with its peers. */
export interface MetricComparison {
  value: number;
  peerMedian: number;
  /** Median absolute deviation of the peers: their spread. */
  peerMad: number;
  /** Modified z-score; Infinity when the peers agree exactly (MAD 0) and the cell is above them. */
  score: number;
  outlier: boolean;
}

export interface CellJudgement {
  cell: string;
  requests: number;
  faultRate: number;
  p99Ms: number | null;
  /** False for a cell under the request floor: too quiet to tell from noise. */
  judged: boolean;
  faultRateComparison: MetricComparison | null;
  p99Comparison: MetricComparison | null;
  /** What made the cell stand out from its peers. */
  outlierBy: GreyReason[];
  /** Flagged: an outlier, in a fleet where only a minority stands out. */
  grey: boolean;
}

export type FleetVerdict =
  /** One or more cells (a minority) stand out: they are grey. */
  | 'grey-cells'
  /** No cell stands out (the fleet may still be slow as a whole: that is not a cell's failure). */
  | 'no-outliers'
  /** More than a minority stands out: a fleet-wide problem, nothing flagged. */
  | 'fleet-wide'
  /** Fewer than MIN_PEERS cells with enough traffic: nothing can be judged. */
  | 'too-few-peers';

export interface FleetJudgement {
  verdict: FleetVerdict;
  /** Cells with enough traffic to be judged. */
  peers: number;
  cells: CellJudgement[];
}

/** Iglewicz and Hoaglin: 0.6745 × MAD estimates σ for normal data. */
const MAD_TO_SIGMA = 0.6745;

/**
 * How many standard errors below its figure a cell's fault rate and p99 are taken before the
 * absolute floors apply: 3, the customary three-sigma line (one-sided, about 1 in 740 that
 * sampling alone puts a figure further out).
 */
export const SAMPLE_CONFIDENCE_Z = 3;

/** The Wilson score interval's lower bound for `faults` of `requests` (0 for no requests). */
export function faultRateLowerBound(faults: number, requests: number, z = SAMPLE_CONFIDENCE_Z): number {
  if (requests <= 0) return 0;
  const rate = faults / requests;
  const z2 = z * z;
  const centre = rate + z2 / (2 * requests);
  const spread = z * Math.sqrt((rate * (1 - rate)) / requests + z2 / (4 * requests * requests));
  return Math.max(0, (centre - spread) / (1 + z2 / requests));
}

export function judgeFleet(statistics: readonly CellStatistics[], policy: OutlierPolicy): FleetJudgement {
  const base = statistics.map((stats) => ({
    cell: stats.cell,
    requests: stats.requests,
    faultRate: stats.requests > 0 ? stats.faults / stats.requests : 0,
    p99Ms: stats.p99Ms,
    judged: stats.requests >= policy.minRequests,
    // What the floors are checked on: the figures as low as the sample allows.
    faultRateLow: faultRateLowerBound(stats.faults, stats.requests),
    p99LowMs: stats.p99LowerMs ?? stats.p99Ms,
  }));
  const peers = base.filter((cell) => cell.judged);
  if (peers.length < MIN_PEERS) {
    return {
      verdict: 'too-few-peers',
      peers: peers.length,
      cells: base.map((cell) => unflagged(cell, null, null)),
    };
  }

  const faultRates = peers.map((cell) => cell.faultRate);
  const latencies = peers.flatMap((cell) => (cell.p99Ms === null ? [] : [cell.p99Ms]));
  // Latency is judged only when enough peers have a histogram to form a majority.
  const latencyJudged = latencies.length >= MIN_PEERS;

  const compared = base.map((cell) => {
    if (!cell.judged) return unflagged(cell, null, null);
    const faultRate = compare(
      cell.faultRate,
      faultRates,
      policy.outlierScore,
      (_value, _excess, peerMedian) => cell.faultRateLow - peerMedian >= policy.minFaultRateIncrease,
    );
    const low = cell.p99LowMs ?? cell.p99Ms;
    const p99 =
      latencyJudged && cell.p99Ms !== null && low !== null
        ? compare(
            cell.p99Ms,
            latencies,
            policy.outlierScore,
            (_value, _excess, peerMedian) =>
              low - peerMedian >= policy.minP99IncreaseMs && low >= peerMedian * policy.minP99Ratio,
          )
        : null;
    const outlierBy: GreyReason[] = [
      ...(faultRate.outlier ? (['fault-rate'] as const) : []),
      ...(p99?.outlier ? (['p99-latency'] as const) : []),
    ];
    return { ...unflagged(cell, faultRate, p99), outlierBy };
  });

  const outliers = compared.filter((cell) => cell.outlierBy.length > 0).length;
  if (outliers === 0) return { verdict: 'no-outliers', peers: peers.length, cells: compared };
  if (outliers > maxMinority(peers.length)) {
    return { verdict: 'fleet-wide', peers: peers.length, cells: compared };
  }
  return {
    verdict: 'grey-cells',
    peers: peers.length,
    cells: compared.map((cell) => ({ ...cell, grey: cell.outlierBy.length > 0 })),
  };
}

/** The largest count that is still a minority of `peers`: 1 of 3 or 4, 2 of 5 or 6 (0 of none). */
export function maxMinority(peers: number): number {
  return Math.max(0, Math.floor((peers - 1) / 2));
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('the median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Median absolute deviation from the median. */
export function medianAbsoluteDeviation(values: readonly number[]): number {
  const centre = median(values);
  return median(values.map((value) => Math.abs(value - centre)));
}

function compare(
  value: number,
  peerValues: readonly number[],
  outlierScore: number,
  clearsFloor: (value: number, excess: number, peerMedian: number) => boolean,
): MetricComparison {
  const peerMedian = median(peerValues);
  const peerMad = medianAbsoluteDeviation(peerValues);
  const excess = value - peerMedian;
  const score = excess <= 0 ? 0 : peerMad > 0 ? (MAD_TO_SIGMA * excess) / peerMad : Infinity;
  return {
    value,
    peerMedian,
    peerMad,
    score,
    outlier: excess > 0 && score > outlierScore && clearsFloor(value, excess, peerMedian),
  };
}

function unflagged(
  cell: Pick<CellJudgement, 'cell' | 'requests' | 'faultRate' | 'p99Ms' | 'judged'>,
  faultRateComparison: MetricComparison | null,
  p99Comparison: MetricComparison | null,
): CellJudgement {
  const { cell: name, requests, faultRate, p99Ms, judged } = cell;
  return {
    cell: name,
    requests,
    faultRate,
    p99Ms,
    judged,
    faultRateComparison,
    p99Comparison,
    outlierBy: [],
    grey: false,
  };
}
