/**
 * The operator commands in AWS use the SDK's own chains: a region set only in the profile's
 * ~/.aws/config is read (nothing fills one in before the SDK looks). What AWS says of the caller
 * (no credentials, no region, access denied, an invalid request) is the caller's to fix: one line
 * with the way out, exit 1, never "internal error". No network: the clients are mocked.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import { BatchGetItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoDbClient, createSfnClient } from '../../adapters/aws-clients.ts';
import { EXIT } from '../../cli/exit-codes.ts';
import { NO_CREDENTIALS, NO_REGION } from '../../cli/operator-errors.ts';
import { runCapturing } from '../support/cli.ts';

const sfn = mockClient(SFNClient);
const ddb = mockClient(DynamoDBClient);
let dir: string;

/** A profile `ops` whose region is only in the config file; no region in the environment. */
async function profileWithRegion(region: string | undefined): Promise<void> {
  const config = join(dir, 'config');
  await writeFile(config, region ? `[profile ops]\nregion = ${region}\n` : '[profile ops]\n');
  vi.stubEnv('AWS_CONFIG_FILE', config);
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(dir, 'credentials'));
  vi.stubEnv('AWS_PROFILE', 'ops');
  vi.stubEnv('AWS_REGION', undefined);
  vi.stubEnv('AWS_DEFAULT_REGION', undefined);
}

beforeEach(async () => {
  sfn.reset();
  ddb.reset();
  dir = await mkdtemp(join(tmpdir(), 'selfheal-aws-caller-'));
  vi.stubEnv('SELFHEAL_DEPLOYMENT', undefined);
});

afterEach(async () => {
  vi.unstubAllEnvs();
  await rm(dir, { recursive: true, force: true });
});

describe("the SDK's region chain, profiles included", () => {
  it('the clients read the region of the profile AWS_PROFILE names in AWS_CONFIG_FILE', async () => {
    await profileWithRegion('ap-southeast-2');

    expect(await createSfnClient().config.region()).toBe('ap-southeast-2');
    expect(await createDynamoDbClient().config.region()).toBe('ap-southeast-2');
    // --region (or an execution ARN's) still wins.
    expect(await createSfnClient({ region: 'eu-west-1' }).config.region()).toBe('eu-west-1');
  });

  it('list and kill-switch act in the profile’s region and say so', async () => {
    await profileWithRegion('ap-southeast-2');
    sfn.on(ListStateMachinesCommand).resolves({ stateMachines: [] });
    ddb.on(BatchGetItemCommand).resolves({ Responses: {} });

    expect((await runCapturing(['list'])).code).toBe(EXIT.ok);
    expect(await (sfn.call(0).thisValue as SFNClient).config.region()).toBe('ap-southeast-2');

    const shown = await runCapturing(['kill-switch']);
    expect(shown.code).toBe(EXIT.ok);
    expect(shown.out.join('\n')).toMatch(/^Kill switch off in deployment selfheal \(AWS, ap-southeast-2\):/);
  });

  it('no region anywhere: one line naming where a region comes from and --local, exit 1, no call made', async () => {
    await profileWithRegion(undefined);

    const listed = await runCapturing(['list']);

    expect(listed).toMatchObject({ code: EXIT.failed, err: [`selfheal: ${NO_REGION}`] });
    expect(sfn.calls()).toHaveLength(0);
  });
});

describe("what AWS says of the caller: one line, exit 1, the caller's to fix", () => {
  const PROD = ['--deployment', 'prod', '--region', 'eu-west-1'];

  it.each([
    [
      'no credentials',
      { name: 'CredentialsProviderError', message: 'Could not load credentials from any providers' },
      `selfheal: ${NO_CREDENTIALS}`,
    ],
    [
      'access denied, naming the action',
      {
        name: 'AccessDeniedException',
        message:
          'User: arn:aws:sts::123456789012:assumed-role/oncall/alice is not authorized to perform: states:ListStateMachines on resource: arn:aws:states:eu-west-1:123456789012:stateMachine:* because no identity-based policy allows the states:ListStateMachines action',
      },
      /^selfheal: access denied to states:ListStateMachines: the caller needs the deployment's operator policy, <deployment>-operator \(its ARN is a stack output\) \(AccessDeniedException: User: .*\)$/,
    ],
    [
      'a request AWS finds invalid',
      { name: 'ValidationException', message: "1 validation error detected: Value '0' at 'maxResults'" },
      "selfheal: AWS refused the request as invalid: 1 validation error detected: Value '0' at 'maxResults'",
    ],
    [
      'credentials AWS does not accept',
      { name: 'ExpiredTokenException', message: 'The security token included in the request is expired' },
      /^selfheal: AWS refused the credentials \(ExpiredTokenException: .*\): renew them .*--local/,
    ],
  ])('%s', async (_, error, line) => {
    sfn.on(ListStateMachinesCommand).rejects(error);

    const listed = await runCapturing(['list', ...PROD]);

    expect(listed.code).toBe(EXIT.failed);
    expect(listed.err).toEqual([typeof line === 'string' ? line : expect.stringMatching(line)]);
  });

  it('an SDK error selfheal wrapped (its cause) is read too: DynamoDB access denied for kill-switch', async () => {
    ddb.on(BatchGetItemCommand).rejects({
      name: 'AccessDeniedException',
      message:
        'User: arn:aws:iam::123456789012:user/bob is not authorized to perform: dynamodb:BatchGetItem on resource: arn:aws:dynamodb:eu-west-1:123456789012:table/prod-control',
    });

    const shown = await runCapturing(['kill-switch', ...PROD]);

    expect(shown.code).toBe(EXIT.failed);
    expect(shown.err).toEqual([expect.stringMatching(/^selfheal: access denied to dynamodb:BatchGetItem: /)]);
  });

  it('anything else is still an internal error (exit 3), with the hint of --verbose', async () => {
    sfn.on(ListStateMachinesCommand).rejects(new TypeError('cannot read properties of undefined'));

    const listed = await runCapturing(['list', ...PROD]);

    expect(listed.code).toBe(EXIT.internal);
    expect(listed.err).toEqual([
      'selfheal: TypeError: cannot read properties of undefined',
      '(run again with --verbose for details)',
    ]);
  });
});
