/** A subcommand of the `selfheal` CLI: its name, help text and what it does. */
import type { ExitCode } from './exit-codes.ts';

export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(args: string[]): Promise<ExitCode>;
}
