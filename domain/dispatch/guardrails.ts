/**
 * Whether an incident may start its runbook now, and everything the dispatch state machine needs
 * to enforce that with conditional writes: the lock's lease, the rate counters' keys and limits,
 * the cooldown to set afterwards, and the ledger records for each way it can go.
 *
 * The check reads switches, the cooldown and the counters to give a clear reason early; the
 * state machine's conditional writes (lock, counters) are what hold under concurrency.
 */
import {
  BatchGetItemCommand,
  PutItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { AwsThrottledError, classifyAwsError } from '../errors.ts';
import { resourceKey, type Incident } from '../incidents/incident.ts';
import { ledgerItem, type LedgerDecision, type LedgerItem } from './ledger.ts';
import { switchesFrom, switchKeys } from './switches.ts';
import type { DispatchTables } from './tables.ts';

export interface GuardrailPorts {
  dynamodb: DynamoDBClient;
  now: () => number;
  tables: DispatchTables;
}

export interface GuardrailSettings {
  /** How long a lock holds if its run never releases it (a crashed or stopped execution). */
  lockLeaseSeconds: number;
}

export const DEFAULT_GUARDRAIL_SETTINGS: GuardrailSettings = { lockLeaseSeconds: 3600 };

/** DynamoDB number values travel as strings in the state machine's conditional writes. */
type NumberText = string;

/**
 * How long an incident's claim holds: EventBridge retries delivering an event for up to 24 hours
 * (a rule target's default retry policy), so a redelivery within it is recognised.
 */
export const INCIDENT_CLAIM_SECONDS = 24 * 3600;

export interface GuardrailVerdict {
  /** `duplicate`: another execution already decided this incident (a redelivered event). */
  verdict: 'proceed' | 'suppressed' | 'duplicate';
  reason: string;
  dryRun: boolean;
  /**
   * Whether the resource's cooldown holds this run back: not for a dry run an operator asked for,
   * which changes nothing and is the way to preview a plan during a cooldown.
   */
  cooldownApplies: boolean;
  now: string;
  lock: { pk: string; leaseExpiresAt: string; expiresAtEpoch: NumberText };
  rate: {
    runbookPk: string;
    runbookLimit: NumberText;
    globalPk: string;
    globalLimit: NumberText;
    expiresAtEpoch: NumberText;
  };
  cooldown: { pk: string; until: string; expiresAtEpoch: NumberText };
  /** Ledger items, ready for putItem, for each way the dispatch can go from here. */
  ledger: Record<
    'proceeding' | 'suppressed' | 'alreadyRemediating' | 'coolingDown' | 'rateLimited' | 'lockLost',
    LedgerItem
  >;
}

export interface GuardrailOptions {
  /** The signal asked for a dry run (an operator's request): the run is one even if the runbook is live. */
  dryRunRequested?: boolean;
  /**
   * The dispatch execution deciding: it claims the incident, so one incident is decided once
   * however often its event is delivered (this execution's own retries find their claim).
   */
  executionId?: string;
  settings?: GuardrailSettings;
}

export async function checkGuardrails(
  ports: GuardrailPorts,
  incident: Incident,
  runbook: string,
  { dryRunRequested = false, settings = DEFAULT_GUARDRAIL_SETTINGS, executionId }: GuardrailOptions = {},
): Promise<GuardrailVerdict> {
  const nowMs = ports.now();
  const now = new Date(nowMs).toISOString();
  const resource = resourceKey(incident.resource);
  const claimed = executionId === undefined || (await claimIncident(ports, incident.id, executionId, nowMs));
  const hour = now.slice(0, 13);
  const rate = {
    runbookPk: `rate#runbook#${runbook}#${hour}`,
    globalPk: `rate#global#${hour}`,
    expiresAtEpoch: epoch(nowMs + 2 * 3600_000),
  };
  const state = await readControlItems(ports, [
    ...switchKeys(runbook),
    `cooldown#${resource}`,
    rate.runbookPk,
    rate.globalPk,
  ]);
  const switches = switchesFrom(state, runbook);
  const limits = {
    runbookLimit: String(switches.runbook.actionsPerHour),
    globalLimit: String(switches.global.actionsPerHour),
  };
  const cooldownUntil = state.get(`cooldown#${resource}`)?.until?.S;
  const runbookActions = Number(state.get(rate.runbookPk)?.actions?.N ?? 0);
  const globalActions = Number(state.get(rate.globalPk)?.actions?.N ?? 0);
  // A request can make a live runbook's run a dry run, never a dry-run runbook's run live.
  const dryRun = !switches.runbook.live || dryRunRequested;
  const coolingDown = cooldownUntil !== undefined && cooldownUntil > now;
  const cooldownApplies = !dryRunRequested;

  let suppressedBecause: string | undefined;
  if (!switches.global.enabled) suppressedBecause = 'the global kill switch is on: selfheal changes nothing';
  else if (!switches.runbook.enabled) suppressedBecause = `runbook ${runbook} is switched off`;
  else if (coolingDown && cooldownApplies)
    suppressedBecause = `${resource} is cooling down until ${cooldownUntil}`;
  else if (!dryRun && runbookActions >= switches.runbook.actionsPerHour) {
    suppressedBecause = `runbook ${runbook} reached its limit of ${switches.runbook.actionsPerHour} actions this hour`;
  } else if (!dryRun && globalActions >= switches.global.actionsPerHour) {
    suppressedBecause = `selfheal reached its global limit of ${switches.global.actionsPerHour} actions this hour`;
  }

  const record = (decision: LedgerDecision, reason: string): LedgerItem =>
    ledgerItem({
      resource,
      at: now,
      incidentId: incident.id,
      decision,
      reason,
      kind: incident.kind,
      runbook,
      source: incident.source,
    });
  const proceeding = !switches.runbook.live
    ? `dry run of ${runbook} (the runbook is not live)`
    : dryRun
      ? `dry run of ${runbook} (the request asked for one)${coolingDown ? `, a preview during the cooldown until ${cooldownUntil}` : ''}`
      : `${runbook} started for ${incident.kind} on ${resource}`;
  return {
    verdict: !claimed ? 'duplicate' : suppressedBecause ? 'suppressed' : 'proceed',
    reason: !claimed
      ? `incident ${incident.id} was already decided by another dispatch: a redelivered event`
      : (suppressedBecause ?? proceeding),
    dryRun,
    cooldownApplies,
    now,
    lock: {
      pk: `lock#${resource}`,
      leaseExpiresAt: new Date(nowMs + settings.lockLeaseSeconds * 1000).toISOString(),
      expiresAtEpoch: epoch(nowMs + settings.lockLeaseSeconds * 1000),
    },
    rate: { ...rate, ...limits },
    cooldown: {
      pk: `cooldown#${resource}`,
      until: new Date(nowMs + switches.runbook.cooldownSeconds * 1000).toISOString(),
      expiresAtEpoch: epoch(nowMs + switches.runbook.cooldownSeconds * 1000),
    },
    ledger: {
      proceeding: record(dryRun ? 'dry-run' : 'started', proceeding),
      suppressed: record('suppressed', suppressedBecause ?? ''),
      alreadyRemediating: record('suppressed', `already remediating ${resource}: another run holds its lock`),
      coolingDown: record(
        'suppressed',
        `${resource} began a cooldown while this incident waited for its lock`,
      ),
      rateLimited: record('suppressed', `rate limit reached for ${runbook} or selfheal this hour`),
      lockLost: record(
        'lock-lost',
        `the lock's lease ran out before ${runbook} ended and another run took it: both may have acted on ${resource}`,
      ),
    },
  };
}

/** True when this execution holds the incident's claim (made now, or by an earlier attempt of its own). */
async function claimIncident(
  ports: GuardrailPorts,
  incidentId: string,
  executionId: string,
  nowMs: number,
): Promise<boolean> {
  const table = ports.tables.control;
  try {
    await ports.dynamodb.send(
      new PutItemCommand({
        TableName: table,
        Item: {
          pk: { S: `incident#${incidentId}` },
          execution: { S: executionId },
          at: { S: new Date(nowMs).toISOString() },
          expiresAtEpoch: { N: epoch(nowMs + INCIDENT_CLAIM_SECONDS * 1000) },
        },
        ConditionExpression: 'attribute_not_exists(pk) OR #execution = :execution',
        ExpressionAttributeNames: { '#execution': 'execution' },
        ExpressionAttributeValues: { ':execution': { S: executionId } },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return false;
    throw classifyAwsError(error, `Claiming incident ${incidentId} in ${table}`);
  }
}

async function readControlItems(
  ports: GuardrailPorts,
  keys: string[],
): Promise<Map<string, Record<string, AttributeValue>>> {
  const table = ports.tables.control;
  try {
    const output = await ports.dynamodb.send(
      new BatchGetItemCommand({
        RequestItems: { [table]: { Keys: keys.map((pk) => ({ pk: { S: pk } })), ConsistentRead: true } },
      }),
    );
    if (Object.keys(output.UnprocessedKeys ?? {}).length > 0) {
      throw new AwsThrottledError(`Reading ${table}: DynamoDB left keys unprocessed`);
    }
    return new Map((output.Responses?.[table] ?? []).map((item) => [item.pk?.S ?? '', item]));
  } catch (error) {
    throw classifyAwsError(error, `Reading switches, cooldowns and rate counters in ${table}`);
  }
}

const epoch = (ms: number): string => String(Math.floor(ms / 1000));
