import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  ChangeResourceRecordSetsCommand,
  InvalidChangeBatch,
  ListResourceRecordSetsCommand,
  PriorRequestNotComplete,
  Route53Client,
  Route53ServiceException,
  ThrottlingException,
} from '@aws-sdk/client-route-53';
import type { ResourceRecordSet } from '@aws-sdk/client-route-53';
import { weightedRecordsAdapter } from '../../adapters/route53-weighted-records.ts';
import type { WeightedCell } from '../../adapters/route53-weighted-records.ts';
import { createRoute53Client } from '../../adapters/aws-clients.ts';
import {
  AwsThrottledError,
  classifyAwsError,
  ResourceNotFoundError,
  RETRYABLE_ERRORS,
} from '../../domain/errors.ts';

const metadata = { httpStatusCode: 200, requestId: 'req-1' };
const ZONE = 'Z0123456789ABCDEFGHIJ';
const OTHER_ZONE = 'Z9876543210ZYXWVUTSRQ';
const CHANGE_INFO = { Id: '/change/C1', Status: 'PENDING' as const, SubmittedAt: new Date(0) };

const CELL_A: WeightedCell = {
  routingControlArn: 'arn:aws:route53-recovery-control::123456789012:controlpanel/abc/routingcontrol/cell-a',
  hostedZoneId: ZONE,
  recordName: 'api.example.com',
  recordType: 'A',
  setIdentifier: 'cell-a',
  weight: 10,
};
const CELL_B: WeightedCell = {
  routingControlArn: 'cell-b',
  hostedZoneId: ZONE,
  recordName: 'api.example.com',
  recordType: 'A',
  setIdentifier: 'cell-b',
  weight: 20,
};
/** An alias record, in another zone. */
const CELL_C: WeightedCell = {
  routingControlArn: 'cell-c',
  hostedZoneId: `/hostedzone/${OTHER_ZONE}`,
  recordName: 'www.example.org.',
  recordType: 'AAAA',
  setIdentifier: 'cell-c',
  weight: 255,
};

/** Route 53's answer for a record: name fully qualified, and other fields the UPSERT must keep. */
const recordA = (weight: number): ResourceRecordSet => ({
  Name: 'api.example.com.',
  Type: 'A',
  SetIdentifier: 'cell-a',
  Weight: weight,
  TTL: 60,
  ResourceRecords: [{ Value: '192.0.2.10' }, { Value: '192.0.2.11' }],
  HealthCheckId: 'hc-cell-a',
});
const recordB = (weight: number): ResourceRecordSet => ({
  Name: 'api.example.com.',
  Type: 'A',
  SetIdentifier: 'cell-b',
  Weight: weight,
  TTL: 60,
  ResourceRecords: [{ Value: '198.51.100.20' }],
});
const recordC = (weight: number): ResourceRecordSet => ({
  Name: 'www.example.org.',
  Type: 'AAAA',
  SetIdentifier: 'cell-c',
  Weight: weight,
  AliasTarget: {
    HostedZoneId: 'Z35SXDOTRQ7X7K',
    DNSName: 'cell-c-123456789.us-east-1.elb.amazonaws.com.',
    EvaluateTargetHealth: true,
  },
});

const client = new Route53Client({ region: 'us-east-1' });
const route53 = mockClient(client);
const adapter = () => weightedRecordsAdapter(client, [CELL_A, CELL_B, CELL_C]);

/** Route 53's listing when the record asked for is there: it comes first. */
function lists(records: ResourceRecordSet[]): void {
  for (const record of records) {
    route53.on(ListResourceRecordSetsCommand, { StartRecordIdentifier: record.SetIdentifier }).resolves({
      $metadata: metadata,
      ResourceRecordSets: [record],
      IsTruncated: true,
      NextRecordName: record.Name,
      NextRecordType: record.Type,
      NextRecordIdentifier: 'cell-z',
      MaxItems: 1,
    });
  }
}

