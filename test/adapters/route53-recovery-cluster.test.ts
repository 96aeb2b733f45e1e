import { beforeEach, describe, expect, it, vi } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  AccessDeniedException,
  ConflictException,
  EndpointTemporarilyUnavailableException,
  GetRoutingControlStateCommand,
  InternalServerException,
  ResourceNotFoundException,
  Route53RecoveryClusterClient,
  ServiceLimitExceededException,
  ThrottlingException,
  UpdateRoutingControlStatesCommand,
  ValidationException,
} from '@aws-sdk/client-route53-recovery-cluster';
import { recoveryClusterAdapter } from '../../adapters/route53-recovery-cluster.ts';
import type { ClusterEndpoint } from '../../adapters/route53-recovery-cluster.ts';
import { createRecoveryClusterClient } from '../../adapters/aws-clients.ts';
import { AwsTransientError, classifyAwsError, RETRYABLE_ERRORS } from '../../domain/errors.ts';

const metadata = { httpStatusCode: 200, requestId: 'req-1' };
const controlArn = (cell: string) =>
  `arn:aws:route53-recovery-control::123456789012:controlpanel/abc/routingcontrol/${cell}`;
const CONTROL = controlArn('cell1');
const OTHER_CONTROL = controlArn('cell2');

const ENDPOINTS: ClusterEndpoint[] = [
  { endpoint: 'https://host-aaaaaa.us-east-1.example.com/v1', region: 'us-east-1' },
  { endpoint: 'https://host-bbbbbb.us-west-2.example.com/v1', region: 'us-west-2' },
  { endpoint: 'https://host-cccccc.eu-west-1.example.com/v1', region: 'eu-west-1' },
];

// One real client per endpoint, each with its own mock: which endpoint got which call is then
// read straight off that endpoint's mock.
const clients = ENDPOINTS.map((e) => new Route53RecoveryClusterClient(e));
const mocks = clients.map((client) => mockClient(client));
const createClient = vi.fn((endpoint: string, _region: string) => {
  const index = ENDPOINTS.findIndex((e) => e.endpoint === endpoint);
  return clients[index]!;
});

const adapter = (firstEndpoint = 0) => recoveryClusterAdapter(ENDPOINTS, { createClient, firstEndpoint });
const calls = () => mocks.map((m) => m.calls().length);

const networkError = () =>
  Object.assign(new Error('connect ECONNREFUSED 192.0.2.10:443'), { code: 'ECONNREFUSED' });
const timeoutError = () =>
  Object.assign(new Error('Socket timed out without establishing a connection within 2000 ms'), {
    name: 'TimeoutError',
  });

beforeEach(() => {
  for (const m of mocks) m.reset();
  createClient.mockClear();
});

describe('recoveryClusterAdapter.getRoutingControlState', () => {
  it('sends the ARN unchanged to the first endpoint and returns the state without $metadata', async () => {
    mocks[0]!.on(GetRoutingControlStateCommand, { RoutingControlArn: CONTROL }).resolves({
      $metadata: metadata,
      RoutingControlArn: CONTROL,
      RoutingControlState: 'On',
      RoutingControlName: 'cell1',
    });

    const result = await adapter().getRoutingControlState({ RoutingControlArn: CONTROL });

    expect(mocks[0]!.commandCalls(GetRoutingControlStateCommand).map((c) => c.args[0].input)).toStrictEqual([
      { RoutingControlArn: CONTROL },
    ]);
    expect(calls()).toStrictEqual([1, 0, 0]);
    expect(result).toStrictEqual({
      RoutingControlArn: CONTROL,
      RoutingControlState: 'On',
      RoutingControlName: 'cell1',
    });
  });
});

describe('recoveryClusterAdapter.updateRoutingControlStates', () => {
  it('sends exactly the entries asked for, with no SafetyRulesToOverride', async () => {
    mocks[0]!.on(UpdateRoutingControlStatesCommand).resolves({ $metadata: metadata });

    const result = await adapter().updateRoutingControlStates({
      UpdateRoutingControlStateEntries: [
        { RoutingControlArn: CONTROL, RoutingControlState: 'Off' },
        { RoutingControlArn: OTHER_CONTROL, RoutingControlState: 'On' },
      ],
    });

    const sent = mocks[0]!.commandCalls(UpdateRoutingControlStatesCommand).map((c) => c.args[0].input);
    expect(sent).toStrictEqual([
      {
        UpdateRoutingControlStateEntries: [
          { RoutingControlArn: CONTROL, RoutingControlState: 'Off' },
          { RoutingControlArn: OTHER_CONTROL, RoutingControlState: 'On' },
        ],
      },
    ]);
    expect(sent[0]).not.toHaveProperty('SafetyRulesToOverride');
    expect(calls()).toStrictEqual([1, 0, 0]);
    expect(result).toStrictEqual({});
  });
});

