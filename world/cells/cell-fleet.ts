/**
 * A fleet of cells serving traffic in virtual time: each cell's requests, faults and response
 * times, minute by minute, with faults that can be injected — one cell failing grey (slower, or
 * faulting more, while its peers are fine) or the whole fleet slowing down together (a shared
 * dependency). It is what the cells served; `xray.ts` answers X-Ray's API from the part of it the
 * cells' sampling rule traced.
 *
 * With routing (the cells' ARC routing controls, `routing-controls.ts`), a cell turned Off loses
 * its users' traffic to the cells still On as their cached DNS answers expire (`dns.ts`), and a
 * cell given more than its capacity degrades, as `traffic.ts` says; canaries keep calling every
 * cell. Without it every cell is always On and serves exactly its spec's load.
 *
 * Each minute is a pure function of the seed, the cell, the minute and the routing controls'
 * history (its own random stream), so a run and its replay see the same traffic, in whatever
 * order minutes are asked for. A routing change reaches the traffic from the change (plus the
 * health check's delay) on, so a minute no longer changes once it has ended.
 */
import type { HistogramEntry } from '@aws-sdk/client-xray';
import { histogramPercentile } from '../../domain/cells/histogram.ts';
import type { Random } from '../../core/random.ts';
import { latencyHistogram } from './latency.ts';
import { answerWeights, type DnsPropagation } from './dns.ts';
import { DEFAULT_DNS_RECORD_TTL_SECONDS, DEFAULT_HEALTH_CHECK_DELAY_SECONDS } from './world-parameters.ts';
import {
  DEFAULT_CANARY_RPS,
  DEFAULT_CAPACITY_FACTOR,
  routeTraffic,
  underLoad,
  type CellRouting,
  type RoutedCell,
} from './traffic.ts';

/** A cell's healthy traffic. Its name is its X-Ray service name. */
export interface CellSpec {
  name: string;
  /** Its users' requests a second while every cell is On: its share of the fleet's traffic. */
  requestsPerSecond: number;
  /** Requests a second it serves healthily; default 1.5 × `requestsPerSecond`. */
  capacityRps?: number;
  /** Share of requests answered with a 5xx, 0..1. */
  faultRate: number;
  p50Ms: number;
  p99Ms: number;
}

/** Minutes are counted from the clock's start; a fault holds from `fromMinute` to `untilMinute`. */
interface FaultSpan {
  fromMinute: number;
  /** Exclusive; absent: until the end of the run. */
  untilMinute?: number;
}

/** One cell degrades while its peers stay healthy. */
export interface GreyCellFault extends FaultSpan {
  kind: 'grey-cell';
  cell: string;
  /** The cell's fault rate while the fault holds (if higher than its own). */
  faultRate?: number;
  /** Multiplies the cell's median and p99 latency. */
  latencyFactor?: number;
  /** Whether X-Ray Insights opens an insight on the cell (it watches fault rates only). */
  opensInsight?: boolean;
}

/** Every cell degrades together: a shared dependency, not a cell. */
export interface FleetSlowdown extends FaultSpan {
  kind: 'fleet-slowdown';
  latencyFactor: number;
  faultRate?: number;
}

export type FleetFault = GreyCellFault | FleetSlowdown;

/**
 * A cell's traffic in one minute, noise-free: the spec with the faults that hold, the routing and
 * any overload applied.
 */
export interface CellConditions {
  /** Its users' requests a second (canaries apart). */
  requestsPerSecond: number;
  faultRate: number;
  p50Ms: number;
  p99Ms: number;
}

/** One cell's traffic in one completed minute, as X-Ray would aggregate it. */
export interface CellMinute {
  cell: string;
  minute: number;
  startMs: number;
  /** Every request it served, canaries' included (X-Ray counts those its sampling rule traced). */
  requests: number;
  faults: number;
  /** Of which the canaries'. */
  canaryRequests: number;
  canaryFaults: number;
  /** Response times in seconds. */
  histogram: HistogramEntry[];
  totalResponseTimeSeconds: number;
}