/** Route 53's listing that ends with `records` (none after them). */
const lastPage = (records: ResourceRecordSet[]) => ({
  $metadata: metadata,
  ResourceRecordSets: records,
  IsTruncated: false,
  MaxItems: 1,
});

/** The adapter's updateRoutingControlStates, each entry given as [routing control, state]. */
const update = (...entries: [string, 'On' | 'Off'][]) =>
  adapter().updateRoutingControlStates({
    UpdateRoutingControlStateEntries: entries.map(([RoutingControlArn, RoutingControlState]) => ({
      RoutingControlArn,
      RoutingControlState,
    })),
  });

/** What `work` rejected with (its answer if it did not). */
const raised = (work: Promise<unknown>): Promise<unknown> => work.catch((e: unknown) => e);

/** The listing that finds cell A's record: from its name, type and set identifier, one item. */
const LIST_CELL_A = {
  HostedZoneId: ZONE,
  StartRecordName: 'api.example.com',
  StartRecordType: 'A',
  StartRecordIdentifier: 'cell-a',
  MaxItems: 1,
};

const listCalls = () => route53.commandCalls(ListResourceRecordSetsCommand).map((c) => c.args[0].input);
const changeCalls = () => route53.commandCalls(ChangeResourceRecordSetsCommand).map((c) => c.args[0].input);

beforeEach(() => {
  route53.reset();
  route53.on(ChangeResourceRecordSetsCommand).resolves({ $metadata: metadata, ChangeInfo: CHANGE_INFO });
});

describe('weightedRecordsAdapter.getRoutingControlState', () => {
  it('lists from the cell record, one item, and reads weight 10 as On', async () => {
    lists([recordA(10)]);

    const answer = await adapter().getRoutingControlState({ RoutingControlArn: CELL_A.routingControlArn });

    expect(listCalls()).toStrictEqual([LIST_CELL_A]);
    expect(answer).toStrictEqual({
      RoutingControlArn: CELL_A.routingControlArn,
      RoutingControlState: 'On',
      RoutingControlName: 'cell-a',
    });
    expect(changeCalls()).toStrictEqual([]);
  });

  it('reads weight 0 as Off', async () => {
    lists([recordB(0)]);

    await expect(adapter().getRoutingControlState({ RoutingControlArn: 'cell-b' })).resolves.toStrictEqual({
      RoutingControlArn: 'cell-b',
      RoutingControlState: 'Off',
      RoutingControlName: 'cell-b',
    });
  });

  it("matches Route 53's spelling of a name: any case, trailing dot, octal escapes", async () => {
    const wildcard: WeightedCell = { ...CELL_A, routingControlArn: 'wild', recordName: '*.API.example.com' };
    route53
      .on(ListResourceRecordSetsCommand)
      .resolves(lastPage([{ ...recordA(3), Name: '\\052.api.example.com.' }]));

    const answer = await weightedRecordsAdapter(client, [wildcard]).getRoutingControlState({
      RoutingControlArn: 'wild',
    });

    expect(answer.RoutingControlState).toBe('On');
    expect(listCalls()[0]!.StartRecordName).toBe('*.API.example.com');
  });

  it.each([
    ['an empty listing (nothing at or after the record)', []],
    ['the next record of the set (no record with that SetIdentifier)', [recordB(10)]],
    ['the next name (no record of that name)', [{ ...recordA(10), Name: 'app.example.com.' }]],
    ['a record of another type', [{ ...recordA(10), Type: 'AAAA' as const }]],
    [
      'a record with that SetIdentifier that is not weighted (latency)',
      [{ ...recordA(10), Weight: undefined, Region: 'us-east-1' as const }],
    ],
  ])('answers ResourceNotFoundException when the listing gives %s', async (_name, records) => {
    route53.on(ListResourceRecordSetsCommand).resolves(lastPage(records));

    const thrown = await raised(
      adapter().getRoutingControlState({ RoutingControlArn: CELL_A.routingControlArn }),
    );

    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as Error).name).toBe('ResourceNotFoundException');
    expect((thrown as Error).message).toBe(
      `No weighted A record api.example.com with SetIdentifier cell-a in hosted zone ${ZONE}`,
    );
    expect(classifyAwsError(thrown, 'GetRoutingControlState of cell cell-a')).toBeInstanceOf(
      ResourceNotFoundError,
    );
  });

  it('answers ResourceNotFoundException for an unknown routing control without calling Route 53', async () => {
    const thrown = await raised(adapter().getRoutingControlState({ RoutingControlArn: 'arn:unknown' }));

    expect((thrown as Error).name).toBe('ResourceNotFoundException');
    expect((thrown as Error).message).toBe(
      "No cell's weighted record is configured for routing control arn:unknown",
    );
    expect(classifyAwsError(thrown, 'GetRoutingControlState')).toBeInstanceOf(ResourceNotFoundError);
    expect(route53.calls()).toHaveLength(0);
  });
});

