/**
 * The operator's switches as `selfheal switch` and `selfheal kill-switch` read and change them:
 * through domain/dispatch/switches.ts (so the defaults and the fail-closed reading are dispatch's
 * own), on the control table of wherever the command acts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { BatchGetItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { AwsThrottledError, classifyAwsError } from '../domain/errors.ts';
import {
  GLOBAL_SWITCH_KEY,
  runbookSwitchKey,
  switchesFrom,
  switchKeys,
  writeGlobalSwitch,
  writeRunbookSwitch,
  type GlobalSwitch,
  type RunbookSwitch,
} from '../domain/dispatch/switches.ts';
import { runbookNames } from '../runbooks/catalogue.ts';
import { UsageError } from './exit-codes.ts';
import type { DispatchStore } from './dispatch-tables.ts';

/** `set`: an operator wrote the switch; otherwise these are dispatch's defaults. */
export interface GlobalSwitchView extends GlobalSwitch {
  scope: 'global';
  key: string;
  set: boolean;
}

export interface RunbookSwitchView extends RunbookSwitch {
  scope: 'runbook';
  runbook: string;
  key: string;
  set: boolean;
}

export interface SwitchViews {
  global: GlobalSwitchView;
  runbooks: RunbookSwitchView[];
}

/**
 * State machines with no switch of their own: dispatch, which EventBridge starts, reads the
 * switches; key-move-batches is a step of key-reshuffle and key-merge (a run of their batches),
 * which their own switches cover.
 */
const UNSWITCHED: ReadonlySet<string> = new Set(['dispatch', 'key-move-batches']);

/** Runbooks with a switch: the state machines in `statemachines/` but those above. */
export async function switchableRunbooks(): Promise<string[]> {
  return runbookNames().filter((name) => !UNSWITCHED.has(name));
}

/** A typo would write a switch nothing ever reads, and the operator would believe it holds. */
export async function checkRunbook(name: string): Promise<string> {
  const known = await switchableRunbooks();
  if (!known.includes(name)) throw new UsageError(`unknown runbook "${name}"; try: ${known.join(', ')}`);
  return name;
}

/** The global switch and `runbooks`' switches, as dispatch would read them now. */
export async function readSwitches(store: DispatchStore, runbooks: readonly string[]): Promise<SwitchViews> {
  const items = await readControlItems(store, [GLOBAL_SWITCH_KEY, ...runbooks.map(runbookSwitchKey)]);
  return { global: globalView(items), runbooks: runbooks.map((runbook) => runbookView(items, runbook)) };
}

/** One runbook's switch, and the global one that may stop it anyway: the keys dispatch reads. */
export async function readRunbookSwitch(
  store: DispatchStore,
  runbook: string,
): Promise<{ global: GlobalSwitchView; runbook: RunbookSwitchView }> {
  const items = await readControlItems(store, switchKeys(runbook));
  return { global: globalView(items), runbook: runbookView(items, runbook) };
}

/** Changes what `change` names and keeps the rest; the switch as it now stands, read as dispatch reads it. */
export async function changeGlobalSwitch(
  store: DispatchStore,
  change: Partial<GlobalSwitch>,
): Promise<GlobalSwitchView> {
  const item = await writeGlobalSwitch(store.dynamodb, store.tables.control, definedFields(change));
  return globalView(new Map([[GLOBAL_SWITCH_KEY, item]]));
}

/** Like `changeGlobalSwitch`; the global switch comes back too, as it may still stop the runbook. */
export async function changeRunbookSwitch(
  store: DispatchStore,
  runbook: string,
  change: Partial<RunbookSwitch>,
): Promise<{ global: GlobalSwitchView; runbook: RunbookSwitchView }> {
  // Only what the operator changed is written: a concurrent change of another setting stays.
  const item = await writeRunbookSwitch(store.dynamodb, store.tables.control, runbook, definedFields(change));
  // The global switch too: it may still stop the runbook.
  const global = globalView(await readControlItems(store, [GLOBAL_SWITCH_KEY]));
  return { global, runbook: runbookView(new Map([[runbookSwitchKey(runbook), item]]), runbook) };
}

type ControlItems = ReadonlyMap<string, Record<string, AttributeValue>>;

function globalView(items: ControlItems): GlobalSwitchView {
  const settings = switchesFrom(items, '').global;
  return { scope: 'global', key: GLOBAL_SWITCH_KEY, set: items.has(GLOBAL_SWITCH_KEY), ...settings };
}

function runbookView(items: ControlItems, runbook: string): RunbookSwitchView {
  const key = runbookSwitchKey(runbook);
  return { scope: 'runbook', runbook, key, set: items.has(key), ...switchesFrom(items, runbook).runbook };
}

/** The fields of `change` that are set. */
function definedFields<T extends object>(change: T): Partial<T> {
  return Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)) as Partial<T>;
}

const ATTEMPTS = 5;

/** Consistent reads: an operator reads back the switch just written, and a kill switch must show. */
async function readControlItems(
  store: DispatchStore,
  keys: readonly string[],
): Promise<Map<string, Record<string, AttributeValue>>> {
  const table = store.tables.control;
  const items = new Map<string, Record<string, AttributeValue>>();
  let pending: Record<string, AttributeValue>[] = keys.map((pk) => ({ pk: { S: pk } }));
  for (let attempt = 1; pending.length > 0; attempt++) {
    if (attempt > ATTEMPTS)
      throw new AwsThrottledError(
        `Reading the switches in ${table}: DynamoDB left keys unprocessed ${ATTEMPTS} times`,
      );
    if (attempt > 1) await sleep(50 * 2 ** attempt);
    try {
      const page = await store.dynamodb.send(
        new BatchGetItemCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: true } } }),
      );
      for (const item of page.Responses?.[table] ?? []) {
        if (item.pk?.S !== undefined) items.set(item.pk.S, item);
      }
      pending = page.UnprocessedKeys?.[table]?.Keys ?? [];
    } catch (error) {
      throw classifyAwsError(error, `Reading the switches in ${table}`);
    }
  }
  return items;
}