export interface CellFleetOptions {
  /** Minute 0 starts at `startMs`; only minutes that have ended by `now()` have been traced. */
  clock: { readonly startMs: number; now(): number };
  cells: readonly CellSpec[];
  faults?: readonly FleetFault[];
  random: Random;
  /** Relative standard deviation of each minute's request rate and latency; default 0.03. */
  noise?: number;
  /** The cells' routing controls; without them every cell is always On. */
  routing?: CellRouting;
  /** Canary requests a second to each cell; default 1 with routing, none without. */
  canaryRequestsPerSecond?: number;
  /** Latency growth per unit of overload (load / capacity − 1); default 1. */
  overloadLatencyFactor?: number;
  /**
   * How DNS spreads a routing change; default a 60 s TTL (Route 53's recommendation for
   * health-checked records) and no health check delay (see world-parameters.ts).
   */
  dns?: Partial<DnsPropagation>;
}

/** One cell in one minute, for a report: what it was given and what it served. */
export interface CellTrafficMinute extends RoutedCell {
  capacityRps: number;
  /** Load offered (users and canaries) over capacity, noise-free; above 1 it is overloaded. */
  utilisation: number;
  /** Its users' requests, and how many failed (canaries apart). */
  requests: number;
  faults: number;
  canaryRequests: number;
  canaryFaults: number;
  /** p99 of every request it served, as X-Ray's histogram gives it; null if it served none. */
  p99Ms: number | null;
}

/** The whole fleet in one minute: every cell, and the users' requests and failures in all. */
export interface FleetTrafficMinute {
  minute: number;
  startMs: number;
  cells: CellTrafficMinute[];
  requests: number;
  failedRequests: number;
}

export interface CellFleet {
  readonly cells: readonly CellSpec[];
  readonly faults: readonly FleetFault[];
  readonly clock: CellFleetOptions['clock'];
  conditionsAt(cell: string, minute: number): CellConditions;
  /**
   * Where the users' traffic goes in `minute`, on average over it: each cell's control state when
   * the minute began, and its share and load as the clients' cached answers send them.
   */
  routingAt(minute: number): RoutedCell[];
  capacityOf(cell: string): number;
  /** The cell's traffic in `minute` (whether or not it has ended yet). */
  minute(cell: string, minute: number): CellMinute;
  /** Every cell's traffic in `minute`, for reports. */
  trafficMinute(minute: number): FleetTrafficMinute;
  /** Minutes that have ended by the clock's now. */
  completedMinutes(): number;
  has(cell: string): boolean;
}

const MINUTE_MS = 60_000;

/** `count` identical cells named `${service}-cell-1` … `${service}-cell-${count}`. */
export function uniformCells(service: string, count: number, traffic: Omit<CellSpec, 'name'>): CellSpec[] {
  return Array.from({ length: count }, (_, i) => ({ name: `${service}-cell-${i + 1}`, ...traffic }));
}

