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
import { reportingOperatorErrors } from '../operator-errors.ts';
import { renderTimeline } from '../render/timeline.ts';
import { findExecution, wholeHistory } from '../../domain/operator/executions.ts';
import { executionReference } from '../execution-reference.ts';
import { buildTimeline } from '../../domain/operator/timeline.ts';

const USAGE = `Usage: selfheal describe <execution> [--local [--state FILE] | --deployment NAME --region R] [--json]

Shows an execution as a timeline: each state entered, when (from the execution's start) and for
how long, the task's resource, what it produced (in one line), retries, errors and causes, and the
execution's status, input, output and error.

  <execution>   its ARN (in AWS, the ARN's region is used), or its name (looked for in each of the
                deployment's state machines)

Options:
  --json        print {execution, timeline} as JSON
${TARGET_USAGE}

Exit codes: 0 described, 1 no such execution, 2 usage error.`;

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

    return reportingOperatorErrors(async () => {
      const { execution, history } = await withStepFunctions(target, async ({ port, naming }) => {
        const found = await findExecution(port, naming, reference);
        return { execution: found, history: await wholeHistory(port, found.executionArn ?? reference) };
      });
      const timeline = buildTimeline(history);
      if (values.json) console.log(JSON.stringify({ execution, timeline }, null, 2));
      else console.log(renderTimeline(execution, timeline));
      return EXIT.ok;
    });
  },
};
