/**
 * Operator-controlled settings in the control table: the global kill switch and rate limit, and per
 * runbook an on/off switch, live mode (a runbook stays in dry-run until an operator turns it live),
 * its cooldown and rate limit. Absent items mean the safe defaults below.
 */
import { UpdateItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { classifyAwsError, InvalidRequestError } from '../errors.ts';

export interface GlobalSwitch {
  enabled: boolean;
  actionsPerHour: number;
}

export interface RunbookSwitch {
  enabled: boolean;
  /** false: the runbook runs as a dry run (diagnose and plan, change nothing). */
  live: boolean;
  cooldownSeconds: number;
  actionsPerHour: number;
}

export const DEFAULT_GLOBAL_SWITCH: GlobalSwitch = { enabled: true, actionsPerHour: 20 };
export const DEFAULT_RUNBOOK_SWITCH: RunbookSwitch = {
  enabled: true,
  live: false,
  cooldownSeconds: 900,
  actionsPerHour: 6,
};

/**
 * What an operator may set. A cooldown is at most a week (a longer quiet time is a runbook turned
 * off, which --off says plainly; and a cooldown becomes a date, which JavaScript cannot hold past
 * about 275,000 years). At most 1,000 actions an hour: no runbook can start more runs than that.
 */
export const SWITCH_LIMITS = {
  cooldownSeconds: { min: 0, max: 7 * 24 * 3600 },
  actionsPerHour: { min: 0, max: 1_000 },
} as const;

type Bounded = keyof typeof SWITCH_LIMITS;

/** Refuses, naming the field and its bounds, a switch value out of bounds or not a whole number. */
export function checkSwitchValues(change: Partial<Record<Bounded, number>>): void {
  const issues: string[] = [];
  for (const key of Object.keys(SWITCH_LIMITS) as Bounded[]) {
    const value = change[key];
    if (value === undefined) continue;
    const { min, max } = SWITCH_LIMITS[key];
    if (!Number.isInteger(value) || value < min || value > max) {
      issues.push(`${key} must be a whole number from ${min} to ${max}, got ${value}`);
    }
  }
  if (issues.length > 0) throw new InvalidRequestError('The switch', issues);
}

export const GLOBAL_SWITCH_KEY = 'switch#global';
export const runbookSwitchKey = (runbook: string): string => `switch#runbook#${runbook}`;

export interface Switches {
  global: GlobalSwitch;
  runbook: RunbookSwitch;
}

/** The keys to read for `runbook`'s switches; `switchesFrom` reads them from the items. */
export const switchKeys = (runbook: string): string[] => [GLOBAL_SWITCH_KEY, runbookSwitchKey(runbook)];

export function switchesFrom(
  items: ReadonlyMap<string, Record<string, AttributeValue>>,
  runbook: string,
): Switches {
  return {
    global: settings(items.get(GLOBAL_SWITCH_KEY) ?? {}, DEFAULT_GLOBAL_SWITCH),
    runbook: settings(items.get(runbookSwitchKey(runbook)) ?? {}, DEFAULT_RUNBOOK_SWITCH),
  };
}

/**
 * Changes the global switch's settings that `change` names, and nothing else: two operators
 * changing different settings at once both keep their change.
 */
export async function writeGlobalSwitch(
  dynamodb: DynamoDBClient,
  controlTable: string,
  change: Partial<GlobalSwitch>,
): Promise<Record<string, AttributeValue>> {
  checkSwitchValues(change);
  return updateSwitch(dynamodb, controlTable, GLOBAL_SWITCH_KEY, change, DEFAULT_GLOBAL_SWITCH);
}

/** Changes the runbook switch's settings that `change` names, and nothing else. */
export async function writeRunbookSwitch(
  dynamodb: DynamoDBClient,
  controlTable: string,
  runbook: string,
  change: Partial<RunbookSwitch>,
): Promise<Record<string, AttributeValue>> {
  checkSwitchValues(change);
  return updateSwitch(dynamodb, controlTable, runbookSwitchKey(runbook), change, DEFAULT_RUNBOOK_SWITCH);
}

/**
 * One UpdateItem that sets only the named settings, returning the switch as it now stands. A new item also gets `enabled` (its default):
 * an item without a readable `enabled` is read as off (fail closed), so a first change of another
 * setting must not switch the runbook off.
 */
async function updateSwitch(
  dynamodb: DynamoDBClient,
  controlTable: string,
  pk: string,
  change: Partial<Record<string, boolean | number>>,
  defaults: { enabled: boolean },
): Promise<Record<string, AttributeValue>> {
  const names: Record<string, string> = { '#enabled': 'enabled' };
  const values: Record<string, AttributeValue> = {};
  const sets: string[] = [];
  for (const [key, value] of Object.entries(change)) {
    if (value === undefined) continue;
    names[`#${key}`] = key;
    values[`:${key}`] = typeof value === 'boolean' ? { BOOL: value } : { N: String(value) };
    sets.push(`#${key} = :${key}`);
  }
  if (change.enabled === undefined) {
    values[':enabledDefault'] = { BOOL: defaults.enabled };
    sets.push('#enabled = if_not_exists(#enabled, :enabledDefault)');
  }
  try {
    const { Attributes } = await dynamodb.send(
      new UpdateItemCommand({
        TableName: controlTable,
        Key: { pk: { S: pk } },
        UpdateExpression: `SET ${sets.join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      }),
    );
    return Attributes ?? { pk: { S: pk } };
  } catch (error) {
    throw classifyAwsError(error, `Writing ${pk} in ${controlTable}`);
  }
}

function settings<T extends GlobalSwitch | RunbookSwitch>(
  item: Record<string, AttributeValue>,
  defaults: T,
): T {
  const result: Record<string, unknown> = { ...defaults };
  // A switch an operator wrote but that cannot be read fails closed: a kill switch must hold.
  if (Object.keys(item).length > 0 && item.enabled?.BOOL === undefined) result.enabled = false;
  for (const [key, fallback] of Object.entries(defaults)) {
    const value = item[key];
    if (typeof fallback === 'boolean' && value?.BOOL !== undefined) result[key] = value.BOOL;
    if (typeof fallback === 'number' && value?.N !== undefined && Number.isFinite(Number(value.N))) {
      // A value written past the bounds (by hand, or before they existed) is read at the bound.
      const limits = SWITCH_LIMITS[key as Bounded] as { min: number; max: number } | undefined;
      const n = Number(value.N);
      result[key] = limits ? Math.min(limits.max, Math.max(limits.min, n)) : n;
    }
  }
  return result as T;
}
