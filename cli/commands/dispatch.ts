/**
 * `selfheal dispatch --event FILE`: feeds a raw EventBridge event to the dispatch state machine on
 * the local engine, in a simulated world, and prints the decision, the runbook's outcome, the
 * notification and the ledger records it added. Exit 0 when dispatch succeeded (including a
 * signal it ignored or suppressed), 1 when it failed (a rejected event, a failed runbook).
 */
import { eventBridgeRefusal } from '../../contracts/eventbridge-entry.ts';
import { readFile } from 'node:fs/promises';
import { EXIT, UsageError } from '../exit-codes.ts';
import { parseOptions, seedOption } from '../options.ts';
import type { Command } from '../command.ts';
import { withLocalDeployment, worldOption, WORLDS } from '../local-deployment.ts';
import { scanAll } from '../../local/state-file.ts';
import { COMMON_USAGE } from '../usage.ts';
import { localOnlyTarget, localOnlyUsage, TARGET_OPTIONS } from '../target.ts';
import { statesEntered } from '../../engine/history.ts';
import type { ExecutionRecord } from '../../engine/local-engine.ts';
import type { JsonValue } from '../../core/json.ts';
import { DEFAULT_DISPATCH_TABLES } from '../../domain/dispatch/tables.ts';
import { byLedgerOrder, recordOf, type LedgerRecord } from '../../domain/dispatch/ledger.ts';
import { renderLedger } from '../render/ledger-table.ts';
import { executionOutcome, type ExecutionOutcome } from '../../domain/operator/execution-outcome.ts';

/** What to use instead, for an operator who meant a deployment in AWS. */
const IN_AWS =
  'in AWS, EventBridge starts dispatch (selfheal start <runbook> --target RESOURCE asks it for a run)';

const USAGE = `Usage: selfheal dispatch --event FILE [--scenario WORLD] [--seed N] [--json] [--local] [--state FILE]

Feeds an EventBridge event (JSON file: a CloudWatch alarm state change, an X-Ray insight, a
grey-failure incident, an operator request) to the dispatch state machine on the local engine, and
prints the decision, the runbook's outcome and the ledger records.

Options:
  --event FILE      the raw event, as EventBridge delivers it
  --scenario WORLD  the simulated world the runbook acts on: ${WORLDS.join(', ')} (default hot-shard:
                    table orders mid-surge, when its throttling alarm fires)
  --seed N          seed of the world's noise, 0 to 4294967295 (default 1)
  --json            print the result as JSON
${COMMON_USAGE}

${localOnlyUsage('dispatch', 'it feeds the event to the local engine', true)}

Runbooks run as dry runs until turned live (selfheal switch --runbook NAME --live).
Exit codes: 0 dispatch succeeded (started, ignored or suppressed), 1 it failed, 2 usage error.`;

export const dispatchCommand: Command = {
  name: 'dispatch',
  summary: 'feed an EventBridge event to dispatch on the local engine and show what it decided',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseOptions(args, {
      ...TARGET_OPTIONS,
      event: { type: 'string' },
      scenario: { type: 'string' },
      seed: { type: 'string' },
      json: { type: 'boolean', default: false },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const target = localOnlyTarget(values, 'dispatch', IN_AWS);
    if (!values.event) throw new UsageError('dispatch needs --event FILE');
    const world = worldOption(values.scenario);
    const seed = seedOption(values.seed);
    const event = await readEvent(values.event);

    const options = { world, seed, stateFile: target.stateFile };
    const result = await withLocalDeployment(options, async ({ engine, dynamodb, worldSummary }) => {
      const before = new Set((await ledgerRecords(dynamodb)).map(key));
      const run = await engine.run('dispatch', event);
      const added = (await ledgerRecords(dynamodb)).filter((r) => !before.has(key(r)));
      const runbooks = engine.executions().filter((e) => e.parentExecutionArn === run.executionArn);
      return { worldSummary, run, runbooks, added, notifications: engine.notifications.messages };
    });
    const { worldSummary, run, runbooks, added, notifications } = result;
    if (values.json) {
      const report = {
        world: worldSummary,
        dispatch: { ...summary(run), ...outcomeOf(run, 'dispatch') },
        runbooks: runbooks.map(summary),
        ledger: added,
        notifications,
      };
      console.log(JSON.stringify(report, null, 2));
    } else {
      console.log(`World: ${worldSummary}\n`);
      console.log(describe('Dispatch', run, outcomeOf(run, 'dispatch')));
      for (const runbook of runbooks) {
        console.log(`\n${describe(`Runbook ${runbook.stateMachineArn.split(':').at(-1)}`, runbook)}`);
      }
      for (const message of notifications) {
        console.log(`\nNotification: ${message.Subject ?? ''}\n${indent(message.Message)}`);
      }
      console.log(`\nLedger records added:\n${added.length > 0 ? renderLedger(added) : '  (none)'}`);
    }
    return run.status === 'SUCCEEDED' ? EXIT.ok : EXIT.failed;
  },
};

async function readEvent(path: string): Promise<JsonValue> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read --event ${path}: ${(error as Error).message}`);
  }
  let event: JsonValue;
  try {
    event = JSON.parse(text) as JsonValue;
  } catch (error) {
    throw new UsageError(`--event ${path} is not JSON: ${(error as Error).message}`);
  }
  const refusal = eventBridgeRefusal(event);
  if (refusal) throw new UsageError(`--event ${path} cannot be an EventBridge event: ${refusal}`);
  return event;
}

async function ledgerRecords(dynamodb: Parameters<typeof scanAll>[0]): Promise<LedgerRecord[]> {
  return (await scanAll(dynamodb, DEFAULT_DISPATCH_TABLES.ledger)).sort(byLedgerOrder).map(recordOf);
}

const key = (r: LedgerRecord): string => `${r.resource}|${r.at}|${r.incidentId}|${r.decision}`;

function summary(run: ExecutionRecord) {
  return {
    executionArn: run.executionArn,
    status: run.status,
    ...(run.error ? { error: run.error, cause: run.cause } : {}),
    states: statesEntered(run.history),
    output: run.output ?? null,
  };
}

/** What the run came to, as `selfheal list` says it: a suppressed dispatch is not a bare SUCCEEDED. */
function outcomeOf(run: ExecutionRecord, runbook: string): ExecutionOutcome {
  return executionOutcome(
    {
      status: run.status,
      ...(run.error ? { error: run.error } : {}),
      input: JSON.stringify(run.input),
      ...(run.output === undefined ? {} : { output: JSON.stringify(run.output) }),
    },
    runbook,
  );
}

function describe(title: string, run: ExecutionRecord, outcome?: ExecutionOutcome): string {
  const status = run.error ? `${run.status} (${run.error})` : run.status;
  return [
    outcome ? `${title}: ${outcome.outcome} (${status})` : `${title}: ${status}`,
    ...(outcome?.why ? [`  ${outcome.why}`] : []),
    `  ${run.executionArn}`,
    ...statesEntered(run.history).map((s) => `  > ${s}`),
  ].join('\n');
}

const indent = (text: string): string =>
  text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
