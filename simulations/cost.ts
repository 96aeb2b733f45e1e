/**
 * What a variant of a simulated incident costs over the 24 hours from the incident's start: the
 * simulated minutes as the world ran them, then the rest of the day as each scenario's cost model
 * states it (`cost-table.ts`, `cost-queue.ts`, `cost-cells.ts`), at the list prices of
 * `cost-prices.ts`. Pure arithmetic on counts: the same run gives the same figures.
 *
 * What selfheal itself costs is counted here, the same in every scenario: the state transitions of
 * every execution (dispatch, the runbooks and their children) and their Lambda tasks, requests and
 * duration. Duration is not measured by the local engine (a task takes no virtual time), so each
 * invocation is billed an assumed duration (RUNBOOK_TASK_BILLED_SECONDS, below).
 */
import { addCounts, countExecution, type CountableEvent } from './cost-counts.ts';
import { PRICE_REGION, PRICES, type Price } from './cost-prices.ts';

export const DAY_MINUTES = 24 * 60;

/** One thing paid for, over the simulated minutes and over the rest of the day. */
export interface CostItem {
  /** What is paid for: `DynamoDB provisioned write capacity`. */
  item: string;
  /** The unit the quantities count: `WCU-hours`. */
  unit: string;
  /** Quantity within the simulated minutes. */
  simulated: number;
  /** Quantity over the rest of the 24 hours. */
  restOfDay: number;
  usdPerUnit: number;
  /** Both quantities at the price, to a millionth of a dollar. */
  usd: number;
}

/** A variant's cost over the 24 hours from the incident's start. */
export interface DayCost {
  /** Every item, to a ten-thousandth of a dollar. */
  usd: number;
  /** Of which within the simulated minutes. */
  simulatedUsd: number;
  simulatedMinutes: number;
  items: CostItem[];
  /** What this variant's rest of the day is assumed to be (its capacity, its scale-ins). */
  restOfDay: string;
}

/** What a scenario's costs assume, once for all its variants: `--json`'s `costModel`. */
export interface CostModel {
  region: string;
  hours: number;
  /** Each price the scenario's costs use, with its source. */
  prices: { name: string; usdPerUnit: number; unit: string; source: string }[];
  /** What the figures assume, each stated once. */
  assumptions: string[];
  /** What they leave out, and why. */
  excluded: string[];
}

export const roundUsd = (usd: number, decimals: number): number => {
  const factor = 10 ** decimals;
  return Math.round(usd * factor) / factor;
};

/** An item at a price; quantities kept to a millionth of their unit. */
export function costItem(
  item: string,
  unit: string,
  price: Price,
  simulated: number,
  restOfDay = 0,
): CostItem {
  const quantity = (n: number) => roundUsd(n, 6);
  return {
    item,
    unit,
    simulated: quantity(simulated),
    restOfDay: quantity(restOfDay),
    usdPerUnit: price.usd,
    usd: roundUsd((simulated + restOfDay) * price.usd, 6),
  };
}

/** Every item, paid for or not: a scenario's variants list the same items, in the same order. */
export function dayCost(items: readonly CostItem[], simulatedMinutes: number, restOfDay: string): DayCost {
  const kept = [...items];
  return {
    usd: roundUsd(
      kept.reduce((sum, i) => sum + i.usd, 0),
      4,
    ),
    simulatedUsd: roundUsd(
      kept.reduce((sum, i) => sum + i.simulated * i.usdPerUnit, 0),
      4,
    ),
    simulatedMinutes,
    items: kept,
    restOfDay,
  };
}

/** Seconds of the day left after the simulated minutes (none when the simulation ran a day or more). */
export const restOfDaySeconds = (simulatedMinutes: number): number =>
  Math.max(0, DAY_MINUTES - simulatedMinutes) * 60;

/**
 * selfheal's Lambda tasks, as the CDK app deploys them: 512 MB on Arm
 * (`infra/constructs/task-function.ts`).
 */
export const TASK_FUNCTION_MEMORY_GB = 0.5;