export function createCellFleet(options: CellFleetOptions): CellFleet {
  validateFleet(options);
  const { clock, cells, random, routing } = options;
  const faults = options.faults ?? [];
  const noise = options.noise ?? 0.03;
  const canaryRps = options.canaryRequestsPerSecond ?? (routing ? DEFAULT_CANARY_RPS : 0);
  const overloadLatencyFactor = options.overloadLatencyFactor ?? 1;
  const dns: DnsPropagation = {
    recordTtlSeconds: options.dns?.recordTtlSeconds ?? DEFAULT_DNS_RECORD_TTL_SECONDS,
    healthCheckDelaySeconds: options.dns?.healthCheckDelaySeconds ?? DEFAULT_HEALTH_CHECK_DELAY_SECONDS,
  };
  const specs = new Map(cells.map((cell) => [cell.name, cell]));

  const specOf = (cell: string): CellSpec => {
    const spec = specs.get(cell);
    if (!spec) throw new RangeError(`the fleet has no cell ${cell}`);
    return spec;
  };
  const capacityOf = (cell: string): number => {
    const spec = specOf(cell);
    return spec.capacityRps ?? spec.requestsPerSecond * DEFAULT_CAPACITY_FACTOR;
  };
  // The clients' requests in the minute, each following the answer it has cached (dns.ts): the
  // traffic of every routing the answers may still come from, weighted by how many follow it.
  const routingAt = (minute: number): RoutedCell[] => {
    const startMs = clock.startMs + minute * MINUTE_MS;
    if (routing === undefined) return routeTraffic(cells, () => true);
    const mixes = answerWeights(
      routing.changes.map((change) => change.atMs),
      startMs,
      startMs + MINUTE_MS,
      dns,
    ).map(({ fromMs, weight }) => ({
      weight,
      routed: routeTraffic(cells, (cell) => routing.stateAt(cell, fromMs) === 'On'),
    }));
    return cells.map((cell, i) => {
      const mixed = (pick: (routed: RoutedCell) => number) =>
        mixes.reduce((total, mix) => total + mix.weight * pick(mix.routed[i] as RoutedCell), 0);
      return {
        cell: cell.name,
        state: routing.stateAt(cell.name, startMs),
        share: mixed((routed) => routed.share),
        requestsPerSecond: mixed((routed) => routed.requestsPerSecond),
      };
    });
  };
  const routedAt = (cell: string, minute: number): RoutedCell =>
    routingAt(minute).find((routed) => routed.cell === cell) as RoutedCell;

  const conditionsAt = (cell: string, minute: number): CellConditions => {
    const spec = specOf(cell);
    let { faultRate, p50Ms, p99Ms } = spec;
    for (const fault of faults) {
      if (!holds(fault, minute) || (fault.kind === 'grey-cell' && fault.cell !== cell)) continue;
      faultRate = Math.max(faultRate, fault.faultRate ?? 0);
      p50Ms *= fault.latencyFactor ?? 1;
      p99Ms *= fault.latencyFactor ?? 1;
    }
    // A grey cell's own faults and an overload compound: both hit the traffic it still gets.
    const { requestsPerSecond } = routedAt(cell, minute);
    const level = underLoad(
      { faultRate, p50Ms, p99Ms },
      requestsPerSecond + canaryRps,
      capacityOf(cell),
      overloadLatencyFactor,
    );
    return { requestsPerSecond, ...level };
  };

  const minuteOf = (cell: string, minute: number): CellMinute => {
    const conditions = conditionsAt(cell, minute);
    const stream = random.fork(`cell:${cell}:minute:${minute}`);
    const jitter = () => Math.max(0.5, stream.normal(1, noise));
    const users = Math.max(0, Math.round(conditions.requestsPerSecond * 60 * jitter()));
    // Faults are binomial; at these counts the normal approximation is close enough.
    const expected = users * conditions.faultRate;
    const spread = Math.sqrt(expected * (1 - conditions.faultRate));
    const userFaults = Math.min(users, Math.max(0, Math.round(stream.normal(expected, spread))));
    const latency = jitter();
    // Canaries run on a schedule (no noise in their count); too few for the normal approximation.
    const canaryRequests = Math.round(canaryRps * 60);
    const canaryStream = random.fork(`cell:${cell}:minute:${minute}:canary`);
    let canaryFaults = 0;
    for (let i = 0; i < canaryRequests; i++) if (canaryStream.next() < conditions.faultRate) canaryFaults++;
    const requests = users + canaryRequests;
    const histogram = latencyHistogram(requests, {
      p50Seconds: (conditions.p50Ms * latency) / 1000,
      p99Seconds: (conditions.p99Ms * latency) / 1000,
    });
    return {
      cell,
      minute,
      startMs: clock.startMs + minute * MINUTE_MS,
      requests,
      faults: userFaults + canaryFaults,
      canaryRequests,
      canaryFaults,
      histogram,
      totalResponseTimeSeconds: histogram.reduce((sum, e) => sum + (e.Value ?? 0) * (e.Count ?? 0), 0),
    };
  };

  const trafficMinute = (minute: number): FleetTrafficMinute => {
    const perCell = routingAt(minute).map((routed): CellTrafficMinute => {
      const served = minuteOf(routed.cell, minute);
      const capacityRps = capacityOf(routed.cell);
      const loadRps = routed.requestsPerSecond + canaryRps;
      const p99Seconds = histogramPercentile(served.histogram, 0.99);
      return {
        ...routed,
        capacityRps,
        utilisation: capacityRps > 0 ? loadRps / capacityRps : loadRps > 0 ? Infinity : 0,
        requests: served.requests - served.canaryRequests,
        faults: served.faults - served.canaryFaults,
        canaryRequests: served.canaryRequests,
        canaryFaults: served.canaryFaults,
        p99Ms: p99Seconds === null ? null : Math.round(p99Seconds * 1000),
      };
    });
    return {
      minute,
      startMs: clock.startMs + minute * MINUTE_MS,
      cells: perCell,
      requests: perCell.reduce((sum, c) => sum + c.requests, 0),
      failedRequests: perCell.reduce((sum, c) => sum + c.faults, 0),
    };
  };

  return {
    cells,
    faults,
    clock,
    conditionsAt,
    routingAt,
    capacityOf,
    has: (cell) => specs.has(cell),
    completedMinutes: () => Math.max(0, Math.floor((clock.now() - clock.startMs) / MINUTE_MS)),
    minute: minuteOf,
    trafficMinute,
  };
}

