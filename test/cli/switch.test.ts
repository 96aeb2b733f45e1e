import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { BatchGetItemCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { main } from '../../cli/main.ts';
import { EXIT } from '../../cli/exit-codes.ts';
import { useAwsClients } from '../../cli/target.ts';
import { createDynamoDbClient } from '../../adapters/aws-clients.ts';

const PROD = ['--deployment', 'prod', '--region', 'eu-west-1'];
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

describe('selfheal switch in AWS: the deployment’s control table', () => {
  // The class is mocked only here: the local tests below talk to a real dynalite.
  let ddb: AwsClientStub<DynamoDBClient>;
  let restoreClients: () => void;
  const regions: (string | undefined)[] = [];

  beforeEach(() => {
    ddb = mockClient(DynamoDBClient);
    ddb.on(BatchGetItemCommand).resolves({ Responses: { 'prod-control': [] } });
    ddb.on(PutItemCommand).resolves({});
    regions.length = 0;
    restoreClients = useAwsClients({
      dynamodb: (region) => {
        regions.push(region);
        return createDynamoDbClient(region ? { region } : {});
      },
      stepFunctions: () => {
        throw new Error('selfheal switch has no business with Step Functions');
      },
    });
  });

  afterEach(() => {
    restoreClients();
    ddb.restore();
  });

  const requests = () => ddb.calls().map((c) => [c.args[0].constructor.name, c.args[0].input]);

  it('turns a runbook live: reads the switches dispatch reads, keeps what it does not change', async () => {
    ddb.on(BatchGetItemCommand).resolves({
      Responses: {
        'prod-control': [
          { ...key('switch#runbook#hot-shard'), enabled: { BOOL: true }, actionsPerHour: { N: '3' } },
        ],
      },
    });

    expect(
      await main(['switch', '--runbook', 'hot-shard', '--live', '--cooldown', '600', ...PROD, '--json']),
    ).toBe(EXIT.ok);

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
            cooldownSeconds: { N: '600' },
            actionsPerHour: { N: '3' },
          },
        },
      ],
    ]);
    expect(regions).toEqual(['eu-west-1']);
    expect(await (ddb.call(0).thisValue as DynamoDBClient).config.region()).toBe('eu-west-1');
    expect(JSON.parse(out.join('\n'))).toEqual({
      scope: 'runbook',
      runbook: 'hot-shard',
      key: 'switch#runbook#hot-shard',
      set: true,
      enabled: true,
      live: true,
      cooldownSeconds: 600,
      actionsPerHour: 3,
      changed: true,
    });
  });

  it('sets the global limit in the deployment $SELFHEAL_DEPLOYMENT names', async () => {
    vi.stubEnv('SELFHEAL_DEPLOYMENT', 'staging');

    expect(await main(['switch', '--global', '--per-hour', '10', '--region', 'eu-west-1'])).toBe(EXIT.ok);

    expect(requests()).toEqual([
      [
        'BatchGetItemCommand',
        { RequestItems: { 'staging-control': { Keys: [key('switch#global')], ConsistentRead: true } } },
      ],
      [
        'PutItemCommand',
        {
          TableName: 'staging-control',
          Item: { ...key('switch#global'), enabled: { BOOL: true }, actionsPerHour: { N: '10' } },
        },
      ],
    ]);
    expect(out).toEqual(['switch#global: {"enabled":true,"actionsPerHour":10}']);
  });

  it('without a change only reads, and a switch it cannot read shows off (fail closed, as dispatch does)', async () => {
    ddb.on(BatchGetItemCommand).resolves({
      Responses: { 'prod-control': [{ ...key('switch#runbook#hot-shard'), enabled: { S: 'yes' } }] },
    });

    expect(await main(['switch', '--runbook', 'hot-shard', ...PROD])).toBe(EXIT.ok);

    expect(ddb.commandCalls(PutItemCommand)).toHaveLength(0);
    expect(out).toEqual([
      'switch#runbook#hot-shard: {"enabled":false,"live":false,"cooldownSeconds":900,"actionsPerHour":6}',
    ]);
  });

  it('says which deployment and region to check when the table is not there (exit 2)', async () => {
    ddb
      .on(BatchGetItemCommand)
      .rejects(
        Object.assign(new Error('Requested resource not found'), { name: 'ResourceNotFoundException' }),
      );

    expect(await main(['switch', '--global', '--off', ...PROD])).toBe(EXIT.usage);

    expect(err).toEqual([
      'selfheal: Reading the switches in prod-control: Requested resource not found; is deployment prod deployed in eu-west-1? (--deployment, --region)',
    ]);
    expect(ddb.commandCalls(PutItemCommand)).toHaveLength(0);
  });

  it.each([
    [['--global', '--live'], /--live, --dry-run and --cooldown are per runbook/],
    [['--runbook', 'hot-shard', '--on', '--off'], /--on and --off contradict each other/],
    [
      ['--runbook', 'hot-shards', '--on'],
      /unknown runbook "hot-shards"; try: cell-traffic-shift, hot-shard, /,
    ],
    [['--runbook', 'dispatch', '--on'], /unknown runbook "dispatch"/],
    [['--runbook', 'hot-shard', '--cooldown=-1'], /--cooldown must not be negative/],
    [['--global', '--off', '--state', 'x.json'], /--state is for the local deployment: add --local/],
    [['--global', '--off', '--local', '--region', 'eu-west-1'], /--region is for AWS/],
    [['--global', '--off', '--deployment', 'Prod_1'], /is not a deployment name/],
  ])('rejects %j as a usage error (exit 2), calling nothing', async (argv, message) => {
    expect(await main(['switch', ...argv])).toBe(EXIT.usage);
    expect(err.join('\n')).toMatch(message);
    expect(ddb.calls()).toHaveLength(0);
  });
});

describe('selfheal switch --local: the local deployment’s state file', () => {
  let dir: string;
  let state: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'selfheal-switch-'));
    state = join(dir, 'state.json');
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('sets a runbook live and reads it back in the next command; a read writes nothing', async () => {
    const local = ['--local', '--state', state];
    expect(await main(['switch', '--runbook', 'hot-shard', ...local])).toBe(EXIT.ok);
    expect(existsSync(state)).toBe(false);

    expect(await main(['switch', '--runbook', 'hot-shard', '--live', '--per-hour', '2', ...local])).toBe(
      EXIT.ok,
    );
    out.length = 0;
    expect(await main(['switch', '--runbook', 'hot-shard', ...local, '--json'])).toBe(EXIT.ok);

    expect(JSON.parse(out.join('\n'))).toMatchObject({
      runbook: 'hot-shard',
      set: true,
      enabled: true,
      live: true,
      cooldownSeconds: 900,
      actionsPerHour: 2,
      changed: false,
    });
    const saved = JSON.parse(await readFile(state, 'utf8')) as { tables: Record<string, unknown[]> };
    expect(saved.tables['selfheal-control']).toEqual([
      {
        ...key('switch#runbook#hot-shard'),
        enabled: { BOOL: true },
        live: { BOOL: true },
        cooldownSeconds: { N: '900' },
        actionsPerHour: { N: '2' },
      },
    ]);
  });
});