describe('weightedRecordsAdapter.updateRoutingControlStates', () => {
  it('turns a cell Off: UPSERTs its record with weight 0, keeping TTL, ResourceRecords and health check', async () => {
    lists([recordA(10)]);

    const answer = await update([CELL_A.routingControlArn, 'Off']);

    expect(listCalls()).toStrictEqual([LIST_CELL_A]);
    expect(changeCalls()).toStrictEqual([
      {
        HostedZoneId: ZONE,
        ChangeBatch: {
          Comment: 'selfheal cell traffic shift turned cell-a Off (weight 0)',
          Changes: [
            {
              Action: 'UPSERT',
              ResourceRecordSet: {
                Name: 'api.example.com.',
                Type: 'A',
                SetIdentifier: 'cell-a',
                Weight: 0,
                TTL: 60,
                ResourceRecords: [{ Value: '192.0.2.10' }, { Value: '192.0.2.11' }],
                HealthCheckId: 'hc-cell-a',
              },
            },
          ],
        },
      },
    ]);
    expect(answer).toStrictEqual({});
  });

  it('turns a cell On with its configured weight', async () => {
    lists([recordB(0)]);

    await update(['cell-b', 'On']);

    expect(changeCalls()).toStrictEqual([
      {
        HostedZoneId: ZONE,
        ChangeBatch: {
          Comment: 'selfheal cell traffic shift turned cell-b On (weight 20)',
          Changes: [
            {
              Action: 'UPSERT',
              ResourceRecordSet: {
                Name: 'api.example.com.',
                Type: 'A',
                SetIdentifier: 'cell-b',
                Weight: 20,
                TTL: 60,
                ResourceRecords: [{ Value: '198.51.100.20' }],
              },
            },
          ],
        },
      },
    ]);
  });

  it('keeps an alias record its AliasTarget', async () => {
    lists([recordC(0)]);

    await update(['cell-c', 'On']);

    expect(listCalls()).toStrictEqual([
      {
        HostedZoneId: `/hostedzone/${OTHER_ZONE}`,
        StartRecordName: 'www.example.org.',
        StartRecordType: 'AAAA',
        StartRecordIdentifier: 'cell-c',
        MaxItems: 1,
      },
    ]);
    expect(changeCalls()).toStrictEqual([
      {
        HostedZoneId: `/hostedzone/${OTHER_ZONE}`,
        ChangeBatch: {
          Comment: 'selfheal cell traffic shift turned cell-c On (weight 255)',
          Changes: [
            {
              Action: 'UPSERT',
              ResourceRecordSet: {
                Name: 'www.example.org.',
                Type: 'AAAA',
                SetIdentifier: 'cell-c',
                Weight: 255,
                AliasTarget: {
                  HostedZoneId: 'Z35SXDOTRQ7X7K',
                  DNSName: 'cell-c-123456789.us-east-1.elb.amazonaws.com.',
                  EvaluateTargetHealth: true,
                },
              },
            },
          ],
        },
      },
    ]);
  });

  it('changes two cells of one zone in one call, in the order asked', async () => {
    lists([recordA(10), recordB(0)]);

    await update([CELL_A.routingControlArn, 'Off'], ['cell-b', 'On']);

    expect(listCalls().map((input) => input.StartRecordIdentifier)).toStrictEqual(['cell-a', 'cell-b']);
    expect(changeCalls()).toStrictEqual([
      {
        HostedZoneId: ZONE,
        ChangeBatch: {
          Comment: 'selfheal cell traffic shift turned cell-a Off (weight 0), cell-b On (weight 20)',
          Changes: [
            { Action: 'UPSERT', ResourceRecordSet: { ...recordA(10), Weight: 0 } },
            { Action: 'UPSERT', ResourceRecordSet: { ...recordB(0), Weight: 20 } },
          ],
        },
      },
    ]);
  });

  it('makes one call per hosted zone, after reading every record', async () => {
    const order: string[] = [];
    route53.on(ListResourceRecordSetsCommand).callsFake((input: { StartRecordIdentifier: string }) => {
      order.push(`list ${input.StartRecordIdentifier}`);
      const record = { 'cell-a': recordA(10), 'cell-b': recordB(20), 'cell-c': recordC(255) }[
        input.StartRecordIdentifier
      ];
      return { ResourceRecordSets: [record], IsTruncated: false, MaxItems: 1 };
    });
    route53.on(ChangeResourceRecordSetsCommand).callsFake((input: { HostedZoneId: string }) => {
      order.push(`change ${input.HostedZoneId}`);
      return { ChangeInfo: CHANGE_INFO };
    });

    await update([CELL_A.routingControlArn, 'Off'], ['cell-c', 'Off'], ['cell-b', 'Off']);

    expect(order).toStrictEqual([
      'list cell-a',
      'list cell-c',
      'list cell-b',
      `change ${ZONE}`,
      `change /hostedzone/${OTHER_ZONE}`,
    ]);
    expect(changeCalls().map((input) => input.ChangeBatch?.Changes?.length)).toStrictEqual([2, 1]);
  });

  it('does not rewrite a record already at the weight asked for, nor call for a zone left unchanged', async () => {
    lists([recordA(0), recordB(7)]);

    await update([CELL_A.routingControlArn, 'Off'], ['cell-b', 'On']);
    // cell-b is On at weight 7: turning it On restores its configured weight.
    expect(changeCalls()).toStrictEqual([
      {
        HostedZoneId: ZONE,
        ChangeBatch: {
          Comment: 'selfheal cell traffic shift turned cell-b On (weight 20)',
          Changes: [{ Action: 'UPSERT', ResourceRecordSet: { ...recordB(7), Weight: 20 } }],
        },
      },
    ]);

    route53.resetHistory();
    await update([CELL_A.routingControlArn, 'Off']);
    expect(listCalls()).toHaveLength(1);
    expect(changeCalls()).toStrictEqual([]);
  });

  it('answers ResourceNotFoundException for an unknown routing control before any call', async () => {
    lists([recordA(10)]);

    const thrown = await raised(update([CELL_A.routingControlArn, 'Off'], ['arn:unknown', 'Off']));

    expect((thrown as Error).name).toBe('ResourceNotFoundException');
    expect(classifyAwsError(thrown, 'UpdateRoutingControlStates')).toBeInstanceOf(ResourceNotFoundError);
    expect(route53.calls()).toHaveLength(0);
  });

  it('answers ResourceNotFoundException when a record set is missing, and changes no zone', async () => {
    lists([recordA(10)]);
    route53.on(ListResourceRecordSetsCommand, { StartRecordIdentifier: 'cell-c' }).resolves(lastPage([]));

    const thrown = await raised(update([CELL_A.routingControlArn, 'Off'], ['cell-c', 'Off']));

    expect((thrown as Error).name).toBe('ResourceNotFoundException');
    expect((thrown as Error).message).toBe(
      `No weighted AAAA record www.example.org. with SetIdentifier cell-c in hosted zone /hostedzone/${OTHER_ZONE}`,
    );
    expect(classifyAwsError(thrown, 'UpdateRoutingControlStates')).toBeInstanceOf(ResourceNotFoundError);
    expect(changeCalls()).toStrictEqual([]);
  });

  it.each([
    ['no entries', { UpdateRoutingControlStateEntries: [] }, 'UpdateRoutingControlStateEntries is empty'],
    [
      'a cell twice',
      {
        UpdateRoutingControlStateEntries: [
          { RoutingControlArn: 'cell-b', RoutingControlState: 'Off' as const },
          { RoutingControlArn: 'cell-b', RoutingControlState: 'On' as const },
        ],
      },
      'Routing control cell-b appears twice in one update',
    ],
    [
      'a state other than On/Off',
      {
        UpdateRoutingControlStateEntries: [
          { RoutingControlArn: 'cell-b', RoutingControlState: 'off' as unknown as 'Off' },
        ],
      },
      'RoutingControlState of cell-b is off, not On or Off',
    ],
    [
      'no routing control',
      {
        UpdateRoutingControlStateEntries: [
          { RoutingControlArn: undefined, RoutingControlState: 'On' as const },
        ],
      },
      'RoutingControlArn is required',
    ],
    [
      'safety rules to override',
      {
        UpdateRoutingControlStateEntries: [
          { RoutingControlArn: 'cell-b', RoutingControlState: 'Off' as const },
        ],
        SafetyRulesToOverride: ['arn:rule'],
      },
      'Weighted records have no safety rules to override',
    ],
  ])('answers ValidationException for %s before any call', async (_name, input, message) => {
    const thrown = await raised(adapter().updateRoutingControlStates(input));

    expect((thrown as Error).name).toBe('ValidationException');
    expect((thrown as Error).message).toBe(message);
    expect(route53.calls()).toHaveLength(0);
  });

  it("cuts a long Comment to Route 53's 256 characters", async () => {
    const many: WeightedCell[] = Array.from({ length: 20 }, (_, i) => ({
      ...CELL_A,
      routingControlArn: `cell-${i}`,
      setIdentifier: `a-rather-long-set-identifier-${i}`,
    }));
    route53
      .on(ListResourceRecordSetsCommand)
      .callsFake((input: { StartRecordIdentifier: string }) =>
        lastPage([{ ...recordA(10), SetIdentifier: input.StartRecordIdentifier }]),
      );

    await weightedRecordsAdapter(client, many).updateRoutingControlStates({
      UpdateRoutingControlStateEntries: many.map((c) => ({
        RoutingControlArn: c.routingControlArn,
        RoutingControlState: 'Off' as const,
      })),
    });

    const [call] = changeCalls();
    expect(call!.ChangeBatch!.Changes).toHaveLength(20);
    expect(call!.ChangeBatch!.Comment).toHaveLength(256);
    expect(call!.ChangeBatch!.Comment).toMatch(
      /^selfheal cell traffic shift turned a-rather-long-set-identifier-0 Off/,
    );
    expect(call!.ChangeBatch!.Comment).toMatch(/\.\.\.$/);
  });
});

