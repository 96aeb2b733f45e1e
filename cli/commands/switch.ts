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
import { COMMON_USAGE } from '../usage.ts';
import { table } from '../render/table.ts';
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
                       [--local [--state FILE] | --deployment NAME --region R]

Sets the switches dispatch reads before any remediation, in a deployment in AWS (or, with
--local, in the local deployment):
  --global --off        the kill switch: selfheal changes nothing anywhere (--on to resume)
  --runbook NAME --off  stop one runbook; --on to resume
  --runbook NAME --live let it change things (runbooks are dry runs until turned live)
  --cooldown SECONDS    quiet time per resource after a remediation (runbook; 0 to 604800, a week)
  --per-hour N          remediations allowed per hour (runbook, or global; 0 to 1000)
  --json                print the switch as JSON
${COMMON_USAGE}
Without a change it prints the current settings, as a table (with the global switch, which may
stop a runbook anyway). selfheal kill-switch is the short way to stop.

${TARGET_USAGE}

Exit codes: 0 set (or shown), 1 AWS refused the caller, 2 usage error (or no such deployment).`;

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

    const shown = await withDispatchTables(
      target,
      changed ? 'write' : 'read',
      async (store): Promise<Shown> => {
        if (runbook === undefined) {
          const global = changed
            ? await changeGlobalSwitch(store, { enabled, actionsPerHour })
            : (await readSwitches(store, [])).global;
          return { where: store.where, view: global, global };
        }
        const both = changed
          ? await changeRunbookSwitch(store, runbook, { enabled, live, cooldownSeconds, actionsPerHour })
          : await readRunbookSwitch(store, runbook);
        return { where: store.where, view: both.runbook, global: both.global };
      },
    );
    if (values.json) console.log(JSON.stringify({ ...shown.view, changed }, null, 2));
    else console.log(renderSwitch(shown, changed));
    return EXIT.ok;
  },
};

interface Shown {
  where: string;
  view: GlobalSwitchView | RunbookSwitchView;
  global: GlobalSwitchView;
}

function bounded(
  name: string,
  value: string | undefined,
  limits: { min: number; max: number },
): number | undefined {
  return value === undefined ? undefined : integerOption(name, value, 0, limits);
}

/**
 * A sentence, then the switch as a table: `runbook hot-shard  on  live  900 s  at most 4 an hour`.
 * A runbook's table has the global switch too: a kill switch stops the runbook whatever it says.
 */
function renderSwitch({ where, view, global }: Shown, changed: boolean): string {
  const name = view.scope === 'global' ? 'the global switch' : `runbook ${view.runbook}`;
  const head = changed ? `Set ${name} in ${where}:` : `${upper(name)} in ${where}, as dispatch reads it now:`;
  const rows = [...(view.scope === 'runbook' ? [row(global)] : []), row(view)];
  const lines = [head, table(['SWITCH', 'STATE', 'MODE', 'COOLDOWN', 'LIMIT', 'SOURCE'], rows)];
  if (view.scope === 'runbook' && !global.enabled)
    lines.push('The global kill switch is ON: dispatch starts no runbook, whatever this one says.');
  return lines.join('\n');
}

function row(view: GlobalSwitchView | RunbookSwitchView): string[] {
  const perHour = `at most ${view.actionsPerHour} an hour`;
  const source = view.set ? 'set' : 'defaults';
  if (view.scope === 'global')
    return ['global', view.enabled ? 'on' : 'OFF (kill switch)', '-', '-', perHour, source];
  return [
    `runbook ${view.runbook}`,
    view.enabled ? 'on' : 'OFF',
    view.live ? 'live' : 'dry run',
    `${view.cooldownSeconds} s`,
    perHour,
    source,
  ];
}

const upper = (text: string): string => `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
