import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { recordOf } from '../../../domain/dispatch/ledger.ts';
import {
  outcomeInputSchema,
  summariseOutcome,
  type DispatchOutcome,
  type OutcomeInput,
} from '../../../domain/dispatch/outcome.ts';
import { incidentOn } from '../../support/dispatch-control.ts';

/**
 * What a dispatched run came to, in the one ledger record and the one notification dispatch writes
 * after it: a plain summary an operator reads in email, chat or a pager. The runs are shaped as the
 * state machine passes them: a `.sync:2` task's ResultSelector, a detached start, or a Catch's error.
 */
const NOW = Date.UTC(2026, 0, 1, 12, 9, 30);
const ARN = 'arn:aws:states:us-east-1:000000000000:execution:hot-shard:cloudwatch-alarm-0001';

const summarise = (run: OutcomeInput['run'], dryRun = false): DispatchOutcome =>
  summariseOutcome(
    outcomeInputSchema.parse({ incident: incidentOn(), runbook: 'hot-shard', dryRun, run }),
    NOW,
  );

/** What the `.sync:2` task reports when the child execution fails: the child's own Error and Cause. */
const childFailed = (error: string, cause: string) => ({
  Error: 'States.TaskFailed',
  Cause: JSON.stringify({ ExecutionArn: ARN, Status: 'FAILED', Error: error, Cause: cause }),
});

describe('summariseOutcome: a run that ended', () => {
  it.each([
    {
      run: { status: 'SUCCEEDED', executionArn: ARN, outcome: 'healed' },
      dryRun: false,
      summary: 'hot-shard on dynamodb-table/orders: healed',
      decision: 'succeeded',
    },
    // A runbook that reports no outcome is summarised by its status.
    {
      run: { status: 'SUCCEEDED', executionArn: ARN },
      dryRun: false,
      summary: 'hot-shard on dynamodb-table/orders: succeeded',
      decision: 'succeeded',
    },
    // A dry run says what it would have done.
    {
      run: {
        status: 'SUCCEEDED',
        executionArn: ARN,
        outcome: 'dry-run',
        plan: { kind: 'raise-capacity', changes: [{ dimension: 'write', from: 101, to: 987 }] },
      },
      dryRun: true,
      summary:
        'Dry run of hot-shard on dynamodb-table/orders: dry-run (plan: raise-capacity, write 101 -> 987)',
      decision: 'succeeded',
    },
    // A live run did it: its actions say what, not a plan.
    {
      run: { status: 'SUCCEEDED', executionArn: ARN, outcome: 'healed', plan: { kind: 'raise-capacity' } },
      dryRun: false,
      summary: 'hot-shard on dynamodb-table/orders: healed',
      decision: 'succeeded',
    },
    {
      run: { status: 'SUCCEEDED', executionArn: ARN, outcome: 'dry-run', plan: null },
      dryRun: true,
      summary: 'Dry run of hot-shard on dynamodb-table/orders: dry-run',
      decision: 'succeeded',
    },
    // cell-traffic-shift is started and left running: dispatch hands it over.
    {
      run: { status: 'RUNNING', executionArn: ARN, outcome: 'started: the runbook holds the fleet’s lock' },
      dryRun: false,
      summary: 'hot-shard on dynamodb-table/orders: started: the runbook holds the fleet’s lock',
      decision: 'handed-over',
    },
  ])('$decision: “$summary”', ({ run, dryRun, summary, decision }) => {
    const outcome = summarise(run, dryRun);

    expect(outcome).toMatchObject({ succeeded: true, summary });
    expect(recordOf(outcome.ledgerItem)).toEqual({
      resource: 'dynamodb-table/orders',
      at: '2026-01-01T12:09:30.000Z',
      incidentId: 'cloudwatch-alarm-0001',
      decision,
      reason: summary,
      kind: 'table-capacity',
      runbook: 'hot-shard',
      source: 'cloudwatch-alarm',
      executionArn: ARN,
    });
  });

  it('keeps the runbook’s before and after values in the record and the message, as JSON', () => {
    const actions = [{ changes: [{ dimension: 'write', before: 100, after: 650 }] }];

    const outcome = summarise({ status: 'SUCCEEDED', executionArn: ARN, outcome: 'healed', actions });

    expect(JSON.parse(recordOf(outcome.ledgerItem).actions ?? 'null')).toEqual(actions);
    expect(outcome.notification.message).toContain(`\n\nActions: ${JSON.stringify(actions)}`);
  });

  it('records no actions when the runbook took none', () => {
    const outcome = summarise({ status: 'SUCCEEDED', executionArn: ARN, outcome: 'healthy', actions: [] });

    expect(recordOf(outcome.ledgerItem)).not.toHaveProperty('actions');
    expect(outcome.notification.message).not.toContain('Actions:');
  });
});

