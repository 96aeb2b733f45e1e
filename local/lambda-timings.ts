/**
 * How long selfheal's Lambda tasks take on the local deployment, in virtual time (the engine's
 * `LambdaTimings`, engine/lambda-environments.ts): a cold start for each function's first invocation
 * in an engine (and for any invocation while its function's environments are all busy), then every
 * invocation's own work.
 *
 * - Cold start: the handler module's median "import to ready" in the bench's "Handler cold start"
 *   (`npm run bench`, bench/results.json `coldStart`, measured 2026-12-06 on 2 × Intel Xeon, Node
 *   v22.23.3; README's bench table): the module's deployed bundle imported in a fresh `node` with
 *   the function's environment, until its handler is callable. It stands for Lambda's Init phase
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
import { INSTANT_LAMBDA, type LambdaTimings } from '../engine/lambda-environments.ts';
import { CATALOGUE, functionName, type Catalogue } from '../runbooks/catalogue.ts';

/** Median import-to-ready milliseconds of each handler module, from the bench (see above). */
export const MEASURED_COLD_START_MS: Readonly<Record<string, number>> = Object.freeze({
  'handlers/check-capacity-request.ts': 104.3,
  'handlers/diagnose-table.ts': 185.1,
  'handlers/plan-capacity.ts': 141.3,
  'handlers/apply-capacity-plan.ts': 185.5,
  'handlers/verify-table-health.ts': 187.9,
  'handlers/normalise-signal.ts': 146.2,
  'handlers/check-guardrails.ts': 183.7,
  'handlers/summarise-outcome.ts': 156.8,
  'handlers/reshuffle-tasks.ts': 226.2,
  'handlers/backpressure-tasks.ts': 240.1,
  'handlers/cell-shift-tasks.ts': 147.1,
});

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
