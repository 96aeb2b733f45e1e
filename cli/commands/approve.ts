/**
 * `selfheal approve <execution>` and `selfheal reject <execution> --reason R`: an operator's answer
 * to a runbook waiting for approval in AWS (the cell traffic shift asks before it turns a cell's
 * routing control off). The execution is named like every other (its name or its ARN); the token
 * is found in its history, not pasted. With `--local` the answer is looked for in the local
 * deployment's saved runs, which have all ended with the command that ran them: it says so rather
 * than pretend.
 */
import { EXIT, UsageError, type ExitCode } from '../exit-codes.ts';
import { byOption, parseOptions } from '../options.ts';
import type { Command } from '../command.ts';
import { TARGET_OPTIONS, TARGET_USAGE } from '../target.ts';
import { COMMON_USAGE } from '../usage.ts';
import { executionTarget, withStepFunctions } from '../step-functions.ts';
import { EXECUTION_USAGE, executionArnOf, executionReference } from '../execution-reference.ts';
import {
  answerProblem,
  approve,
  NothingWaitsError,
  reject,
  REJECTION_ERROR,
  type ApprovalDecision,
  type Decision,
} from '../../domain/operator/approval.ts';

const APPROVE_USAGE = `Usage: selfheal approve <execution> [--reason R] [--by NAME] [--json]
                       [--local [--state FILE] | --deployment NAME --region R]

Approves the task an execution waits on (e.g. the cell traffic shift's "Ask an operator to approve
the shift"): its state succeeds with {"approved": true, "by": NAME, "reason": R}. The task token is
read from the execution's history. Local runs end with the command that started them, so none is
left waiting: with --local it says so (exit 1).

${EXECUTION_USAGE}

Options:
  --reason R         why (kept in the runbook's result)
  --by NAME          who approves (default: $USER, or "operator")
  --json             print {executionArn, decision, by, reason} as JSON
${COMMON_USAGE}

${TARGET_USAGE}

Exit codes: 0 approved, 1 no such execution or nothing waits (or AWS refused the caller), 2 usage error.`;

const REJECT_USAGE = `Usage: selfheal reject <execution> --reason R [--by NAME] [--json]
                      [--local [--state FILE] | --deployment NAME --region R]

Rejects the task an execution waits on: its state fails with ${REJECTION_ERROR}, the reason as the
cause (the cell traffic shift then releases its lock and changes nothing). The task token is read
from the execution's history. With --local, nothing waits (local runs end with their command).

${EXECUTION_USAGE}

Options:
  --reason R         why (required)
  --by NAME          who rejects (default: $USER, or "operator")
  --json             print {executionArn, decision, by, reason} as JSON
${COMMON_USAGE}

${TARGET_USAGE}

Exit codes: 0 rejected, 1 no such execution or nothing waits (or AWS refused the caller), 2 usage error.`;

const LOCAL_RUNS_END = 'local runs end with the command that started them, so none is left waiting';

function answerCommand(decision: Decision): Command {
  const name = decision === 'approved' ? 'approve' : 'reject';
  return {
    name,
    summary:
      decision === 'approved'
        ? 'approve a runbook waiting for an operator, e.g. a cell traffic shift'
        : `reject a runbook waiting for an operator: its state fails with ${REJECTION_ERROR}`,
    usage: decision === 'approved' ? APPROVE_USAGE : REJECT_USAGE,
    async run(args): Promise<ExitCode> {
      const { values, positionals } = parseOptions(args, {
        ...TARGET_OPTIONS,
        reason: { type: 'string' },
        by: { type: 'string' },
        json: { type: 'boolean', default: false },
      });
      const reference = executionReference(positionals, name);
      const answer = {
        by: byOption(values.by),
        ...(values.reason !== undefined ? { reason: values.reason } : {}),
      };
      const problem = answerProblem(decision, answer);
      if (problem) throw new UsageError(problem);
      const target = executionTarget(values, reference);

      const answered: ApprovalDecision = await withStepFunctions(target, async ({ port, naming }) => {
        const executionArn = await executionArnOf(port, naming, reference);
        try {
          const sent = { ...answer, executionArn };
          return decision === 'approved' ? await approve(port, sent) : await reject(port, sent);
        } catch (error) {
          if (target.kind === 'local' && error instanceof NothingWaitsError) {
            throw new NothingWaitsError(error.executionArn, `${error.why}: ${LOCAL_RUNS_END}`);
          }
          throw error;
        }
      });
      if (values.json) console.log(JSON.stringify(answered, null, 2));
      else
        console.log(
          `${decision} ${answered.executionArn} by ${answered.by}${answered.reason ? `: ${answered.reason}` : ''}`,
        );
      return EXIT.ok;
    },
  };
}

export const approveCommand = answerCommand('approved');
export const rejectCommand = answerCommand('rejected');
