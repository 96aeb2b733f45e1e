/**
 * The audit ledger: one record per decision and outcome, never updated. Records are written by
 * the dispatch state machine (optimized DynamoDB putItem) from items the tasks build here, so
 * every record has the same shape whoever writes it.
 */
import { QueryCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { classifyAwsError } from '../errors.ts';
import { LEDGER_BY_DAY_INDEX } from './tables.ts';

export const LEDGER_DECISIONS = [
  'ignored',
  'unhandled',
  'rejected',
  'suppressed',
  'started',
  'dry-run',
  /** A runbook kept what it will restore (an original setting) before its first change. */
  'recorded',
  'succeeded',
  'failed',
  /** Dispatch started a long runbook and left it running, under its own lock. */
  'handed-over',
  /** The lease ran out and another run took the lock before this one released it. */
  'lock-lost',
] as const;
export type LedgerDecision = (typeof LEDGER_DECISIONS)[number];

export interface LedgerRecord {
  /** `dynamodb-table/orders`, or `unrouted`. */
  resource: string;
  /** ISO 8601. */
  at: string;
  incidentId: string;
  decision: LedgerDecision;
  reason: string;
  kind?: string;
  runbook?: string;
  source?: string;
  executionArn?: string;
  /** Before/after values of what a runbook changed, as the runbook reported them (JSON). */
  actions?: string;
}

export type LedgerItem = Record<string, AttributeValue>;

/** Where a decision comes in an incident's life, so records of one instant sort in that order. */
const STAGE: Record<LedgerDecision, number> = {
  ignored: 0,
  unhandled: 0,
  rejected: 0,
  suppressed: 1,
  started: 1,
  'dry-run': 1,
  recorded: 2,
  succeeded: 3,
  failed: 3,
  'handed-over': 3,
  'lock-lost': 4,
};

/** `<time>#<incident>#<stage>-<decision>`: by time (queries by time), unique per record. */
export function ledgerSortKey(at: string, incidentId: string, decision: LedgerDecision): string {
  return `${at}#${incidentId}#${STAGE[decision]}-${decision}`;
}

export function ledgerItem(record: LedgerRecord): LedgerItem {
  const item: LedgerItem = {
    resource: { S: record.resource },
    at: { S: ledgerSortKey(record.at, record.incidentId, record.decision) },
    day: { S: record.at.slice(0, 10) },
    time: { S: record.at },
    incidentId: { S: record.incidentId },
    decision: { S: record.decision },
    reason: { S: record.reason },
  };
  for (const key of ['kind', 'runbook', 'source', 'executionArn', 'actions'] as const) {
    const value = record[key];
    if (value !== undefined) item[key] = { S: value };
  }
  return item;
}

/** Oldest first, and within an instant in an incident's order (decision before outcome). */
export function byLedgerOrder(a: LedgerItem, b: LedgerItem): number {
  return (a.at?.S ?? '').localeCompare(b.at?.S ?? '');
}

export function recordOf(item: LedgerItem): LedgerRecord {
  const text = (key: string): string | undefined => item[key]?.S;
  return {
    resource: text('resource') ?? '',
    at: text('time') ?? '',
    incidentId: text('incidentId') ?? '',
    decision: (text('decision') ?? 'unhandled') as LedgerDecision,
    reason: text('reason') ?? '',
    ...Object.fromEntries(
      (['kind', 'runbook', 'source', 'executionArn', 'actions'] as const).flatMap((key) =>
        text(key) !== undefined ? [[key, text(key)]] : [],
      ),
    ),
  };
}

export interface LedgerQuery {
  /** One resource's records; without it, the records of `day`. */
  resource?: string;
  /** `YYYY-MM-DD`, for the by-day index. */
  day?: string;
  limit?: number;
}

/** Records oldest first. */
export async function queryLedger(
  dynamodb: DynamoDBClient,
  tableName: string,
  query: LedgerQuery,
): Promise<LedgerRecord[]> {
  const partition = query.resource
    ? { name: 'resource', value: query.resource }
    : { name: 'day', value: query.day ?? '' };
  const records: LedgerRecord[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  try {
    do {
      const page = await dynamodb.send(
        new QueryCommand({
          TableName: tableName,
          ...(query.resource ? {} : { IndexName: LEDGER_BY_DAY_INDEX }),
          KeyConditionExpression: '#p = :p',
          ExpressionAttributeNames: { '#p': partition.name },
          ExpressionAttributeValues: { ':p': { S: partition.value } },
          ExclusiveStartKey: startKey,
        }),
      );
      records.push(...(page.Items ?? []).map(recordOf));
      startKey = page.LastEvaluatedKey;
    } while (startKey && (query.limit === undefined || records.length < query.limit));
  } catch (error) {
    throw classifyAwsError(error, `Reading the ledger ${tableName}`);
  }
  return query.limit === undefined ? records : records.slice(0, query.limit);
}
