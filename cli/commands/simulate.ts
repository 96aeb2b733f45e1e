/**
 * `selfheal simulate <scenario|all>`: runs an incident on the embedded default (dynalite, the local
 * engine, the simulated world) with selfheal, then the same seed with each baseline, and prints
 * the timeline and the comparison, or the JSON summary; `--report FILE` also writes the charts and
 * figures as one self-contained HTML page. Exit 0 when selfheal healed every incident it ran, or
 * rightly left alone one it cannot fix (a fleet-wide slowdown).
 */
import { existsSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { EXIT, UsageError, type ExitCode } from '../exit-codes.ts';
import { availableParallelism } from 'node:os';
import { integerOption, parseOptions, seedOption } from '../options.ts';
import { VariantPool, type VariantRequest, type VariantRun } from '../variant-pool.ts';
import { runVariantRequest } from '../variant-run.ts';
import { buildHandlerBundles } from '../../packaging/handler-bundles.ts';
import { COMMON_USAGE } from '../usage.ts';
import { localOnlyUsage, statelessLocalOnly, TARGET_OPTIONS } from '../target.ts';
import type { Command } from '../command.ts';
import { SCENARIOS, type Scenario, type ScenarioOutcome } from '../scenarios.ts';
import type { AlarmTransition } from '../render/scenario-report.ts';
import { renderReport, type ReportSection } from '../render/report/page.ts';
import { ConfigError, loadConfig } from '../../infra/config/load.ts';
import { IncidentFileError } from '../../scenarios/table/incident-file.ts';
import {
  DeploymentMismatchError,
  deploymentOf,
  EXAMPLE_CONFIG_FILE,
  type Deployment,
} from '../../simulations/deployment.ts';

const NAMES = SCENARIOS.map((s) => s.name);
/** A bound on worker threads (each holds its own dynalite and engine). */
const MAX_JOBS = 64;
/**
 * Variants at once by default: with all, one a core (within the bound); for one scenario, one (a
 * worker takes about half a second to load the code, more than one scenario's few variants gain).
 */
const CORES = Math.min(availableParallelism(), MAX_JOBS);

const USAGE = `Usage: selfheal simulate <scenario|all> [--seed N] [--json] [--approve auto|manual] [--report FILE]
                         [--config FILE] [--incident FILE] [--jobs N]

Runs a simulated incident on the local engine: with selfheal, then with each baseline on the same
seed, and prints a timeline and the variants side by side. selfheal runs as the config deploys it:
the alarms' events go through the deployment's EventBridge rules to dispatch, which routes them
and applies its guardrails (the scenario's runbook is first switched live, as an operator would).

Scenarios:
${SCENARIOS.map((s) => `  ${s.name.padEnd(25)}  ${s.summary}`).join('\n')}
  ${'all'.padEnd(25)}  every scenario above

Options:
  --seed N       seed of the workload's noise, 0 to 4294967295 (default 1); the same seed gives
                 the same run
  --json         print the summary as JSON instead of the report (with all: an array of them)
  --approve      who approves a shift (cell scenarios): auto, at once (default), or manual,
                 an on-call engineer answering five minutes after being paged
  --report FILE  also write an HTML page: per scenario, charts of every variant over virtual
                 time with the runbook's steps marked, and the outcome figures; self-contained
                 (no script, nothing fetched), to open in any browser
  --config FILE  the deployment to rehearse (default: $SELFHEAL_CONFIG, else the repository's
                 selfheal.config.json); it must protect the scenario's resources
  --incident FILE  the incident to simulate instead of the built-in one: a JSON file like the
                 built-in scenarios/hot-shard/incident.json, hot-key/incident.json,
                 sqs-backpressure/incident.json, cell-shift/incident.json or fleet-slowdown.json
                 (the table, queue and mapping, or fleet, and the workload); validated first, with
                 one line naming the field; its resources must be ones the config protects
  --jobs N       variants simulated at once, in this thread and worker threads, 1 to ${MAX_JOBS}
                 (default: with all, the machine's cores, ${CORES} here; else 1, one after the other
                 in this thread). Each variant is its own world on the seed: the results are the same
${COMMON_USAGE}

${localOnlyUsage('simulate', 'the local engine on a simulated world', false)}

Exit codes: 0 selfheal healed every incident (or rightly left alone one no runbook fixes: a
fleet-wide slowdown), 1 it did not, 2 usage error.`;

export const simulateCommand: Command = {
  name: 'simulate',
  summary: 'run a simulated incident with selfheal and its baselines, side by side',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseOptions(args, {
      ...TARGET_OPTIONS,
      seed: { type: 'string' },
      json: { type: 'boolean', default: false },
      approve: { type: 'string' },
      report: { type: 'string' },
      config: { type: 'string' },
      incident: { type: 'string' },
      jobs: { type: 'string' },
    });
    const [scenario, ...extra] = positionals;
    if (!scenario) throw new UsageError(`simulate needs a scenario: ${NAMES.join(', ')}, or all`);
    let chosen = scenario === 'all' ? SCENARIOS : SCENARIOS.filter((s) => s.name === scenario);
    if (chosen.length === 0) {
      throw new UsageError(`unknown scenario "${scenario}"; try: ${NAMES.join(', ')}, all`);
    }
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
    statelessLocalOnly(values, 'simulate', 'it rehearses the config on a simulated world');
    const seed = seedOption(values.seed);
    const approve = values.approve;
    if (approve !== undefined && approve !== 'auto' && approve !== 'manual') {
      throw new UsageError(`--approve must be auto or manual, not "${approve}"`);
    }
    if (approve !== undefined && !chosen.some((s) => s.asksApproval)) {
      throw new UsageError(`--approve does not apply to ${scenario}: its runbook asks for no approval`);
    }
    const reportFile = values.report === undefined ? undefined : reportPath(values.report);
    const configFile = values.config ?? process.env.SELFHEAL_CONFIG;
    const deployment = configFile === undefined ? undefined : deploymentFrom(configFile);
    if (values.incident !== undefined) chosen = [withIncidentFile(scenario, chosen, values.incident)];
    const jobs = integerOption('jobs', values.jobs, chosen.length > 1 ? CORES : 1, { min: 1, max: MAX_JOBS });

    const simulated = await simulateAll(chosen, jobs, (each, runVariant) => {
      const alarms: AlarmTransition[] = [];
      const outcome = mismatchAsUsage(configFile, () =>
        each.simulate({
          seed,
          ...(approve && each.asksApproval ? { approve } : {}),
          ...(deployment ? { deployment } : {}),
          onSelfhealAlarm: (event, atSeconds) =>
            alarms.push({ atSeconds, alarmName: event.detail.alarmName, state: event.detail.state.value }),
          ...(runVariant ? { runVariant } : {}),
        }),
      );
      return outcome.then((done) => ({ each, alarms, outcome: done }));
    });

    const printed: string[] = [];
    const summaries: object[] = [];
    const sections: ReportSection[] = [];
    let healed = true;
    for (const { each, alarms, outcome } of simulated) {
      healed &&= outcome.goalMet;
      summaries.push(outcome.summary);
      if (!values.json) printed.push(outcome.report(alarms));
      if (reportFile) {
        const approval = each.asksApproval ? `, approval ${approve ?? 'auto'}` : '';
        sections.push(reportSection(each, `seed ${seed}${approval}`, outcome));
      }
    }
    if (values.json) {
      printed.push(JSON.stringify(chosen.length === 1 ? summaries[0] : summaries, null, 2));
    }
    console.log(printed.join('\n\n'));
    if (reportFile) {
      await writeFile(reportFile, renderReport(sections));
      console.error(`report written to ${reportFile}`);
    }
    return healed ? EXIT.ok : EXIT.failed;
  },
} satisfies Command & { run(args: string[]): Promise<ExitCode> };

