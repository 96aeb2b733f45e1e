import { describe, expect, it } from 'vitest';
import { GetItemCommand, PutItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { InvalidRequestError, ResourceNotFoundError } from '../../../domain/errors.ts';
import {
  DEFAULT_GLOBAL_SWITCH,
  DEFAULT_RUNBOOK_SWITCH,
  GLOBAL_SWITCH_KEY,
  runbookSwitchKey,
  switchesFrom,
  switchKeys,
  SWITCH_LIMITS,
  writeGlobalSwitch,
  writeRunbookSwitch,
  type Switches,
} from '../../../domain/dispatch/switches.ts';
import { useDispatchControl } from '../../support/dispatch-control.ts';

/**
 * The switches operators keep in the control table, as dispatch reads them (pure) and as
 * `selfheal switch` writes them (dynalite). What the guardrails decide from them is in
 * guardrails.test.ts.
 */
type Item = Record<string, AttributeValue>;

const RUNBOOK = 'hot-shard';
const read = (items: Record<string, Item>, runbook = RUNBOOK): Switches =>
  switchesFrom(new Map(Object.entries(items)), runbook);
const runbookItem = (item: Item) => ({ [runbookSwitchKey(RUNBOOK)]: { pk: { S: 'x' }, ...item } });

describe('switchesFrom: absent switches', () => {
  it('reads no items as the safe defaults: selfheal on at 20 an hour; the runbook on but a dry run, 15 minutes of cooldown, 6 an hour', () => {
    expect(read({})).toEqual({
      global: { enabled: true, actionsPerHour: 20 },
      runbook: { enabled: true, live: false, cooldownSeconds: 900, actionsPerHour: 6 },
    });
    expect(read({})).toEqual({ global: DEFAULT_GLOBAL_SWITCH, runbook: DEFAULT_RUNBOOK_SWITCH });
  });

  it('reads the keys switchKeys names: the global switch and the runbook’s own', () => {
    expect(switchKeys(RUNBOOK)).toEqual([GLOBAL_SWITCH_KEY, runbookSwitchKey(RUNBOOK)]);
    expect(switchKeys(RUNBOOK)).toEqual(['switch#global', 'switch#runbook#hot-shard']);
  });

  it('does not read another runbook’s switch: its being off changes nothing for this one', () => {
    const off = { [runbookSwitchKey('sqs-backpressure')]: { enabled: { BOOL: false } } };
    expect(read(off).runbook).toEqual(DEFAULT_RUNBOOK_SWITCH);
  });
});

describe('switchesFrom: a runbook’s switch as written', () => {
  it.each<[string, Item, Partial<Switches['runbook']>]>([
    [
      'every setting, as `selfheal switch` writes them',
      {
        enabled: { BOOL: true },
        live: { BOOL: true },
        cooldownSeconds: { N: '60' },
        actionsPerHour: { N: '2' },
      },
      { enabled: true, live: true, cooldownSeconds: 60, actionsPerHour: 2 },
    ],
    ['switched off', { enabled: { BOOL: false } }, { enabled: false, live: false }],
    [
      'a limit of zero (no live action at all)',
      { enabled: { BOOL: true }, actionsPerHour: { N: '0' } },
      { actionsPerHour: 0 },
    ],
    // The kill switch must hold: an item an operator wrote but dispatch cannot read is "off".
    ['no enabled flag at all', { live: { BOOL: true } }, { enabled: false, live: true }],
    ['an enabled flag that is not a boolean', { enabled: { S: 'true' } }, { enabled: false }],
    // A live flag it cannot read leaves the runbook where it is safe: a dry run.
    [
      'a live flag that is not a boolean',
      { enabled: { BOOL: true }, live: { S: 'true' } },
      { enabled: true, live: false },
    ],
    // Numbers it cannot read fall back to the defaults, not to what the operator meant (see the report).
    [
      'numbers that are not numbers',
      { enabled: { BOOL: true }, actionsPerHour: { S: '1' }, cooldownSeconds: { N: 'Infinity' } },
      { actionsPerHour: 6, cooldownSeconds: 900 },
    ],
  ])('%s', (_, item, expected) => {
    expect(read(runbookItem(item)).runbook).toEqual({ ...DEFAULT_RUNBOOK_SWITCH, ...expected });
  });
});

describe('switchesFrom: the global switch as written', () => {
  it.each<[string, Item, Switches['global']]>([
    ['the kill switch on', { enabled: { BOOL: false } }, { enabled: false, actionsPerHour: 20 }],
    [
      'a global limit of 50',
      { enabled: { BOOL: true }, actionsPerHour: { N: '50' } },
      { enabled: true, actionsPerHour: 50 },
    ],
    [
      'an item with no readable enabled flag (fails closed)',
      { pk: { S: GLOBAL_SWITCH_KEY } },
      { enabled: false, actionsPerHour: 20 },
    ],
  ])('%s', (_, item, expected) => {
    expect(read({ [GLOBAL_SWITCH_KEY]: item }).global).toEqual(expected);
  });
});

describe('writing switches', () => {
  const control = useDispatchControl();
  const stored = async (pk: string) =>
    (
      await control
        .dynamodb()
        .send(new GetItemCommand({ TableName: control.tables().control, Key: { pk: { S: pk } } }))
    ).Item;

  it('writes what a change names as dispatch reads it (booleans as BOOL, numbers as N), and enabled on a new switch', async () => {
    await control.runbookSwitch({ live: true, actionsPerHour: 2 });

    // `enabled` too: a switch without a readable one is read as off (fail closed).
    expect(await stored('switch#runbook#hot-shard')).toEqual({
      pk: { S: 'switch#runbook#hot-shard' },
      enabled: { BOOL: true },
      live: { BOOL: true },
      actionsPerHour: { N: '2' },
    });
  });

  it('changes only the settings it names: another change made before stays', async () => {
    await control.runbookSwitch({ live: true, actionsPerHour: 2 });
    await control.runbookSwitch({ cooldownSeconds: 60 });

    const item = (await stored('switch#runbook#hot-shard')) ?? {};
    expect(read({ [runbookSwitchKey(RUNBOOK)]: item }).runbook).toEqual({
      ...DEFAULT_RUNBOOK_SWITCH,
      live: true,
      actionsPerHour: 2,
      cooldownSeconds: 60,
    });
  });

  it('keeps both of two operators’ changes of different settings made at once', async () => {
    await Promise.all([
      control.runbookSwitch({ live: true }),
      control.runbookSwitch({ cooldownSeconds: 60 }),
      control.runbookSwitch({ actionsPerHour: 3 }),
    ]);

    const item = (await stored('switch#runbook#hot-shard')) ?? {};
    expect(read({ [runbookSwitchKey(RUNBOOK)]: item }).runbook).toEqual({
      enabled: true,
      live: true,
      cooldownSeconds: 60,
      actionsPerHour: 3,
    });
  });

  it('does not turn on a switch whose enabled cannot be read: a change of another setting keeps it failing closed', async () => {
    await control.dynamodb().send(
      new PutItemCommand({
        TableName: control.tables().control,
        Item: { pk: { S: 'switch#global' }, enabled: { S: 'false' } },
      }),
    );
    await control.globalSwitch({ actionsPerHour: 5 });

    const item = (await stored('switch#global')) ?? {};
    expect(read({ [GLOBAL_SWITCH_KEY]: item }).global).toEqual({ enabled: false, actionsPerHour: 5 });
  });

  it('writes the kill switch alone: the global limit keeps its value (here its default)', async () => {
    await control.globalSwitch({ enabled: false });

    expect(await stored('switch#global')).toEqual({
      pk: { S: 'switch#global' },
      enabled: { BOOL: false },
    });
    const item = (await stored('switch#global')) ?? {};
    expect(read({ [GLOBAL_SWITCH_KEY]: item }).global).toEqual({ enabled: false, actionsPerHour: 20 });
  });

  it('fails with ResourceNotFoundError naming the switch and the table when there is no control table', async () => {
    const write = writeRunbookSwitch(control.dynamodb(), 'no-such-control', RUNBOOK, { live: true });

    await expect(write).rejects.toThrow(ResourceNotFoundError);
    await expect(write).rejects.toThrow(/Writing switch#runbook#hot-shard in no-such-control/);
  });

  it.each([
    ['cooldownSeconds', 604_801],
    ['cooldownSeconds', -1],
    ['cooldownSeconds', 1.5],
    ['actionsPerHour', 1_001],
    ['actionsPerHour', Number.NaN],
  ] as const)('refuses %s = %d, writing nothing', async (key, value) => {
    const write = writeRunbookSwitch(control.dynamodb(), control.tables().control, RUNBOOK, { [key]: value });

    await expect(write).rejects.toThrow(InvalidRequestError);
    await expect(write).rejects.toThrow(
      `The switch is invalid: ${key} must be a whole number from ${SWITCH_LIMITS[key].min} to ${SWITCH_LIMITS[key].max}, got ${value}`,
    );
    expect(await stored('switch#runbook#hot-shard')).toBeUndefined();
  });

  it('refuses a global rate limit out of bounds', async () => {
    await expect(
      writeGlobalSwitch(control.dynamodb(), control.tables().control, { actionsPerHour: 1e21 }),
    ).rejects.toThrow(InvalidRequestError);
    expect(await stored('switch#global')).toBeUndefined();
  });
});

describe('switchesFrom: a number past the bounds (written by hand)', () => {
  it('reads it at the bound, so a cooldown still makes a date and a limit stays a limit', () => {
    const item = { cooldownSeconds: { N: '1e21' }, actionsPerHour: { N: '-5' } };
    expect(read(runbookItem(item)).runbook).toMatchObject({
      cooldownSeconds: SWITCH_LIMITS.cooldownSeconds.max,
      actionsPerHour: 0,
    });
  });
});
