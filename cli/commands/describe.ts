/**
 * `selfheal describe <execution>`: one execution as a timeline read from its whole history: each
 * state with its start offset and duration, the task's resource, what it produced, its retries,
 * errors and causes, and how the execution ended.
 */
import { EXIT } from '../exit-codes.ts';
import { parseOptions } from '../options.ts';
import type { Command } from '../command.ts';
import { TARGET_OPTIONS, TARGET_USAGE } from '../target.ts';
import { executionTarget, withStepFunctions } from '../step-functions.ts';
import { COMMON_USAGE } from '../usage.ts';
import { renderTimeline } from '../render/timeline.ts';
import { wholeHistory } from '../../domain/operator/executions.ts';
import { describedExecution, EXECUTION_USAGE, executionReference } from '../execution-reference.ts';
import { buildTimeline } from '../../domain/operator/timeline.ts';

const USAGE = `Usage: selfheal describe <execution> [--json] [--local [--state FILE] | --deployment NAME --region R]

Shows an execution as a timeline: each state entered, when (from the execution's start) and for
how long, the task's resource, what it produced (in one line), retries, errors and causes, and the
execution's status, input, output and error.

${EXECUTION_USAGE}

Options:
  --json             print {execution, timeline} as JSON
${COMMON_USAGE}

${TARGET_USAGE}

Exit codes: 0 described, 1 no such execution (or AWS refused the caller), 2 usage error.`;

export const describeCommand: Command = {
  name: 'describe',
  summary: 'show an execution as a timeline: states, durations, resources, retries, errors',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseOptions(args, {
      ...TARGET_OPTIONS,
      json: { type: 'boolean', default: false },
    });
    const reference = executionReference(positionals, 'describe');
    const target = executionTarget(values, reference);

    const { execution, history } = await withStepFunctions(target, async ({ port, naming }) => {
      const found = await describedExecution(port, naming, reference);
      return { execution: found, history: await wholeHistory(port, found.executionArn) };
    });
    const timeline = buildTimeline(history);
    if (values.json) console.log(JSON.stringify({ execution, timeline }, null, 2));
    else console.log(renderTimeline(execution, timeline));
    return EXIT.ok;
  },
};
