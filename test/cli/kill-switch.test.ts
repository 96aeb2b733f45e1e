import { describe, expect, it } from 'vitest';
import { BatchGetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { main } from '../../cli/main.ts';
import { EXIT } from '../../cli/exit-codes.ts';
import { useCliConsole, useTempStateFile } from '../support/cli.ts';
import { alarmStateChange } from '../support/alarm-state-changes.ts';
import { dirname } from 'node:path';
import {
  getSwitches,
  key,
  runbookSwitchSet,
  switchItem,
  switchWrites,
  useMockedControlTable,
} from '../support/cli-dynamodb.ts';
import { PROD } from '../support/operator-cli.ts';

const RUNBOOKS = ['cell-traffic-shift', 'hot-shard', 'key-merge', 'key-reshuffle', 'sqs-backpressure'];

const { out, err, take } = useCliConsole();

describe('selfheal kill-switch in AWS: the deployment’s control table', () => {
  const { ddb, requests, holds } = useMockedControlTable('kill-switch');

  it('on: turns the global switch off, keeping its hourly limit', async () => {
    holds(switchItem('switch#global', { enabled: true, actionsPerHour: 50 }));

    expect(await main(['kill-switch', 'on', ...PROD])).toBe(EXIT.ok);

    // Only the switch's `enabled` is written: its hourly limit stays as it is.
    expect(requests()).toEqual(switchWrites('prod-control', { enabled: false }));
    expect(await (ddb().call(0).thisValue as DynamoDBClient).config.region()).toBe('eu-west-1');
    expect(out).toEqual([
      'Kill switch ON in deployment prod (AWS, eu-west-1): dispatch starts no runbook anywhere until "selfheal kill-switch off".',
    ]);
  });

  it('off --runbook: resumes one runbook, keeps it live, and says the global kill switch still holds', async () => {
    holds(
      switchItem('switch#global', { enabled: false, actionsPerHour: 20 }),
      switchItem('switch#runbook#hot-shard', {
        enabled: false,
        live: true,
        cooldownSeconds: 300,
        actionsPerHour: 6,
      }),
    );

    expect(await main(['kill-switch', 'off', '--runbook', 'hot-shard', ...PROD, '--json'])).toBe(EXIT.ok);

    const resumed = { enabled: true, live: true, cooldownSeconds: 300, actionsPerHour: 6 };
    expect(requests()).toEqual(switchWrites('prod-control', { enabled: true }, 'hot-shard'));
    expect(take()).toEqual(runbookSwitchSet('hot-shard', resumed));

    expect(await main(['kill-switch', 'off', '--runbook', 'hot-shard', ...PROD])).toBe(EXIT.ok);
    expect(out).toEqual([
      'Kill switch off for runbook hot-shard in deployment prod (AWS, eu-west-1): dispatch starts it again (live). The global kill switch is still ON: nothing starts.',
    ]);
  });

  it('without on/off: one consistent read of the global switch and every runbook’s', async () => {
    holds(
      switchItem('switch#runbook#sqs-backpressure', {
        enabled: false,
        live: true,
        cooldownSeconds: 900,
        actionsPerHour: 4,
      }),
    );

    expect(await main(['kill-switch', ...PROD])).toBe(EXIT.ok);

    expect(requests()).toEqual([
      getSwitches('prod-control', ['switch#global', ...RUNBOOKS.map((r) => `switch#runbook#${r}`)]),
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
    const global = switchItem('switch#global', { enabled: false, actionsPerHour: 20 });
    const others = RUNBOOKS.map((r) => key(`switch#runbook#${r}`));
    ddb()
      .on(BatchGetItemCommand)
      .resolvesOnce({
        Responses: { 'prod-control': [] },
        UnprocessedKeys: { 'prod-control': { Keys: [key('switch#global')] } },
      })
      .resolves({ Responses: { 'prod-control': [global] } });

    expect(await main(['kill-switch', ...PROD, '--json'])).toBe(EXIT.ok);

    expect(
      ddb()
        .commandCalls(BatchGetItemCommand)
        .map((c) => c.args[0].input.RequestItems),
    ).toEqual([
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
    expect(ddb().calls()).toHaveLength(0);
  });

  it('takes no --reason: nothing would keep it', async () => {
    expect(await main(['kill-switch', 'on', '--reason', 'incident 42', ...PROD])).toBe(EXIT.usage);
    expect(err).toEqual([expect.stringMatching(/^selfheal: Unknown option '--reason'/)]);
    expect(ddb().calls()).toHaveLength(0);
  });
});

interface DispatchResult {
  runbooks: { output: { outcome: string } }[];
  ledger: { decision: string; reason: string }[];
}

describe('selfheal kill-switch --local: dispatch on the local deployment obeys it', () => {
  const { path: state, local } = useTempStateFile('selfheal-kill-switch-');

  // Each dispatch is a new state change of the alarm: the same one again would be a redelivery.
  let changes = 0;
  const dispatch = async (): Promise<DispatchResult> => {
    out.length = 0;
    const file = await alarmStateChange(dirname(state()), ++changes);
    expect(await main(['dispatch', '--event', file, '--state', state(), '--json'])).toBe(EXIT.ok);
    return take<DispatchResult>();
  };

  it('on stops dispatch, the switch reads back, off resumes', async () => {
    expect(await main(['kill-switch', 'on', ...local()])).toBe(EXIT.ok);
    expect(out[0]).toMatch(
      /^Kill switch ON in the local deployment \(.*state\.json\): dispatch starts no runbook/,
    );
    out.length = 0;
    expect(await main(['kill-switch', ...local(), '--json'])).toBe(EXIT.ok);
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

    expect(await main(['kill-switch', 'off', ...local()])).toBe(EXIT.ok);
    const resumed = await dispatch();
    expect(resumed.runbooks[0]?.output.outcome).toBe('dry-run');
  }, 60_000);

  it('on --runbook stops only that runbook', async () => {
    expect(await main(['kill-switch', 'on', '--runbook', 'hot-shard', ...local()])).toBe(EXIT.ok);

    expect((await dispatch()).ledger).toEqual([
      expect.objectContaining({ decision: 'suppressed', reason: 'runbook hot-shard is switched off' }),
    ]);
    expect(await main(['kill-switch', ...local()])).toBe(EXIT.ok);
    expect(out.join('\n')).toMatch(/^Kill switch off in the local deployment/);
    expect(out.join('\n')).toMatch(/\n {2}hot-shard +STOPPED +dry run +cooldown 900 s +6 actions\/hour\n/);
  }, 60_000);
});