describe('failing over between endpoints', () => {
  it.each([
    ['a network error', networkError],
    ['a timeout', timeoutError],
    ['InternalServerException', () => new InternalServerException({ $metadata: metadata, message: 'boom' })],
    ['ThrottlingException', () => new ThrottlingException({ $metadata: metadata, message: 'slow down' })],
    [
      'EndpointTemporarilyUnavailableException',
      () => new EndpointTemporarilyUnavailableException({ $metadata: metadata, message: 'maintenance' }),
    ],
  ])('moves to the next endpoint after %s and returns its answer', async (_name, error) => {
    mocks[0]!.on(UpdateRoutingControlStatesCommand).rejects(error());
    mocks[1]!.on(UpdateRoutingControlStatesCommand).resolves({ $metadata: metadata });
    const input = {
      UpdateRoutingControlStateEntries: [{ RoutingControlArn: CONTROL, RoutingControlState: 'Off' as const }],
    };

    await expect(adapter().updateRoutingControlStates(input)).resolves.toStrictEqual({});

    expect(calls()).toStrictEqual([1, 1, 0]);
    expect(mocks[1]!.commandCalls(UpdateRoutingControlStatesCommand)[0]!.args[0].input).toStrictEqual({
      UpdateRoutingControlStateEntries: [{ RoutingControlArn: CONTROL, RoutingControlState: 'Off' }],
    });
  });

  it('returns the answer of the first endpoint that answers, past several that do not', async () => {
    mocks[0]!.on(GetRoutingControlStateCommand).rejects(networkError());
    mocks[1]!
      .on(GetRoutingControlStateCommand)
      .rejects(new InternalServerException({ $metadata: metadata, message: 'boom' }));
    mocks[2]!.on(GetRoutingControlStateCommand).resolves({
      $metadata: metadata,
      RoutingControlArn: CONTROL,
      RoutingControlState: 'Off',
    });

    await expect(adapter().getRoutingControlState({ RoutingControlArn: CONTROL })).resolves.toStrictEqual({
      RoutingControlArn: CONTROL,
      RoutingControlState: 'Off',
    });
    expect(calls()).toStrictEqual([1, 1, 1]);
  });

  it.each([
    [
      'ValidationException (a safety rule refused the update)',
      () =>
        new ValidationException({
          $metadata: metadata,
          message: 'Cannot perform operation because at least one safety rule was violated',
          reason: 'other',
        }),
    ],
    [
      'ResourceNotFoundException',
      () =>
        new ResourceNotFoundException({
          $metadata: metadata,
          message: 'routing control not found',
          resourceId: CONTROL,
          resourceType: 'RoutingControl',
        }),
    ],
    ['AccessDeniedException', () => new AccessDeniedException({ $metadata: metadata, message: 'denied' })],
    [
      'ConflictException',
      () =>
        new ConflictException({
          $metadata: metadata,
          message: 'conflict',
          resourceId: CONTROL,
          resourceType: 'RoutingControl',
        }),
    ],
    [
      'ServiceLimitExceededException',
      () =>
        new ServiceLimitExceededException({
          $metadata: metadata,
          message: 'too many entries',
          limitCode: 'L-1',
          serviceCode: 'route53-recovery-cluster',
        }),
    ],
    ['an error it does not recognise', () => new Error('Could not load credentials from any providers')],
  ])('does not try the next endpoint after %s: the error propagates as is', async (_name, make) => {
    const error = make();
    mocks[0]!.on(UpdateRoutingControlStatesCommand).rejects(error);
    mocks[1]!.on(UpdateRoutingControlStatesCommand).resolves({ $metadata: metadata });

    const thrown = await adapter()
      .updateRoutingControlStates({
        UpdateRoutingControlStateEntries: [{ RoutingControlArn: CONTROL, RoutingControlState: 'Off' }],
      })
      .catch((e: unknown) => e);

    expect(thrown).toBe(error);
    expect(calls()).toStrictEqual([1, 0, 0]);
  });

  it('throws one retryable error naming every endpoint and its failure when none answers', async () => {
    const failures = [
      networkError(),
      new InternalServerException({ $metadata: metadata, message: 'boom' }),
      new ThrottlingException({ $metadata: metadata, message: 'slow down' }),
    ];
    mocks.forEach((m, i) => m.on(UpdateRoutingControlStatesCommand).rejects(failures[i]));

    const thrown = await adapter()
      .updateRoutingControlStates({
        UpdateRoutingControlStateEntries: [{ RoutingControlArn: CONTROL, RoutingControlState: 'On' }],
      })
      .catch((e: unknown) => e);

    expect(calls()).toStrictEqual([1, 1, 1]);
    expect(thrown).toBeInstanceOf(AwsTransientError);
    const error = thrown as AwsTransientError;
    expect(error.retryable).toBe(true);
    expect(RETRYABLE_ERRORS).toContain(error.name);
    expect(error.message).toBe(
      'UpdateRoutingControlStates: every Route 53 ARC cluster endpoint failed (' +
        'https://host-aaaaaa.us-east-1.example.com/v1 (us-east-1): Error: connect ECONNREFUSED 192.0.2.10:443; ' +
        'https://host-bbbbbb.us-west-2.example.com/v1 (us-west-2): InternalServerException: boom; ' +
        'https://host-cccccc.eu-west-1.example.com/v1 (eu-west-1): ThrottlingException: slow down)',
    );
    expect(error.cause).toBeInstanceOf(AggregateError);
    expect((error.cause as AggregateError).errors).toStrictEqual(failures);
    // The domain classifies it as it stands: already a named selfheal error.
    expect(classifyAwsError(error, 'UpdateRoutingControlStates cell1 On')).toBe(error);
  });
});

