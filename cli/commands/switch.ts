/**
 * `selfheal switch`: the operator's switches, in a deployment in AWS or with --local in the local
 * deployment: the global kill switch, and per runbook on/off and live/dry-run, with its cooldown
 * and hourly limit.
 */
import { EXIT, UsageError } from '../exit-codes.ts';
import { integerOption, parseOptions } from '../options.ts';
import type { Command } from '../command.ts';
import { TARGET_OPTIONS, TARGET_USAGE, targetFrom } from '../target.ts';
import { withDispatchTables } from '../dispatch-tables.ts';
import { SWITCH_LIMITS } from '../../domain/dispatch/switches.ts';
import {
  changeGlobalSwitch,
  changeRunbookSwitch,
  checkRunbook,
  readRunbookSwitch,
  readSwitches,
  type GlobalSwitchView,
  type RunbookSwitchView,
} from '../switch-settings.ts';

const USAGE = `Usage: selfheal switch (--global | --runbook NAME) [--on | --off] [--live | --dry-run]
                       [--cooldown SECONDS] [--per-hour N] [--json]
                       [--local [--state FILE] | --deployment NAME] [--region R]

Sets the switches dispatch reads before any remediation, in a deployment in AWS (or, with
--local, in the local deployment):
  --global --off        the kill switch: selfheal changes nothing anywhere (--on to resume)
  --runbook NAME --off  stop one runbook; --on to resume
  --runbook NAME --live let it change things (runbooks are dry runs until turned live)
  --cooldown SECONDS    quiet time per resource after a remediation (runbook; 0 to 604800, a week)
  --per-hour N          remediations allowed per hour (runbook, or global; 0 to 1000)
  --json                print the switch as JSON
Without a change it prints the current settings. selfheal kill-switch is the short way to stop.

${TARGET_USAGE}`;

export const switchCommand: Command = {
  name: 'switch',
  summary: 'turn selfheal or a runbook on, off or live (kill switch, dry-run, limits)',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseOptions(args, {
      ...TARGET_OPTIONS,
      global: { type: 'boolean', default: false },
      runbook: { type: 'string' },
      on: { type: 'boolean', default: false },
      off: { type: 'boolean', default: false },
      live: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      cooldown: { type: 'string' },
      'per-hour': { type: 'string' },
      json: { type: 'boolean', default: false },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    if (values.global === (values.runbook !== undefined))
      throw new UsageError('name one of --global or --runbook NAME');
    if (values.on && values.off) throw new UsageError('--on and --off contradict each other');
    if (values.live && values['dry-run']) throw new UsageError('--live and --dry-run contradict each other');
    if (values.global && (values.live || values['dry-run'] || values.cooldown !== undefined)) {
      throw new UsageError('--live, --dry-run and --cooldown are per runbook');
    }
    const cooldownSeconds = bounded('cooldown', values.cooldown, SWITCH_LIMITS.cooldownSeconds);
    const actionsPerHour = bounded('per-hour', values['per-hour'], SWITCH_LIMITS.actionsPerHour);
    const enabled = values.on ? true : values.off ? false : undefined;
    const live = values.live ? true : values['dry-run'] ? false : undefined;
    const changed = [enabled, live, cooldownSeconds, actionsPerHour].some((v) => v !== undefined);
    const runbook = values.runbook === undefined ? undefined : await checkRunbook(values.runbook);
    const target = targetFrom(values);

    const view = await withDispatchTables(
      target,
      changed ? 'write' : 'read',
      async (store): Promise<GlobalSwitchView | RunbookSwitchView> => {
        if (runbook === undefined) {
          if (!changed) return (await readSwitches(store, [])).global;
          return changeGlobalSwitch(store, { enabled, actionsPerHour });
        }
        if (!changed) return (await readRunbookSwitch(store, runbook)).runbook;
        return (await changeRunbookSwitch(store, runbook, { enabled, live, cooldownSeconds, actionsPerHour }))
          .runbook;
      },
    );
    if (values.json) console.log(JSON.stringify({ ...view, changed }, null, 2));
    else console.log(`${view.key}: ${JSON.stringify(settingsOnly(view))}`);
    return EXIT.ok;
  },
};

function bounded(
  name: string,
  value: string | undefined,
  limits: { min: number; max: number },
): number | undefined {
  if (value === undefined) return undefined;
  const n = integerOption(name, value, 0);
  if (n < limits.min) throw new UsageError(`--${name} must not be negative`);
  if (n > limits.max) throw new UsageError(`--${name} must be at most ${limits.max}, got ${value}`);
  return n;
}

/** The line reads as before the views: the switch's key, then its settings only. */
function settingsOnly(view: GlobalSwitchView | RunbookSwitchView): Record<string, boolean | number> {
  if (view.scope === 'global') return { enabled: view.enabled, actionsPerHour: view.actionsPerHour };
  const { enabled, live, cooldownSeconds, actionsPerHour } = view;
  return { enabled, live, cooldownSeconds, actionsPerHour };
}