describe('summariseOutcome: a run that failed', () => {
  it.each([
    // The child's own error, not the States.TaskFailed wrapping it, and the first line of its cause.
    {
      situation: 'the runbook failed',
      run: childFailed('ResourceNotFoundError', 'Table carts not found\nsecond line'),
      summary:
        'hot-shard on dynamodb-table/orders: failed with ResourceNotFoundError (Table carts not found)',
    },
    {
      situation: 'a task failure that is no child execution',
      run: { Error: 'States.TaskFailed', Cause: 'not JSON' },
      summary: 'hot-shard on dynamodb-table/orders: failed with States.TaskFailed (not JSON)',
    },
    {
      situation: 'a child description with no error',
      run: { Error: 'States.TaskFailed', Cause: JSON.stringify({ Status: 'ABORTED' }) },
      summary: 'hot-shard on dynamodb-table/orders: failed with States.TaskFailed ({"Status":"ABORTED"})',
    },
    {
      situation: 'dispatch stopped waiting',
      run: { Error: 'States.Timeout' },
      summary: 'hot-shard on dynamodb-table/orders: failed with States.Timeout',
    },
  ])('$situation: “$summary”', ({ run, summary }) => {
    const outcome = summarise(run);

    expect(outcome).toMatchObject({ succeeded: false, summary });
    expect(recordOf(outcome.ledgerItem)).toMatchObject({ decision: 'failed', reason: summary });
    expect(recordOf(outcome.ledgerItem)).not.toHaveProperty('executionArn');
  });

  it('keeps at most 300 characters of a cause', () => {
    const outcome = summarise(childFailed('Boom', 'x'.repeat(1000)));

    expect(outcome.summary).toBe(`hot-shard on dynamodb-table/orders: failed with Boom (${'x'.repeat(300)})`);
  });
});

/** A stack frame, as V8 writes them: `    at fn (file:line:column)`. */
const STACK_FRAME = /\bat \S+ \(?\S+:\d+:\d+\)?/;
const everythingWritten = (outcome: DispatchOutcome) =>
  [
    outcome.summary,
    JSON.stringify(outcome.ledgerItem),
    outcome.notification.subject,
    outcome.notification.message,
  ].join('\n');

describe('summariseOutcome: no stack trace reaches the ledger or the notification', () => {
  it('keeps only the message line of a cause that is an error’s stack, for any message and frames', () => {
    const frame = fc
      .tuple(fc.stringMatching(/^[a-zA-Z]{1,12}$/), fc.nat(999), fc.nat(99))
      .map(([fn, line, column]) => `    at ${fn} (file:///var/task/index.mjs:${line}:${column})`);
    const message = fc.stringMatching(/^[ -~]{1,80}$/).filter((m) => !STACK_FRAME.test(m));
    fc.assert(
      fc.property(message, fc.array(frame, { minLength: 1, maxLength: 8 }), (text, frames) => {
        const outcome = summarise(childFailed('Error', [`Error: ${text}`, ...frames].join('\n')));
        expect(everythingWritten(outcome)).not.toMatch(STACK_FRAME);
      }),
    );
  });

  // Lambda reports a function's error as one line of JSON with its stack in `trace`, and the
  // runbooks' Fail states pass it on as their Cause: only its message is kept.
  it('keeps no frame of a Lambda error’s trace, which Lambda sends as one line of JSON', () => {
    const lambdaCause = JSON.stringify({
      errorType: 'ResourceNotFoundError',
      errorMessage: 'Table carts not found',
      trace: [
        'ResourceNotFoundError: Table carts not found',
        '    at describeTable (file:///var/task/index.mjs:10:5)',
      ],
    });

    const outcome = summarise(childFailed('ResourceNotFoundError', lambdaCause));
    expect(everythingWritten(outcome)).not.toMatch(STACK_FRAME);
    expect(everythingWritten(outcome)).toContain('failed with ResourceNotFoundError (Table carts not found)');
  });
});

describe('summariseOutcome: the notification', () => {
  it('says the summary, then the incident and its evidence, in plain lines with no links', () => {
    const { notification } = summarise({ status: 'SUCCEEDED', executionArn: ARN, outcome: 'healed' });

    expect(notification).toEqual({
      subject: 'selfheal: hot-shard on dynamodb-table/orders: healed',
      message: [
        'hot-shard on dynamodb-table/orders: healed',
        '',
        'Incident cloudwatch-alarm-0001: table-capacity on dynamodb-table/orders, observed 2026-01-01T12:04:40.989Z (cloudwatch-alarm).',
        '- alarm: throttling-orders',
        '- writeThrottleEvents: 120',
      ].join('\n'),
    });
  });

  it('gives SNS a subject it takes, for any outcome: at most 100 printable ASCII characters, one line', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300, unit: 'binary' }), (outcome) => {
        const { subject } = summarise({ status: 'SUCCEEDED', executionArn: ARN, outcome }).notification;
        expect(subject.length).toBeLessThanOrEqual(100);
        expect(subject).toMatch(/^selfheal: [\x20-\x7e]*$/);
      }),
    );
  });

  it('cuts a long subject with an ellipsis', () => {
    const { subject } = summarise({
      status: 'SUCCEEDED',
      executionArn: ARN,
      outcome: 'y'.repeat(200),
    }).notification;

    expect(subject).toHaveLength(100);
    expect(subject.endsWith('yyy...')).toBe(true);
  });
});