describe("Route 53's errors", () => {
  it.each([
    [
      'Throttling (the code Route 53 answers, unmodelled)',
      () =>
        new Route53ServiceException({
          name: 'Throttling',
          $fault: 'client',
          $metadata: { ...metadata, httpStatusCode: 400 },
          message: 'Rate exceeded',
        }),
    ],
    ['ThrottlingException', () => new ThrottlingException({ $metadata: metadata, message: 'Rate exceeded' })],
  ])('propagate %s as raised, which classifies as AwsThrottledError', async (_name, make) => {
    const error = make();
    route53.on(ListResourceRecordSetsCommand).rejects(error);

    const thrown = await raised(adapter().getRoutingControlState({ RoutingControlArn: 'cell-b' }));

    expect(thrown).toBe(error);
    const classified = classifyAwsError(thrown, 'GetRoutingControlState of cell cell-b');
    expect(classified).toBeInstanceOf(AwsThrottledError);
    expect(classified.retryable).toBe(true);
    expect(RETRYABLE_ERRORS).toContain(classified.name);
  });

  /** Turns cell A Off while ChangeResourceRecordSets fails with `error`: the adapter raises it as is. */
  async function turnOffFailingWith(error: Error): Promise<unknown> {
    lists([recordA(10)]);
    route53.on(ChangeResourceRecordSetsCommand).rejects(error);
    const thrown = await raised(update([CELL_A.routingControlArn, 'Off']));
    expect(thrown).toBe(error);
    return thrown;
  }

  it('propagate a throttled ChangeResourceRecordSets as raised: AwsThrottledError', async () => {
    const thrown = await turnOffFailingWith(
      new ThrottlingException({ $metadata: metadata, message: 'Rate exceeded' }),
    );
    expect(classifyAwsError(thrown, 'UpdateRoutingControlStates cell-a Off')).toBeInstanceOf(
      AwsThrottledError,
    );
  });

  it('propagate PriorRequestNotComplete as raised', async () => {
    const thrown = await turnOffFailingWith(
      new PriorRequestNotComplete({
        $metadata: metadata,
        message: 'The request was rejected because Route 53 was still processing a prior request.',
      }),
    );
    expect((thrown as Error).name).toBe('PriorRequestNotComplete');
  });

  it('propagate InvalidChangeBatch as raised, which is not retried', async () => {
    const thrown = await turnOffFailingWith(
      new InvalidChangeBatch({
        $metadata: metadata,
        message: 'Tried to create resource record set but it already exists',
        messages: ['Tried to create resource record set but it already exists'],
      }),
    );
    expect(classifyAwsError(thrown, 'UpdateRoutingControlStates cell-a Off').retryable).toBe(false);
  });
});

