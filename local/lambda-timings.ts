/**
 * How long selfheal's Lambda tasks take on the local deployment, in virtual time (the engine's
 * `LambdaTimings`, engine/lambda-environments.ts): a cold start for each function's first invocation
 * in an engine (and for any invocation while its function's environments are all busy), then every
 * invocation's own work.
 *
 * - Cold start: the handler module's median "import to ready" in the bench's "Handler cold start"
 *   (`npm run bench`; README's bench table), read from bench/results.json `coldStart` when this
 *   module loads, so it is always the last measured figure (`COLD_START_MEASURED_AT` says when):
 *   the module's deployed bundle imported in a fresh `node` with the function's environment, until
 *   its handler is callable. It stands for Lambda's Init phase
 *   (extension, runtime and function init: "Understanding the Lambda execution environment
 *   lifecycle"). It is a lower bound of it, an assumption to keep in mind: it leaves out the
 *   runtime's own start and the code's download, and the bench's CPU is a whole core where a 512 MB
 *   function (the CDK app's) has about 0.29 of one ("At 1,769 MB, a function has the equivalent of
 *   one vCPU", "Configure Lambda function memory"). A module the bench has not measured (a runbook
 *   added since) takes the largest measured figure.
 * - Invocation: 100 ms of the handler's own work, cold or warm, an assumption (not measured: a
 *   handler makes a few AWS API calls, each a network round trip), the same 100 ms the cost model
 *   bills each task invocation for its work (simulations/cost.ts, RUNBOOK_TASK_BILLED_SECONDS).
 * - Warm for the engine's life: how long Lambda keeps an idle environment is not documented ("a
 *   non-deterministic period of time", "Lambda execution environments", AWS Lambda Operator Guide);
 *   an assumption, that a function called once in a scenario stays warm until the scenario ends
 *   (a run calls its functions within minutes of each other). Each CLI command starts an engine, so
 *   its first invocation of each function is cold.
 *
 * `SELFHEAL_LAMBDA_TIMINGS=instant` (or `lambdaTimings: INSTANT_LAMBDA`) gives today's instant
 * tasks, to compare with or for a test that needs them; `measured` (the default) these.
 */
import { readFileSync } from 'node:fs';
import { INSTANT_LAMBDA, type LambdaTimings } from '../engine/lambda-environments.ts';
import { CATALOGUE, functionName, type Catalogue } from '../runbooks/catalogue.ts';

/** Where the bench writes what it measured (`npm run bench`; committed). */
export const BENCH_RESULTS_FILE = new URL('../bench/results.json', import.meta.url);

/** The part of bench/results.json read here (bench/results.ts has the whole; it loads Prettier). */
interface ColdStartResults {
  coldStart?: { measuredAt: string; rows: { entry: string; handlerMs: number }[] };
}

/** Each handler module's median import-to-ready milliseconds, and when they were measured. */
export function coldStartsFrom(results: ColdStartResults): {
  measuredAt: string;
  ms: Record<string, number>;
} {
  const coldStart = results.coldStart;
  if (!coldStart || coldStart.rows.length === 0) {
    throw new Error(
      `${BENCH_RESULTS_FILE.pathname} has no cold-start figures: run \`npm run bench -- --only cold-start\``,
    );
  }
  return {
    measuredAt: coldStart.measuredAt,
    ms: Object.fromEntries(coldStart.rows.map((row) => [row.entry, row.handlerMs])),
  };
}

// Read once, as the module loads: the figures are the bench's, never a copy that can go stale.
const measured = coldStartsFrom(JSON.parse(readFileSync(BENCH_RESULTS_FILE, 'utf8')) as ColdStartResults);

/** Median import-to-ready milliseconds of each handler module, from the bench (see above). */
export const MEASURED_COLD_START_MS: Readonly<Record<string, number>> = Object.freeze(measured.ms);

/** When the bench measured them (bench/results.json `coldStart.measuredAt`). */
export const COLD_START_MEASURED_AT = measured.measuredAt;

/** A module the bench has not measured: the largest measured figure. */
export const UNMEASURED_COLD_START_MS = Math.max(...Object.values(MEASURED_COLD_START_MS));

/** Each invocation's own work, cold or warm (an assumption, see above). */
export const TASK_INVOKE_SECONDS = 0.1;

/** The measured timings of a catalogue's functions: each its module's cold start. */
export function measuredLambdaTimings(catalogue: Catalogue = CATALOGUE): LambdaTimings {
  return {
    coldStartSeconds: UNMEASURED_COLD_START_MS / 1000,
    coldStartSecondsByFunction: Object.fromEntries(
      catalogue.tasks.map((task) => [
        functionName(task.id),
        (MEASURED_COLD_START_MS[task.entry] ?? UNMEASURED_COLD_START_MS) / 1000,
      ]),
    ),
    invokeSeconds: TASK_INVOKE_SECONDS,
  };
}

/** The variable that names the timings a local engine runs its tasks with. */
export const LAMBDA_TIMINGS_VARIABLE = 'SELFHEAL_LAMBDA_TIMINGS';

export const LAMBDA_TIMINGS_CHOICES = ['measured', 'instant'] as const;

export class LambdaTimingsChoiceError extends Error {
  constructor(value: string) {
    super(`${LAMBDA_TIMINGS_VARIABLE} must be ${LAMBDA_TIMINGS_CHOICES.join(' or ')}, not ${value}`);
    this.name = 'LambdaTimingsChoiceError';
  }
}

/** The timings `$SELFHEAL_LAMBDA_TIMINGS` names: `measured` unless it says `instant`. */
export function lambdaTimingsFrom(
  env: NodeJS.ProcessEnv = process.env,
  catalogue: Catalogue = CATALOGUE,
): LambdaTimings {
  const choice = env[LAMBDA_TIMINGS_VARIABLE];
  if (choice === undefined || choice === '' || choice === 'measured') return measuredLambdaTimings(catalogue);
  if (choice === 'instant') return INSTANT_LAMBDA;
  throw new LambdaTimingsChoiceError(choice);
}
