/**
 * `selfheal list`: the deployment's executions, newest first (one runbook's, or every state
 * machine's), with their status, what each came to and its resource, start and duration. What a run
 * came to is in its input and output, which ListExecutions does not return: each listed run is
 * described (DescribeExecution), a few at a time.
 */
import * as z from 'zod';
import { EXIT, UsageError } from '../exit-codes.ts';
import { integerOption, parseOptions } from '../options.ts';
import { COMMON_USAGE } from '../usage.ts';
import type { Command } from '../command.ts';
import { TARGET_OPTIONS, TARGET_USAGE, targetFrom } from '../target.ts';
import { withStepFunctions } from '../step-functions.ts';
import { executionsJson, renderExecutions, type ListedExecution } from '../render/executions.ts';
import {
  deploymentMachines,
  describeExisting,
  recentExecutions,
  runbookMachine,
  type ExecutionSummary,
} from '../../domain/operator/executions.ts';
import { executionOutcome } from '../../domain/operator/execution-outcome.ts';
import type { StepFunctionsPort } from '../../domain/operator/ports.ts';

const STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'] as const;
const statusSchema = z.enum(STATUSES);
const DEFAULT_MAX = 20;
const MAX = 1000;

/** DescribeExecution calls at once: quick, and well inside Step Functions' request rate. */
const DESCRIBE_AT_ONCE = 5;

const USAGE = `Usage: selfheal list [--runbook R] [--status S] [--max N] [--json]
                    [--local [--state FILE] | --deployment NAME --region R]

Lists executions, newest first: name, runbook, status, outcome, resource, start and duration. The
outcome is what the run came to: for dispatch, suppressed (a guardrail held), ignored, already
decided, rejected (an event it could not read), failed, or the runbook's own word (healed,
dry-run, ...). With --local, the runs the local deployment saved (selfheal start --local, selfheal
dispatch).

Options:
  --runbook R        one runbook's executions (e.g. dispatch, hot-shard); default: every state machine's
  --status S         only those in status S: ${STATUSES.join(', ')}
  --max N            at most N executions, 1 to ${MAX} (default ${DEFAULT_MAX})
  --json             print them as JSON
${COMMON_USAGE}

${TARGET_USAGE}

Exit codes: 0 listed (even none), 1 no such runbook in the deployment (or AWS refused the caller),
2 usage error.`;

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
    const max = integerOption('max', values.max, DEFAULT_MAX, { min: 1, max: MAX });
    const target = targetFrom(values);

    const executions = await withStepFunctions(target, async ({ port, naming }) => {
      const machines =
        values.runbook === undefined
          ? await deploymentMachines(port, naming)
          : [await runbookMachine(port, naming, values.runbook)];
      const recent = await recentExecutions(port, machines, {
        max,
        ...(status?.data ? { statusFilter: status.data } : {}),
      });
      return withOutcomes(port, recent);
    });
    console.log(
      values.json ? JSON.stringify(executionsJson(executions), null, 2) : renderExecutions(executions),
    );
    return EXIT.ok;
  },
};

async function withOutcomes(
  port: StepFunctionsPort,
  executions: readonly ExecutionSummary[],
): Promise<ListedExecution[]> {
  const listed: ListedExecution[] = [];
  for (let i = 0; i < executions.length; i += DESCRIBE_AT_ONCE) {
    const batch = executions.slice(i, i + DESCRIBE_AT_ONCE);
    const described = await Promise.all(
      batch.map(async (e) => {
        const described = await describeExisting(port, e.executionArn);
        // The description is newer than the listing; the listing's status if it has none.
        return {
          ...e,
          ...executionOutcome({ ...described, status: described.status ?? e.status }, e.runbook),
        };
      }),
    );
    listed.push(...described);
  }
  return listed;
}
