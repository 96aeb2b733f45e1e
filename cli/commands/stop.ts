/**
 * `selfheal stop <execution>`: stops a running execution (StopExecution, error `OperatorStopped`,
 * the reason as the cause). One that has ended is left as it is and said so (exit 1):
 * StopExecution has no error for it, and a quiet success would read like a stop that worked.
 */
import { EXIT } from '../exit-codes.ts';
import { byOption, parseOptions } from '../options.ts';
import type { Command } from '../command.ts';
import { TARGET_OPTIONS, TARGET_USAGE } from '../target.ts';
import { executionTarget, withStepFunctions } from '../step-functions.ts';
import { COMMON_USAGE } from '../usage.ts';
import { describedExecution, EXECUTION_USAGE, executionReference } from '../execution-reference.ts';
import { ExecutionEndedError } from '../../domain/operator/errors.ts';
import { instant } from '../render/time.ts';

/** The error a stopped execution ends with. */
export const STOP_ERROR = 'OperatorStopped';

const USAGE = `Usage: selfheal stop <execution> [--reason R] [--json] [--local [--state FILE] | --deployment NAME --region R]

Stops a running execution: it ends ABORTED with error ${STOP_ERROR} and the reason as the cause.
A stop skips the stopped run's own clean-up (its Catch states): what it changed stays changed.
Stopping dispatch leaves the resource's lock until its lease ends; stopping a runbook dispatch waits
for fails dispatch's task, and dispatch records it and releases the lock.

${EXECUTION_USAGE}

Options:
  --reason R         why (default "stopped by $USER")
  --json             print {executionArn, status, stopDate, error, cause} as JSON
${COMMON_USAGE}

${TARGET_USAGE}

Local runs end with the command that ran them, so a local execution has always ended already.
Exit codes: 0 stopped, 1 no such execution or it had already ended (or AWS refused the caller),
2 usage error.`;

export const stopCommand: Command = {
  name: 'stop',
  summary: `stop a running execution (error ${STOP_ERROR}, the reason as the cause)`,
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseOptions(args, {
      ...TARGET_OPTIONS,
      reason: { type: 'string' },
      json: { type: 'boolean', default: false },
    });
    const reference = executionReference(positionals, 'stop');
    const target = executionTarget(values, reference);
    const cause = values.reason ?? `stopped by ${byOption(undefined)}`;

    const stopped = await withStepFunctions(target, async ({ port, naming }) => {
      const execution = await describedExecution(port, naming, reference);
      const { executionArn } = execution;
      if (execution.status !== 'RUNNING') {
        throw new ExecutionEndedError(
          `${executionArn} has already ended: ${execution.status ?? 'not running'} at ${instant(execution.stopDate)}; there is nothing to stop`,
        );
      }
      const { stopDate } = await port.stopExecution({ executionArn, error: STOP_ERROR, cause });
      return {
        executionArn,
        status: 'ABORTED',
        stopDate: stopDate?.toISOString() ?? null,
        error: STOP_ERROR,
        cause,
      };
    });
    if (values.json) console.log(JSON.stringify(stopped, null, 2));
    else console.log(`stopped ${stopped.executionArn}: ${cause}`);
    return EXIT.ok;
  },
};
