import { describe, expect, it, vi } from 'vitest';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { BatchGetItemCommand, type DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { main } from '../../cli/main.ts';
import { EXIT } from '../../cli/exit-codes.ts';
import { useCliConsole, useTempStateFile } from '../support/cli.ts';
import {
  key,
  runbookSwitchSet,
  switchItem,
  switchWrites,
  tableNotFound,
  useMockedControlTable,
} from '../support/cli-dynamodb.ts';
import { PROD } from '../support/operator-cli.ts';

const { out, err } = useCliConsole();

describe('selfheal switch in AWS: the deployment’s control table', () => {
  const { ddb, regions, requests, holds } = useMockedControlTable('switch');

  it('turns a runbook live: reads the switches dispatch reads, keeps what it does not change', async () => {
    holds(switchItem('switch#runbook#hot-shard', { enabled: true, actionsPerHour: 3 }));

    expect(
      await main(['switch', '--runbook', 'hot-shard', '--live', '--cooldown', '600', ...PROD, '--json']),
    ).toBe(EXIT.ok);

    const live = { enabled: true, live: true, cooldownSeconds: 600, actionsPerHour: 3 };
    // Only what changes is written; the hourly limit the switch held stays.
    expect(requests()).toEqual(
      switchWrites('prod-control', { live: true, cooldownSeconds: 600 }, 'hot-shard'),
    );
    expect(regions).toEqual(['eu-west-1']);
    expect(await (ddb().call(0).thisValue as DynamoDBClient).config.region()).toBe('eu-west-1');
    expect(JSON.parse(out.join('\n'))).toEqual({ ...runbookSwitchSet('hot-shard', live), changed: true });
  });

  it('sets the global limit in the deployment $SELFHEAL_DEPLOYMENT names', async () => {
    vi.stubEnv('SELFHEAL_DEPLOYMENT', 'staging');

    expect(await main(['switch', '--global', '--per-hour', '10', '--region', 'eu-west-1'])).toBe(EXIT.ok);

    expect(requests()).toEqual(switchWrites('staging-control', { actionsPerHour: 10 }));
    expect(out.join('\n')).toBe(
      [
        'Set the global switch in deployment staging (AWS, eu-west-1):',
        'SWITCH  STATE  MODE  COOLDOWN  LIMIT               SOURCE',
        'global  on     -     -         at most 10 an hour  set',
      ].join('\n'),
    );
  });

  it('without a change only reads, and a switch it cannot read shows off (fail closed, as dispatch does)', async () => {
    holds({ ...key('switch#runbook#hot-shard'), enabled: { S: 'yes' } });

    expect(await main(['switch', '--runbook', 'hot-shard', ...PROD])).toBe(EXIT.ok);

    expect(ddb().commandCalls(UpdateItemCommand)).toHaveLength(0);
    expect(out.join('\n')).toBe(
      [
        'Runbook hot-shard in deployment prod (AWS, eu-west-1), as dispatch reads it now:',
        'SWITCH             STATE  MODE     COOLDOWN  LIMIT               SOURCE',
        'global             on     -        -         at most 20 an hour  defaults',
        'runbook hot-shard  OFF    dry run  900 s     at most 6 an hour   set',
      ].join('\n'),
    );
  });

  it('says which deployment and region to check when the table is not there (exit 2)', async () => {
    ddb().on(BatchGetItemCommand).rejects(tableNotFound());
    ddb().on(UpdateItemCommand).rejects(tableNotFound());

    expect(await main(['switch', '--global', '--off', ...PROD])).toBe(EXIT.usage);
    expect(await main(['switch', '--global', ...PROD])).toBe(EXIT.usage);

    expect(err).toEqual([
      'selfheal: Writing switch#global in prod-control: Requested resource not found; is deployment prod deployed in eu-west-1? (--deployment, --region)',
      'selfheal: Reading the switches in prod-control: Requested resource not found; is deployment prod deployed in eu-west-1? (--deployment, --region)',
    ]);
  });

  it.each([
    [['--global', '--live'], /--live, --dry-run and --cooldown are per runbook/],
    [['--runbook', 'hot-shard', '--on', '--off'], /--on and --off contradict each other/],
    [
      ['--runbook', 'hot-shards', '--on'],
      /unknown runbook "hot-shards"; try: cell-traffic-shift, hot-shard, /,
    ],
    [['--runbook', 'dispatch', '--on'], /unknown runbook "dispatch"/],
    [
      ['--runbook', 'hot-shard', '--cooldown=-1'],
      /^selfheal: --cooldown must be a whole number from 0 to 604800, got "-1"$/,
    ],
    [
      ['--runbook', 'hot-shard', '--cooldown', '999999999999999999999'],
      /^selfheal: --cooldown must be a whole number from 0 to 604800, got "999999999999999999999"$/,
    ],
    [
      ['--global', '--per-hour', '1001'],
      /^selfheal: --per-hour must be a whole number from 0 to 1000, got "1001"$/,
    ],
    [['--global', '--off', '--state', 'x.json'], /--state is for the local deployment: add --local/],
    [['--global', '--off', '--local', '--region', 'eu-west-1'], /--region is for AWS/],
    [['--global', '--off', '--deployment', 'Prod_1'], /is not a deployment name/],
  ])('rejects %j as a usage error (exit 2), calling nothing', async (argv, message) => {
    expect(await main(['switch', ...argv])).toBe(EXIT.usage);
    expect(err.join('\n')).toMatch(message);
    expect(ddb().calls()).toHaveLength(0);
  });
});

describe('selfheal switch --local: the local deployment’s state file', () => {
  const { path: state, local } = useTempStateFile('selfheal-switch-');

  it('sets a runbook live and reads it back in the next command; a read writes nothing', async () => {
    expect(await main(['switch', '--runbook', 'hot-shard', ...local()])).toBe(EXIT.ok);
    expect(existsSync(state())).toBe(false);

    expect(await main(['switch', '--runbook', 'hot-shard', '--live', '--per-hour', '2', ...local()])).toBe(
      EXIT.ok,
    );
    out.length = 0;
    expect(await main(['switch', '--runbook', 'hot-shard', ...local(), '--json'])).toBe(EXIT.ok);

    expect(JSON.parse(out.join('\n'))).toMatchObject({
      runbook: 'hot-shard',
      set: true,
      enabled: true,
      live: true,
      cooldownSeconds: 900,
      actionsPerHour: 2,
      changed: false,
    });
    const saved = JSON.parse(await readFile(state(), 'utf8')) as { tables: Record<string, unknown[]> };
    // Only what was written: the cooldown keeps its default by being absent.
    expect(saved.tables['selfheal-control']).toEqual([
      switchItem('switch#runbook#hot-shard', { enabled: true, live: true, actionsPerHour: 2 }),
    ]);
  });
});
