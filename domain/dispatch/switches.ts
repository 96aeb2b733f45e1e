/**
 * Operator-controlled settings in the control table: the global kill switch and rate limit, and per
 * runbook an on/off switch, live mode (a runbook stays in dry-run until an operator turns it live),
 * its cooldown and rate limit. Absent items mean the safe defaults below.
 */
import { PutItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
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

export async function writeGlobalSwitch(
  dynamodb: DynamoDBClient,
  controlTable: string,
  change: Partial<GlobalSwitch>,
): Promise<void> {
  checkSwitchValues(change);
  await writeSwitch(dynamodb, controlTable, GLOBAL_SWITCH_KEY, { ...DEFAULT_GLOBAL_SWITCH, ...change });
}

/** Replaces the runbook's settings: what `change` leaves out goes back to the default. */
export async function writeRunbookSwitch(
  dynamodb: DynamoDBClient,
  controlTable: string,
  runbook: string,
  change: Partial<RunbookSwitch>,
): Promise<void> {
  checkSwitchValues(change);
  await writeSwitch(dynamodb, controlTable, runbookSwitchKey(runbook), {
    ...DEFAULT_RUNBOOK_SWITCH,
    ...change,
  });
}

async function writeSwitch(
  dynamodb: DynamoDBClient,
  controlTable: string,
  pk: string,
  values: Record<string, boolean | number>,
): Promise<void> {
  const item: Record<string, AttributeValue> = { pk: { S: pk } };
  for (const [key, value] of Object.entries(values)) {
    item[key] = typeof value === 'boolean' ? { BOOL: value } : { N: String(value) };
  }
  try {
    await dynamodb.send(new PutItemCommand({ TableName: controlTable, Item: item }));
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
