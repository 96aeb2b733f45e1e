/**
 * The CLI speaks one language: every command × (`--help`, `--json`, by name, by ARN, `--local`, a
 * bad flag), each cell with the exit code the README's table gives it, or why it does not apply.
 * Commands run in-process through `main(argv)`; `--local` uses a temporary state file, and the
 * by-name and by-ARN cells of the commands about one execution go to a mocked Step Functions
 * (deployment prod in eu-west-1), so nothing touches the repository or the network.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListStateMachinesCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StopExecutionCommand,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { createDynamoDbClient } from '../../adapters/aws-clients.ts';
import { EXIT, type ExitCode } from '../../cli/exit-codes.ts';
import { runCapturing, useMockedAws, useTempStateFile } from '../support/cli.ts';
import {
  DISPATCH,
  DISPATCH_HISTORY,
  LISTED,
  metadata,
  PROD,
  RUN,
  START_HOT_SHARD,
  STARTED_AT,
} from '../support/operator-cli.ts';

const COMMANDS = [
  'simulate',
  'dispatch',
  'ledger',
  'switch',
  'kill-switch',
  'start',
  'list',
  'describe',
  'stop',
  'approve',
  'reject',
  'runbook',
  'local',
] as const;
type CommandName = (typeof COMMANDS)[number];
const CELLS = ['--help', '--json', 'by name', 'by ARN', '--local', 'a bad flag'] as const;
type Cell = (typeof CELLS)[number];

const { local } = useTempStateFile('selfheal-command-table-', 'all');
const EVENT = 'contracts/examples/cloudwatch-alarm-metric.json';
const RUN_NAME = 'operator-hot-shard-0001';
const SEED_LINE = /^selfheal: --seed must be a whole number from 0 to 4294967295, got "-5"$/;

/** The run `start --local` made before the table: the local cells of describe, stop, approve, reject name it. */
let localRun: { executionArn: string; name: string };
let startedLocally: Awaited<ReturnType<typeof runCapturing>>;

interface Row {
  command: CommandName;
  cell: Cell;
  /** The command line; a function, as the local run's name is known only once it has run. */
  argv?: () => string[];
  code?: ExitCode;
  /** What the one line on stderr (or the output) says, when it matters to the cell. */
  err?: RegExp;
  out?: RegExp;
  /** A cell that does not apply, and why. */
  na?: string;
  /** The cell's outcome was produced by another (one local run serves both). */
  sameAs?: string;
  aws?: boolean;
}

const help = (command: CommandName): Row => ({
  command,
  cell: '--help',
  argv: () => [command, '--help'],
  code: EXIT.ok,
  // Every usage lists the flags main reads itself, besides the command's own.
  out: /--verbose[\s\S]*--help/,
});
const noExecution = (command: CommandName, why: string): Row[] => [
  { command, cell: 'by name', na: why },
  { command, cell: 'by ARN', na: why },
];

