/**
 * A cell incident's cost over 24 hours (cell-shift, cell-shift-fleet-slowdown): what selfheal adds
 * to a fleet that runs behind Route 53 ARC routing controls whoever flips them. The cells' own
 * serving costs the same in every variant (a shift moves requests, it does not add any) and is left
 * out, and so is the ARC cluster (ARC_CLUSTER_HOUR, stated in the cost model).
 *
 * What a variant adds when it runs selfheal's grey-cell detector (selfheal, and the on-call
 * engineer it pages): the detector, a Lambda function run on a schedule all day, and the X-Ray
 * traces it reads its statistics from. X-Ray counts only sampled requests, and the detector and the
 * shift's safety rules need them all (the fleet's `tracedShare`, 1 by default: a sampling rule
 * tracing every request), so every traced request is a trace recorded. A variant without the
 * detector records none here: a fleet that traces anyway, at X-Ray's default sampling (the first
 * request each second, then 5 %), already pays part of it.
 */
import { ARC_CLUSTER_HOUR, PRICES } from './cost-prices.ts';
import {
  costItem,
  costModel,
  DAY_MINUTES,
  restOfDaySeconds,
  scenarioDayCost,
  TASK_FUNCTION_MEMORY_GB,
  type CostModel,
  type CountableExecution,
  type DayCost,
} from './cost.ts';

/**
 * Billed seconds of one run of the grey-cell detector, an assumption: it runs every minute, so its
 * environment stays warm (no INIT billed after the first), and a run reads each cell's statistics
 * and judges them (a handful of X-Ray calls): 0.1 s, not measured.
 */
export const DETECTOR_BILLED_SECONDS = 0.1;

export interface CellCostInputs {
  simulatedMinutes: number;
  /** The users' requests the fleet served in the simulated minutes. */
  requests: number;
  /** The fleet's requests a second for the rest of the day (every cell at its healthy rate). */
  requestsPerSecond: number;
  /** The grey-cell detector, where the variant runs it: its schedule and the share of requests traced. */
  detector: { tracedShare: number; everyMinutes: number } | null;
  /** Every execution selfheal ran (none in a baseline). */
  executions: readonly CountableExecution[];
}

export function cellDayCost(inputs: CellCostInputs): DayCost {
  const { detector, simulatedMinutes } = inputs;
  const restSeconds = restOfDaySeconds(simulatedMinutes);
  const restMinutes = restSeconds / 60;
  const traced = detector?.tracedShare ?? 0;
  const runsIn = (minutes: number) => (detector ? Math.floor(minutes / detector.everyMinutes) : 0);
  const detectorRuns = { simulated: runsIn(simulatedMinutes), rest: runsIn(simulatedMinutes + restMinutes) };
  detectorRuns.rest -= detectorRuns.simulated;
  const detectorGbSeconds = DETECTOR_BILLED_SECONDS * TASK_FUNCTION_MEMORY_GB;
  return scenarioDayCost(
    [
      costItem(
        'X-Ray traces recorded (the detector reads them)',
        'traces',
        PRICES.xrayTraceRecorded,
        inputs.requests * traced,
        inputs.requestsPerSecond * restSeconds * traced,
      ),
      costItem(
        'grey-cell detector Lambda requests',
        'requests',
        PRICES.lambdaRequest,
        detectorRuns.simulated,
        detectorRuns.rest,
      ),
      costItem(
        'grey-cell detector Lambda duration',
        'GB-seconds (Arm)',
        PRICES.lambdaArmGbSecond,
        detectorRuns.simulated * detectorGbSeconds,
        detectorRuns.rest * detectorGbSeconds,
      ),
    ],
    inputs.executions,
    simulatedMinutes,
    detector
      ? `every cell at its healthy rate, ${inputs.requestsPerSecond} requests a second, ${detector.tracedShare * 100} % of them traced for the grey-cell detector, which runs every ${detector.everyMinutes} min`
      : `every cell at its healthy rate, ${inputs.requestsPerSecond} requests a second; no grey-cell detector: no detector runs, no traces counted`,
  );
}

/** What the cell scenarios' costs assume: `--json`'s `costModel`. */
export function cellCostModel(): CostModel {
  return costModel(
    {
      xrayTraceRecorded: PRICES.xrayTraceRecorded,
      lambdaRequest: PRICES.lambdaRequest,
      lambdaArmGbSecond: PRICES.lambdaArmGbSecond,
      stepFunctionsTransition: PRICES.stepFunctionsTransition,
    },
    [
      "The 24 hours from the incident's start: the simulated minutes as the world ran them, then the rest of the day with every cell healthy at its rate, with no other incident.",
      "The cells' own serving is the same in every variant (a shift moves requests, it adds none) and is not counted: these costs are what selfheal adds.",
      "The variants that run selfheal's grey-cell detector (selfheal, and the on-call engineer, whom its incidents page) pay for it and for the X-Ray traces it reads: the users' requests times the fleet's tracedShare (1 in the example config: a sampling rule tracing every request, which the detector's statistics and the shift's safety rules need). A variant without the detector records none here, though a fleet tracing at X-Ray's default sampling (the first request each second, then 5 %) already pays part of it. Canary requests are not counted.",
      `The grey-cell detector: one run every everyMinutes of the fleet's config all day, each billed ${DETECTOR_BILLED_SECONDS * 1000} ms at ${TASK_FUNCTION_MEMORY_GB * 1024} MB on Arm (warm: it runs every minute), an assumption.`,
    ],
    [
      `The Route 53 ARC cluster: USD ${ARC_CLUSTER_HOUR.usd.toFixed(2)} a cluster-hour, USD ${(ARC_CLUSTER_HOUR.usd * (DAY_MINUTES / 60)).toFixed(2)} over the 24 hours, the same in every variant (the fleet's routing controls live on it whoever flips them), so not in any variant's total; the routing controls' reads and changes are taken as included in the cluster's price, which was not checked (${ARC_CLUSTER_HOUR.source}).`,
      "X-Ray Insights on the fleet's group (extra evidence for the detector, optional): USD 1.00 per million traces processed; not counted. X-Ray's statistics reads (GetTimeSeriesServiceStatistics): not counted.",
    ],
  );
}

/** The parts of a cell world the cost reads. */
export interface CellCostWorld {
  timeline: readonly { cells: readonly { requests: number }[] }[];
  /** Each cell's healthy requests a second. */
  cells: readonly { requestsPerSecond: number }[];
  detector: CellCostInputs['detector'];
  executions: readonly CountableExecution[];
}

export function cellCostOf(world: CellCostWorld): DayCost {
  return cellDayCost({
    simulatedMinutes: world.timeline.length,
    requests: world.timeline.reduce((sum, m) => sum + m.cells.reduce((s, c) => s + c.requests, 0), 0),
    requestsPerSecond: world.cells.reduce((sum, c) => sum + c.requestsPerSecond, 0),
    detector: world.detector,
    executions: world.executions,
  });
}
