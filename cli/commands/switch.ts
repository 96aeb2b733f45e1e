/**
 * `selfheal switch`: the operator's switches in the local deployment: the global kill switch, and
 * per runbook on/off and live/dry-run, with its cooldown and hourly limit.
 */
import { EXIT, UsageError } from '../exit-codes.ts';
import { integerOption, parseOptions } from '../options.ts';
import type { Command } from '../main.ts';
import { saveTables, scanAll, stateFilePath } from '../../engine/local-state.ts';
import { DISPATCH_TABLE_NAMES, withLocalTables } from '../local-deployment.ts';
import { DEFAULT_DISPATCH_TABLES } from '../../domain/dispatch/tables.ts';
import {
  GLOBAL_SWITCH_KEY,
  runbookSwitchKey,
  switchesFrom,
  writeGlobalSwitch,
  writeRunbookSwitch,
} from '../../domain/dispatch/switches.ts';

const USAGE = `Usage: selfheal switch (--global | --runbook NAME) [--on | --off] [--live | --dry-run]
                       [--cooldown SECONDS] [--per-hour N] [--state FILE]

Sets the switches dispatch reads before any remediation, in the local deployment:
  --global --off        the kill switch: selfheal changes nothing anywhere (--on to resume)
  --runbook NAME --off  stop one runbook; --on to resume
  --runbook NAME --live let it change things (runbooks are dry runs until turned live)
  --cooldown SECONDS    quiet time per resource after a remediation (runbook)
  --per-hour N          remediations allowed per hour (runbook, or global)
Without a change it prints the current settings.`;

export const switchCommand: Command = {
  name: 'switch',
  summary: 'turn selfheal or a runbook on, off or live (kill switch, dry-run, limits)',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseOptions(args, {
      global: { type: 'boolean', default: false },
      runbook: { type: 'string' },
      on: { type: 'boolean', default: false },
      off: { type: 'boolean', default: false },
      live: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      cooldown: { type: 'string' },
      'per-hour': { type: 'string' },
      state: { type: 'string' },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    if (values.global === (values.runbook !== undefined))
      throw new UsageError('name one of --global or --runbook NAME');
    if (values.on && values.off) throw new UsageError('--on and --off contradict each other');
    if (values.live && values['dry-run']) throw new UsageError('--live and --dry-run contradict each other');
    if (values.global && (values.live || values['dry-run'] || values.cooldown !== undefined)) {
      throw new UsageError('--live, --dry-run and --cooldown are per runbook');
    }
    const positive = (name: string, value: string | undefined): number | undefined => {
      if (value === undefined) return undefined;
      const n = integerOption(name, value, 0);
      if (n < 0) throw new UsageError(`--${name} must not be negative`);
      return n;
    };
    const cooldownSeconds = positive('cooldown', values.cooldown);
    const actionsPerHour = positive('per-hour', values['per-hour']);
    const enabled = values.on ? true : values.off ? false : undefined;
    const live = values.live ? true : values['dry-run'] ? false : undefined;

    const path = stateFilePath(values.state);
    const table = DEFAULT_DISPATCH_TABLES.control;
    return withLocalTables(path, async (dynamodb) => {
      const runbook = values.runbook ?? '';
      const items = new Map((await scanAll(dynamodb, table)).map((item) => [item.pk?.S ?? '', item]));
      const current = switchesFrom(items, runbook);
      const changed = [enabled, live, cooldownSeconds, actionsPerHour].some((v) => v !== undefined);
      if (values.global) {
        const next = { ...current.global, ...defined({ enabled, actionsPerHour }) };
        if (changed) await writeGlobalSwitch(dynamodb, table, next);
        console.log(`${GLOBAL_SWITCH_KEY}: ${JSON.stringify(next)}`);
      } else {
        const next = { ...current.runbook, ...defined({ enabled, live, cooldownSeconds, actionsPerHour }) };
        if (changed) await writeRunbookSwitch(dynamodb, table, runbook, next);
        console.log(`${runbookSwitchKey(runbook)}: ${JSON.stringify(next)}`);
      }
      if (changed) await saveTables(dynamodb, DISPATCH_TABLE_NAMES, path);
      return EXIT.ok;
    });
  },
};

/** The fields of `change` that are set. */
function defined<T extends object>(change: T): Partial<T> {
  return Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)) as Partial<T>;
}