describe('endpoint order', () => {
  it('starts at the endpoint given and wraps around the list', async () => {
    const order: number[] = [];
    mocks.forEach((m, i) =>
      m.on(GetRoutingControlStateCommand).callsFake(() => {
        order.push(i);
        throw networkError();
      }),
    );

    await expect(adapter(2).getRoutingControlState({ RoutingControlArn: CONTROL })).rejects.toBeInstanceOf(
      AwsTransientError,
    );

    expect(order).toStrictEqual([2, 0, 1]);
  });

  it('starts the next call at the endpoint that last answered', async () => {
    const order: number[] = [];
    mocks.forEach((m, i) =>
      m.on(GetRoutingControlStateCommand).callsFake(() => {
        order.push(i);
        if (i === 0) throw networkError();
        return { RoutingControlArn: CONTROL, RoutingControlState: 'On' };
      }),
    );
    const routing = adapter(0);

    await routing.getRoutingControlState({ RoutingControlArn: CONTROL });
    await routing.getRoutingControlState({ RoutingControlArn: CONTROL });

    expect(order).toStrictEqual([0, 1, 1]);
  });

  it('builds one client per endpoint, once, with its URL and region', async () => {
    mocks.forEach((m) =>
      m.on(GetRoutingControlStateCommand).resolves({ $metadata: metadata, RoutingControlState: 'On' }),
    );
    const routing = adapter();

    await routing.getRoutingControlState({ RoutingControlArn: CONTROL });
    await routing.getRoutingControlState({ RoutingControlArn: CONTROL });

    expect(createClient.mock.calls).toStrictEqual(ENDPOINTS.map((e) => [e.endpoint, e.region]));
  });

  it('refuses a cluster without endpoints', () => {
    expect(() => recoveryClusterAdapter([], { createClient })).toThrow(/at least one endpoint/);
  });
});

describe('createRecoveryClusterClient', () => {
  it('points the client at the endpoint URL, signs for its region and leaves retries to the adapter', async () => {
    const client = createRecoveryClusterClient('https://host-bbbbbb.us-west-2.example.com/v1', 'us-west-2');

    const endpoint = await client.config.endpoint?.();
    expect(endpoint).toMatchObject({
      protocol: 'https:',
      hostname: 'host-bbbbbb.us-west-2.example.com',
      path: '/v1',
    });
    expect(await client.config.region()).toBe('us-west-2');
    expect(await client.config.maxAttempts()).toBe(1);
    client.destroy();
  });
});
