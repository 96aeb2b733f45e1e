import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { BatchGetItemCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { main } from '../../cli/main.ts';
import { EXIT } from '../../cli/exit-codes.ts';
import { useAwsClients } from '../../cli/target.ts';
import { createDynamoDbClient } from '../../adapters/aws-clients.ts';

const ALARM = fileURLToPath(new URL('../fixtures/events/cloudwatch-alarm-metric.json', import.meta.url));
const PROD = ['--deployment', 'prod', '--region', 'eu-west-1'];
const RUNBOOKS = ['cell-traffic-shift', 'hot-shard', 'key-merge', 'key-reshuffle', 'sqs-backpressure'];
const key = (pk: string) => ({ pk: { S: pk } });

let out: string[];
let err: string[];

beforeEach(() => {
  out = [];
  err = [];
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void out.push(args.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void err.push(args.join(' ')));
  vi.stubEnv('SELFHEAL_DEPLOYMENT', undefined);
  vi.stubEnv('SELFHEAL_STATE_FILE', undefined);
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

const take = <T>(): T => {
  const value = JSON.parse(out.join('\n')) as T;
  out.length = 0;
  return value;
};

describe('selfheal kill-switch in AWS: the deployment’s control table', () => {
  // The class is mocked only here: the local tests below talk to a real dynalite.
  let ddb: AwsClientStub<DynamoDBClient>;
  let restoreClients: () => void;

  beforeEach(() => {
    ddb = mockClient(DynamoDBClient);
    ddb.on(BatchGetItemCommand).resolves({ Responses: { 'prod-control': [] } });
    ddb.on(PutItemCommand).resolves({});
    restoreClients = useAwsClients({
      dynamodb: (region) => createDynamoDbClient(region ? { region } : {}),
      stepFunctions: () => {
        throw new Error('selfheal kill-switch has no business with Step Functions');
      },
    });
  });

  afterEach(() => {
    restoreClients();
    ddb.restore();
  });

  const requests = () => ddb.calls().map((c) => [c.args[0].constructor.name, c.args[0].input]);

  it('on: turns the global switch off, keeping its hourly limit', async () => {
    ddb.on(BatchGetItemCommand).resolves({
      Responses: {
        'prod-control': [{ ...key('switch#global'), enabled: { BOOL: true }, actionsPerHour: { N: '50' } }],
      },
    });

    expect(await main(['kill-switch', 'on', ...PROD])).toBe(EXIT.ok);

    expect(requests()).toEqual([
      [
        'BatchGetItemCommand',
        { RequestItems: { 'prod-control': { Keys: [key('switch#global')], ConsistentRead: true } } },
      ],
      [
        'PutItemCommand',
        {
          TableName: 'prod-control',
          Item: { ...key('switch#global'), enabled: { BOOL: false }, actionsPerHour: { N: '50' } },
        },
      ],
    ]);
    expect(await (ddb.call(1).thisValue as DynamoDBClient).config.region()).toBe('eu-west-1');
    expect(out).toEqual([
      'Kill switch ON in deployment prod (AWS, eu-west-1): dispatch starts no runbook anywhere until "selfheal kill-switch off".',
    ]);
  });

  it('off --runbook: resumes one runbook, keeps it live, and says the global kill switch still holds', async () => {
    ddb.on(BatchGetItemCommand).resolves({
      Responses: {
        'prod-control': [
          { ...key('switch#global'), enabled: { BOOL: false }, actionsPerHour: { N: '20' } },
          {
            ...key('switch#runbook#hot-shard'),
            enabled: { BOOL: false },
            live: { BOOL: true },
            cooldownSeconds: { N: '300' },
            actionsPerHour: { N: '6' },
          },
        ],
      },
    });

    expect(await main(['kill-switch', 'off', '--runbook', 'hot-shard', ...PROD, '--json'])).toBe(EXIT.ok);

    expect(requests()).toEqual([
      [
        'BatchGetItemCommand',
        {
          RequestItems: {
            'prod-control': {
              Keys: [key('switch#global'), key('switch#runbook#hot-shard')],
              ConsistentRead: true,
            },
          },
        },
      ],
      [
        'PutItemCommand',
        {
          TableName: 'prod-control',
          Item: {
            ...key('switch#runbook#hot-shard'),
            enabled: { BOOL: true },
            live: { BOOL: true },
            cooldownSeconds: { N: '300' },
            actionsPerHour: { N: '6' },
          },
        },
      ],
    ]);
    expect(take()).toEqual({
      scope: 'runbook',
      runbook: 'hot-shard',
      key: 'switch#runbook#hot-shard',
      set: true,
      enabled: true,
      live: true,
      cooldownSeconds: 300,
      actionsPerHour: 6,
    });

    expect(await main(['kill-switch', 'off', '--runbook', 'hot-shard', ...PROD])).toBe(EXIT.ok);
    expect(out).toEqual([
      'Kill switch off for runbook hot-shard in deployment prod (AWS, eu-west-1): dispatch starts it again (live). The global kill switch is still ON: nothing starts.',
    ]);
  });

  it('without on/off: one consistent read of the global switch and every runbook’s', async () => {
    ddb.on(BatchGetItemCommand).resolves({
      Responses: {
        'prod-control': [
          {
            ...key('switch#runbook#sqs-backpressure'),
            enabled: { BOOL: false },
            live: { BOOL: true },
            cooldownSeconds: { N: '900' },
            actionsPerHour: { N: '4' },
          },
        ],
      },
    });

    expect(await main(['kill-switch', ...PROD])).toBe(EXIT.ok);

    expect(requests()).toEqual([
      [
        'BatchGetItemCommand',
        {
          RequestItems: {
            'prod-control': {
              Keys: [key('switch#global'), ...RUNBOOKS.map((r) => key(`switch#runbook#${r}`))],
              ConsistentRead: true,
            },
          },
        },
      ],
    ]);
    expect(out.join('\n')).toBe(
      [
        'Kill switch off in deployment prod (AWS, eu-west-1): selfheal may act, up to 20 actions an hour.',
        'Runbooks:',
        '  cell-traffic-shift  enabled  dry run  cooldown 900 s  6 actions/hour  (defaults)',
        '  hot-shard           enabled  dry run  cooldown 900 s  6 actions/hour  (defaults)',
        '  key-merge           enabled  dry run  cooldown 900 s  6 actions/hour  (defaults)',
        '  key-reshuffle       enabled  dry run  cooldown 900 s  6 actions/hour  (defaults)',
        '  sqs-backpressure    STOPPED  live     cooldown 900 s  4 actions/hour',
      ].join('\n'),
    );
  });

  it('reads again the keys DynamoDB left unprocessed', async () => {
    const global = { ...key('switch#global'), enabled: { BOOL: false }, actionsPerHour: { N: '20' } };
    const others = RUNBOOKS.map((r) => key(`switch#runbook#${r}`));
    ddb
      .on(BatchGetItemCommand)
      .resolvesOnce({
        Responses: { 'prod-control': [] },
        UnprocessedKeys: { 'prod-control': { Keys: [key('switch#global')] } },
      })
      .resolves({ Responses: { 'prod-control': [global] } });

    expect(await main(['kill-switch', ...PROD, '--json'])).toBe(EXIT.ok);

    expect(ddb.commandCalls(BatchGetItemCommand).map((c) => c.args[0].input.RequestItems)).toEqual([
      { 'prod-control': { Keys: [key('switch#global'), ...others], ConsistentRead: true } },
      { 'prod-control': { Keys: [key('switch#global')], ConsistentRead: true } },
    ]);
    const shown = take<{ global: { enabled: boolean; set: boolean }; runbooks: { runbook: string }[] }>();
    expect(shown.global).toEqual({
      scope: 'global',
      key: 'switch#global',
      set: true,
      enabled: false,
      actionsPerHour: 20,
    });
    expect(shown.runbooks.map((r) => r.runbook)).toEqual(RUNBOOKS);
  });

  it.each([
    [['maybe'], 'selfheal: kill-switch takes on or off, not "maybe"'],
    [['on', 'off'], 'selfheal: unexpected argument "off"'],
    [['--runbook', 'hot-shard'], 'selfheal: say on or off: selfheal kill-switch on|off --runbook NAME'],
    [
      ['on', '--runbook', 'orders'],
      'selfheal: unknown runbook "orders"; try: cell-traffic-shift, hot-shard, key-merge, key-reshuffle, sqs-backpressure',
    ],
    [['on', '--state', 'x.json'], 'selfheal: --state is for the local deployment: add --local'],
    [['on', '--local', '--region', 'eu-west-1'], 'selfheal: --region is for AWS; --local runs here'],
  ])('rejects %j as a usage error (exit 2), calling nothing', async (argv, message) => {
    expect(await main(['kill-switch', ...argv])).toBe(EXIT.usage);
    expect(err).toEqual([message]);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('takes no --reason: nothing would keep it', async () => {
    expect(await main(['kill-switch', 'on', '--reason', 'incident 42', ...PROD])).toBe(EXIT.usage);
    expect(err).toEqual([expect.stringMatching(/^selfheal: Unknown option '--reason'/)]);
    expect(ddb.calls()).toHaveLength(0);
  });
});

interface DispatchResult {
  runbooks: { output: { outcome: string } }[];
  ledger: { decision: string; reason: string }[];
}

describe('selfheal kill-switch --local: dispatch on the local deployment obeys it', () => {
  let dir: string;
  let local: string[];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'selfheal-kill-switch-'));
    local = ['--local', '--state', join(dir, 'state.json')];
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const dispatch = async (): Promise<DispatchResult> => {
    out.length = 0;
    expect(await main(['dispatch', '--event', ALARM, '--state', local[2] as string, '--json'])).toBe(EXIT.ok);
    return take<DispatchResult>();
  };

  it('on stops dispatch, the switch reads back, off resumes', async () => {
    expect(await main(['kill-switch', 'on', ...local])).toBe(EXIT.ok);
    expect(out[0]).toMatch(
      /^Kill switch ON in the local deployment \(.*state\.json\): dispatch starts no runbook/,
    );
    out.length = 0;
    expect(await main(['kill-switch', ...local, '--json'])).toBe(EXIT.ok);
    expect(take<{ global: { enabled: boolean; set: boolean } }>().global).toMatchObject({
      enabled: false,
      set: true,
    });

    expect((await dispatch()).ledger).toEqual([
      expect.objectContaining({
        decision: 'suppressed',
        reason: 'the global kill switch is on: selfheal changes nothing',
      }),
    ]);

    expect(await main(['kill-switch', 'off', ...local])).toBe(EXIT.ok);
    const resumed = await dispatch();
    expect(resumed.runbooks[0]?.output.outcome).toBe('dry-run');
  }, 60_000);

  it('on --runbook stops only that runbook', async () => {
    expect(await main(['kill-switch', 'on', '--runbook', 'hot-shard', ...local])).toBe(EXIT.ok);

    expect((await dispatch()).ledger).toEqual([
      expect.objectContaining({ decision: 'suppressed', reason: 'runbook hot-shard is switched off' }),
    ]);
    expect(await main(['kill-switch', ...local])).toBe(EXIT.ok);
    expect(out.join('\n')).toMatch(/^Kill switch off in the local deployment/);
    expect(out.join('\n')).toMatch(/\n {2}hot-shard +STOPPED +dry run +cooldown 900 s +6 actions\/hour\n/);
  }, 60_000);
});
