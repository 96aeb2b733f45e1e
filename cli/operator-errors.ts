/**
 * An operator command that could not do what it was asked for a reason outside selfheal (no such
 * state machine or execution, the run has ended, nothing waits): one clear line, exit 1.
 */
import { OperatorError } from '../domain/operator/errors.ts';
import { EXIT, type ExitCode } from './exit-codes.ts';

export async function reportingOperatorErrors(run: () => Promise<ExitCode>): Promise<ExitCode> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof OperatorError)) throw error;
    console.error(`selfheal: ${error.message}`);
    return EXIT.failed;
  }
}