describe('configuration', () => {
  it.each([
    ['no cells', [], /at least one cell/],
    ['an On weight of 0', [{ ...CELL_A, weight: 0 }], /On weight 0, not an integer from 1 to 255/],
    ['an On weight of 256', [{ ...CELL_A, weight: 256 }], /On weight 256/],
    ['a fractional On weight', [{ ...CELL_A, weight: 1.5 }], /On weight 1.5/],
    [
      'one routing control twice',
      [CELL_B, { ...CELL_C, routingControlArn: 'cell-b' }],
      /two cells use routing control cell-b/,
    ],
    [
      'one record for two cells (zone prefix, case and trailing dot aside)',
      [
        CELL_A,
        {
          ...CELL_A,
          routingControlArn: 'other',
          hostedZoneId: `/hostedzone/${ZONE}`,
          recordName: 'API.example.com.',
        },
      ],
      /two cells use the record API\.example\.com\. A cell-a/,
    ],
  ])('refuses %s', (_name, cells, message) => {
    expect(() => weightedRecordsAdapter(client, cells)).toThrow(message);
  });
});

describe('createRoute53Client', () => {
  it("signs for the region given and resolves to Route 53's global endpoint", async () => {
    const route53Client = createRoute53Client({ region: 'eu-west-1' });

    expect(await route53Client.config.region()).toBe('eu-west-1');
    const endpoint = route53Client.config.endpointProvider({
      Region: 'eu-west-1',
      UseFIPS: false,
      UseDualStack: false,
    });
    expect(endpoint.url.hostname).toBe('route53.amazonaws.com');
    route53Client.destroy();
  });
});
