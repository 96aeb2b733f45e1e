/**
 * `selfheal`: the operator's command line. Each command is a module under `cli/commands/`; this
 * file only routes, and turns errors into one clear line and an exit code.
 */
import { EXIT, UsageError, type ExitCode } from './exit-codes.ts';
import type { Command } from './command.ts';
import { simulateCommand } from './commands/simulate.ts';
import { dispatchCommand } from './commands/dispatch.ts';
import { ledgerCommand } from './commands/ledger.ts';
import { switchCommand } from './commands/switch.ts';
import { killSwitchCommand } from './commands/kill-switch.ts';
import { approveCommand, rejectCommand } from './commands/approve.ts';
import { startCommand } from './commands/start.ts';
import { listCommand } from './commands/list.ts';
import { describeCommand } from './commands/describe.ts';
import { stopCommand } from './commands/stop.ts';
import { runbookCommand } from './commands/runbook.ts';
import { reportingOperatorErrors } from './operator-errors.ts';
import { COMMON_USAGE } from './usage.ts';
import { TARGET_USAGE } from './target.ts';
import { localCommand } from './commands/local.ts';
import { LocalStateError } from '../local/state-file.ts';
import { takeUnsavedLocalState } from './local-deployment.ts';

const COMMANDS: readonly Command[] = [
  simulateCommand,
  dispatchCommand,
  ledgerCommand,
  switchCommand,
  killSwitchCommand,
  startCommand,
  listCommand,
  describeCommand,
  stopCommand,
  approveCommand,
  rejectCommand,
  runbookCommand,
  localCommand,
];

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'selfheal: self-healing remediations on AWS Step Functions, run locally on a simulated world.',
    '',
    'Usage: selfheal <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Options every command takes:',
    '  --json             print the result as JSON, for scripts',
    COMMON_USAGE,
    '',
    TARGET_USAGE,
    '  (dispatch, simulate and runbook only ever run here: they take --local and change nothing.)',
    '',
    "Run `selfheal <command> --help` for a command's options.",
    'Exit codes: 0 ok; 1 the outcome is bad (a run failed, nothing started, not healed, no such',
    'execution or deployment, or AWS refused the caller: credentials, region, access); 2 usage error;',
    '3 internal error (add --verbose for the stack).',
  ].join('\n');
}

export async function main(argv: string[]): Promise<ExitCode> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(help());
    return name ? EXIT.ok : EXIT.usage;
  }
  const command = COMMANDS.find((c) => c.name === name);
  const verbose = rest.includes('--verbose');
  try {
    if (!command)
      throw new UsageError(`unknown command "${name}"; try: ${COMMANDS.map((c) => c.name).join(', ')}`);
    if (rest.includes('--help') || rest.includes('-h')) {
      console.log(command.usage);
      return EXIT.ok;
    }
    // What AWS says of the caller (credentials, access, region) is the caller's to fix: exit 1, one line.
    const code = await reportingOperatorErrors(() => command.run(rest.filter((a) => a !== '--verbose')));
    // The command has printed what its runs did; that they could not be saved comes last.
    const unsaved = takeUnsavedLocalState();
    if (unsaved) throw unsaved;
    return code;
  } catch (error) {
    // A command that failed after a save failed says the first; the slot is emptied for the next.
    takeUnsavedLocalState();
    if (error instanceof UsageError) {
      console.error(`selfheal: ${error.message}`);
      return EXIT.usage;
    }
    // The local state file cannot be read, written or locked: the line names it and the way out.
    if (error instanceof LocalStateError) {
      console.error(`selfheal: ${error.message}`);
      return EXIT.failed;
    }
    console.error(`selfheal: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    if (verbose && error instanceof Error && error.stack) console.error(error.stack);
    else console.error('(run again with --verbose for details)');
    return EXIT.internal;
  }
}
