/**
 * `selfheal list`: the deployment's executions, newest first (one runbook's, or every state
 * machine's), with their status, start and duration.
 */
import { z } from 'zod';
import { EXIT, UsageError } from '../exit-codes.ts';
import { integerOption, parseOptions } from '../options.ts';
import type { Command } from '../command.ts';
import { TARGET_OPTIONS, TARGET_USAGE, targetFrom } from '../target.ts';
import { withStepFunctions } from '../step-functions.ts';
import { reportingOperatorErrors } from '../operator-errors.ts';
import { executionsJson, renderExecutions } from '../render/executions.ts';
import { deploymentMachines, recentExecutions, runbookMachine } from '../../domain/operator/executions.ts';

const STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'] as const;
const statusSchema = z.enum(STATUSES);
const DEFAULT_MAX = 20;
const MAX = 1000;

const USAGE = `Usage: selfheal list [--runbook R] [--status S] [--max N] [--local [--state FILE] | --deployment NAME --region R] [--json]

Lists executions, newest first: name, runbook, status, start and duration. With --local, the runs
the local deployment saved (selfheal start --local, selfheal dispatch).

Options:
  --runbook R   one runbook's executions (e.g. dispatch, hot-shard); default: every state machine's
  --status S    only those in status S: ${STATUSES.join(', ')}
  --max N       at most N executions, 1-${MAX} (default ${DEFAULT_MAX})
  --json        print them as JSON
${TARGET_USAGE}

Exit codes: 0 listed (even none), 1 no such runbook in the deployment, 2 usage error.`;

export const listCommand: Command = {
  name: 'list',
  summary: "list the deployment's executions, newest first",
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseOptions(args, {
      ...TARGET_OPTIONS,
      runbook: { type: 'string' },
      status: { type: 'string' },
      max: { type: 'string' },
      json: { type: 'boolean', default: false },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const status = values.status === undefined ? undefined : statusSchema.safeParse(values.status);
    if (status && !status.success) {
      throw new UsageError(`--status must be one of ${STATUSES.join(', ')}, got "${values.status}"`);
    }
    const max = integerOption('max', values.max, DEFAULT_MAX);
    if (max < 1 || max > MAX) throw new UsageError(`--max must be 1-${MAX}, got ${max}`);
    const target = targetFrom(values);

    return reportingOperatorErrors(async () => {
      const executions = await withStepFunctions(target, async ({ port, naming }) => {
        const machines =
          values.runbook === undefined
            ? await deploymentMachines(port, naming)
            : [await runbookMachine(port, naming, values.runbook)];
        return recentExecutions(port, machines, {
          max,
          ...(status?.data ? { statusFilter: status.data } : {}),
        });
      });
      console.log(
        values.json ? JSON.stringify(executionsJson(executions), null, 2) : renderExecutions(executions),
      );
      return EXIT.ok;
    });
  },
};
