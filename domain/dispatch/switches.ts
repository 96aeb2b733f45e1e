/**
 * Operator-controlled settings in the control table: the global kill switch and rate limit, and per
 * runbook an on/off switch, live mode (a runbook stays in dry-run until an operator turns it live),
 * its cooldown and rate limit. Absent items mean the safe defaults below.
 */
import { PutItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { classifyAwsError } from '../errors.ts';

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
  await writeSwitch(dynamodb, controlTable, GLOBAL_SWITCH_KEY, { ...DEFAULT_GLOBAL_SWITCH, ...change });
}

/** Replaces the runbook's settings: what `change` leaves out goes back to the default. */
export async function writeRunbookSwitch(
  dynamodb: DynamoDBClient,
  controlTable: string,
  runbook: string,
  change: Partial<RunbookSwitch>,
): Promise<void> {
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
      result[key] = Number(value.N);
    }
  }
  return result as T;
}
