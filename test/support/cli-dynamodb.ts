/**
 * The commands that read and write a deployment's DynamoDB tables (kill-switch, switch, ledger)
 * against a mocked DynamoDB (aws-sdk-client-mock), and the control table's items and requests as
 * DynamoDB sees them.
 */
import { beforeEach } from 'vitest';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import {
  BatchGetItemCommand,
  DynamoDBClient,
  UpdateItemCommand,
  type AttributeValue,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { createDynamoDbClient } from '../../adapters/aws-clients.ts';
import { useMockedAws } from './cli.ts';

/**
 * The mocked DynamoDB (every DynamoDBClient) for the tests of the describe block this is called in,
 * made per region through the CLI's client hook; asking for Step Functions fails the command.
 * Mocking the class only there leaves the block's neighbours free to talk to a real dynalite.
 */
export function useMockedDynamoDb(command: string): {
  ddb: () => AwsClientStub<DynamoDBClient>;
  regions: (string | undefined)[];
  /** The requests the mock received, as [command, input], in order. */
  requests: () => [string, unknown][];
} {
  const { stub, regions } = useMockedAws(
    () => mockClient(DynamoDBClient),
    (regions) => ({
      dynamodb: (region) => {
        regions.push(region);
        // us-east-1 when none is asked for, so no test depends on the machine's AWS config.
        return createDynamoDbClient({ region: region ?? 'us-east-1' });
      },
      stepFunctions: () => {
        throw new Error(`selfheal ${command} has no business with Step Functions`);
      },
    }),
  );
  return {
    ddb: stub,
    regions,
    requests: () =>
      stub()
        .calls()
        .map((c) => [c.args[0].constructor.name, c.args[0].input]),
  };
}

/**
 * useMockedDynamoDb with the control table of deployment prod empty and taking every write, until a
 * test says what it holds.
 */
export function useMockedControlTable(command: string): ReturnType<typeof useMockedDynamoDb> & {
  /** From now on the control table of prod holds these switches, and no others. */
  holds: (...items: Record<string, AttributeValue>[]) => void;
} {
  const mocked = useMockedDynamoDb(command);
  let held: Record<string, AttributeValue>[] = [];
  const holds = (...items: Record<string, AttributeValue>[]) => {
    held = items;
    mocked
      .ddb()
      .on(BatchGetItemCommand)
      .resolves({ Responses: { 'prod-control': items } });
  };
  beforeEach(() => {
    holds();
    // An UpdateItem's SET applied to the item held, answered ALL_NEW as DynamoDB does.
    mocked
      .ddb()
      .on(UpdateItemCommand)
      .callsFake((input: UpdateItemCommandInput) => {
        const pk = input.Key?.pk?.S;
        const item: Record<string, AttributeValue> = {
          ...(held.find((i) => i.pk?.S === pk) ?? {}),
          ...key(pk ?? ''),
        };
        for (const assignment of (input.UpdateExpression ?? '').replace(/^SET /, '').split(/, (?=#)/)) {
          const ifNotExists = /^#(\w+) = if_not_exists\(#\w+, (:\w+)\)$/.exec(assignment);
          const plain = /^#(\w+) = (:\w+)$/.exec(assignment);
          const [, name, value] = ifNotExists ?? plain ?? [];
          if (!name || !value) throw new Error(`the mock cannot apply ${assignment}`);
          const attribute = input.ExpressionAttributeValues?.[value];
          if (attribute && !(ifNotExists && item[name])) item[name] = attribute;
        }
        return { Attributes: item };
      });
  });
  return { ...mocked, holds };
}

/** What DynamoDB answers about a table the deployment does not have (in that region). */
export const tableNotFound = () =>
  Object.assign(new Error('Requested resource not found'), { name: 'ResourceNotFoundException' });

/** A table's key. */
export const key = (pk: string) => ({ pk: { S: pk } });

export interface SwitchAttributes {
  enabled?: boolean;
  live?: boolean;
  cooldownSeconds?: number;
  actionsPerHour?: number;
}

/** A switch as the control table holds it: its key and the attributes given. */
export function switchItem(pk: string, attributes: SwitchAttributes): Record<string, AttributeValue> {
  const { enabled, live, cooldownSeconds, actionsPerHour } = attributes;
  return {
    ...key(pk),
    ...(enabled === undefined ? {} : { enabled: { BOOL: enabled } }),
    ...(live === undefined ? {} : { live: { BOOL: live } }),
    ...(cooldownSeconds === undefined ? {} : { cooldownSeconds: { N: String(cooldownSeconds) } }),
    ...(actionsPerHour === undefined ? {} : { actionsPerHour: { N: String(actionsPerHour) } }),
  };
}

/** The request that reads these switches, in this order, in one consistent BatchGetItem. */
export const getSwitches = (table: string, pks: string[]) => [
  'BatchGetItemCommand',
  { RequestItems: { [table]: { Keys: pks.map(key), ConsistentRead: true } } },
];

/**
 * The request that changes one switch: only the `changed` attributes, in the order the CLI names
 * them, and `enabled` kept (or set to its default on a new switch) when the change leaves it out.
 */
export function updateSwitch(table: string, pk: string, changed: SwitchAttributes) {
  const names: Record<string, string> = { '#enabled': 'enabled' };
  const values: Record<string, AttributeValue> = {};
  const sets: string[] = [];
  for (const name of ['enabled', 'live', 'cooldownSeconds', 'actionsPerHour'] as const) {
    const value = changed[name];
    if (value === undefined) continue;
    names[`#${name}`] = name;
    values[`:${name}`] = typeof value === 'boolean' ? { BOOL: value } : { N: String(value) };
    sets.push(`#${name} = :${name}`);
  }
  if (changed.enabled === undefined) {
    values[':enabledDefault'] = { BOOL: true };
    sets.push('#enabled = if_not_exists(#enabled, :enabledDefault)');
  }
  return [
    'UpdateItemCommand',
    {
      TableName: table,
      Key: key(pk),
      UpdateExpression: `SET ${sets.join(', ')}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ReturnValues: 'ALL_NEW',
    },
  ];
}

/**
 * What changing one switch sends: one UpdateItem of only what changes, then, for a runbook's
 * switch, one read of the global switch (it may still stop the runbook).
 */
export function switchWrites(table: string, changed: SwitchAttributes, runbook?: string) {
  const pk = runbook === undefined ? 'switch#global' : `switch#runbook#${runbook}`;
  return [
    updateSwitch(table, pk, changed),
    ...(runbook === undefined ? [] : [getSwitches(table, ['switch#global'])]),
  ];
}

/** The --json answer of a command that set one runbook's switch to `attributes`. */
export const runbookSwitchSet = (runbook: string, attributes: SwitchAttributes) => ({
  scope: 'runbook',
  runbook,
  key: `switch#runbook#${runbook}`,
  set: true,
  ...attributes,
});
