/**
 * A fleet of cells serving traffic in virtual time: each cell's requests, faults and response
 * times, minute by minute, with faults that can be injected — one cell failing grey (slower, or
 * faulting more, while its peers are fine) or the whole fleet slowing down together (a shared
 * dependency). It is what X-Ray would have traced; `xray.ts` answers X-Ray's API from it.
 *
 * Each minute is a pure function of the seed, the cell and the minute (its own random stream),
 * so a run and its replay see the same traffic, in whatever order minutes are asked for.
 */
import type { HistogramEntry } from '@aws-sdk/client-xray';
import type { Random } from '../random.ts';
import { latencyHistogram } from './latency.ts';

/** A cell's healthy traffic. Its name is its X-Ray service name. */
export interface CellSpec {
  name: string;
  requestsPerSecond: number;
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

/** A cell's traffic in one minute, noise-free: the spec with the faults that hold applied. */
export interface CellConditions {
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
  requests: number;
  faults: number;
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
}

export interface CellFleet {
  readonly cells: readonly CellSpec[];
  readonly faults: readonly FleetFault[];
  readonly clock: CellFleetOptions['clock'];
  conditionsAt(cell: string, minute: number): CellConditions;
  /** The cell's traffic in `minute` (whether or not it has ended yet). */
  minute(cell: string, minute: number): CellMinute;
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
  const { clock, cells, random } = options;
  const faults = options.faults ?? [];
  const noise = options.noise ?? 0.03;
  const specs = new Map(cells.map((cell) => [cell.name, cell]));

  const conditionsAt = (cell: string, minute: number): CellConditions => {
    const spec = specs.get(cell);
    if (!spec) throw new RangeError(`the fleet has no cell ${cell}`);
    let { faultRate, p50Ms, p99Ms } = spec;
    for (const fault of faults) {
      if (!holds(fault, minute) || (fault.kind === 'grey-cell' && fault.cell !== cell)) continue;
      faultRate = Math.max(faultRate, fault.faultRate ?? 0);
      p50Ms *= fault.latencyFactor ?? 1;
      p99Ms *= fault.latencyFactor ?? 1;
    }
    return { requestsPerSecond: spec.requestsPerSecond, faultRate, p50Ms, p99Ms };
  };

  return {
    cells,
    faults,
    clock,
    conditionsAt,
    has: (cell) => specs.has(cell),
    completedMinutes: () => Math.max(0, Math.floor((clock.now() - clock.startMs) / MINUTE_MS)),
    minute: (cell, minute) => {
      const conditions = conditionsAt(cell, minute);
      const stream = random.fork(`cell:${cell}:minute:${minute}`);
      const jitter = () => Math.max(0.5, stream.normal(1, noise));
      const requests = Math.max(0, Math.round(conditions.requestsPerSecond * 60 * jitter()));
      // Faults are binomial; at these counts the normal approximation is close enough.
      const expected = requests * conditions.faultRate;
      const spread = Math.sqrt(expected * (1 - conditions.faultRate));
      const faultCount = Math.min(requests, Math.max(0, Math.round(stream.normal(expected, spread))));
      const latency = jitter();
      const histogram = latencyHistogram(requests, {
        p50Seconds: (conditions.p50Ms * latency) / 1000,
        p99Seconds: (conditions.p99Ms * latency) / 1000,
      });
      return {
        cell,
        minute,
        startMs: clock.startMs + minute * MINUTE_MS,
        requests,
        faults: faultCount,
        histogram,
        totalResponseTimeSeconds: histogram.reduce((sum, e) => sum + (e.Value ?? 0) * (e.Count ?? 0), 0),
      };
    },
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
  if (problems.length > 0) throw new RangeError(`Invalid cell fleet: ${problems.join('; ')}`);
}
