/**
 * `selfheal start <runbook> --target RESOURCE`: an operator starts a runbook through dispatch (the
 * operator-request event), so the guardrails apply as to any alarm: kill switches, dry-run until
 * live, cooldown, rate limits, the resource's lock. It follows the run, state by state on stderr,
 * and prints how it ended.
 */
import { randomUUID } from 'node:crypto';
import { EXIT, UsageError } from '../exit-codes.ts';
import { byOption, parseOptions, seedOption } from '../options.ts';
import { COMMON_USAGE } from '../usage.ts';
import type { Command } from '../command.ts';
import { WORLDS, worldOption } from '../local-deployment.ts';
import { TARGET_OPTIONS, TARGET_USAGE, targetFrom } from '../target.ts';
import { withLiveStepFunctions } from '../step-functions.ts';
import { renderRunResult, runResultJson } from '../render/run-result.ts';
import { routingFromEnvironment, type Routing } from '../../detectors/routing/routes.ts';
import {
  InvalidOperatorRequestError,
  kindForRunbook,
  operatorRequestDetail,
  operatorRequestEvent,
  parseResourceRef,
  RESOURCE_REF_FORMAT,
  resourceTypeFor,
  routedRunbooks,
  type OperatorRequestDetail,
} from '../../detectors/signals/operator-request.ts';
import { arnParts, runbookMachine } from '../../domain/operator/executions.ts';
import { operatorExecutionName } from '../../domain/operator/execution-name.ts';
import { runResult } from '../../domain/operator/run-result.ts';
import { OperatorError } from '../../domain/operator/errors.ts';

const USAGE = `Usage: selfheal start <runbook> --target RESOURCE [--reason R] [--by NAME] [--dry-run] [--no-wait] [--json]
                      [--local [--scenario WORLD] [--seed N] [--state FILE] | --deployment NAME --region R]

Asks dispatch to run a runbook on a resource, as an operator request: the guardrails apply as to
any alarm (kill switches, dry-run until the runbook is live, cooldown, rate limits, one run per
resource). Shows each state dispatch enters as it goes (on stderr), then how it ended: its status,
the runbook it started, the error and cause; or, when a guardrail held, that nothing started and why.

Options:
  --target RESOURCE  the resource, ${RESOURCE_REF_FORMAT}
  --reason R         why (kept in the incident and the ledger; default "requested with selfheal start")
  --by NAME          who asks (default: $USER, or "operator")
  --dry-run          run it as a dry run even if the runbook is live (a request never makes a run live)
  --no-wait          print the execution's ARN and return (a local run still ends with the command)
  --scenario WORLD   with --local, the simulated world: ${WORLDS.join(', ')} (default hot-shard)
  --seed N           with --local, the seed of the world's noise, 0 to 4294967295 (default 1)
  --json             print only the result, as JSON (no progress lines)
${COMMON_USAGE}

${TARGET_USAGE}

The runbook is one the routing sends an incident kind to ($SELFHEAL_ROUTING, or the defaults).
Exit codes: 0 the runbook ran and succeeded (or dispatch started, with --no-wait); 1 it failed, or
nothing started (a guardrail held: a kill switch, a cooldown, a rate limit, another run's lock), or no such
deployment (or AWS refused the caller); 2 usage error.`;

const DEFAULT_REASON = 'requested with selfheal start';

export const startCommand: Command = {
  name: 'start',
  summary: 'start a runbook on a resource through dispatch (guardrails apply) and follow it',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseOptions(args, {
      ...TARGET_OPTIONS,
      target: { type: 'string' },
      reason: { type: 'string' },
      by: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      'no-wait': { type: 'boolean', default: false },
      scenario: { type: 'string' },
      seed: { type: 'string' },
      json: { type: 'boolean', default: false },
    });
    const [runbook, extra] = positionals;
    if (runbook === undefined)
      throw new UsageError('name the runbook: selfheal start <runbook> --target RESOURCE');
    if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
    if (!values.local && (values.scenario !== undefined || values.seed !== undefined)) {
      throw new UsageError('--scenario and --seed are for the local deployment: add --local');
    }
    const detail = requestFrom(runbook, values, routing());
    const local = { world: worldOption(values.scenario), seed: seedOption(values.seed) };
    const target = targetFrom(values);
    const json = values.json;
    const progress = (line: string): void => {
      if (!json) console.error(line);
    };

    const outcome = await withLiveStepFunctions(target, local, async ({ port, naming, follow, now }) => {
      const dispatch = await runbookMachine(port, naming, 'dispatch');
      const at = new Date(now());
      // The event comes from where dispatch runs, as EventBridge would deliver it there.
      const where = arnParts(dispatch.arn);
      if (!where) throw new OperatorError(`${dispatch.arn} is not a state machine ARN`);
      const { account, region } = where;
      const event = operatorRequestEvent(detail, { id: randomUUID(), time: at, account, region });
      const { executionArn } = await port.startExecution({
        stateMachineArn: dispatch.arn,
        name: operatorExecutionName(runbook, at),
        input: JSON.stringify(event),
      });
      if (!executionArn) throw new OperatorError(`${naming.where} returned no execution ARN`);
      if (values['no-wait']) return { executionArn };
      progress(`started ${executionArn}`);
      await follow(executionArn, (e) => {
        if (e.stateEnteredEventDetails?.name) progress(`  > ${e.stateEnteredEventDetails.name}`);
      });
      return { executionArn, result: await runResult(port, naming, executionArn) };
    });
    if (!outcome.result) {
      console.log(
        json ? JSON.stringify({ executionArn: outcome.executionArn }, null, 2) : outcome.executionArn,
      );
      return EXIT.ok;
    }
    console.log(
      json ? JSON.stringify(runResultJson(outcome.result), null, 2) : renderRunResult(outcome.result),
    );
    // Dispatch succeeds when it suppresses a request (a switch off, a cooldown, no route): for
    // the operator who asked for a run, no run is a failure.
    const ran = outcome.result.runbooks.length > 0;
    return outcome.result.status === 'SUCCEEDED' && ran ? EXIT.ok : EXIT.failed;
  },
};

function routing(): Routing {
  try {
    return routingFromEnvironment();
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** The request's detail from the command line; what dispatch would refuse is a usage error here. */
function requestFrom(
  runbook: string,
  values: { target?: string; reason?: string; by?: string; 'dry-run'?: boolean },
  routing: Routing,
): OperatorRequestDetail {
  const kind = kindForRunbook(routing, runbook);
  if (!kind) {
    throw new UsageError(
      `dispatch starts no runbook "${runbook}"; it starts: ${routedRunbooks(routing).join(', ')}`,
    );
  }
  if (values.target === undefined)
    throw new UsageError(`start needs --target RESOURCE (${RESOURCE_REF_FORMAT})`);
  const resource = parseResourceRef(values.target);
  if (!resource) throw new UsageError(`--target "${values.target}" is not ${RESOURCE_REF_FORMAT}`);
  const type = resourceTypeFor(kind);
  if (resource.type !== type) {
    throw new UsageError(
      `--target ${values.target}: runbook ${runbook} acts on a ${type}, not a ${resource.type}`,
    );
  }
  try {
    return operatorRequestDetail({
      kind,
      resource,
      reason: values.reason ?? DEFAULT_REASON,
      requestedBy: byOption(values.by),
      dryRun: values['dry-run'] === true,
    });
  } catch (error) {
    if (error instanceof InvalidOperatorRequestError)
      throw new UsageError(`the request is invalid: ${error.message}`);
    throw error;
  }
}
