/**
 * `selfheal simulate <scenario>`: runs an incident on the embedded default (dynalite, the local
 * engine, the simulated world) with selfheal, then the same seed with each baseline, and prints
 * the timeline and the comparison, or the JSON summary. Exit 0 when selfheal healed the incident.
 */
import { EXIT, UsageError, type ExitCode } from '../exit-codes.ts';
import { integerOption, parseOptions } from '../options.ts';
import type { Command } from '../main.ts';
import { SCENARIOS } from '../scenarios.ts';
import type { AlarmTransition } from '../render/scenario-report.ts';

const NAMES = SCENARIOS.map((s) => s.name);

const USAGE = `Usage: selfheal simulate <scenario> [--seed N] [--json] [--approve auto|manual]

Runs a simulated incident on the local engine: with selfheal, then with each baseline on the same
seed, and prints a timeline and the variants side by side.

Scenarios:
${SCENARIOS.map((s) => `  ${s.name.padEnd(25)}  ${s.summary}`).join('\n')}

Options:
  --seed N    seed of the workload's noise (default 1); the same seed gives the same run
  --json      print the summary as JSON instead of the report
  --approve   who approves a shift (cell scenarios): auto, at once (default), or manual,
              an on-call engineer answering five minutes after being paged

Exit codes: 0 selfheal healed the incident, 1 it did not, 2 usage error.`;

export const simulateCommand: Command = {
  name: 'simulate',
  summary: 'run a simulated incident with selfheal and its baselines, side by side',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseOptions(args, {
      seed: { type: 'string' },
      json: { type: 'boolean', default: false },
      approve: { type: 'string' },
    });
    const [scenario, ...extra] = positionals;
    if (!scenario) throw new UsageError(`simulate needs a scenario: ${NAMES.join(', ')}`);
    const chosen = SCENARIOS.find((s) => s.name === scenario);
    if (!chosen) throw new UsageError(`unknown scenario "${scenario}"; try: ${NAMES.join(', ')}`);
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
    const seed = integerOption('seed', values.seed, 1);
    const approve = values.approve;
    if (approve !== undefined && approve !== 'auto' && approve !== 'manual') {
      throw new UsageError(`--approve must be auto or manual, not "${approve}"`);
    }
    if (approve !== undefined && !chosen.asksApproval) {
      throw new UsageError(`--approve does not apply to ${chosen.name}: its runbook asks for no approval`);
    }

    const alarms: AlarmTransition[] = [];
    const outcome = await chosen.simulate({
      seed,
      ...(approve ? { approve } : {}),
      onSelfhealAlarm: (event, atSeconds) =>
        alarms.push({ atSeconds, alarmName: event.detail.alarmName, state: event.detail.state.value }),
    });
    console.log(values.json ? JSON.stringify(outcome.summary, null, 2) : outcome.report(alarms));
    return outcome.healed ? EXIT.ok : EXIT.failed;
  },
} satisfies Command & { run(args: string[]): Promise<ExitCode> };
