/**
 * `selfheal approve <execution-arn>` and `selfheal reject <execution-arn> --reason R`: an operator's
 * answer to a runbook waiting for approval in AWS (the cell traffic shift asks before it turns a
 * cell's routing control off). The token is found in the execution's history, not pasted; the
 * calls go to the execution's own region with the SDK's default credential chain. With `--local`
 * the answer is looked for in the local deployment's saved runs, which have all ended with the
 * command that ran them: it says so rather than pretend.
 */
import { EXIT, UsageError, type ExitCode } from '../exit-codes.ts';
import { byOption, parseOptions } from '../options.ts';
import type { Command } from '../command.ts';
import { executionTarget, withStepFunctions } from '../step-functions.ts';
import { reportingOperatorErrors } from '../operator-errors.ts';
import {
  answerProblem,
  approve,
  NothingWaitsError,
  reject,
  REJECTION_ERROR,
  type ApprovalDecision,
  type Decision,
} from '../../domain/operator/approval.ts';
import { isExecutionArn } from '../../domain/operator/executions.ts';

const LOCAL_USAGE = `  --local      answer a run of the local deployment (its runs end with their command: none waits)
  --state FILE the local deployment's state (default .selfheal/local-state.json)`;

const APPROVE_USAGE = `Usage: selfheal approve <execution-arn> [--reason R] [--by NAME] [--local [--state FILE]] [--json]

Approves the task an execution waits on (e.g. the cell traffic shift's "Ask an operator to approve
the shift"): its state succeeds with {"approved": true, "by": NAME, "reason": R}. The task token is
read from the execution's history in AWS (default credentials; the execution's region).

Options:
  --reason R   why (kept in the runbook's result)
  --by NAME    who approves (default: $USER, or "operator")
  --json       print {executionArn, decision, by, reason} as JSON
${LOCAL_USAGE}`;

const REJECT_USAGE = `Usage: selfheal reject <execution-arn> --reason R [--by NAME] [--local [--state FILE]] [--json]

Rejects the task an execution waits on: its state fails with ${REJECTION_ERROR}, the reason as the
cause (the cell traffic shift then releases its lock and changes nothing). The task token is read
from the execution's history in AWS (default credentials; the execution's region).

Options:
  --reason R   why (required)
  --by NAME    who rejects (default: $USER, or "operator")
  --json       print {executionArn, decision, by, reason} as JSON
${LOCAL_USAGE}`;

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
        reason: { type: 'string' },
        by: { type: 'string' },
        local: { type: 'boolean', default: false },
        state: { type: 'string' },
        json: { type: 'boolean', default: false },
      });
      const [executionArn, extra] = positionals;
      if (executionArn === undefined)
        throw new UsageError(`name the execution: selfheal ${name} <execution-arn>`);
      if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
      if (!isExecutionArn(executionArn)) {
        throw new UsageError(
          `"${executionArn}" is not an execution ARN (arn:aws:states:<region>:<account>:execution:<machine>:<name>)`,
        );
      }
      const answer = {
        executionArn,
        by: byOption(values.by),
        ...(values.reason !== undefined ? { reason: values.reason } : {}),
      };
      const problem = answerProblem(decision, answer);
      if (problem) throw new UsageError(problem);
      const target = executionTarget({ local: values.local, state: values.state }, executionArn);

      return reportingOperatorErrors(async () => {
        const answered: ApprovalDecision = await withStepFunctions(target, async ({ port }) => {
          try {
            return decision === 'approved' ? await approve(port, answer) : await reject(port, answer);
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
            `${decision} ${executionArn} by ${answered.by}${answered.reason ? `: ${answered.reason}` : ''}`,
          );
        return EXIT.ok;
      });
    },
  };
}

export const approveCommand = answerCommand('approved');
export const rejectCommand = answerCommand('rejected');
