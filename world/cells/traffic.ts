/**
 * Where a cell fleet's requests go, and what too many do to a cell.
 *
 * Routing. Clients find the cells through DNS (weighted or failover records) whose health checks
 * follow the cells' ARC routing controls. A cell whose control is Off drops out of the answers, and
 * its share of the traffic moves to the cells still On, in proportion to their own shares (weighted
 * records share the traffic over the healthy ones by weight). If every control is Off, Route 53
 * fails open: it treats all the records as healthy, and every cell gets its healthy share again.
 * That is where the answers send the traffic; clients follow a change as their cached answers
 * expire, over the records' TTL (`dns.ts`), so for a while after a shift a share of the traffic
 * still reaches the cell turned Off.
 *
 * Canaries. Synthetic clients call each cell directly, not through DNS, at a steady rate: a
 * drained cell still serves a little traffic by which it can be judged recovered.
 *
 * Capacity, as `world/sqs/downstream.ts` models its service. A cell serves `capacityRps` requests
 * a second healthily. Offered more, the requests beyond its capacity fail (fault share
 * 1 − (1 − faultRate) × capacity / load) and its latency grows linearly with the overload
 * (× 1 + overloadLatencyFactor × (load / capacity − 1)). Simplifications: no slowdown below
 * capacity, no autoscaling adding capacity, and clients do not retry (a failed request is not
 * sent again, to this cell or another).
 */

export type ControlState = 'On' | 'Off';

/** The routing controls' history, as DNS follows it: `routing-controls.ts` keeps one. */
export interface CellRouting {
  readonly cells: readonly string[];
  /** Every accepted change, oldest first: when the answers DNS gives changed. */
  readonly changes: readonly { atMs: number }[];
  /** The cell's control at the moment (changes made at that very millisecond included). */
  stateAt(cell: string, atMs: number): ControlState;
}

/** A cell's capacity when its spec names none: half as much again as its healthy load. */
export const DEFAULT_CAPACITY_FACTOR = 1.5;
/** Canary requests a second to each cell of a routed fleet: 60 a minute, few beside its users'. */
export const DEFAULT_CANARY_RPS = 1;
/** Overload beyond which latency stops growing (a capacity of 0 would make it infinite). */
const MAX_OVERLOAD = 1000;

export interface CellDemand {
  name: string;
  /** The cell's healthy load: what it serves while every cell is On. */
  requestsPerSecond: number;
}

/** Where the fleet's user traffic goes in one minute, noise-free. */
export interface RoutedCell {
  cell: string;
  state: ControlState;
  /** Its share of the fleet's user traffic, 0..1; the On cells' shares add up to 1. */
  share: number;
  /** User requests a second it gets (canaries apart). */
  requestsPerSecond: number;
}

/**
 * The fleet's user traffic shared over the cells taking traffic: each On cell its healthy load
 * scaled up so the fleet's total is unchanged; Off cells nothing.
 */
export function routeTraffic(cells: readonly CellDemand[], isOn: (cell: string) => boolean): RoutedCell[] {
  const anyOn = cells.some((cell) => isOn(cell.name));
  // Route 53 fails open: with no record healthy, it answers as if all were.
  const on = (cell: CellDemand) => !anyOn || isOn(cell.name);
  const total = sum(cells.map((cell) => cell.requestsPerSecond));
  const onTotal = sum(cells.filter(on).map((cell) => cell.requestsPerSecond));
  const onCount = cells.filter(on).length;
  return cells.map((cell) => {
    const state: ControlState = isOn(cell.name) ? 'On' : 'Off';
    if (!on(cell)) return { cell: cell.name, state, share: 0, requestsPerSecond: 0 };
    // Written as a factor, so with every cell On each keeps exactly its own load.
    if (onTotal > 0) {
      return {
        cell: cell.name,
        state,
        share: cell.requestsPerSecond / onTotal,
        requestsPerSecond: cell.requestsPerSecond * (total / onTotal),
      };
    }
    // The cells On had no load of their own: records of weight 0 share the traffic evenly.
    return { cell: cell.name, state, share: 1 / onCount, requestsPerSecond: total / onCount };
  });
}

export interface ServiceLevel {
  /** Share of requests answered with a 5xx, 0..1. */
  faultRate: number;
  p50Ms: number;
  p99Ms: number;
}

/** A cell's service level when offered `loadRps` (users and canaries) against its capacity. */
export function underLoad(
  healthy: ServiceLevel,
  loadRps: number,
  capacityRps: number,
  overloadLatencyFactor: number,
): ServiceLevel {
  const overload = overloadOf(loadRps, capacityRps);
  if (overload === 0) return healthy;
  const slowdown = 1 + overloadLatencyFactor * overload;
  return {
    faultRate: 1 - (1 - healthy.faultRate) * Math.min(1, capacityRps / loadRps),
    p50Ms: healthy.p50Ms * slowdown,
    p99Ms: healthy.p99Ms * slowdown,
  };
}

/** How far the load is beyond capacity, as a fraction of it (0 within capacity). */
export function overloadOf(loadRps: number, capacityRps: number): number {
  if (capacityRps > 0) return Math.min(MAX_OVERLOAD, Math.max(0, loadRps / capacityRps - 1));
  return loadRps > 0 ? MAX_OVERLOAD : 0;
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
