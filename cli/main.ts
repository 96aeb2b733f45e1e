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
    "Run `selfheal <command> --help` for a command's options.",
    'Exit codes: 0 ok, 1 the outcome is bad (not healed, run failed), 2 usage error, 3 internal error.',
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
    return await command.run(rest.filter((a) => a !== '--verbose'));
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`selfheal: ${error.message}`);
      return EXIT.usage;
    }
    console.error(`selfheal: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    if (verbose && error instanceof Error && error.stack) console.error(error.stack);
    else console.error('(run again with --verbose for details)');
    return EXIT.internal;
  }
}
