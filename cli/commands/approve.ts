/**
 * `selfheal approve <execution-arn>` and `selfheal reject <execution-arn> --reason R`: an operator's
 * answer to a runbook waiting for approval in AWS (the cell traffic shift asks before it turns a
 * cell's routing control off). The token is found in the execution's history, not pasted; the
 * calls go to the execution's own region with the SDK's default credential chain.
 */
import { EXIT, UsageError, type ExitCode } from '../exit-codes.ts';
import { parseOptions } from '../options.ts';
import type { Command } from '../main.ts';
import { createSfnClient } from '../../adapters/aws-clients.ts';
import { sfnAdapter } from '../../adapters/sfn.ts';
import {
  answerProblem,
  approve,
  OperatorError,
  reject,
  REJECTION_ERROR,
  type ApprovalDecision,
  type Decision,
} from '../../domain/operator/approval.ts';
import type { StepFunctionsPort } from '../../domain/operator/ports.ts';

const APPROVE_USAGE = `Usage: selfheal approve <execution-arn> [--reason R] [--by NAME] [--json]

Approves the task an execution waits on (e.g. the cell traffic shift's "Ask an operator to approve
the shift"): its state succeeds with {"approved": true, "by": NAME, "reason": R}. The task token is
read from the execution's history in AWS (default credentials; the execution's region).

Options:
  --reason R   why (kept in the runbook's result)
  --by NAME    who approves (default: $USER, or "operator")
  --json       print {executionArn, decision, by, reason} as JSON`;

const REJECT_USAGE = `Usage: selfheal reject <execution-arn> --reason R [--by NAME] [--json]

Rejects the task an execution waits on: its state fails with ${REJECTION_ERROR}, the reason as the
cause (the cell traffic shift then releases its lock and changes nothing). The task token is read
from the execution's history in AWS (default credentials; the execution's region).

Options:
  --reason R   why (required)
  --by NAME    who rejects (default: $USER, or "operator")
  --json       print {executionArn, decision, by, reason} as JSON`;

/** `arn:<partition>:states:<region>:<account>:execution:<state machine>:<name>`. */
const EXECUTION_ARN = /^arn:aws[a-z-]*:states:([a-z0-9-]+):\d{12}:execution:[^:\s]+:[^:\s]+$/;

/** One SFN client per region per process. */
const clients = new Map<string, StepFunctionsPort>();

function stepFunctionsIn(region: string): StepFunctionsPort {
  let port = clients.get(region);
  if (!port) {
    port = sfnAdapter(createSfnClient({ region }));
    clients.set(region, port);
  }
  return port;
}

function answerCommand(decision: Decision): Command {
  const name = decision === 'approved' ? 'approve' : 'reject';
  return {
    name,
    summary:
      decision === 'approved'
        ? 'approve a runbook waiting for an operator (in AWS), e.g. a cell traffic shift'
        : `reject a runbook waiting for an operator (in AWS): its state fails with ${REJECTION_ERROR}`,
    usage: decision === 'approved' ? APPROVE_USAGE : REJECT_USAGE,
    async run(args): Promise<ExitCode> {
      const { values, positionals } = parseOptions(args, {
        reason: { type: 'string' },
        by: { type: 'string' },
        json: { type: 'boolean', default: false },
      });
      const [executionArn, extra] = positionals;
      if (executionArn === undefined)
        throw new UsageError(`name the execution: selfheal ${name} <execution-arn>`);
      if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
      const region = EXECUTION_ARN.exec(executionArn)?.[1];
      if (!region) {
        throw new UsageError(
          `"${executionArn}" is not an execution ARN (arn:aws:states:<region>:<account>:execution:<machine>:<name>)`,
        );
      }
      const answer = {
        executionArn,
        by: values.by ?? (process.env.USER || 'operator'),
        ...(values.reason !== undefined ? { reason: values.reason } : {}),
      };
      const problem = answerProblem(decision, answer);
      if (problem) throw new UsageError(problem);

      const port = stepFunctionsIn(region);
      let answered: ApprovalDecision;
      try {
        answered = decision === 'approved' ? await approve(port, answer) : await reject(port, answer);
      } catch (error) {
        if (!(error instanceof OperatorError)) throw error;
        console.error(`selfheal: ${error.message}`);
        return EXIT.failed;
      }
      if (values.json) console.log(JSON.stringify(answered, null, 2));
      else
        console.log(
          `${decision} ${executionArn} by ${answered.by}${answered.reason ? `: ${answered.reason}` : ''}`,
        );
      return EXIT.ok;
    },
  };
}

export const approveCommand = answerCommand('approved');
export const rejectCommand = answerCommand('rejected');
