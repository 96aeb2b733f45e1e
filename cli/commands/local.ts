/**
 * `selfheal local reset [--from-backup]`: the way back from a local state file that cannot be read
 * (cut short, not JSON, another version). The file is moved aside, never deleted, and either its
 * backup (the file as it was before the last save) takes its place or the local deployment starts
 * afresh. It takes the state's lock, as a command that saves does.
 */
import { EXIT, UsageError } from '../exit-codes.ts';
import { parseOptions } from '../options.ts';
import type { Command } from '../command.ts';
import { COMMON_USAGE } from '../usage.ts';
import { sayWaiting } from '../local-deployment.ts';
import { resetLocalState, stateFilePath } from '../../local/state-file.ts';

const USAGE = `Usage: selfheal local reset [--from-backup] [--state FILE] [--json] [--local]

Moves the local deployment's state file aside (kept as FILE.aside-<time>, named in the output)
and puts its backup in its place (--from-backup: FILE.bak, the state before the last command
that saved), or nothing, so the next command starts afresh: no switches, ledger or runs.

Options:
  --from-backup      restore the backup instead of starting afresh
  --state FILE       the local deployment's state (default .selfheal/local-state.json, or
                     $SELFHEAL_STATE_FILE)
  --json             print {stateFile, setAside, restoredFrom} as JSON
  --local            taken, and changes nothing: this command is for the local deployment only
${COMMON_USAGE}

Exit codes: 0 reset, 1 no readable backup or the file cannot be written, 2 usage error.`;

export const localCommand: Command = {
  name: 'local',
  summary: "manage the local deployment's state file: reset it, or restore its backup",
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseOptions(args, {
      'from-backup': { type: 'boolean', default: false },
      local: { type: 'boolean', default: false },
      state: { type: 'string' },
      json: { type: 'boolean', default: false },
    });
    const [action, extra] = positionals;
    if (action !== 'reset')
      throw new UsageError(`local takes reset, not ${action ? `"${action}"` : 'nothing'}`);
    if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
    const stateFile = stateFilePath(values.state);
    const fromBackup = values['from-backup'];
    const { setAside, restoredFrom } = await resetLocalState(stateFile, fromBackup, { onWait: sayWaiting });

    if (values.json) {
      console.log(
        JSON.stringify(
          { stateFile, setAside: setAside ?? null, restoredFrom: restoredFrom ?? null },
          null,
          2,
        ),
      );
      return EXIT.ok;
    }
    const lines = [
      setAside
        ? `Moved the local state ${stateFile} aside to ${setAside} (kept: delete it once you no longer need it).`
        : `There was no local state at ${stateFile}.`,
      restoredFrom
        ? `Restored ${stateFile} from its backup ${restoredFrom} (the state before the last command that saved).`
        : 'The local deployment starts afresh: no switches, ledger or runs.',
    ];
    console.log(lines.join('\n'));
    return EXIT.ok;
  },
};