export function holds(fault: FleetFault, minute: number): boolean {
  return minute >= fault.fromMinute && (fault.untilMinute === undefined || minute < fault.untilMinute);
}

function validateFleet(options: CellFleetOptions): void {
  const problems: string[] = [];
  const names = new Set(options.cells.map((cell) => cell.name));
  if (names.size !== options.cells.length) problems.push('cell names must be unique');
  for (const cell of options.cells) {
    if (!(cell.requestsPerSecond >= 0)) problems.push(`${cell.name}: negative request rate`);
    if (!(cell.faultRate >= 0 && cell.faultRate <= 1)) problems.push(`${cell.name}: fault rate outside 0..1`);
    if (!(cell.p50Ms > 0 && cell.p99Ms >= cell.p50Ms)) problems.push(`${cell.name}: need 0 < p50 ≤ p99`);
    if (cell.capacityRps !== undefined && !(cell.capacityRps >= 0)) {
      problems.push(`${cell.name}: negative capacity`);
    }
    if (options.routing && !options.routing.cells.includes(cell.name)) {
      problems.push(`${cell.name}: no routing control`);
    }
  }
  for (const fault of options.faults ?? []) {
    if (fault.kind === 'grey-cell' && !names.has(fault.cell))
      problems.push(`fault on unknown cell ${fault.cell}`);
    if (fault.untilMinute !== undefined && !(fault.untilMinute > fault.fromMinute)) {
      problems.push(`a ${fault.kind} fault must end after it starts`);
    }
    if (fault.latencyFactor !== undefined && !(fault.latencyFactor > 0)) {
      problems.push(`a ${fault.kind} fault needs a positive latency factor`);
    }
    if (fault.faultRate !== undefined && !(fault.faultRate >= 0 && fault.faultRate <= 1)) {
      problems.push(`a ${fault.kind} fault's fault rate must be within 0..1`);
    }
  }
  if (!(options.noise === undefined || options.noise >= 0)) problems.push('noise cannot be negative');
  if (!(options.canaryRequestsPerSecond === undefined || options.canaryRequestsPerSecond >= 0)) {
    problems.push('canary rate cannot be negative');
  }
  if (!(options.overloadLatencyFactor === undefined || options.overloadLatencyFactor >= 0)) {
    problems.push('overload latency factor cannot be negative');
  }
  const { recordTtlSeconds, healthCheckDelaySeconds } = options.dns ?? {};
  if (!(recordTtlSeconds === undefined || recordTtlSeconds >= 0)) problems.push('DNS TTL cannot be negative');
  if (!(healthCheckDelaySeconds === undefined || healthCheckDelaySeconds >= 0)) {
    problems.push('health check delay cannot be negative');
  }
  if (problems.length > 0) throw new RangeError(`Invalid cell fleet: ${problems.join('; ')}`);
}
