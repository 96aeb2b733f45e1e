import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fileURLToPath } from 'node:url';
import { type DynamoDBClient, QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { main } from '../../cli/main.ts';
import { EXIT } from '../../cli/exit-codes.ts';
import { ledgerItem, type LedgerRecord } from '../../domain/dispatch/ledger.ts';
import { useCliConsole, useTempStateFile } from '../support/cli.ts';
import { tableNotFound, useMockedDynamoDb } from '../support/cli-dynamodb.ts';
import { PROD } from '../support/operator-cli.ts';

const ALARM = fileURLToPath(
  new URL('../../contracts/examples/cloudwatch-alarm-metric.json', import.meta.url),
);

const started: LedgerRecord = {
  resource: 'dynamodb-table/orders',
  at: '2026-03-04T09:00:00.000Z',
  incidentId: 'inc-1',
  decision: 'started',
  reason: 'hot-shard started for table-capacity on dynamodb-table/orders',
  kind: 'table-capacity',
  runbook: 'hot-shard',
};
const succeeded: LedgerRecord = {
  ...started,
  at: '2026-03-04T09:10:00.000Z',
  decision: 'succeeded',
  reason: 'healed',
};
const yesterday: LedgerRecord = { ...started, at: '2026-03-03T23:00:00.000Z', incidentId: 'inc-0' };

const { out, err, take } = useCliConsole();

describe('selfheal ledger in AWS: the deployment’s ledger table', () => {
  const { ddb } = useMockedDynamoDb('ledger');

  beforeEach(() => {
    ddb().on(QueryCommand).resolves({ Items: [] });
    // Only Date: the SDK's own timers keep running.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-03-04T12:00:00Z'));
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  const queries = () =>
    ddb()
      .commandCalls(QueryCommand)
      .map((c) => c.args[0].input);

  it('with no filter reads today’s records through the by-day index, every page, never a Scan', async () => {
    ddb()
      .on(QueryCommand)
      .resolvesOnce({ Items: [ledgerItem(started)], LastEvaluatedKey: { day: { S: '2026-03-04' } } })
      .resolves({ Items: [ledgerItem(succeeded)] });

    expect(await main(['ledger', ...PROD, '--json'])).toBe(EXIT.ok);

    const byDay = {
      TableName: 'prod-ledger',
      IndexName: 'by-day',
      KeyConditionExpression: '#p = :p',
      ExpressionAttributeNames: { '#p': 'day' },
      ExpressionAttributeValues: { ':p': { S: '2026-03-04' } },
    };
    expect(queries()).toEqual([byDay, { ...byDay, ExclusiveStartKey: { day: { S: '2026-03-04' } } }]);
    expect(ddb().commandCalls(ScanCommand)).toHaveLength(0);
    expect(await (ddb().call(0).thisValue as DynamoDBClient).config.region()).toBe('eu-west-1');
    expect(take()).toEqual([started, succeeded]);
  });

  it('says in text that it shows today', async () => {
    expect(await main(['ledger', ...PROD])).toBe(EXIT.ok);
    expect(out).toEqual(["Today's records (2026-03-04 UTC); --day D for another day:", '(no records)']);
  });

  it('--resource queries the resource’s partition of the table', async () => {
    ddb()
      .on(QueryCommand)
      .resolves({ Items: [yesterday, started].map(ledgerItem) });

    expect(await main(['ledger', '--resource', 'dynamodb-table/orders', ...PROD, '--json'])).toBe(EXIT.ok);

    expect(queries()).toEqual([
      {
        TableName: 'prod-ledger',
        KeyConditionExpression: '#p = :p',
        ExpressionAttributeNames: { '#p': 'resource' },
        ExpressionAttributeValues: { ':p': { S: 'dynamodb-table/orders' } },
      },
    ]);
    expect(take()).toEqual([yesterday, started]);
  });

  it('--resource with --day keeps that day’s records', async () => {
    ddb()
      .on(QueryCommand)
      .resolves({ Items: [yesterday, started].map(ledgerItem) });

    expect(
      await main(['ledger', '--resource', 'dynamodb-table/orders', '--day', '2026-03-03', ...PROD, '--json']),
    ).toBe(EXIT.ok);

    expect(queries()).toHaveLength(1);
    expect(take()).toEqual([yesterday]);
  });

  it('--day reads that day, in the deployment $SELFHEAL_DEPLOYMENT names', async () => {
    vi.stubEnv('SELFHEAL_DEPLOYMENT', 'staging');

    expect(await main(['ledger', '--day', '2026-02-28', '--region', 'eu-west-1'])).toBe(EXIT.ok);

    expect(queries()).toEqual([
      {
        TableName: 'staging-ledger',
        IndexName: 'by-day',
        KeyConditionExpression: '#p = :p',
        ExpressionAttributeNames: { '#p': 'day' },
        ExpressionAttributeValues: { ':p': { S: '2026-02-28' } },
      },
    ]);
    expect(out).toEqual(['(no records)']);
  });

  it('says which deployment and region to check when the table is not there (exit 2)', async () => {
    ddb().on(QueryCommand).rejects(tableNotFound());

    expect(await main(['ledger', ...PROD])).toBe(EXIT.usage);

    expect(err).toEqual([
      'selfheal: Reading the ledger prod-ledger: Requested resource not found; is deployment prod deployed in eu-west-1? (--deployment, --region)',
    ]);
  });

  it.each([
    [['--day', 'yesterday'], 'selfheal: --day must be YYYY-MM-DD, got "yesterday"'],
    [['orders'], 'selfheal: unexpected argument "orders"'],
    [['--state', 'x.json'], 'selfheal: --state is for the local deployment: add --local'],
    [['--local', '--region', 'eu-west-1'], 'selfheal: --region is for AWS; --local runs here'],
  ])('rejects %j as a usage error (exit 2), calling nothing', async (argv, message) => {
    expect(await main(['ledger', ...argv])).toBe(EXIT.usage);
    expect(err).toEqual([message]);
    expect(ddb().calls()).toHaveLength(0);
  });
});

describe('selfheal ledger --local: the local deployment’s records', () => {
  const { path: state, local } = useTempStateFile('selfheal-ledger-');

  it('lists every record after a dispatch, by default and by resource and day', async () => {
    expect(await main(['ledger', ...local()])).toBe(EXIT.ok);
    expect(out).toEqual(['(no records)']);
    out.length = 0;

    expect(await main(['dispatch', '--event', ALARM, '--state', state(), '--json'])).toBe(EXIT.ok);
    const added = take<{ ledger: LedgerRecord[] }>().ledger;
    expect(added.map((r) => r.decision)).toEqual(['dry-run', 'succeeded']);

    expect(await main(['ledger', ...local(), '--json'])).toBe(EXIT.ok);
    expect(take()).toEqual(added);
    expect(await main(['ledger', ...local(), '--resource', 'dynamodb-table/orders', '--json'])).toBe(EXIT.ok);
    expect(take()).toEqual(added);
    const day = added[0]?.at.slice(0, 10) ?? '';
    expect(await main(['ledger', ...local(), '--day', day, '--json'])).toBe(EXIT.ok);
    expect(take()).toEqual(added);
    expect(await main(['ledger', ...local(), '--day', '2000-01-01', '--json'])).toBe(EXIT.ok);
    expect(take()).toEqual([]);

    expect(await main(['ledger', ...local()])).toBe(EXIT.ok);
    expect(out.join('\n')).toMatch(
      /^ {2}\S+ {2}dynamodb-table\/orders {2}dry-run +dry run of hot-shard \(the runbook is not live\)\n/,
    );
  }, 60_000);
});