/** One scenario on the incident a file describes; a file that does not validate is a usage error. */
function withIncidentFile(name: string, chosen: readonly Scenario[], file: string): Scenario {
  const [only] = chosen;
  if (chosen.length !== 1 || !only)
    throw new UsageError('--incident names the incident of one scenario, not of all');
  if (!only.withIncident) {
    const readable = SCENARIOS.filter((s) => s.withIncident).map((s) => s.name);
    throw new UsageError(`--incident does not apply to ${name} yet; it does to ${readable.join(', ')}`);
  }
  try {
    return only.withIncident(file);
  } catch (error) {
    if (error instanceof IncidentFileError) throw new UsageError(error.message);
    throw error;
  }
}

/**
 * Runs `simulate` for every chosen scenario, results in the order chosen. With one job, one after
 * the other in this thread; with more, all at once, every variant sent to a pool of that many
 * worker threads (closed at the end, whatever happened).
 */
async function simulateAll<T>(
  chosen: readonly Scenario[],
  jobs: number,
  simulate: (scenario: Scenario, runVariant?: (request: VariantRequest) => Promise<VariantRun>) => Promise<T>,
): Promise<T[]> {
  const started = (each: Scenario, index: number): void => {
    if (chosen.length > 1) console.error(`simulating ${each.name} (${index + 1} of ${chosen.length})`);
  };
  if (jobs === 1) {
    const done: T[] = [];
    for (const [index, each] of chosen.entries()) {
      started(each, index);
      done.push(await simulate(each));
    }
    return done;
  }
  // Up to date before any worker loads them: workers never build the bundles side by side.
  buildHandlerBundles();
  // This thread takes variants too: it has the code loaded already.
  const pool = new VariantPool(jobs, { inThread: runVariantRequest });
  try {
    const running = chosen.map((each, index) => {
      started(each, index);
      return simulate(each, (request) => pool.run(request));
    });
    const settled = await Promise.allSettled(running);
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
  } finally {
    await pool.close();
  }
}

/** A config synth would refuse is refused here too, with the same message. */
function deploymentFrom(file: string): Deployment {
  try {
    return deploymentOf(loadConfig(file));
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
}

/** A config that does not protect the scenario's resources is the command line's fault, not selfheal's. */
async function mismatchAsUsage<T>(file: string | undefined, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    // From a worker thread it comes back by name (cli/variant-pool.ts).
    if (
      error instanceof DeploymentMismatchError ||
      (error instanceof Error && error.name === 'DeploymentMismatchError')
    ) {
      throw new UsageError(`${file ?? EXAMPLE_CONFIG_FILE}: ${error.message}`);
    }
    throw error;
  }
}

/** Checked before anything runs: a simulation is too long to lose to a missing directory. */
function reportPath(file: string): string {
  const path = resolve(file);
  const directory = dirname(path);
  if (!existsSync(directory) || !statSync(directory).isDirectory()) {
    throw new UsageError(`--report: no such directory "${directory}"`);
  }
  if (existsSync(path) && statSync(path).isDirectory()) {
    throw new UsageError(`--report: "${file}" is a directory; name the HTML file to write`);
  }
  return path;
}

function reportSection(scenario: Scenario, settings: string, outcome: ScenarioOutcome): ReportSection {
  return {
    scenario: scenario.name,
    description: scenario.summary,
    settings,
    outcome: outcome.outcome,
    charts: outcome.charts(),
    summary: outcome.summary,
  };
}
