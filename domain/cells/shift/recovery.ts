/**
 * Whether a drained cell has recovered. Off, it serves only its canary traffic, too little for the
 * detector's request floor, so it is judged differently: not against the spread of its peers but
 * against their medians, with the detector's own margins (fault rate at most the peers' median
 * plus the minimum increase; p99 below both the ratio and the absolute margin over the peers').
 */
import type { CellStatistics } from '../grey-failure.ts';
import { median } from '../grey-failure.ts';
import type { OutlierPolicy } from '../fleet.ts';

export interface RecoveryJudgement {
  recovered: boolean;
  reason: string;
  requests: number;
  faultRate: number | null;
  p99Ms: number | null;
  peerFaultRate: number | null;
  peerP99Ms: number | null;
}

export function judgeRecovery(
  cell: CellStatistics,
  peers: readonly CellStatistics[],
  policy: OutlierPolicy,
  minRequests: number,
): RecoveryJudgement {
  const busyPeers = peers.filter((p) => p.requests > 0);
  const peerFaultRate = busyPeers.length > 0 ? median(busyPeers.map((p) => p.faults / p.requests)) : null;
  const peerLatencies = busyPeers.flatMap((p) => (p.p99Ms === null ? [] : [p.p99Ms]));
  const peerP99Ms = peerLatencies.length > 0 ? median(peerLatencies) : null;
  const faultRate = cell.requests > 0 ? cell.faults / cell.requests : null;
  const base = { requests: cell.requests, faultRate, p99Ms: cell.p99Ms, peerFaultRate, peerP99Ms };

  if (cell.requests < minRequests) {
    return {
      ...base,
      recovered: false,
      reason: `only ${cell.requests} canary requests, fewer than ${minRequests}`,
    };
  }
  if (
    peerFaultRate !== null &&
    faultRate !== null &&
    faultRate - peerFaultRate >= policy.minFaultRateIncrease
  ) {
    return {
      ...base,
      recovered: false,
      reason: `fault rate ${pct(faultRate)} against the peers' ${pct(peerFaultRate)}`,
    };
  }
  if (
    peerP99Ms !== null &&
    cell.p99Ms !== null &&
    cell.p99Ms - peerP99Ms >= policy.minP99IncreaseMs &&
    cell.p99Ms >= peerP99Ms * policy.minP99Ratio
  ) {
    return { ...base, recovered: false, reason: `p99 ${cell.p99Ms} ms against the peers' ${peerP99Ms} ms` };
  }
  return { ...base, recovered: true, reason: 'faults and p99 in line with its peers' };
}

const pct = (share: number): string => `${Math.round(share * 10_000) / 100} %`;