/**
 * Billed seconds of one runbook task invocation, an assumption: the tasks run seldom (once an
 * incident), so each invocation is taken to be a cold start. Since 1 August 2025 Lambda bills the
 * INIT phase of every function (AWS Compute Blog, "AWS Lambda standardizes billing for INIT
 * Phase"): 0.25 s, the largest median import-to-ready of the handler bundles measured by the bench
 * (`bench/results.json`, "Handler cold start": 104 to 240 ms), rounded up; then 0.1 s for the
 * handler itself (a few AWS API calls), not measured.
 */
export const RUNBOOK_TASK_BILLED_SECONDS = 0.25 + 0.1;

/** An execution as the counts read it: its history. */
export interface CountableExecution {
  history: readonly CountableEvent[];
}

/**
 * What selfheal's runs cost: every execution's transitions (state entered, plus retries), and its
 * Lambda tasks' requests and assumed duration. All of it within the simulated minutes: the rest of
 * the day starts no run (no further incident).
 */
export function runbookItems(executions: readonly CountableExecution[]): CostItem[] {
  const counts = addCounts(executions.map((e) => countExecution(e.history)));
  return [
    costItem(
      'Step Functions state transitions (Standard)',
      'transitions',
      PRICES.stepFunctionsTransition,
      counts.transitions,
    ),
    costItem('selfheal Lambda task requests', 'requests', PRICES.lambdaRequest, counts.lambdaInvocations),
    costItem(
      'selfheal Lambda task duration',
      'GB-seconds (Arm)',
      PRICES.lambdaArmGbSecond,
      counts.lambdaInvocations * RUNBOOK_TASK_BILLED_SECONDS * TASK_FUNCTION_MEMORY_GB,
    ),
  ];
}

/** A variant's day in any scenario: the scenario's own items, then what selfheal's runs cost. */
export function scenarioDayCost(
  items: readonly CostItem[],
  executions: readonly CountableExecution[],
  simulatedMinutes: number,
  restOfDay: string,
): DayCost {
  return dayCost([...items, ...runbookItems(executions)], simulatedMinutes, restOfDay);
}

/** The assumptions about selfheal's own runs, in every scenario's cost model. */
export const RUNBOOK_ASSUMPTIONS: readonly string[] = [
  "selfheal's runs: every execution's state transitions (each state entered, plus each retry) and Lambda task invocations, counted from the execution histories of the local engine, as Step Functions bills them (the counting the bench's \"Cost of a remediation\" uses).",
  `Each selfheal Lambda task invocation is billed ${RUNBOOK_TASK_BILLED_SECONDS * 1000} ms at ${TASK_FUNCTION_MEMORY_GB * 1024} MB on Arm (the CDK app's functions), an assumption: a cold start every time (the tasks run seldom), whose INIT phase Lambda bills since 1 August 2025, taken as 250 ms (the largest median import-to-ready of the handler bundles in the bench's "Handler cold start", 104 to 240 ms, rounded up), plus 100 ms for the handler's own work (not measured: the local engine's tasks take no virtual time).`,
  'No other incident during the 24 hours: the rest of the day starts no run.',
];

/** What every scenario's costs leave out. */
export const COMMON_EXCLUSIONS: readonly string[] = [
  'Free tiers (per account and month, not per incident), Savings Plans and reserved capacity.',
  "The calls selfheal's tasks and Step Functions' integrations make (DynamoDB reads and writes to dispatch's control table and ledger, SNS notifications, CloudWatch GetMetricData, Application Auto Scaling, X-Ray reads): a few dozen requests a run, well under USD 0.001.",
  "CloudWatch alarms (selfheal's deployment adds a few to each protected resource, about USD 0.10 per standard alarm a month: under USD 0.01 a day) and logs.",
];

/** A scenario's cost model: the region, the prices its items use, what it assumes and leaves out. */
export function costModel(
  prices: Record<string, Price>,
  assumptions: readonly string[],
  excluded: readonly string[],
): CostModel {
  return {
    region: PRICE_REGION,
    hours: DAY_MINUTES / 60,
    prices: Object.entries(prices).map(([name, price]) => ({
      name,
      usdPerUnit: price.usd,
      unit: price.unit,
      source: price.source,
    })),
    assumptions: [...assumptions, ...RUNBOOK_ASSUMPTIONS],
    excluded: [...excluded, ...COMMON_EXCLUSIONS],
  };
}