const TABLE: Row[] = [
  help('simulate'),
  {
    command: 'simulate',
    cell: '--json',
    argv: () => ['simulate', 'hot-shard', '--json', '--approve', 'auto'],
    code: EXIT.usage,
    // A whole simulation takes ~13 s (test/cli/simulate.test.ts runs it with --json): here --json
    // is shown accepted, as the line is about --approve, not an unknown option.
    err: /^selfheal: --approve does not apply to hot-shard/,
  },
  ...noExecution('simulate', 'simulate takes a scenario, not an execution'),
  {
    command: 'simulate',
    cell: '--local',
    argv: () => ['simulate', 'hot-shard', '--local', '--region', 'eu-west-1'],
    code: EXIT.usage,
    // Always local: --local is accepted, a flag naming AWS is refused in one line.
    err: /^selfheal: simulate runs on this machine only, so --deployment and --region do not apply/,
  },
  {
    command: 'simulate',
    cell: 'a bad flag',
    argv: () => ['simulate', 'hot-shard', '--seed', '-5'],
    code: EXIT.usage,
    err: SEED_LINE,
  },

  help('dispatch'),
  {
    command: 'dispatch',
    cell: '--json',
    argv: () => ['dispatch', '--event', EVENT, '--json', ...local()],
    code: EXIT.ok,
    out: /"outcome": "(dry-run|suppressed|already decided)"/,
  },
  ...noExecution('dispatch', 'dispatch takes an event (--event FILE), not an execution'),
  {
    command: 'dispatch',
    cell: '--local',
    sameAs: 'its --json cell runs with --local --state (dispatch is always local)',
  },
  {
    command: 'dispatch',
    cell: 'a bad flag',
    argv: () => ['dispatch', '--event', EVENT, '--seed', '-5', ...local()],
    code: EXIT.usage,
    err: SEED_LINE,
  },

  help('ledger'),
  {
    command: 'ledger',
    cell: '--json',
    argv: () => ['ledger', '--json', ...local()],
    code: EXIT.ok,
    out: /^\[/,
  },
  ...noExecution('ledger', 'ledger reads records by resource or day'),
  {
    command: 'ledger',
    cell: '--local',
    argv: () => ['ledger', '--resource', 'dynamodb-table/orders', ...local()],
    code: EXIT.ok,
    out: /dynamodb-table\/orders/,
  },
  {
    command: 'ledger',
    cell: 'a bad flag',
    argv: () => ['ledger', '--day', 'yesterday', ...local()],
    code: EXIT.usage,
    err: /^selfheal: --day must be YYYY-MM-DD, got "yesterday"$/,
  },

  help('switch'),
  {
    command: 'switch',
    cell: '--json',
    argv: () => ['switch', '--runbook', 'hot-shard', '--json', ...local()],
    code: EXIT.ok,
    out: /"runbook": "hot-shard"/,
  },
  ...noExecution('switch', 'switch sets a runbook or the global switch'),
  {
    command: 'switch',
    cell: '--local',
    argv: () => ['switch', '--runbook', 'hot-shard', '--cooldown', '900', '--per-hour', '4', ...local()],
    code: EXIT.ok,
    // A sentence, then a table: no raw keys, no JSON.
    out: /^Set runbook hot-shard in the local deployment [\s\S]*\nrunbook hot-shard +on +dry run +900 s +at most 4 an hour +set$/,
  },
  {
    command: 'switch',
    cell: 'a bad flag',
    argv: () => ['switch', '--runbook', 'hot-shard', '--cooldown', '-5', ...local()],
    code: EXIT.usage,
    err: /^selfheal: --cooldown must be a whole number from 0 to 604800, got "-5"$/,
  },

  help('kill-switch'),
  {
    command: 'kill-switch',
    cell: '--json',
    argv: () => ['kill-switch', '--json', ...local()],
    code: EXIT.ok,
    out: /"global"/,
  },
  ...noExecution('kill-switch', 'kill-switch acts on switches'),
  {
    command: 'kill-switch',
    cell: '--local',
    argv: () => ['kill-switch', ...local()],
    code: EXIT.ok,
    out: /^Kill switch off in the local deployment/,
  },
  {
    command: 'kill-switch',
    cell: 'a bad flag',
    argv: () => ['kill-switch', 'maybe', ...local()],
    code: EXIT.usage,
    err: /^selfheal: kill-switch takes on or off, not "maybe"$/,
  },

  help('start'),
  {
    command: 'start',
    cell: '--json',
    sameAs: 'the run made before the table: start hot-shard --target dynamodb-table/orders --json --local',
  },
  ...noExecution('start', 'start makes an execution; it takes a runbook and --target'),
  { command: 'start', cell: '--local', sameAs: 'its --json cell runs with --local' },
  {
    command: 'start',
    cell: 'a bad flag',
    argv: () => [...START_HOT_SHARD, '--seed', '-5', ...local()],
    code: EXIT.usage,
    err: SEED_LINE,
  },

  help('list'),
  {
    command: 'list',
    cell: '--json',
    argv: () => ['list', '--json', ...local()],
    code: EXIT.ok,
    out: /"outcome": "dry-run"[\s\S]*"resource": "dynamodb-table\/orders"/,
  },
  ...noExecution('list', 'list takes filters (--runbook, --status, --max), not an execution'),
  {
    command: 'list',
    cell: '--local',
    argv: () => ['list', '--runbook', 'dispatch', ...local()],
    code: EXIT.ok,
    out: /^NAME +RUNBOOK +STATUS +OUTCOME +RESOURCE +STARTED +DURATION\n/,
  },
  {
    command: 'list',
    cell: 'a bad flag',
    argv: () => ['list', '--max', '0', ...local()],
    code: EXIT.usage,
    err: /^selfheal: --max must be a whole number from 1 to 1000, got "0"$/,
  },

  help('describe'),
  {
    command: 'describe',
    cell: '--json',
    argv: () => ['describe', localRun.name, '--json', ...local()],
    code: EXIT.ok,
    out: /"timeline"/,
  },
  {
    command: 'describe',
    cell: 'by name',
    aws: true,
    argv: () => ['describe', RUN_NAME, ...PROD],
    code: EXIT.ok,
    out: /Read the signal/,
  },
  { command: 'describe', cell: 'by ARN', aws: true, argv: () => ['describe', RUN, ...PROD], code: EXIT.ok },
  {
    command: 'describe',
    cell: '--local',
    argv: () => ['describe', localRun.executionArn, ...local()],
    code: EXIT.ok,
    out: /Read the signal/,
  },
  {
    command: 'describe',
    cell: 'a bad flag',
    argv: () => ['describe', localRun.name, '--since', 'today', ...local()],
    code: EXIT.usage,
    err: /^selfheal: Unknown option '--since' \(see --help\)$/,
  },

  help('stop'),
  {
    command: 'stop',
    cell: '--json',
    aws: true,
    argv: () => ['stop', RUN_NAME, '--json', ...PROD],
    code: EXIT.ok,
    out: /"status": "ABORTED"/,
  },
  { command: 'stop', cell: 'by name', aws: true, argv: () => ['stop', RUN_NAME, ...PROD], code: EXIT.ok },
  { command: 'stop', cell: 'by ARN', aws: true, argv: () => ['stop', RUN, ...PROD], code: EXIT.ok },
  {
    command: 'stop',
    cell: '--local',
    argv: () => ['stop', localRun.name, ...local()],
    // Local runs end with their command: nothing to stop is exit 1, said in one line.
    code: EXIT.failed,
    err: /has already ended: SUCCEEDED at .*; there is nothing to stop$/,
  },
  {
    command: 'stop',
    cell: 'a bad flag',
    argv: () => ['stop', 'has space', ...PROD],
    code: EXIT.usage,
    err: /is neither an execution ARN .* nor an execution name$/,
  },

  help('approve'),
  {
    command: 'approve',
    cell: '--json',
    aws: true,
    argv: () => ['approve', RUN_NAME, '--json', ...PROD],
    code: EXIT.ok,
    out: /"decision": "approved"/,
  },
  {
    command: 'approve',
    cell: 'by name',
    aws: true,
    argv: () => ['approve', RUN_NAME, ...PROD],
    code: EXIT.ok,
    out: new RegExp(`^approved ${RUN} by `),
  },
  { command: 'approve', cell: 'by ARN', aws: true, argv: () => ['approve', RUN, ...PROD], code: EXIT.ok },
  {
    command: 'approve',
    cell: '--local',
    argv: () => ['approve', localRun.name, ...local()],
    code: EXIT.failed,
    err: /nothing waits for approval .*local runs end with the command that started them/,
  },
  {
    command: 'approve',
    cell: 'a bad flag',
    argv: () => ['approve', RUN, '--yes', ...PROD],
    code: EXIT.usage,
    err: /^selfheal: Unknown option '--yes' \(see --help\)$/,
  },

  help('reject'),
  {
    command: 'reject',
    cell: '--json',
    aws: true,
    argv: () => ['reject', RUN_NAME, '--reason', 'not now', '--json', ...PROD],
    code: EXIT.ok,
    out: /"decision": "rejected"/,
  },
  {
    command: 'reject',
    cell: 'by name',
    aws: true,
    argv: () => ['reject', RUN_NAME, '--reason', 'not now', ...PROD],
    code: EXIT.ok,
  },
  {
    command: 'reject',
    cell: 'by ARN',
    aws: true,
    argv: () => ['reject', RUN, '--reason', 'not now', ...PROD],
    code: EXIT.ok,
  },
  {
    command: 'reject',
    cell: '--local',
    argv: () => ['reject', localRun.executionArn, '--reason', 'not now', ...local()],
    code: EXIT.failed,
    err: /nothing waits for approval/,
  },
  {
    command: 'reject',
    cell: 'a bad flag',
    argv: () => ['reject', RUN, ...PROD],
    code: EXIT.usage,
    err: /^selfheal: reject needs --reason$/,
  },

  help('runbook'),
  {
    command: 'runbook',
    cell: '--json',
    argv: () => ['runbook', 'list', '--json'],
    code: EXIT.ok,
    out: /"name": "hot-shard"/,
  },
  ...noExecution('runbook', 'runbook reads the definitions in statemachines/'),
  {
    command: 'runbook',
    cell: '--local',
    argv: () => ['runbook', 'list', '--local'],
    code: EXIT.ok,
    out: /^cell-traffic-shift /,
  },
  {
    command: 'runbook',
    cell: 'a bad flag',
    argv: () => ['runbook', 'list', '--deployment', 'prod'],
    code: EXIT.usage,
    err: /^selfheal: runbook runs on this machine only/,
  },

  help('local'),
  {
    command: 'local',
    cell: '--json',
    na: 'local reset changes the state file; its own tests (test/local/) run it with --json',
  },
  ...noExecution('local', 'local manages the state file'),
  {
    command: 'local',
    cell: '--local',
    na: 'local is about the local deployment already: it takes --state FILE',
  },
  {
    command: 'local',
    cell: 'a bad flag',
    argv: () => ['local', 'reset', '--everything'],
    code: EXIT.usage,
    err: /^selfheal: Unknown option '--everything' \(see --help\)$/,
  },
];

/** An operator's approval waiting in RUN, newest event first (GetExecutionHistory, reverseOrder). */
const WAITING: HistoryEvent[] = [
  {
    id: 2,
    previousEventId: 1,
    timestamp: STARTED_AT,
    type: 'TaskScheduled',
    taskScheduledEventDetails: {
      resourceType: 'sns',
      resource: 'publish.waitForTaskToken',
      region: 'eu-west-1',
      parameters: JSON.stringify({
        TopicArn: 'arn:aws:sns:eu-west-1:123456789012:prod-notifications',
        Message: 'approve?',
        MessageAttributes: { taskToken: { DataType: 'String', StringValue: 'token-1' } },
      }),
    },
  },
  { id: 1, previousEventId: 0, timestamp: STARTED_AT, type: 'ExecutionStarted' },
];

const { stub: sfn } = useMockedAws(
  () => mockClient(SFNClient),
  () => ({
    stepFunctions: (region) => new SFNClient({ region: region ?? 'us-east-1' }),
    dynamodb: (region) => createDynamoDbClient({ region: region ?? 'us-east-1' }),
  }),
);

/** Deployment prod with RUN in its dispatch machine, running and waiting for an operator. */
function prodWithRunningDispatch(): void {
  sfn()
    .on(ListStateMachinesCommand)
    .resolves({ $metadata: metadata, stateMachines: [LISTED.dispatch] });
  sfn().on(DescribeExecutionCommand).rejects({ name: 'ExecutionDoesNotExist', message: 'no such execution' });
  sfn().on(DescribeExecutionCommand, { executionArn: RUN }).resolves({
    $metadata: metadata,
    executionArn: RUN,
    stateMachineArn: DISPATCH,
    name: RUN_NAME,
    status: 'RUNNING',
    startDate: STARTED_AT,
  });
  sfn().on(GetExecutionHistoryCommand).resolves({ $metadata: metadata, events: DISPATCH_HISTORY });
  sfn()
    .on(GetExecutionHistoryCommand, { reverseOrder: true })
    .resolves({ $metadata: metadata, events: WAITING });
  sfn().on(StopExecutionCommand).resolves({ $metadata: metadata, stopDate: STARTED_AT });
  sfn().on(SendTaskSuccessCommand).resolves({ $metadata: metadata });
  sfn().on(SendTaskFailureCommand).resolves({ $metadata: metadata });
}

beforeAll(async () => {
  vi.stubEnv('SELFHEAL_DEPLOYMENT', undefined);
  vi.stubEnv('SELFHEAL_STATE_FILE', undefined);
  vi.stubEnv('SELFHEAL_ROUTING', undefined);
  startedLocally = await runCapturing([...START_HOT_SHARD, '--json', ...local()]);
  localRun = JSON.parse(startedLocally.out.join('\n')) as typeof localRun;
}, 60_000);

afterAll(() => {
  vi.unstubAllEnvs();
});

describe('the command table', () => {
  it('has a row for every command and cell, and main --help lists every command', async () => {
    const cells = TABLE.map((r) => `${r.command} ${r.cell}`);
    expect(cells).toEqual(COMMANDS.flatMap((c) => CELLS.map((cell) => `${c} ${cell}`)));
    const mainHelp = await runCapturing(['--help']);
    for (const command of COMMANDS) expect(mainHelp.out.join('\n')).toMatch(new RegExp(`\\n  ${command} `));
    expect(mainHelp.out.join('\n')).toMatch(/--json[\s\S]*--verbose[\s\S]*--local[\s\S]*--region R/);
  });

  it('start --json --local (the run the local cells name): exit 0, its result as JSON', () => {
    expect(startedLocally.code).toBe(EXIT.ok);
    expect(localRun.executionArn).toMatch(/:execution:dispatch:operator-hot-shard-/);
    expect(JSON.parse(startedLocally.out.join('\n'))).toMatchObject({
      status: 'SUCCEEDED',
      outcome: 'dry-run',
    });
  });

  const applicable = TABLE.filter((r) => r.argv !== undefined).map(
    (r) => [`${r.command} ${r.cell}`, r.code, r] as const,
  );
  it.each(applicable)('%s -> exit %i', async (_, _code, row) => {
    if (row.aws) prodWithRunningDispatch();
    const { code, out, err } = await runCapturing(row.argv?.() ?? []);
    expect({ code, err: code === EXIT.ok ? [] : err }).toEqual({
      code: row.code,
      err: code === EXIT.ok ? [] : [expect.stringMatching(row.err ?? /^selfheal: /)],
    });
    if (row.out) expect(out.join('\n')).toMatch(row.out);
  });

  it.each(
    TABLE.filter((r) => r.argv === undefined).map(
      (r) => [`${r.command} ${r.cell}`, r.na ?? r.sameAs, r] as const,
    ),
  )('%s: %s', (_, _why, row) => {
    expect(row.na ?? row.sameAs).toMatch(/\w/);
  });

  it('help lists --json and the target flags for every command that acts on a deployment', async () => {
    for (const command of [
      'ledger',
      'switch',
      'kill-switch',
      'start',
      'list',
      'describe',
      'stop',
      'approve',
      'reject',
    ]) {
      const usage = (await runCapturing([command, '--help'])).out.join('\n');
      for (const flag of [
        '--json',
        '--local',
        '--state FILE',
        '--deployment NAME',
        '--region R',
        '--verbose',
      ])
        expect(usage, `${command} --help lists ${flag}`).toContain(flag);
    }
    for (const command of ['dispatch', 'simulate', 'runbook']) {
      const usage = (await runCapturing([command, '--help'])).out.join('\n');
      expect(usage).toMatch(/--local +accepted, and changes nothing/);
      expect(usage).toContain('--verbose');
      expect(usage).toContain('--json');
    }
  });
});
