import { describe, expect, it } from 'vitest';
import { access, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../cli/main.ts';
import { EXIT } from '../../cli/exit-codes.ts';
import { useCliConsole, useTempStateFile } from '../support/cli.ts';
import { alarmStateChange } from '../support/alarm-state-changes.ts';

const ALARM = fileURLToPath(
  new URL('../../contracts/examples/cloudwatch-alarm-metric.json', import.meta.url),
);

const { out, err, take } = useCliConsole();
const { path: state } = useTempStateFile('selfheal-cli-');

interface DispatchResult {
  dispatch: { status: string; error?: string; states: string[] };
  runbooks: { status: string; output: { outcome: string } }[];
  ledger: { decision: string; reason: string; at: string }[];
  notifications: { Subject: string }[];
}

describe('selfheal dispatch, switch and ledger on the local deployment', () => {
  it('dry-runs by default, acts once the runbook is live, then holds the cooldown, and the ledger keeps it all', async () => {
    // Each dispatch is a new state change of the alarm: the same one again would be a redelivery,
    // which dispatch decides only once.
    let alarms = 0;
    const nextAlarm = () => alarmStateChange(dirname(state()), ++alarms);
    const dispatch = async () => ['dispatch', '--event', await nextAlarm(), '--state', state(), '--json'];

    expect(await main(await dispatch())).toBe(EXIT.ok);
    const dryRun = take<DispatchResult>();
    expect(dryRun.runbooks[0]?.output.outcome).toBe('dry-run');
    expect(dryRun.ledger.map((r) => r.decision)).toEqual(['dry-run', 'succeeded']);
    expect(dryRun.ledger[1]?.reason).toMatch(
      /^Dry run of hot-shard on dynamodb-table\/orders: dry-run \(plan: raise-capacity, write \d+ -> \d+\)$/,
    );
    expect(dryRun.notifications[0]?.Subject).toMatch(/^selfheal: Dry run of hot-shard/);

    expect(await main(['switch', '--runbook', 'hot-shard', '--live', '--local', '--state', state()])).toBe(
      EXIT.ok,
    );
    out.length = 0;
    expect(await main(await dispatch())).toBe(EXIT.ok);
    const healed = take<DispatchResult>();
    expect(healed.runbooks[0]?.output.outcome).toBe('healed');
    expect(healed.ledger.map((r) => r.decision)).toEqual(['started', 'succeeded']);

    // The same alarm again, within the cooldown. With CloudWatch's publication delay the second run
    // waits for its verification minutes to be published, and the hot-shard world then runs again to
    // its (later) alarm: a third dispatch there starts 17 minutes after the second's start, past the
    // 900 s cooldown counted from it. The empty world dispatches at once, where the last command left
    // virtual time (6 minutes into the cooldown).
    expect(await main([...(await dispatch()), '--scenario', 'empty'])).toBe(EXIT.ok);
    const cooled = take<DispatchResult>();
    expect(cooled.runbooks).toEqual([]);
    expect(cooled.ledger).toEqual([
      expect.objectContaining({
        decision: 'suppressed',
        reason: expect.stringMatching(/cooling down until/),
      }),
    ]);
    // Suppressed inside the 900 s counted from the start of the run that acted.
    const startedAt = Date.parse(healed.ledger.find((r) => r.decision === 'started')?.at ?? '');
    const until = Date.parse(/cooling down until (\S+)$/.exec(cooled.ledger[0]?.reason ?? '')?.[1] ?? '');
    expect(until - startedAt).toBe(900_000);
    expect(Date.parse(cooled.ledger[0]?.at ?? '')).toBeLessThan(until);

    expect(
      await main(['ledger', '--resource', 'dynamodb-table/orders', '--local', '--state', state(), '--json']),
    ).toBe(EXIT.ok);
    expect(take<{ decision: string }[]>().map((r) => r.decision)).toEqual([
      'dry-run',
      'succeeded',
      'started',
      'succeeded',
      'suppressed',
    ]);
  }, 60_000);

  it('heads its human output with the world as the runbook finds it: the capacity the plan starts from', async () => {
    expect(await main(['dispatch', '--event', ALARM, '--state', state()])).toBe(EXIT.ok);
    const printed = out.join('\n');
    const header = printed.split('\n')[0] ?? '';
    const provisioned = /; (\d+) WCU provisioned now$/.exec(header)?.[1];
    const planned = /plan: raise-capacity, write (\d+) -> \d+/.exec(printed)?.[1];
    expect(header).toMatch(/^World: table orders at \d\d:\d\d into the surge scenario: /);
    expect(provisioned).toBeDefined();
    expect(planned).toBe(provisioned);
  });

  it('stops everything with the global kill switch', async () => {
    expect(await main(['switch', '--global', '--off', '--local', '--state', state()])).toBe(EXIT.ok);
    out.length = 0;
    expect(await main(['dispatch', '--event', ALARM, '--state', state(), '--json'])).toBe(EXIT.ok);
    const result = take<DispatchResult>();
    expect(result.runbooks).toEqual([]);
    expect(result.ledger).toEqual([
      expect.objectContaining({
        decision: 'suppressed',
        reason: 'the global kill switch is on: selfheal changes nothing',
      }),
    ]);
  }, 30_000);

  it('fails (exit 1) on an event it cannot read, and records the rejection', async () => {
    const event = join(dirname(state()), 'bad.json');
    await writeFile(event, JSON.stringify({ source: 'aws.cloudwatch', detail: {} }));
    expect(
      await main(['dispatch', '--event', event, '--scenario', 'empty', '--state', state(), '--json']),
    ).toBe(EXIT.failed);
    expect(take<DispatchResult>().dispatch).toMatchObject({ status: 'FAILED', error: 'InvalidSignalError' });
    expect(await main(['ledger', '--resource', 'unrouted', '--local', '--state', state()])).toBe(EXIT.ok);
    expect(out.join('\n')).toMatch(/unrouted\s+rejected/);
  }, 30_000);

  it.each([
    ['null', 'null', 'an EventBridge event is a JSON object, not null'],
    ['[]', '[]', 'an EventBridge event is a JSON object, not an array'],
    [
      'a 300 KB detail',
      JSON.stringify({ source: 'aws.cloudwatch', 'detail-type': 'x', detail: { blob: 'x'.repeat(300_000) } }),
      'its PutEvents entry is 300,026 bytes; EventBridge accepts less than 256 KB (262,144 bytes)',
    ],
  ])(
    'refuses %s as EventBridge would (exit 2, one line), starting nothing and keeping no state',
    async (_, text, why) => {
      const event = join(dirname(state()), 'refused.json');
      await writeFile(event, text);

      expect(await main(['dispatch', '--event', event, '--scenario', 'empty', '--state', state()])).toBe(
        EXIT.usage,
      );
      expect(err).toEqual([`selfheal: --event ${event} cannot be an EventBridge event: ${why}`]);
      await expect(access(state())).rejects.toThrow();
    },
  );

  it.each([
    [['dispatch'], /dispatch needs --event FILE/],
    [['dispatch', '--event', '/no/such/file.json'], /cannot read --event/],
    [['dispatch', '--event', ALARM, '--scenario', 'moon'], /unknown scenario "moon"/],
    [['ledger', '--day', 'yesterday', '--local'], /--day must be YYYY-MM-DD/],
    [['switch', '--runbook', 'hot-shard', '--live', '--dry-run', '--local'], /contradict/],
    [['switch', '--local'], /name one of --global or --runbook NAME/],
  ])('rejects %j as a usage error (exit 2)', async (argv, message) => {
    expect(await main([...argv, '--state', state()])).toBe(EXIT.usage);
    expect(err.join('\n')).toMatch(message);
  });
});
