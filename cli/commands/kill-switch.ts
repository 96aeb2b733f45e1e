/**
 * `selfheal kill-switch [on|off] [--runbook NAME]`: the short way to stop selfheal, or one runbook,
 * and to resume. It sets the same switches `selfheal switch` does (the global or the runbook's
 * `enabled`), leaving dry-run, cooldown and limits as they are; without on/off it shows them all.
 */
import { EXIT, UsageError } from '../exit-codes.ts';
import { parseOptions } from '../options.ts';
import type { Command } from '../command.ts';
import { TARGET_OPTIONS, TARGET_USAGE, targetFrom } from '../target.ts';
import { withDispatchTables } from '../dispatch-tables.ts';
import { COMMON_USAGE } from '../usage.ts';
import {
  changeGlobalSwitch,
  changeRunbookSwitch,
  checkRunbook,
  readSwitches,
  switchableRunbooks,
  type GlobalSwitchView,
  type RunbookSwitchView,
} from '../switch-settings.ts';

const USAGE = `Usage: selfheal kill-switch [on | off] [--runbook NAME] [--json]
                            [--local [--state FILE] | --deployment NAME --region R]

Stops selfheal at once, in a deployment in AWS (or, with --local, in the local deployment):
dispatch reads the switches before every remediation, and while the kill switch is on it starts
nothing and records each incident in the ledger as suppressed. Runs already started go on.
  on                    stop selfheal: the global switch off, no runbook starts anywhere
  on --runbook NAME     stop one runbook
  off [--runbook NAME]  resume (dry-run or live, cooldown and limits stay as they were)
  (neither)             print the kill switch and every runbook's switch

Options:
  --runbook NAME  one runbook's switch instead of the global one
  --json          print the switch (or, without on/off, all of them) as JSON
${COMMON_USAGE}

${TARGET_USAGE}

Exit codes: 0 set (or shown), 1 AWS refused the caller, 2 usage error (or no such deployment).`;

export const killSwitchCommand: Command = {
  name: 'kill-switch',
  summary: 'stop selfheal (or one runbook) now, resume it, or show what is stopped',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseOptions(args, {
      ...TARGET_OPTIONS,
      runbook: { type: 'string' },
      json: { type: 'boolean', default: false },
    });
    const [action, extra] = positionals;
    if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
    if (action !== undefined && action !== 'on' && action !== 'off')
      throw new UsageError(`kill-switch takes on or off, not "${action}"`);
    if (action === undefined && values.runbook !== undefined)
      throw new UsageError('say on or off: selfheal kill-switch on|off --runbook NAME');
    const runbook = values.runbook === undefined ? undefined : await checkRunbook(values.runbook);
    const target = targetFrom(values);

    if (action === undefined) {
      const runbooks = await switchableRunbooks();
      const { where, switches } = await withDispatchTables(target, 'read', async (store) => ({
        where: store.where,
        switches: await readSwitches(store, runbooks),
      }));
      if (values.json) console.log(JSON.stringify(switches, null, 2));
      else console.log(renderSwitches(where, switches.global, switches.runbooks));
      return EXIT.ok;
    }

    const enabled = action === 'off';
    const message = await withDispatchTables(target, 'write', async (store) => {
      if (runbook === undefined) {
        const view = await changeGlobalSwitch(store, { enabled });
        return { view, text: globalChanged(store.where, view) };
      }
      const { global, runbook: view } = await changeRunbookSwitch(store, runbook, { enabled });
      return { view, text: runbookChanged(store.where, view, global) };
    });
    console.log(values.json ? JSON.stringify(message.view, null, 2) : message.text);
    return EXIT.ok;
  },
};

function globalChanged(where: string, view: GlobalSwitchView): string {
  return view.enabled
    ? `Kill switch off in ${where}: dispatch starts runbooks again, within their switches and limits.`
    : `Kill switch ON in ${where}: dispatch starts no runbook anywhere until "selfheal kill-switch off".`;
}

function runbookChanged(where: string, view: RunbookSwitchView, global: GlobalSwitchView): string {
  const name = view.runbook;
  if (!view.enabled)
    return `Kill switch ON for runbook ${name} in ${where}: dispatch does not start it until "selfheal kill-switch off --runbook ${name}".`;
  const resumed = `Kill switch off for runbook ${name} in ${where}: dispatch starts it again (${view.live ? 'live' : 'as a dry run'}).`;
  // Resuming one runbook under a global stop changes nothing yet: say so, or the operator waits.
  return global.enabled ? resumed : `${resumed} The global kill switch is still ON: nothing starts.`;
}

function renderSwitches(
  where: string,
  global: GlobalSwitchView,
  runbooks: readonly RunbookSwitchView[],
): string {
  const head = global.enabled
    ? `Kill switch off in ${where}: selfheal may act, up to ${global.actionsPerHour} actions an hour.`
    : `Kill switch ON in ${where}: selfheal changes nothing.`;
  const width = Math.max(...runbooks.map((r) => r.runbook.length));
  const rows = runbooks.map((r) =>
    [
      `  ${r.runbook.padEnd(width)}`,
      (r.enabled ? 'enabled' : 'STOPPED').padEnd(7),
      (r.live ? 'live' : 'dry run').padEnd(7),
      `cooldown ${r.cooldownSeconds} s`,
      `${r.actionsPerHour} actions/hour`,
      r.set ? '' : '(defaults)',
    ]
      .join('  ')
      .trimEnd(),
  );
  return [head, 'Runbooks:', ...rows].join('\n');
}
